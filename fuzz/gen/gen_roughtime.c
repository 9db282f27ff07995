/*
 * gen_roughtime.c -- writes the seed corpus fuzz/corpus/roughtime/: responses of the test
 * responder (tests/support/rt_responder.c, seed byte 0x21, nonce 32 x 0x3c, the values
 * fuzz_roughtime.c checks against), one valid per shape and one per refusal of
 * sp_rt_response_verify.
 *
 * `make test` builds it (build/fuzz/gen_roughtime) so that it cannot rot; it is run by hand:
 *
 *   mkdir -p fuzz/corpus/roughtime && build/fuzz/gen_roughtime fuzz/corpus
 *
 * Keys are deterministic, so the output is reproducible byte for byte.
 */
#include <stdio.h>
#include <string.h>

#include "gen_util.h"
#include "softpause/host/sodium_crypto.h"
#include "support/rt_responder.h"

static const char *dir;
static rt_server srv;
static uint8_t nonce[32];

static void put(const char *name, const rt_answer *a)
{
    static uint8_t pkt[2048];
    size_t len = rt_respond(&srv, a, nonce, pkt, sizeof pkt);
    gen_put(dir, "roughtime", name, (const char *)pkt, len);
}

int main(int argc, char **argv)
{
    rt_answer a;
    if (argc != 2 || sp_sodium_init() != SP_OK) {
        fprintf(stderr, "usage: gen_roughtime CORPUS_DIR\n");
        return 2;
    }
    dir = argv[1];
    rt_server_init(&srv, 0x21);
    memset(nonce, 0x3c, sizeof nonce);
    rt_answer_default(&a, 1790000000u);
    put("valid", &a);
    a.depth = 3; a.index = 5;
    put("valid-batch8", &a);
    rt_answer_default(&a, 1790000000u); a.grease_len = 40; a.vers[1] = 2; a.nvers = 2;
    put("valid-grease", &a);
    rt_answer_default(&a, 1790000000u); a.radi = 61;
    put("radius-over-cap", &a);
    rt_answer_default(&a, 1790000000u); a.swap_tags = 1;
    put("unsorted", &a);
    rt_answer_default(&a, 1790000000u); a.ver = 2;
    put("version-2", &a);
    rt_answer_default(&a, 1790000000u); a.bad_srep_sig = 1;
    put("bad-srep-sig", &a);
    rt_answer_default(&a, 1790000000u); a.mint = 1790000001u;
    put("before-mint", &a);
    rt_answer_default(&a, 1790000000u); a.depth = 2; a.index = 1; a.indx_xor = 4;
    put("indx-beyond-path", &a);
    return 0;
}
