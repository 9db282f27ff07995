/* log_call.c -- see log_call.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/log_call.h"

log_answer log_call(sp_log_server *s, const char *method, const char *path, const void *body,
                    size_t len)
{
    sp_http_response resp = {0};
    log_answer a = {0};
    sp_log_handle(s, method, path, body, len, &resp);
    a.status = resp.status;
    snprintf(a.type, sizeof a.type, "%s", resp.content_type ? resp.content_type : "");
    snprintf(a.cache, sizeof a.cache, "%s", resp.cache_control ? resp.cache_control : "");
    a.body = malloc(resp.body_len + 1);
    if (a.body != NULL) {
        if (resp.body_len > 0)
            memcpy(a.body, resp.body, resp.body_len);
        a.body[resp.body_len] = '\0';
    }
    a.len = resp.body_len;
    sp_http_response_done(&resp);
    return a;
}
