/*
 * outfile.h -- an output file that appears whole or not at all, for host code.
 *
 * dacc_outfile_open() opens a temporary file beside PATH (PATH.tmp.XXXXXX, mode 0600
 * while written); dacc_outfile_commit() flushes, fsyncs and closes it, gives it the mode
 * fopen would have (0666 less the umask) and renames it over PATH.  Any failure removes
 * the temporary file and leaves PATH as it was.  Something that exists and is not a
 * regular file (/dev/stdout, a pipe, /dev/full) is written in place: renaming over it
 * would replace it.  A symbolic link at PATH is replaced by the new file, not followed
 * (its target is left alone).  A process killed while writing leaves PATH as it was and
 * at most its PATH.tmp.XXXXXX.  Errors are "PATH: cannot write: <errno text>" in err.
 */
#ifndef DACC_OUTFILE_H
#define DACC_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    FILE *f;     /* write here between open and commit/abort */
    char *path;  /* the target */
    char *tmp;   /* the temporary file, NULL when written in place */
} dacc_outfile;

/* Returns o->f, or NULL with the message in err. */
FILE *dacc_outfile_open(dacc_outfile *o, const char *path, char *err, size_t errlen);
/* Returns 0 (PATH now holds everything written), or -1 with the message in err (PATH
 * untouched unless written in place).  Frees o either way. */
int dacc_outfile_commit(dacc_outfile *o, char *err, size_t errlen);
/* Close and remove the temporary file; PATH untouched. */
void dacc_outfile_abort(dacc_outfile *o);

#endif
