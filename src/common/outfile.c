/* outfile.c -- whole-or-nothing output files (see dacc/outfile.h). */
#include "dacc/outfile.h"
#include "dacc/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void fail(const dacc_outfile *o, int e, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: cannot write: %s", o->path, e != 0 ? strerror(e) : "write error");
}

static void release(dacc_outfile *o)
{
    if (o->tmp != NULL)
        unlink(o->tmp);
    free(o->tmp);
    free(o->path);
    o->f = NULL;
    o->tmp = o->path = NULL;
}

FILE *dacc_outfile_open(dacc_outfile *o, const char *path, char *err, size_t errlen)
{
    struct stat st;
    memset(o, 0, sizeof *o);
    o->path = dacc_xstrdup(path);
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        o->f = fopen(path, "w"); /* a directory fails here with EISDIR */
    } else {
        size_t n = strlen(path);
        o->tmp = dacc_xmalloc(n + 12);
        memcpy(o->tmp, path, n);
        memcpy(o->tmp + n, ".tmp.XXXXXX", 12);
        int fd = mkstemp(o->tmp);
        if (fd < 0) {
            free(o->tmp);
            o->tmp = NULL;
        } else if ((o->f = fdopen(fd, "w")) == NULL) {
            int e = errno;
            close(fd);
            errno = e;
        }
    }
    if (o->f == NULL) {
        fail(o, errno, err, errlen);
        release(o);
        return NULL;
    }
    return o->f;
}

int dacc_outfile_commit(dacc_outfile *o, char *err, size_t errlen)
{
    errno = 0;
    int bad = fflush(o->f) != 0 || ferror(o->f) || (o->tmp != NULL && fsync(fileno(o->f)) != 0);
    int e = errno;
    if (fclose(o->f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    o->f = NULL;
    if (!bad && o->tmp != NULL) {
        /* mkstemp made the file 0600; an output is no secret: the mode fopen would give */
        mode_t mask = umask(0);
        umask(mask);
        if (chmod(o->tmp, 0666 & ~mask) != 0 || rename(o->tmp, o->path) != 0) {
            bad = 1;
            e = errno;
        } else {
            free(o->tmp);
            o->tmp = NULL;
        }
    }
    if (bad)
        fail(o, e, err, errlen);
    release(o);
    return bad ? -1 : 0;
}

void dacc_outfile_abort(dacc_outfile *o)
{
    if (o->f != NULL)
        fclose(o->f);
    release(o);
}
