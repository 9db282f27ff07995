/*
 * log_call.h -- call the log's HTTP handler (sp_log_handle) directly, without sockets, and
 * keep what it answered: shared by tests/server/test_log.c and test_log_update.c.
 */
#ifndef DACC_TESTS_LOG_CALL_H
#define DACC_TESTS_LOG_CALL_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/server/log.h"

typedef struct log_answer {
    int status;
    char type[64];
    char cache[64];
    uint8_t *body;                   /* malloc'd copy, NUL-terminated (free it) */
    size_t len;
} log_answer;

log_answer log_call(sp_log_server *s, const char *method, const char *path, const void *body,
                    size_t len);

#endif
