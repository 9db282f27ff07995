/*
 * tlog_tiles.c -- C2SP tlog-tiles paths, widths and entry bundles (see tlog_tiles.h).
 *
 * Path grammar accepted (and the only one written):
 *
 *   "tile/" ( "entries" | L ) "/" N [ ".p/" W ]
 *   N = { "x" DDD "/" } DDD           first group not "x000" (no leading zero groups)
 *
 * Tile indexes are below 2^55: a tree holds fewer than 2^63 leaves, so no level has more
 * than 2^55 tiles, and N then has at most 6 groups.  Decimal fields go through the one
 * decimal parser (encoding.h), which already refuses leading zeros and signs.
 */
#include <string.h>

#include "softpause/encoding.h"
#include "softpause/host/tlog_tiles.h"

/* Tile indexes are below this (see above). */
#define TILE_INDEX_LIMIT ((uint64_t)1 << 55)

static const char prefix[] = "tile/";
static const char entries_dir[] = "entries/";
static const char partial[] = ".p/";

sp_err sp_tile_path_format(const sp_tile *t, char *out, size_t cap)
{
    char buf[SP_TILE_PATH_MAX];
    size_t pos = 0, n;
    if (cap > 0)
        out[0] = '\0';
    if (t->level > SP_TILE_MAX_LEVEL || (t->entries && t->level != 0) || t->width == 0 ||
        t->width > SP_TILE_WIDTH || t->n >= TILE_INDEX_LIMIT)
        return SP_ERR_USAGE;
    memcpy(buf, prefix, sizeof prefix - 1);
    pos = sizeof prefix - 1;
    if (t->entries) {
        memcpy(buf + pos, entries_dir, sizeof entries_dir - 1);
        pos += sizeof entries_dir - 1;
    } else {
        if (sp_decimal_format(buf + pos, sizeof buf - pos, &n, t->level) != SP_OK)
            return SP_ERR_USAGE;
        pos += n;
        buf[pos++] = '/';
    }
    /* Groups of three digits, most significant first. */
    uint32_t groups[8];
    size_t count = 0;
    uint64_t v = t->n;
    do {
        groups[count++] = (uint32_t)(v % 1000u);
        v /= 1000u;
    } while (v != 0);
    while (count > 0) {
        uint32_t g = groups[--count];
        if (count > 0)
            buf[pos++] = 'x';
        buf[pos++] = (char)('0' + g / 100u);
        buf[pos++] = (char)('0' + g / 10u % 10u);
        buf[pos++] = (char)('0' + g % 10u);
        if (count > 0)
            buf[pos++] = '/';
    }
    if (t->width < SP_TILE_WIDTH) {
        memcpy(buf + pos, partial, sizeof partial - 1);
        pos += sizeof partial - 1;
        if (sp_decimal_format(buf + pos, sizeof buf - pos, &n, t->width) != SP_OK)
            return SP_ERR_USAGE;
        pos += n;
    }
    if (pos + 1 > cap)
        return SP_ERR_LOG_FULL;
    memcpy(out, buf, pos);
    out[pos] = '\0';
    return SP_OK;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Parse N from path[0..len) exactly (no suffix). */
static int parse_index(const char *p, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    size_t pos = 0, groups = 0;
    for (;;) {
        int last = !(pos < len && p[pos] == 'x');
        if (!last)
            pos++;
        if (len - pos < 3 || !is_digit(p[pos]) || !is_digit(p[pos + 1]) ||
            !is_digit(p[pos + 2]))
            return 0;
        uint32_t g = (uint32_t)(p[pos] - '0') * 100u + (uint32_t)(p[pos + 1] - '0') * 10u +
                     (uint32_t)(p[pos + 2] - '0');
        /* A leading zero group is a second spelling of a shorter index. */
        if (groups == 0 && !last && g == 0)
            return 0;
        if (++groups > 6)
            return 0;
        v = v * 1000u + g;
        pos += 3;
        if (last)
            break;
        if (pos >= len || p[pos] != '/')
            return 0;
        pos++;
    }
    if (pos != len || v >= TILE_INDEX_LIMIT)
        return 0;
    *out = v;
    return 1;
}

sp_err sp_tile_path_parse(sp_tile *out, const char *path, size_t len)
{
    memset(out, 0, sizeof *out);
    sp_tile t = {0};
    size_t pos = sizeof prefix - 1;
    if (len < pos || memcmp(path, prefix, pos) != 0)
        return SP_ERR_NOT_FOUND;
    if (len - pos >= sizeof entries_dir - 1 &&
        memcmp(path + pos, entries_dir, sizeof entries_dir - 1) == 0) {
        t.entries = 1;
        pos += sizeof entries_dir - 1;
    } else {
        const char *slash = memchr(path + pos, '/', len - pos);
        uint64_t level;
        if (slash == NULL ||
            sp_decimal_parse(&level, path + pos, (size_t)(slash - (path + pos)),
                             SP_TILE_MAX_LEVEL) != SP_OK)
            return SP_ERR_NOT_FOUND;
        t.level = (uint32_t)level;
        pos = (size_t)(slash - path) + 1;
    }
    /* The index runs up to ".p/" or the end. */
    size_t end = len;
    for (size_t i = pos; i + 1 < len; i++) {
        if (path[i] == '.' && path[i + 1] == 'p') {
            end = i;
            break;
        }
    }
    if (!parse_index(path + pos, end - pos, &t.n))
        return SP_ERR_NOT_FOUND;
    t.width = SP_TILE_WIDTH;
    if (end < len) {
        uint64_t w;
        size_t wpos = end + sizeof partial - 1;
        if (len - end < sizeof partial - 1 || memcmp(path + end, partial, sizeof partial - 1) != 0 ||
            sp_decimal_parse(&w, path + wpos, len - wpos, SP_TILE_WIDTH - 1) != SP_OK || w == 0)
            return SP_ERR_NOT_FOUND;
        t.width = (uint32_t)w;
    }
    *out = t;
    return SP_OK;
}

uint32_t sp_tile_width(uint32_t level, uint64_t n, uint64_t tree_size)
{
    uint32_t shift = level * SP_TILE_HEIGHT;
    if (shift >= 64)
        return 0;
    uint64_t count = tree_size >> shift; /* hashes at this level */
    if (n >= TILE_INDEX_LIMIT || n > count / SP_TILE_WIDTH)
        return 0;
    uint64_t rest = count - n * SP_TILE_WIDTH;
    return rest >= SP_TILE_WIDTH ? SP_TILE_WIDTH : (uint32_t)rest;
}

sp_err sp_entry_bundle_put(uint8_t *out, size_t cap, size_t *pos, const uint8_t *entry,
                           size_t len)
{
    if (len > SP_BUNDLE_ENTRY_MAX || *pos > cap || cap - *pos < 2 || cap - *pos - 2 < len)
        return SP_ERR_LOG_FULL;
    out[*pos] = (uint8_t)(len >> 8);
    out[*pos + 1] = (uint8_t)len;
    if (len > 0)
        memcpy(out + *pos + 2, entry, len);
    *pos += 2 + len;
    return SP_OK;
}

sp_err sp_entry_bundle_next(const uint8_t *bundle, size_t len, size_t *pos,
                            const uint8_t **entry, size_t *entry_len)
{
    *entry = NULL;
    *entry_len = 0;
    if (*pos >= len)
        return SP_ERR_NOT_FOUND;
    if (len - *pos < 2)
        return SP_ERR_FILE_FORMAT;
    size_t n = (size_t)bundle[*pos] << 8 | bundle[*pos + 1];
    if (len - *pos - 2 < n)
        return SP_ERR_FILE_FORMAT;
    *entry = bundle + *pos + 2;
    *entry_len = n;
    *pos += 2 + n;
    return SP_OK;
}
