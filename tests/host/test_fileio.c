/*
 * test_fileio.c -- bounded reads and crash-safe writes (softpause/host/fileio.h).
 *
 * Every test works in its own mkdtemp() directory under $TMPDIR (or /tmp) and removes it.
 * Modes are checked with stat() under several umasks: the stated mode must be exact.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "support/scratch.h"
#include "softpause/host/fileio.h"

/* ---- sp_file_write_atomic ------------------------------------------------------------- */

static void test_write_mode_exact_despite_umask(void)
{
    static const struct {
        mode_t umask_value;
        mode_t mode;
    } cases[] = {
        {0077, 0644}, {0022, 0600}, {0000, 0600}, {0000, 0644}, {0777, 0600}, {0027, 0640},
    };
    char p[1024];
    scratch_make("fileio");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "f%zu", i);
        scratch_path(p, sizeof p, name);
        mode_t old = umask(cases[i].umask_value);
        CHECK_OK(sp_file_write_atomic(p, "abc\n", 4, cases[i].mode, 0));
        umask(old);
        CHECK(scratch_mode(p) == (unsigned)cases[i].mode);
        CHECK(scratch_holds(p, "abc\n", 4));
    }
    /* Overwriting also sets the stated mode (the new file replaces the old one). */
    scratch_path(p, sizeof p, "f0");
    mode_t old = umask(0);
    CHECK_OK(sp_file_write_atomic(p, "x", 1, 0600, 1));
    umask(old);
    CHECK(scratch_mode(p) == 0600);
    scratch_remove();
}

static void test_write_refuses_overwrite(void)
{
    char p[1024];
    scratch_make("fileio");
    scratch_path(p, sizeof p, "target");
    CHECK_OK(sp_file_write_atomic(p, "old contents\n", 13, 0600, 0));
    CHECK_ERR(sp_file_write_atomic(p, "new\n", 4, 0644, 0), SP_ERR_EXISTS);
    CHECK(scratch_holds(p, "old contents\n", 13));
    CHECK(scratch_mode(p) == 0600);
    CHECK(scratch_entries(NULL, 0) == 1);
    /* Anything at the path counts, even a dangling symbolic link: never replaced. */
    char link_path[1024];
    scratch_path(link_path, sizeof link_path, "dangling");
    CHECK(symlink("does-not-exist", link_path) == 0);
    CHECK_ERR(sp_file_write_atomic(link_path, "x", 1, 0600, 0), SP_ERR_EXISTS);
    struct stat st;
    CHECK(lstat(link_path, &st) == 0 && S_ISLNK(st.st_mode));
    scratch_remove();
}

static void test_write_overwrites_when_asked(void)
{
    char p[1024], names[256];
    scratch_make("fileio");
    scratch_path(p, sizeof p, "target");
    CHECK_OK(sp_file_write_atomic(p, "first version, long\n", 20, 0600, 0));
    CHECK_OK(sp_file_write_atomic(p, "v2\n", 3, 0600, 1));
    CHECK(scratch_holds(p, "v2\n", 3));
    /* overwrite=1 also creates. */
    char q[1024];
    scratch_path(q, sizeof q, "fresh");
    CHECK_OK(sp_file_write_atomic(q, "", 0, 0600, 1));
    CHECK(scratch_holds(q, "", 0));
    CHECK(scratch_entries(names, sizeof names) == 2);
    scratch_remove();
}

static void test_write_leaves_no_temporary_files(void)
{
    char p[1024], names[512];
    scratch_make("fileio");
    scratch_path(p, sizeof p, "a.key");
    CHECK_OK(sp_file_write_atomic(p, "1", 1, 0600, 0));
    CHECK_OK(sp_file_write_atomic(p, "2", 1, 0600, 1));
    CHECK_ERR(sp_file_write_atomic(p, "3", 1, 0600, 0), SP_ERR_EXISTS);
    scratch_path(p, sizeof p, "b");
    CHECK_OK(sp_file_write_atomic(p, "b", 1, 0644, 0));
    CHECK(scratch_entries(names, sizeof names) == 2);
    CHECK(strcmp(names, "a.key b") == 0 || strcmp(names, "b a.key") == 0);

    /* Temporaries have short names of their own (.sp-tmp.<pid>.<n>), so a target name
     * near NAME_MAX still works, and none is left behind. */
    char longname[256];
    memset(longname, 'x', 250);
    memcpy(longname + 250, ".key", 5);
    scratch_path(p, sizeof p, longname);
    CHECK_OK(sp_file_write_atomic(p, "c!", 2, 0600, 0));
    CHECK(scratch_holds(p, "c!", 2));
    CHECK(scratch_entries(names, sizeof names) == 3);
    scratch_remove();
}

static void test_write_relative_path_without_directory(void)
{
    char cwd[1024], names[256];
    scratch_make("fileio");
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(chdir(scratch_dir) == 0);
    CHECK_OK(sp_file_write_atomic("plain", "p\n", 2, 0600, 0));
    CHECK_ERR(sp_file_write_atomic("plain", "q\n", 2, 0600, 0), SP_ERR_EXISTS);
    CHECK(scratch_holds("plain", "p\n", 2));
    CHECK(chdir(cwd) == 0);
    CHECK(scratch_entries(names, sizeof names) == 1);
    CHECK(strcmp(names, "plain") == 0);
    scratch_remove();
}

static void test_write_missing_directory(void)
{
    char p[1024];
    scratch_make("fileio");
    scratch_path(p, sizeof p, "no-such-dir/file");
    CHECK_ERR(sp_file_fail(0), SP_ERR_IO); /* start from a known state */
    CHECK_ERR(sp_file_write_atomic(p, "x", 1, 0600, 0), SP_ERR_IO);
    CHECK(strcmp(sp_file_last_error(), strerror(ENOENT)) == 0);
    CHECK(strcmp(sp_file_last_error(), "No such file or directory") == 0);
    CHECK_ERR(sp_file_write_atomic(p, "x", 1, 0600, 1), SP_ERR_IO);
    CHECK(strcmp(sp_file_last_error(), strerror(ENOENT)) == 0);
    CHECK(!sp_file_exists(p));
    CHECK(scratch_entries(NULL, 0) == 0);

    /* A path component that is a file, not a directory. */
    char f[1024];
    scratch_path(f, sizeof f, "file");
    CHECK_OK(sp_file_write_atomic(f, "x", 1, 0600, 0));
    scratch_path(p, sizeof p, "file/inner");
    CHECK_ERR(sp_file_write_atomic(p, "x", 1, 0600, 1), SP_ERR_IO);
    CHECK(strcmp(sp_file_last_error(), strerror(ENOTDIR)) == 0);
    CHECK(scratch_entries(NULL, 0) == 1);

    /* Overwriting a directory with a file fails and leaves nothing behind. */
    char sub[1024];
    scratch_path(sub, sizeof sub, "sub");
    CHECK(mkdir(sub, 0700) == 0);
    CHECK_ERR(sp_file_write_atomic(sub, "x", 1, 0600, 1), SP_ERR_IO);
    CHECK(strcmp(sp_file_last_error(), strerror(EISDIR)) == 0);
    CHECK(scratch_entries(NULL, 0) == 2);
    scratch_remove();
}

/* ---- sp_file_read --------------------------------------------------------------------- */

static void test_read_bounds(void)
{
    static const char data[] = "0123456789abcdef";
    uint8_t buf[32];
    size_t len = 99;
    char p[1024];
    scratch_make("fileio");
    scratch_path(p, sizeof p, "sixteen");
    CHECK_OK(sp_file_write_atomic(p, data, 16, 0600, 0));

    /* Exact fit. */
    memset(buf, 0xEE, sizeof buf);
    CHECK_OK(sp_file_read(p, buf, 16, &len));
    CHECK(len == 16);
    CHECK(memcmp(buf, data, 16) == 0);
    CHECK(buf[16] == 0xEE); /* nothing written past cap */

    /* Room to spare. */
    CHECK_OK(sp_file_read(p, buf, sizeof buf, &len));
    CHECK(len == 16);

    /* One byte over the cap: refused, not truncated. */
    len = 99;
    CHECK_ERR(sp_file_read(p, buf, 15, &len), SP_ERR_BUFFER_TOO_SMALL);
    CHECK(len == 0);
    CHECK_ERR(sp_file_read(p, buf, 0, &len), SP_ERR_BUFFER_TOO_SMALL);
    CHECK(len == 0);

    /* Empty file, zero cap: fits. */
    scratch_path(p, sizeof p, "empty");
    CHECK_OK(sp_file_write_atomic(p, "", 0, 0600, 0));
    len = 99;
    CHECK_OK(sp_file_read(p, buf, 0, &len));
    CHECK(len == 0);
    scratch_remove();
}

static void test_read_missing_and_unreadable(void)
{
    uint8_t buf[16];
    size_t len = 99;
    char p[1024];
    scratch_make("fileio");
    scratch_path(p, sizeof p, "missing");
    CHECK_ERR(sp_file_fail(0), SP_ERR_IO); /* start from a known state */
    CHECK_ERR(sp_file_read(p, buf, sizeof buf, &len), SP_ERR_IO);
    CHECK(len == 0);
    CHECK(strcmp(sp_file_last_error(), "No such file or directory") == 0);
    /* A directory opens but cannot be read. */
    len = 99;
    CHECK_ERR(sp_file_read(scratch_dir, buf, sizeof buf, &len), SP_ERR_IO);
    CHECK(len == 0);
    CHECK(strcmp(sp_file_last_error(), strerror(EISDIR)) == 0);
    scratch_remove();
}

/* ---- sp_file_fail, sp_file_exists ----------------------------------------------------- */

static void test_fail_records_errno_text(void)
{
    CHECK_ERR(sp_file_fail(EACCES), SP_ERR_IO);
    CHECK(strcmp(sp_file_last_error(), strerror(EACCES)) == 0);
    CHECK_ERR(sp_file_fail(ENOENT), SP_ERR_IO);
    CHECK(strcmp(sp_file_last_error(), "No such file or directory") == 0);
    /* A successful call does not disturb the recorded reason. */
    char p[1024];
    scratch_make("fileio");
    scratch_path(p, sizeof p, "ok");
    CHECK_ERR(sp_file_fail(ENOSPC), SP_ERR_IO);
    CHECK_OK(sp_file_write_atomic(p, "x", 1, 0600, 0));
    CHECK(strcmp(sp_file_last_error(), strerror(ENOSPC)) == 0);
    scratch_remove();
}

static void test_exists(void)
{
    char p[1024], l[1024];
    scratch_make("fileio");
    scratch_path(p, sizeof p, "f");
    CHECK(!sp_file_exists(p));
    CHECK_OK(sp_file_write_atomic(p, "x", 1, 0600, 0));
    CHECK(sp_file_exists(p));
    CHECK(sp_file_exists(scratch_dir));
    scratch_path(l, sizeof l, "dangling");
    CHECK(symlink("nowhere", l) == 0);
    CHECK(sp_file_exists(l)); /* the link itself exists */
    scratch_remove();
    CHECK(!sp_file_exists(scratch_dir));
}

int main(void)
{
    RUN_TEST(test_write_mode_exact_despite_umask);
    RUN_TEST(test_write_refuses_overwrite);
    RUN_TEST(test_write_overwrites_when_asked);
    RUN_TEST(test_write_leaves_no_temporary_files);
    RUN_TEST(test_write_relative_path_without_directory);
    RUN_TEST(test_write_missing_directory);
    RUN_TEST(test_read_bounds);
    RUN_TEST(test_read_missing_and_unreadable);
    RUN_TEST(test_fail_records_errno_text);
    RUN_TEST(test_exists);
    return harness_finish("host/fileio");
}
