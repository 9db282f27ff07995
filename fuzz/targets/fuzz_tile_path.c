/*
 * fuzz_tile_path.c -- libFuzzer target for the log's network-facing tlog-tiles parsing
 * (softpause/host/tlog_tiles.h): the path of every GET the log answers, and the entry
 * bundles a tile reader takes from any mirror.
 *
 * Oracles (abort()):
 *   path:   refusal leaves the tile all zero; an accepted path formats back to exactly the
 *           input (one spelling per tile), with a level <= 63, a width 1..256 and an
 *           entry bundle only at level 0;
 *   bundle: walking the input as an entry bundle either ends exactly at its end or stops
 *           with SP_ERR_FILE_FORMAT; every entry lies inside the input, and re-encoding
 *           the entries read gives back the bytes walked.
 *
 * Corpus: fuzz/corpus/tile_path/ (paths, and bundles: the input is both).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "softpause/host/tlog_tiles.h"

#include "../fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void path_oracle(const uint8_t *data, size_t size)
{
    sp_tile t;
    char out[SP_TILE_PATH_MAX];
    if (sp_tile_path_parse(&t, (const char *)data, size) != SP_OK) {
        if (!fuzz_all_zero(&t, sizeof t))
            abort();
        return;
    }
    if (t.level > SP_TILE_MAX_LEVEL || t.width == 0 || t.width > SP_TILE_WIDTH ||
        (t.entries && t.level != 0))
        abort();
    if (sp_tile_path_format(&t, out, sizeof out) != SP_OK || strlen(out) != size ||
        memcmp(out, data, size) != 0)
        abort();
}

static void bundle_oracle(const uint8_t *data, size_t size)
{
    static uint8_t copy[1u << 17];
    size_t pos = 0, out = 0;
    const uint8_t *e;
    size_t n;
    sp_err err;
    if (size > sizeof copy)
        return;
    while ((err = sp_entry_bundle_next(data, size, &pos, &e, &n)) == SP_OK) {
        if (e < data || n > size || e + n > data + size || e + n != data + pos)
            abort();
        if (sp_entry_bundle_put(copy, sizeof copy, &out, e, n) != SP_OK)
            abort();
    }
    if ((err == SP_ERR_NOT_FOUND && pos != size) ||
        (err != SP_ERR_NOT_FOUND && err != SP_ERR_FILE_FORMAT) || out != pos ||
        memcmp(copy, data, out) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    path_oracle(data, size);
    bundle_oracle(data, size);
    return 0;
}
