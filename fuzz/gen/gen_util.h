/*
 * gen_util.h -- what the corpus generators (fuzz/gen/gen_*.c) share: writing one seed
 * file DIR/SUB/NAME, exiting on any failure (a generator that half-writes a corpus must
 * not look successful), and printing a text as a C string literal for the headers the
 * fuzz targets embed.
 */
#ifndef DACC_FUZZ_GEN_UTIL_H
#define DACC_FUZZ_GEN_UTIL_H

#include <stdio.h>
#include <stdlib.h>

static inline void gen_put(const char *dir, const char *sub, const char *name, const void *data,
                           size_t len)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* Print s as the body of a C string literal, one source line per text line; with a name,
 * as a whole "static const char name[] = ...;" definition. */
static inline void gen_print_literal(const char *name, const char *s)
{
    if (name != NULL)
        printf("static const char %s[] =\n", name);
    printf("    \"");
    for (; *s; s++) {
        if (*s == '\n')
            printf(s[1] ? "\\n\"\n    \"" : "\\n\"");
        else
            putchar(*s);
    }
    printf(";\n");
}

#endif
