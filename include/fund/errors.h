/*
 * errors.h -- the fund wing's error list (separate from softpause's; fund imports nothing
 * from it).  One extend-only X-macro list generates the enum and the names; append new
 * codes at the end, never renumber.  Every fallible fund function returns a fund_err and
 * fills a caller-provided message buffer (FUND_MSG_MAX bytes) with "FILE:LINE: ..." or a
 * plain sentence; the command prints "error: NAME: message".
 */
#ifndef FUND_ERRORS_H
#define FUND_ERRORS_H

#define FUND_MSG_MAX 640u

#define FUND_ERR_LIST(X)                                                                    \
    X(FUND_OK, "success")                                                                   \
    X(FUND_ERR_IO, "a file could not be read or written")                                              \
    X(FUND_ERR_FORMAT, "an input file is malformed (bad CSV, missing column, bad number)")  \
    X(FUND_ERR_ARG, "a parameter is out of range or options conflict")                      \
    X(FUND_ERR_RANGE, "a computation would overflow its integer width or the range of a double") \
    X(FUND_ERR_NOMEM, "out of memory")                                                      \
    X(FUND_ERR_CONVERGE, "an iterative solver did not converge within its limit")

typedef enum {
#define FUND_X_ENUM(name, text) name,
    FUND_ERR_LIST(FUND_X_ENUM)
#undef FUND_X_ENUM
        FUND_ERR_COUNT
} fund_err;

const char *fund_err_name(fund_err e);
const char *fund_err_text(fund_err e);

#endif
