/*
 * test_tlog_tiles.c -- C2SP tlog-tiles paths, widths and entry bundles
 * (softpause/host/tlog_tiles.h): the spec's examples, round trips, and every
 * non-canonical spelling we could think of refused.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "softpause/host/tlog_tiles.h"

static void check_path(sp_tile t, const char *want)
{
    char buf[SP_TILE_PATH_MAX];
    CHECK_OK(sp_tile_path_format(&t, buf, sizeof buf));
    if (strcmp(buf, want) != 0) {
        printf("  formatted %s, expected %s\n", buf, want);
        CHECK(0);
    }
    sp_tile back;
    CHECK_OK(sp_tile_path_parse(&back, want, strlen(want)));
    CHECK(back.entries == t.entries && back.level == t.level && back.n == t.n &&
          back.width == t.width);
}

static void test_paths_from_the_spec(void)
{
    check_path((sp_tile){0, 0, 1234067, 256}, "tile/0/x001/x234/067");
    check_path((sp_tile){0, 0, 0, 256}, "tile/0/000");
    check_path((sp_tile){0, 1, 5, 17}, "tile/1/005.p/17");
    check_path((sp_tile){0, 63, 999, 1}, "tile/63/999.p/1");
    check_path((sp_tile){0, 2, 1000, 255}, "tile/2/x001/000.p/255");
    check_path((sp_tile){1, 0, 273, 112}, "tile/entries/273.p/112");
    check_path((sp_tile){1, 0, 0, 256}, "tile/entries/000");
    /* The largest index: 2^55 - 1. */
    check_path((sp_tile){0, 0, ((uint64_t)1 << 55) - 1, 255},
               "tile/0/x036/x028/x797/x018/x963/967.p/255");
}

static void test_noncanonical_paths_refused(void)
{
    static const char *bad[] = {
        "",                        "tile",                  "tile/",
        "tile/0",                  "tile/0/",               "tile/00/000",
        "tile/01/000",             "tile/64/000",           "tile/-1/000",
        "tile/+1/000",             "tile/ 1/000",           "tile/1/5",
        "tile/1/05",               "tile/1/0005",           "tile/1/x000/005",
        "tile/1/x005",             "tile/1/x005/",          "tile/1/005/",
        "tile/1/x5/005",           "tile/1/X001/005",       "tile/1/x001005",
        "tile/1/x001/x002",        "tile/1/005.p/",         "tile/1/005.p/0",
        "tile/1/005.p/256",        "tile/1/005.p/017",      "tile/1/005.p/17/",
        "tile/1/005.p17",          "tile/1/005.q/17",       "tile/1/005.p/1x",
        "tile/1/005.",             "tile/1/005.p",          "tile/entries/",
        "tile/entries/5",          "tile/entrie/005",       "tile/entries/005.p/00",
        "tile/entries/x000/000",   "/tile/0/000",           "tile/0/000?x=1",
        "tile/0/aaa",              "tile/0/x036/x028/x797/x018/x963/968",
        "tile/0/x001/x000/x000/x000/x000/x000/000",       "tile//000",
        "tiles/0/000",             "tile/0/000 ",           "tile/0/0 0",
        "tile/18446744073709551616/000",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sp_tile t = {1, 2, 3, 4};
        sp_err e = sp_tile_path_parse(&t, bad[i], strlen(bad[i]));
        harness_saw(e);
        if (e != SP_ERR_NOT_FOUND) {
            printf("  accepted %s\n", bad[i]);
            CHECK(0);
        }
        CHECK(t.entries == 0 && t.level == 0 && t.n == 0 && t.width == 0);
    }
    /* An embedded NUL is not part of any path. */
    CHECK_ERR(sp_tile_path_parse(&(sp_tile){0}, "tile/0/000\0", 11), SP_ERR_NOT_FOUND);
}

static void test_format_refusals(void)
{
    char buf[SP_TILE_PATH_MAX];
    CHECK_ERR(sp_tile_path_format(&(sp_tile){0, 64, 0, 256}, buf, sizeof buf), SP_ERR_USAGE);
    CHECK_ERR(sp_tile_path_format(&(sp_tile){0, 0, 0, 0}, buf, sizeof buf), SP_ERR_USAGE);
    CHECK_ERR(sp_tile_path_format(&(sp_tile){0, 0, 0, 257}, buf, sizeof buf), SP_ERR_USAGE);
    CHECK_ERR(sp_tile_path_format(&(sp_tile){1, 1, 0, 256}, buf, sizeof buf), SP_ERR_USAGE);
    CHECK_ERR(sp_tile_path_format(&(sp_tile){0, 0, (uint64_t)1 << 55, 256}, buf, sizeof buf),
              SP_ERR_USAGE);
    CHECK_ERR(sp_tile_path_format(&(sp_tile){0, 0, 1234067, 256}, buf, 20), SP_ERR_LOG_FULL);
    CHECK(buf[0] == '\0');
    CHECK_OK(sp_tile_path_format(&(sp_tile){0, 0, 1234067, 256}, buf, 21));
}

static void test_widths(void)
{
    /* The spec's example: a tree of 70,000 leaves. */
    uint64_t s = 70000;
    CHECK(sp_tile_width(0, 0, s) == 256);
    CHECK(sp_tile_width(0, 272, s) == 256);
    CHECK(sp_tile_width(0, 273, s) == 112);
    CHECK(sp_tile_width(0, 274, s) == 0);
    CHECK(sp_tile_width(1, 0, s) == 256);
    CHECK(sp_tile_width(1, 1, s) == 17);
    CHECK(sp_tile_width(1, 2, s) == 0);
    CHECK(sp_tile_width(2, 0, s) == 1);
    CHECK(sp_tile_width(3, 0, s) == 0);
    /* A tree of 256: one full level-0 tile, a level-1 tile of width 1. */
    CHECK(sp_tile_width(0, 0, 256) == 256);
    CHECK(sp_tile_width(0, 1, 256) == 0);
    CHECK(sp_tile_width(1, 0, 256) == 1);
    CHECK(sp_tile_width(0, 0, 0) == 0);
    CHECK(sp_tile_width(63, 0, UINT64_MAX) == 0);
    CHECK(sp_tile_width(7, 0, UINT64_MAX) == 255);
    CHECK(sp_tile_width(0, UINT64_MAX, UINT64_MAX) == 0);
    CHECK(sp_tile_tree_level(2) == 16);
}

static void test_entry_bundles(void)
{
    uint8_t buf[64], big[70000];
    size_t pos = 0;
    CHECK_OK(sp_entry_bundle_put(buf, sizeof buf, &pos, (const uint8_t *)"abc", 3));
    CHECK_OK(sp_entry_bundle_put(buf, sizeof buf, &pos, NULL, 0));
    CHECK_OK(sp_entry_bundle_put(buf, sizeof buf, &pos, (const uint8_t *)"hello\n", 6));
    CHECK(pos == 5 + 2 + 8);
    CHECK(memcmp(buf, "\x00\x03" "abc" "\x00\x00" "\x00\x06" "hello\n", pos) == 0);
    /* Does not fit: nothing written, pos unchanged. */
    size_t before = pos;
    CHECK_ERR(sp_entry_bundle_put(buf, sizeof buf, &pos, big, 48), SP_ERR_LOG_FULL);
    CHECK(pos == before);
    CHECK_ERR(sp_entry_bundle_put(big, sizeof big, &(size_t){0}, big, 65536), SP_ERR_LOG_FULL);
    size_t p0 = 0;
    CHECK_OK(sp_entry_bundle_put(big, sizeof big, &p0, big + 2, 65535));
    CHECK(p0 == 65537 && big[0] == 0xff && big[1] == 0xff);

    const uint8_t *e;
    size_t n, rd = 0;
    CHECK_OK(sp_entry_bundle_next(buf, pos, &rd, &e, &n));
    CHECK(n == 3 && memcmp(e, "abc", 3) == 0);
    CHECK_OK(sp_entry_bundle_next(buf, pos, &rd, &e, &n));
    CHECK(n == 0);
    CHECK_OK(sp_entry_bundle_next(buf, pos, &rd, &e, &n));
    CHECK(n == 6 && memcmp(e, "hello\n", 6) == 0);
    CHECK_ERR(sp_entry_bundle_next(buf, pos, &rd, &e, &n), SP_ERR_NOT_FOUND);
    /* Truncated: inside the length, inside the entry. */
    rd = 0;
    CHECK_ERR(sp_entry_bundle_next(buf, 1, &rd, &e, &n), SP_ERR_FILE_FORMAT);
    rd = 0;
    CHECK_ERR(sp_entry_bundle_next(buf, 4, &rd, &e, &n), SP_ERR_FILE_FORMAT);
    CHECK(e == NULL && n == 0 && rd == 0);
}

int main(void)
{
    RUN_TEST(test_paths_from_the_spec);
    RUN_TEST(test_noncanonical_paths_refused);
    RUN_TEST(test_format_refusals);
    RUN_TEST(test_widths);
    RUN_TEST(test_entry_bundles);
    return harness_finish("test_tlog_tiles");
}
