/*
 * http.c -- the HTTP plumbing shared by the log and the witness (see http.h): a server over
 * libmicrohttpd and a client over libcurl.  No protocol logic lives here.
 *
 * Server.  One thread per connection (MHD's internal threads), so a slow client never
 * stalls the others; the handler may therefore run concurrently and must lock its own
 * state.  MHD calls the access handler several times per request:
 *
 *   call 1            headers only: allocate a request record; a Content-Length above
 *                     max_body is answered 413 at once (the body is never read)
 *   calls 2..k        body pieces: appended while the total stays <= max_body; past it
 *                     the request is marked too large and the rest is discarded
 *   last call         *upload_data_size == 0: answer 413 if too large, else run the
 *                     handler on the complete body and queue its response
 *
 * The request record is freed by the completion callback, whatever happened.
 *
 * Client.  One curl easy handle per request (no shared state, so any thread may call it),
 * http/https only, redirects not followed, the response capped at max_response bytes.
 * It sends "Accept-Encoding: gzip, identity" and libcurl decodes a gzip body (tlog-tiles
 * lets a log serve tiles compressed without negotiation; Sunlight does), so the cap
 * counts decoded bytes and a small compressed body cannot expand past it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <microhttpd.h>

#include "softpause/host/http.h"

#if MHD_VERSION < 0x00097002
typedef int MHD_Result;
#else
typedef enum MHD_Result MHD_Result;
#endif

/* Idle connections are dropped after this many seconds so a stalled client cannot hold a
 * thread for ever. */
#define SP_HTTP_CONNECTION_TIMEOUT_S 30u
/* At most this many simultaneous connections (one thread each). */
#define SP_HTTP_CONNECTION_LIMIT 64u

struct sp_http_server {
    struct MHD_Daemon *daemon;
    size_t max_body;
    sp_http_handler handler;
    void *ctx;
};

typedef struct request {
    uint8_t *body;
    size_t len, cap;
    int too_large;
} request;

static const char default_type[] = "text/plain; charset=utf-8";

void sp_http_respond_text(sp_http_response *resp, int status, const char *text)
{
    size_t n = strlen(text);
    resp->status = status;
    resp->content_type = default_type;
    resp->cache_control = NULL;
    resp->body_static = 0;
    resp->body = malloc(n + 1);
    if (resp->body == NULL) {
        /* Out of memory: still answer, with a static reason. */
        static const char oom[] = "out of memory\n";
        resp->status = 500;
        resp->body = (uint8_t *)(uintptr_t)oom;
        resp->body_len = sizeof oom - 1;
        resp->body_static = 1;
        return;
    }
    memcpy(resp->body, text, n + 1);
    resp->body_len = n;
}

static MHD_Result queue(struct MHD_Connection *conn, sp_http_response *resp)
{
    static uint8_t empty[1];
    struct MHD_Response *r;
    if (resp->body == NULL || resp->body_len == 0) {
        if (!resp->body_static)
            free(resp->body);
        r = MHD_create_response_from_buffer(0, empty, MHD_RESPMEM_PERSISTENT);
    } else {
        r = MHD_create_response_from_buffer(resp->body_len, resp->body,
                                            resp->body_static ? MHD_RESPMEM_PERSISTENT
                                                              : MHD_RESPMEM_MUST_FREE);
        if (r == NULL && !resp->body_static)
            free(resp->body);
    }
    resp->body = NULL;
    if (r == NULL)
        return MHD_NO;
    const char *type = resp->content_type != NULL ? resp->content_type : default_type;
    MHD_Result ok = MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (ok == MHD_YES && resp->cache_control != NULL)
        ok = MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, resp->cache_control);
    if (ok == MHD_YES)
        ok = MHD_queue_response(conn, (unsigned)resp->status, r);
    MHD_destroy_response(r);
    return ok;
}

static MHD_Result queue_text(struct MHD_Connection *conn, int status, const char *text)
{
    sp_http_response resp = {0};
    sp_http_respond_text(&resp, status, text);
    return queue(conn, &resp);
}

static const char too_large_text[] = "request body too large\n";

static MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                             const char *method, const char *version, const char *upload,
                             size_t *upload_size, void **con_cls)
{
    sp_http_server *s = cls;
    request *rq = *con_cls;
    (void)version;
    if (rq == NULL) {
        rq = calloc(1, sizeof *rq);
        if (rq == NULL)
            return MHD_NO;
        *con_cls = rq;
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl != NULL) {
            char *end;
            unsigned long long n = strtoull(cl, &end, 10);
            if (*end != '\0' || n > s->max_body) {
                rq->too_large = 1;
                return queue_text(conn, 413, too_large_text);
            }
        }
        return MHD_YES;
    }
    if (*upload_size != 0) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (rq->too_large || n > s->max_body - rq->len) {
            rq->too_large = 1;
            free(rq->body);
            rq->body = NULL;
            rq->len = rq->cap = 0;
            return MHD_YES;
        }
        if (rq->len + n > rq->cap) {
            size_t cap = rq->cap ? rq->cap : 1024;
            while (cap < rq->len + n)
                cap *= 2;
            if (cap > s->max_body)
                cap = s->max_body;
            uint8_t *b = realloc(rq->body, cap);
            if (b == NULL)
                return MHD_NO;
            rq->body = b;
            rq->cap = cap;
        }
        memcpy(rq->body + rq->len, upload, n);
        rq->len += n;
        return MHD_YES;
    }
    if (rq->too_large)
        return queue_text(conn, 413, too_large_text);
    sp_http_response resp = {0};
    resp.status = 500;
    s->handler(s->ctx, method, url, rq->body, rq->len, &resp);
    return queue(conn, &resp);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    (void)cls;
    (void)conn;
    (void)code;
    request *rq = *con_cls;
    if (rq != NULL) {
        free(rq->body);
        free(rq);
        *con_cls = NULL;
    }
}

sp_err sp_http_server_start(sp_http_server **out, const char *bind_addr, uint16_t port,
                            size_t max_body, sp_http_handler handler, void *ctx,
                            uint16_t *bound_port)
{
    *out = NULL;
    if (bound_port != NULL)
        *bound_port = 0;
    if (handler == NULL)
        return SP_ERR_USAGE;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_THREAD_PER_CONNECTION;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    const char *addr = bind_addr != NULL ? bind_addr : "127.0.0.1";
    if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
    } else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        flags |= MHD_USE_IPv6;
    } else {
        return SP_ERR_USAGE;
    }
    sp_http_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return SP_ERR_HTTP;
    s->max_body = max_body;
    s->handler = handler;
    s->ctx = ctx;
    s->daemon = MHD_start_daemon(
        flags, port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)SP_HTTP_CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)SP_HTTP_CONNECTION_LIMIT, MHD_OPTION_END);
    if (s->daemon == NULL) {
        free(s);
        return SP_ERR_HTTP;
    }
    if (bound_port != NULL) {
        const union MHD_DaemonInfo *info =
            MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
        if (info == NULL || info->port == 0) {
            sp_http_server_stop(s);
            return SP_ERR_HTTP;
        }
        *bound_port = info->port;
    }
    *out = s;
    return SP_OK;
}

void sp_http_server_stop(sp_http_server *server)
{
    if (server == NULL)
        return;
    MHD_stop_daemon(server->daemon);
    free(server);
}

/* ---- client --------------------------------------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

static void curl_init(void)
{
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

typedef struct sink {
    uint8_t *buf;
    size_t len, cap, max;
} sink;

static size_t on_data(char *data, size_t size, size_t nmemb, void *user)
{
    sink *k = user;
    size_t n = nmemb; /* curl documents size as always 1 */
    if (size != 1 || n > k->max - k->len)
        return 0; /* over the cap: curl stops with CURLE_WRITE_ERROR */
    if (k->len + n + 1 > k->cap) {
        size_t cap = k->cap ? k->cap : 4096;
        while (cap < k->len + n + 1)
            cap *= 2;
        uint8_t *b = realloc(k->buf, cap);
        if (b == NULL)
            return 0;
        k->buf = b;
        k->cap = cap;
    }
    memcpy(k->buf + k->len, data, n);
    k->len += n;
    return n;
}

sp_err sp_http_request(const char *method, const char *url, const uint8_t *body,
                       size_t body_len, long timeout_ms, size_t max_response, int *status,
                       uint8_t **resp_body, size_t *resp_len, char *content_type,
                       size_t content_type_cap)
{
    *status = 0;
    *resp_body = NULL;
    *resp_len = 0;
    if (content_type != NULL && content_type_cap > 0)
        content_type[0] = '\0';
    pthread_once(&curl_once, curl_init);
    if (curl_init_result != CURLE_OK)
        return SP_ERR_HTTP;
    CURL *c = curl_easy_init();
    if (c == NULL)
        return SP_ERR_HTTP;
    sink k = {NULL, 0, 0, max_response};
    struct curl_slist *headers = NULL;
    int ok = curl_easy_setopt(c, CURLOPT_URL, url) == CURLE_OK;
#if LIBCURL_VERSION_NUM >= 0x075500
    ok = ok && curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
#endif
    ok = ok && curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
    ok = ok && curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms) == CURLE_OK;
    ok = ok && curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data) == CURLE_OK;
    ok = ok && curl_easy_setopt(c, CURLOPT_WRITEDATA, &k) == CURLE_OK;
    ok = ok && curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip, identity") == CURLE_OK;
    if (strcmp(method, "GET") != 0) {
        if (strcmp(method, "POST") == 0 || body != NULL) {
            static const uint8_t none[1];
            ok = ok && curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : none) == CURLE_OK;
            ok = ok && curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                                        (curl_off_t)body_len) == CURLE_OK;
            /* No form encoding is implied: the body is opaque bytes. */
            headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
            ok = ok && headers != NULL &&
                 curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers) == CURLE_OK;
        }
        if (strcmp(method, "POST") != 0)
            ok = ok && curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method) == CURLE_OK;
        if (strcmp(method, "HEAD") == 0)
            ok = ok && curl_easy_setopt(c, CURLOPT_NOBODY, 1L) == CURLE_OK;
    }
    sp_err e = SP_ERR_HTTP;
    long code = 0;
    if (ok && curl_easy_perform(c) == CURLE_OK &&
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK && code > 0)
        e = SP_OK;
    /* on_data keeps room for the terminating NUL; an empty body has no buffer yet. */
    if (e == SP_OK && k.buf == NULL) {
        k.buf = malloc(1);
        if (k.buf == NULL)
            e = SP_ERR_HTTP;
    }
    if (e == SP_OK) {
        k.buf[k.len] = '\0';
        char *type = NULL;
        if (content_type != NULL && content_type_cap > 0 &&
            curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type != NULL) {
            size_t n = strlen(type);
            if (n >= content_type_cap)
                n = content_type_cap - 1;
            memcpy(content_type, type, n);
            content_type[n] = '\0';
        }
        *status = (int)code;
        *resp_body = k.buf;
        *resp_len = k.len;
    } else {
        free(k.buf);
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(c);
    return e;
}
