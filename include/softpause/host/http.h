/*
 * softpause/host/http.h -- the HTTP plumbing the log and the witness share: a small
 * server over libmicrohttpd and a client over libcurl.  Servers keep their logic in plain
 * handler functions (testable without sockets); this file only moves bytes.
 *
 * Server: one handler for every request.  The body is read completely (up to max_body
 * bytes; a larger body is answered 413 with a reason and never reaches the handler)
 * before the handler runs.  Binds to 127.0.0.1 unless told otherwise; port 0 picks a free
 * port, reported in *bound_port.  The handler fills an sp_http_response whose body it
 * allocates with malloc (the server frees it), points at static text (body_static = 1),
 * or lends (release != NULL: the server calls release(release_ctx) once it has sent the
 * body, or dropped it, instead of freeing it).  sp_http_response_done does the same for
 * callers of a handler that do not send the response.
 *
 * Connections (sp_http_limits; one client must not starve the others):
 *   - at most max_conns at once (SP_HTTP_MAX_CONNS); the process's file-descriptor limit is
 *     raised to max_conns + SP_HTTP_FD_RESERVE at start, or the start fails (EMFILE);
 *   - at most max_conns_per_address at once from one client address (an IPv4 address, or
 *     the /64 prefix of an IPv6 one: one host holds a whole /64); a connection over the
 *     limit is closed at once, before anything is read from it;
 *   - each request must arrive whole (headers and body) within request_deadline_ms of the
 *     connection's start, or of the end of the previous response on a kept-alive
 *     connection (so an idle kept-alive connection is also closed then), however steadily
 *     its bytes trickle in; otherwise the connection is closed without an answer;
 *   - a connection on which nothing moves for idle_timeout_s is closed (this also bounds
 *     a client that reads its response slowly).
 * Served by an event loop on SP_HTTP_THREADS threads (epoll on Linux): an idle or slow
 * connection costs a socket and its buffers, never a thread.  Handlers run on those
 * threads, concurrently, and should not block for long.
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
    void (*release)(void *ctx);  /* non-NULL: body is lent; called when done with it */
    void *release_ctx;
} sp_http_response;

typedef void (*sp_http_handler)(void *ctx, const char *method, const char *path,
                                const uint8_t *body, size_t body_len,
                                sp_http_response *resp);

typedef struct sp_http_server sp_http_server;

#define SP_HTTP_MAX_CONNS 512u              /* connections at once, all clients together */
#define SP_HTTP_MAX_CONNS_PER_ADDRESS 32u   /* default per client address */
#define SP_HTTP_REQUEST_DEADLINE_MS 10000u  /* default: a request arrives whole within this */
#define SP_HTTP_IDLE_TIMEOUT_S 10u          /* default: nothing moves for this long */
#define SP_HTTP_THREADS 4u                  /* event-loop threads (handlers run on them) */
#define SP_HTTP_FD_RESERVE 64u              /* descriptors beyond the connections */

/* A zero field takes its default (above).  max_conns <= SP_HTTP_MAX_CONNS,
 * max_conns_per_address <= max_conns, else SP_ERR_USAGE. */
typedef struct sp_http_limits {
    uint32_t max_conns;
    uint32_t max_conns_per_address;
    uint32_t request_deadline_ms;
    uint32_t idle_timeout_s;
} sp_http_limits;

/* Start serving on bind_addr:port (bind_addr NULL means "127.0.0.1") with the default
 * limits.  On SP_ERR_HTTP, errno says why (e.g. EADDRINUSE, EMFILE). */
SP_MUST_CHECK sp_err sp_http_server_start(sp_http_server **out, const char *bind_addr,
                                          uint16_t port, size_t max_body,
                                          sp_http_handler handler, void *ctx,
                                          uint16_t *bound_port);

/* The same with limits (NULL: the defaults). */
SP_MUST_CHECK sp_err sp_http_server_start_limited(sp_http_server **out, const char *bind_addr,
                                                  uint16_t port, size_t max_body,
                                                  sp_http_handler handler, void *ctx,
                                                  const sp_http_limits *limits,
                                                  uint16_t *bound_port);

/* Stop accepting, finish running requests, free. NULL is a no-op. */
void sp_http_server_stop(sp_http_server *server);

/* Connections the server has accepted since it started (those closed at once for their
 * address's limit included). */
uint64_t sp_http_server_connections(sp_http_server *server);

/* Fill resp with a malloc'd copy of text (status and text/plain content type). */
void sp_http_respond_text(sp_http_response *resp, int status, const char *text);

/* Done with resp's body: free it, hand a lent one back, or nothing for a static one;
 * resp->body is NULL afterwards. */
void sp_http_response_done(sp_http_response *resp);

/* Client.  On SP_OK, *status is the HTTP status and *body (malloc'd, NUL-terminated for
 * convenience, *body_len excludes the NUL) the response body; content_type (if not NULL)
 * gets the Content-Type header value.  Transport failures are SP_ERR_HTTP.  Requests
 * say "Accept-Encoding: gzip, identity"; a gzip-encoded response is decoded, and
 * max_response bounds the decoded bytes: responses over it are SP_ERR_HTTP too. */
SP_MUST_CHECK sp_err sp_http_request(const char *method, const char *url, const uint8_t *body,
                                     size_t body_len, long timeout_ms, size_t max_response,
                                     int *status, uint8_t **resp_body, size_t *resp_len,
                                     char *content_type, size_t content_type_cap);

/* A client that keeps its connections alive from one request to the next (HTTP/1.1
 * keep-alive; libcurl's connection cache of one handle), for a caller that talks to the
 * same server again and again, such as the log to each of its witnesses: a request then
 * costs no TCP handshake, and the server no new connection.  A connection the server has
 * closed meanwhile is noticed and replaced.  One thread at a time per client. */
typedef struct sp_http_client sp_http_client;

SP_MUST_CHECK sp_err sp_http_client_new(sp_http_client **out);

/* NULL is a no-op. */
void sp_http_client_free(sp_http_client *client);

/* sp_http_request over client's kept-alive connections (client NULL: a fresh connection
 * for this request alone, which is what sp_http_request does). */
SP_MUST_CHECK sp_err sp_http_client_request(sp_http_client *client, const char *method,
                                            const char *url, const uint8_t *body,
                                            size_t body_len, long timeout_ms,
                                            size_t max_response, int *status,
                                            uint8_t **resp_body, size_t *resp_len,
                                            char *content_type, size_t content_type_cap);

/* Connections the client has opened so far. */
uint64_t sp_http_client_connections(const sp_http_client *client);

#endif /* SOFTPAUSE_HOST_HTTP_H */
