/*
 * scratch.c -- see scratch.h.
 */
/* nftw() is an X/Open interface. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/scratch.h"

char scratch_dir[512];

void scratch_make(const char *tag)
{
    const char *t = getenv("TMPDIR");
    snprintf(scratch_dir, sizeof scratch_dir, "%s/sp-%s-XXXXXX",
             t != NULL && t[0] != '\0' ? t : "/tmp", tag);
    if (mkdtemp(scratch_dir) == NULL) {
        perror("mkdtemp");
        exit(1);
    }
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    (void)remove(path); /* keep going: remove what can be removed */
    return 0;
}

/* Depth first, without following links: everything under the directory, then itself. */
void scratch_remove(void)
{
    nftw(scratch_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int scratch_entries(char *names, size_t cap)
{
    DIR *d = opendir(scratch_dir);
    struct dirent *ent;
    int n = 0;
    if (names != NULL && cap > 0)
        names[0] = '\0';
    if (d == NULL)
        return -1;
    while ((ent = readdir(d)) != NULL) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        n++;
        if (names != NULL && cap > 0) {
            size_t l = strlen(names);
            snprintf(names + l, cap - l, "%s%s", l ? " " : "", ent->d_name);
        }
    }
    closedir(d);
    return n;
}

void scratch_path(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", scratch_dir, name);
}

unsigned scratch_mode(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0xFFFFu;
    return (unsigned)(st.st_mode & 07777);
}

int scratch_holds(const char *path, const void *data, size_t len)
{
    static unsigned char buf[65536];
    FILE *f = fopen(path, "rb");
    size_t got;
    if (f == NULL)
        return 0;
    got = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return got == len && memcmp(buf, data, len) == 0;
}
