/*
 * softpause/host/http.h -- the HTTP plumbing the log and the witness share: a small
 * server over libmicrohttpd and a client over libcurl.  Servers keep their logic in plain
 * handler functions (testable without sockets); this file only moves bytes.
 *
 * Server: one handler for every request.  The body is read completely (up to max_body
 * bytes; a larger body is answered 413 with a reason and never reaches the handler)
 * before the handler runs.  Binds to 127.0.0.1 unless told otherwise; port 0 picks a free
 * port, reported in *bound_port.  The handler fills an sp_http_response whose body it
 * allocates with malloc (the server frees it) or points at static text (body_static = 1).
 */
#ifndef SOFTPAUSE_HOST_HTTP_H
#define SOFTPAUSE_HOST_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/errors.h"

typedef struct sp_http_response {
    int status;                  /* e.g. 200, 400, 404, 409, 413, 422 */
    const char *content_type;    /* static string; "text/plain; charset=utf-8" if NULL */
    uint8_t *body;               /* malloc'd unless body_static */
    size_t body_len;
    int body_static;
    const char *cache_control;   /* static string or NULL (tiles are immutable) */
} sp_http_response;

typedef void (*sp_http_handler)(void *ctx, const char *method, const char *path,
                                const uint8_t *body, size_t body_len,
                                sp_http_response *resp);

typedef struct sp_http_server sp_http_server;

/* Start serving on bind_addr:port (bind_addr NULL means "127.0.0.1"). */
SP_MUST_CHECK sp_err sp_http_server_start(sp_http_server **out, const char *bind_addr,
                                          uint16_t port, size_t max_body,
                                          sp_http_handler handler, void *ctx,
                                          uint16_t *bound_port);

/* Stop accepting, finish running requests, free. NULL is a no-op. */
void sp_http_server_stop(sp_http_server *server);

/* Fill resp with a malloc'd copy of text (status and text/plain content type). */
void sp_http_respond_text(sp_http_response *resp, int status, const char *text);

/* Client.  On SP_OK, *status is the HTTP status and *body (malloc'd, NUL-terminated for
 * convenience, *body_len excludes the NUL) the response body; content_type (if not NULL)
 * gets the Content-Type header value.  Transport failures are SP_ERR_HTTP.  Requests
 * say "Accept-Encoding: gzip, identity"; a gzip-encoded response is decoded, and
 * max_response bounds the decoded bytes: responses over it are SP_ERR_HTTP too. */
SP_MUST_CHECK sp_err sp_http_request(const char *method, const char *url, const uint8_t *body,
                                     size_t body_len, long timeout_ms, size_t max_response,
                                     int *status, uint8_t **resp_body, size_t *resp_len,
                                     char *content_type, size_t content_type_cap);

#endif /* SOFTPAUSE_HOST_HTTP_H */
