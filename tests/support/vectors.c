/*
 * vectors.c -- see vectors.h.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/vectors.h"

FILE *vec_open(const char *relpath)
{
    char path[4096];
    const char *root = getenv("SP_SOURCE_ROOT");
    FILE *f = fopen(relpath, "rb");
    ssize_t n;
    if (f != NULL)
        return f;
    if (root != NULL) {
        snprintf(path, sizeof path, "%s/%s", root, relpath);
        if ((f = fopen(path, "rb")) != NULL)
            return f;
    }
    n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0)
        return NULL;
    path[n] = '\0';
    for (int up = 0; up < 4; up++) { /* test_x, <dir>, tests, <build> */
        char *slash = strrchr(path, '/');
        if (slash == NULL)
            return NULL;
        *slash = '\0';
    }
    if (strlen(path) + 1 + strlen(relpath) + 1 > sizeof path)
        return NULL;
    strcat(path, "/");
    strcat(path, relpath);
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
