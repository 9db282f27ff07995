/*
 * vectors.c -- see vectors.h.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/vectors.h"

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int vec_path(char *out, size_t cap, const char *relpath)
{
    char path[4096];
    const char *root = getenv("SP_SOURCE_ROOT");
    ssize_t n;

    if (exists(relpath) && (size_t)snprintf(out, cap, "%s", relpath) < cap)
        return 1;
    if (root != NULL && (size_t)snprintf(out, cap, "%s/%s", root, relpath) < cap && exists(out))
        return 1;
    n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0)
        return 0;
    path[n] = '\0';
    for (int up = 0; up < 4; up++) { /* test_x, <dir>, tests, <build> */
        char *slash = strrchr(path, '/');
        if (slash == NULL)
            return 0;
        *slash = '\0';
    }
    return (size_t)snprintf(out, cap, "%s/%s", path, relpath) < cap && exists(out);
}

FILE *vec_open(const char *relpath)
{
    char path[4096];
    if (!vec_path(path, sizeof path, relpath))
        return NULL;
    return fopen(path, "rb");
}

size_t vec_read(const char *relpath, void *buf, size_t cap)
{
    FILE *f = vec_open(relpath);
    size_t n;
    int extra;
    if (f == NULL)
        return (size_t)-1;
    n = fread(buf, 1, cap, f);
    extra = fgetc(f);
    fclose(f);
    return extra == EOF ? n : (size_t)-1;
}
