/*
 * tile_reader.c -- inclusion proofs and entries from a tiled log (host/tile_reader.h).
 *
 * Host code: the subtree walk recurses (depth <= 64), which the freestanding verifier
 * never does; the proof it produces is checked by the verifier before anyone relies on it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "softpause/host/fileio.h"
#include "softpause/host/http.h"
#include "softpause/host/tile_reader.h"
#include "softpause/host/tlog_tiles.h"
#include "softpause/merkle.h"

static int is_url(const char *base)
{
    return strncmp(base, "http://", 7) == 0 || strncmp(base, "https://", 8) == 0;
}

sp_err sp_tile_fetch(const char *base, const char *path, uint8_t **body, size_t *len)
{
    char where[2048];
    size_t bl = strlen(base);
    int n;

    *body = NULL;
    *len = 0;
    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    n = snprintf(where, sizeof where, "%.*s/%s", (int)bl, base, path);
    if (n < 0 || (size_t)n >= sizeof where)
        return SP_ERR_ARGUMENT;
    if (is_url(base)) {
        int status = 0;
        sp_err e = sp_http_request("GET", where, NULL, 0, 10000, SP_TILE_READER_MAX_BYTES,
                                   &status, body, len, NULL, 0);
        if (e != SP_OK)
            return e;
        if (status == 200)
            return SP_OK;
        free(*body);
        *body = NULL;
        *len = 0;
        return status == 404 ? SP_ERR_NOT_FOUND : SP_ERR_HTTP;
    }
    {
        /* A mirror directory: allocate what the file holds, read it with the project's
         * bounded reader (a file that grew meanwhile is refused, not truncated). */
        struct stat st;
        uint8_t *buf;
        sp_err e;
        if (stat(where, &st) != 0)
            return errno == ENOENT ? SP_ERR_NOT_FOUND : SP_ERR_IO;
        if (st.st_size < 0 || (uint64_t)st.st_size > SP_TILE_READER_MAX_BYTES)
            return SP_ERR_IO;
        buf = malloc((size_t)st.st_size + 1u);
        if (buf == NULL)
            return SP_ERR_IO;
        e = sp_file_read(where, buf, (size_t)st.st_size, len);
        if (e != SP_OK) {
            free(buf);
            *len = 0;
            return e;
        }
        *body = buf;
        return SP_OK;
    }
}

/* One inclusion-proof computation: where the tiles come from, and the last hash tile read
 * (a proof's nodes mostly sit in a few tiles; each is fetched once, not once per node). */
typedef struct proof_ctx {
    const char *base;
    uint64_t size;
    const sp_crypto *crypto;
    sp_tile cached;
    uint8_t *body;
    size_t len;
} proof_ctx;

/* Hash tile t, from the cache or fetched (length checked) into it. */
static sp_err hash_tile(proof_ctx *c, const sp_tile *t, const uint8_t **body)
{
    char path[SP_TILE_PATH_MAX];
    sp_err e;

    if (c->body != NULL && memcmp(&c->cached, t, sizeof *t) == 0) {
        *body = c->body;
        return SP_OK;
    }
    free(c->body);
    c->body = NULL;
    c->len = 0;
    e = sp_tile_path_format(t, path, sizeof path);
    if (e == SP_OK)
        e = sp_tile_fetch(c->base, path, &c->body, &c->len);
    if (e == SP_OK && c->len != (size_t)t->width * SP_SHA256_BYTES)
        e = SP_ERR_FILE_FORMAT;
    if (e != SP_OK) {
        free(c->body);
        c->body = NULL;
        return e;
    }
    c->cached = *t;
    *body = c->body;
    return SP_OK;
}

/* The hash of the complete subtree of 2^height leaves whose first leaf is
 * index * 2^height: 2^(height % 8) consecutive hashes of one hash tile, combined. */
static sp_err complete_node(proof_ctx *c, uint32_t height, uint64_t index,
                            uint8_t out[SP_SHA256_BYTES])
{
    uint32_t level = height / SP_TILE_HEIGHT, r = height % SP_TILE_HEIGHT;
    uint64_t first = index << r;                /* at tree level 8 * level */
    uint32_t count = 1u << r, offset = (uint32_t)(first % SP_TILE_WIDTH);
    sp_tile t = {0, level, first / SP_TILE_WIDTH, 0};
    uint8_t hashes[128][SP_SHA256_BYTES];
    const uint8_t *body = NULL;
    sp_err e;

    t.width = sp_tile_width(level, t.n, c->size);
    if (t.width < offset + count)
        return SP_ERR_NOT_FOUND; /* the tree is not that big */
    if ((e = hash_tile(c, &t, &body)) != SP_OK)
        return e;
    memcpy(hashes, body + (size_t)offset * SP_SHA256_BYTES, (size_t)count * SP_SHA256_BYTES);
    for (; count > 1; count /= 2)
        for (uint32_t i = 0; i < count / 2; i++)
            if ((e = sp_merkle_node_hash(hashes[i], hashes[2 * i], hashes[2 * i + 1],
                                         c->crypto)) != SP_OK)
                return e;
    memcpy(out, hashes[0], SP_SHA256_BYTES);
    return SP_OK;
}

static uint64_t split_point(uint64_t n) /* largest power of two below n (n >= 2) */
{
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    return k;
}

/* MTH of leaves [lo, hi) of a tree of `size` leaves (RFC 6962 section 2.1). */
static sp_err subtree_hash(proof_ctx *c, uint64_t lo, uint64_t hi,
                           uint8_t out[SP_SHA256_BYTES])
{
    uint64_t n = hi - lo;
    uint8_t l[SP_SHA256_BYTES], r[SP_SHA256_BYTES];
    sp_err e;

    if ((n & (n - 1)) == 0 && lo % n == 0) {
        uint32_t h = 0;
        while (((uint64_t)1 << h) < n)
            h++;
        return complete_node(c, h, lo >> h, out);
    }
    {
        uint64_t k = split_point(n);
        if ((e = subtree_hash(c, lo, lo + k, l)) != SP_OK ||
            (e = subtree_hash(c, lo + k, hi, r)) != SP_OK)
            return e;
    }
    return sp_merkle_node_hash(out, l, r, c->crypto);
}

/* RFC 6962 PATH(m, D[lo:hi]), appended leaf side first. */
static sp_err path(proof_ctx *c, uint64_t m, uint64_t lo, uint64_t hi,
                   uint8_t proof[][SP_SHA256_BYTES], size_t *n)
{
    uint64_t k;
    sp_err e;
    if (hi - lo <= 1)
        return SP_OK;
    if (*n >= SP_MAX_PROOF_HASHES)
        return SP_ERR_MERKLE_PROOF_TOO_LONG;
    k = split_point(hi - lo);
    if (m < k) {
        if ((e = path(c, m, lo, lo + k, proof, n)) != SP_OK)
            return e;
        return subtree_hash(c, lo + k, hi, proof[(*n)++]);
    }
    if ((e = path(c, m - k, lo + k, hi, proof, n)) != SP_OK)
        return e;
    return subtree_hash(c, lo, lo + k, proof[(*n)++]);
}

sp_err sp_tile_inclusion_proof(const char *base, uint64_t index, uint64_t size,
                               const sp_crypto *crypto, uint8_t proof[][SP_SHA256_BYTES],
                               size_t *n)
{
    *n = 0;
    if (base == NULL || crypto == NULL || proof == NULL)
        return SP_ERR_ARGUMENT;
    if (index >= size)
        return SP_ERR_MERKLE_SIZE;
    {
        proof_ctx c;
        sp_err e;
        memset(&c, 0, sizeof c);
        c.base = base;
        c.size = size;
        c.crypto = crypto;
        e = path(&c, index, 0, size, proof, n);
        free(c.body);
        return e;
    }
}

sp_err sp_tile_fetch_entry_bundle(const char *base, uint64_t n, uint64_t size, uint8_t **body,
                                  size_t *len)
{
    sp_tile t = {1, 0, n, 0};
    char path_text[SP_TILE_PATH_MAX];
    sp_err e;

    *body = NULL;
    *len = 0;
    t.width = sp_tile_width(0, n, size);
    if (t.width == 0)
        return SP_ERR_NOT_FOUND;
    if ((e = sp_tile_path_format(&t, path_text, sizeof path_text)) != SP_OK)
        return e;
    return sp_tile_fetch(base, path_text, body, len);
}

sp_err sp_tile_read_entry(const char *base, uint64_t index, uint64_t size, uint8_t **entry,
                          size_t *len)
{
    uint8_t *body = NULL;
    size_t body_len = 0, pos = 0;
    const uint8_t *e_ptr = NULL;
    size_t e_len = 0;
    sp_err e;

    *entry = NULL;
    *len = 0;
    if (index >= size)
        return SP_ERR_NOT_FOUND;
    if ((e = sp_tile_fetch_entry_bundle(base, index / SP_TILE_WIDTH, size, &body, &body_len)) !=
        SP_OK)
        return e;
    for (uint64_t i = 0; i <= index % SP_TILE_WIDTH; i++) {
        e = sp_entry_bundle_next(body, body_len, &pos, &e_ptr, &e_len);
        if (e != SP_OK) {
            free(body);
            return e == SP_ERR_NOT_FOUND ? SP_ERR_FILE_FORMAT : e;
        }
    }
    *entry = malloc(e_len == 0 ? 1 : e_len);
    if (*entry == NULL) {
        free(body);
        return SP_ERR_IO;
    }
    memcpy(*entry, e_ptr, e_len);
    *len = e_len;
    free(body);
    return SP_OK;
}
