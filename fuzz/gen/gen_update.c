/*
 * gen_update.c -- writes the seed corpus fuzz/corpus/policy_update/ for
 * fuzz/targets/fuzz_policy_update.c (current policy: P1 of tests/support/update_fixture.h,
 * which is fuzz/standard_policy.h).
 *
 * `make test` builds it (build/fuzz/gen_update) so that it cannot rot; it is run by hand:
 *
 *   mkdir -p fuzz/corpus/policy_update && build/fuzz/gen_update fuzz/corpus
 *
 * Keys are deterministic, so the output is reproducible byte for byte.  The seeds: valid
 * updates P1 -> P2 (with and without time-reset, exactly a quorum), each attack of the
 * attack suite's policy-update section, and malformed texts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_util.h"
#include "support/update_fixture.h"

static uf_world W;
static const char *dir;
static char text[SP_MAX_NOTE_BYTES], pol[UF_POLICY_CAP], buf[SP_MAX_NOTE_BYTES * 2];

static void put(const char *name, const char *data)
{
    gen_put(dir, "policy_update", name, data, strlen(data));
}

/* P1 -> (P2 with from replaced by to) as version, signed by mask. */
static void variant(const char *name, const char *from, const char *to, uint64_t version,
                    int time_reset, uint32_t mask)
{
    (void)uf_variant(pol, sizeof pol, W.text[1], from, to);
    (void)uf_update_text(text, sizeof text, &W.p[0], version, pol, time_reset);
    (void)uf_sign(buf, sizeof buf, &W, text, mask);
    put(name, buf);
}

int main(int argc, char **argv)
{
    uint8_t h[32];
    char from[400];
    if (argc != 2) {
        fprintf(stderr, "usage: gen_update DIR   (writes DIR/policy_update/*)\n");
        return 2;
    }
    dir = argv[1];
    uf_world_make(&W);

    variant("valid-p1-p2", NULL, NULL, 2, 0, UF_P1_P2_KEYS);
    variant("valid-time-reset", NULL, NULL, 2, 1, UF_P1_P2_KEYS);
    variant("valid-exact-quorums", NULL, NULL, 2, 0,
            PF_BIT(PF_CIV_A) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B) | PF_BIT(UF_CIV_B2));
    variant("valid-rethreshold", "rule 1 tag civil\n", "rule 2 tag civil\n", 2, 0,
            UF_P1_P2_KEYS);
    variant("old-quorum-only", "rule 1 tag civil\n", "rule 2 tag civil\n", 2, 0, UF_P1_KEYS);
    variant("new-quorum-only", NULL, NULL, 2, 0,
            PF_BIT(UF_CIV_B2) | PF_BIT(PF_MIL_A) | PF_BIT(PF_MIL_B));
    variant("added-key-unsigned", NULL, NULL, 2, 0, UF_P1_KEYS);
    variant("not-newer", NULL, NULL, 1, 0, UF_P1_P2_KEYS);
    variant("skipped", "\nversion 2\n", "\nversion 3\n", 3, 0, UF_P1_P2_KEYS);
    variant("version-mismatch", "\nversion 2\n", "\nversion 3\n", 2, 0, UF_P1_P2_KEYS);
    variant("single-body", "rule 1 tag civil\nrule 3 all\n", "rule 1 tag civil\n", 2, 0,
            UF_P1_P2_KEYS);
    variant("rule-dropped", "rule 1 tag civil\n",
            "rule 1 signers civ-alpha.example,civ-beta.example\n", 2, 0, UF_P1_P2_KEYS);
    variant("witnesses-3-of-3", "group witnesses 2 ", "group witnesses 3 ", 2, 0,
            UF_P1_P2_KEYS);
    snprintf(from, sizeof from, "witness w3 %s\n", W.pf.pub.witness_vkeys[2]);
    (void)uf_variant(pol, sizeof pol, W.text[1], from, "");
    (void)pf_replace(pol, sizeof pol, " w1 w2 w3\n", " w1 w2\n");
    (void)uf_update_text(text, sizeof text, &W.p[0], 2, pol, 0);
    (void)uf_sign(buf, sizeof buf, &W, text, UF_P1_P2_KEYS);
    put("witnesses-2-of-2", buf);
    variant("genesis-changed", "genesis 1735689600\n", "genesis 1735084800\n", 2, 0,
            UF_P1_P2_KEYS);
    variant("epoch-length-changed", "epoch-length 604800\n", "epoch-length 302400\n", 2, 0,
            UF_P1_P2_KEYS);
    variant("carried-not-canonical", "allowance 648000", "allowance 0648000", 2, 0,
            UF_P1_P2_KEYS);
    uf_policy_hash(h, W.text[1], W.len[1]);
    (void)uf_update_text_raw(text, sizeof text, "other.example/softpause", W.p[0].hash, 2, h, 0,
                             W.text[1]);
    (void)uf_sign(buf, sizeof buf, &W, text, UF_P1_P2_KEYS);
    put("other-deployment", buf);
    (void)uf_update_text_raw(text, sizeof text, PF_DEPLOYMENT, h, 2, h, 0, W.text[1]);
    (void)uf_sign(buf, sizeof buf, &W, text, UF_P1_P2_KEYS);
    put("fork", buf);
    (void)uf_update_text_raw(text, sizeof text, PF_DEPLOYMENT, W.p[0].hash, 2, W.p[2].hash, 0,
                             W.text[1]);
    (void)uf_sign(buf, sizeof buf, &W, text, UF_P1_P2_KEYS);
    put("wrong-hash", buf);
    (void)uf_update_note(buf, sizeof buf, &W, 1, UF_P2_P3_KEYS | UF_P1_KEYS);
    put("p2-p3-skip", buf);
    (void)uf_update_text(text, sizeof text, &W.p[0], 2, W.text[1], 0);
    put("text-only", text);
    variant("bad-header", NULL, NULL, 2, 0, UF_P1_P2_KEYS);
    {
        char *p = strstr(buf, "policy-update");
        memcpy(p, "policy-updatf", 13);
        put("bad-header", buf);
    }
    return 0;
}
