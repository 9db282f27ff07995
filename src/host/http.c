/*
 * http.c -- the HTTP plumbing shared by the log and the witness (see http.h): a server over
 * libmicrohttpd and a client over libcurl.  No protocol logic lives here.
 *
 * Server.  MHD's event loop (epoll on Linux, poll elsewhere) on a pool of SP_HTTP_THREADS
 * threads, not a thread per connection: with up to 512 connections, a thread each would
 * let every idle or trickling client pin a thread (and its stack) for as long as it
 * likes; in the event loop such a client costs a socket and a small buffer.  Handlers run
 * on the pool threads, concurrently, and must lock their own state.  MHD calls the access
 * handler several times per request:
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
 * Connection limits (http.h).  MHD's own limits are the total (MHD_OPTION_CONNECTION_LIMIT)
 * and an inactivity timeout, which a client sending a byte every few seconds resets for
 * ever.  So every connection also has a slot in a table of max_conns slots, filled when
 * MHD announces it (MHD_OPTION_NOTIFY_CONNECTION) and freed when MHD announces its close:
 *
 *   slot    fd | client address key | since (ms, monotonic) | arrived | closing
 *
 * On arrival, a connection whose address already holds max_conns_per_address live slots is
 * shut down at once.  `since` is the connection's start, reset when a response completes;
 * `arrived` is set when a request is complete (a response is queued).  A watchdog thread
 * wakes every WATCHDOG_MS and shuts down (shutdown(2), so MHD sees end-of-stream and closes
 * the connection itself) every connection whose request has not arrived within the
 * deadline.  The watchdog holds the table's lock while it calls shutdown, and MHD announces
 * a close before it closes the descriptor, so the descriptor can never belong to a newer
 * connection.
 *
 * Client.  sp_http_request makes a curl easy handle for one request and frees it (no
 * shared state, so any thread may call it); an sp_http_client keeps one easy handle, and
 * with it libcurl's cache of kept-alive connections, from request to request (one thread
 * at a time; the log holds one per witness).  Either way: http/https only, redirects not
 * followed, the response capped at max_response bytes.
 * It sends "Accept-Encoding: gzip, identity" and libcurl decodes a gzip body (tlog-tiles
 * lets a log serve tiles compressed without negotiation; Sunlight does), so the cap
 * counts decoded bytes and a small compressed body cannot expand past it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>
#include <microhttpd.h>

#include "softpause/host/http.h"

#if MHD_VERSION < 0x00097002
typedef int MHD_Result;
#else
typedef enum MHD_Result MHD_Result;
#endif

/* How often the watchdog looks for requests past their deadline. */
#define WATCHDOG_MS 100u

/* A client address: 4 and the IPv4 address, or 6 and the first 8 bytes of the IPv6
 * address (its /64); an IPv4-mapped IPv6 address counts as the IPv4 address. */
#define ADDR_KEY_BYTES 9u

typedef struct conn_slot {
    int fd;                          /* -1 while free */
    uint8_t addr[ADDR_KEY_BYTES];
    uint8_t arrived;                 /* the current request is complete: no deadline */
    uint8_t closing;                 /* shut down by us; MHD will close it */
    uint64_t since_ms;               /* start, or end of the previous response */
} conn_slot;

struct sp_http_server {
    struct MHD_Daemon *daemon;
    size_t max_body;
    sp_http_handler handler;
    void *ctx;
    sp_http_limits limits;
    pthread_mutex_t lock;            /* slots, stopping */
    pthread_cond_t wake;
    int stopping;
    pthread_t watchdog;
    conn_slot *slots;                /* limits.max_conns */
    uint64_t accepted;               /* connections announced (under lock) */
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

void sp_http_response_done(sp_http_response *resp)
{
    if (resp->release != NULL)
        resp->release(resp->release_ctx);
    else if (!resp->body_static)
        free(resp->body);
    resp->body = NULL;
    resp->release = NULL;
}

static MHD_Result queue(struct MHD_Connection *conn, sp_http_response *resp)
{
    static uint8_t empty[1];
    struct MHD_Response *r;
    if (resp->body == NULL || resp->body_len == 0) {
        sp_http_response_done(resp);
        r = MHD_create_response_from_buffer(0, empty, MHD_RESPMEM_PERSISTENT);
    } else if (resp->release != NULL) {
        /* A lent body (the log's tile cache): sent in place, handed back when sent. */
        r = MHD_create_response_from_buffer_with_free_callback_cls(
            resp->body_len, resp->body, resp->release, resp->release_ctx);
        if (r == NULL)
            sp_http_response_done(resp);
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

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static conn_slot *slot_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info != NULL ? info->socket_context : NULL;
}

/* The request on conn is complete: its deadline no longer applies. */
static void request_arrived(sp_http_server *s, struct MHD_Connection *conn)
{
    conn_slot *slot = slot_of(conn);
    if (slot != NULL) {
        pthread_mutex_lock(&s->lock);
        slot->arrived = 1;
        pthread_mutex_unlock(&s->lock);
    }
}

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
                request_arrived(s, conn);
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
    request_arrived(s, conn);
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
    (void)code;
    request *rq = *con_cls;
    conn_slot *slot = slot_of(conn);
    if (slot != NULL) {
        /* The next request on this connection has its own deadline, from now. */
        sp_http_server *s = cls;
        pthread_mutex_lock(&s->lock);
        slot->arrived = 0;
        slot->since_ms = now_ms();
        pthread_mutex_unlock(&s->lock);
    }
    if (rq != NULL) {
        free(rq->body);
        free(rq);
        *con_cls = NULL;
    }
}

/* The address key of a client (see ADDR_KEY_BYTES); 0 for an unknown family. */
static int address_key(const struct sockaddr *sa, uint8_t key[ADDR_KEY_BYTES])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    memset(key, 0, ADDR_KEY_BYTES);
    if (sa == NULL)
        return 0;
    if (sa->sa_family == AF_INET) {
        key[0] = 4;
        memcpy(key + 1, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
        return 1;
    }
    if (sa->sa_family == AF_INET6) {
        const uint8_t *a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
        if (memcmp(a, mapped, sizeof mapped) == 0) {
            key[0] = 4;
            memcpy(key + 1, a + 12, 4);
        } else {
            key[0] = 6;
            memcpy(key + 1, a, 8);
        }
        return 1;
    }
    return 0;
}

/* MHD_OPTION_NOTIFY_CONNECTION: take a slot when a connection starts (or shut it down when
 * its address is over the limit), free it when the connection closes. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    sp_http_server *s = cls;
    if (code != MHD_CONNECTION_NOTIFY_STARTED) {
        conn_slot *slot = *socket_context;
        if (slot != NULL) {
            pthread_mutex_lock(&s->lock);
            slot->fd = -1;
            pthread_mutex_unlock(&s->lock);
        }
        *socket_context = NULL;
        return;
    }
    const union MHD_ConnectionInfo *fd_info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *addr_info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    uint8_t key[ADDR_KEY_BYTES];
    int known = address_key(addr_info != NULL ? addr_info->client_addr : NULL, key);
    conn_slot *free_slot = NULL;
    uint32_t same = 0;
    *socket_context = NULL;
    if (fd_info == NULL)
        return; /* (cannot happen: MHD has the socket before it announces it) */
    pthread_mutex_lock(&s->lock);
    s->accepted++;
    for (uint32_t i = 0; i < s->limits.max_conns; i++) {
        conn_slot *c = &s->slots[i];
        if (c->fd < 0) {
            if (free_slot == NULL)
                free_slot = c;
        } else if (!c->closing && memcmp(c->addr, key, sizeof key) == 0) {
            same++;
        }
    }
    if (!known || free_slot == NULL || same >= s->limits.max_conns_per_address) {
        /* Over the limit (or untrackable): closed before anything is read. */
        shutdown(fd_info->connect_fd, SHUT_RDWR);
    } else {
        free_slot->fd = fd_info->connect_fd;
        memcpy(free_slot->addr, key, sizeof key);
        free_slot->arrived = 0;
        free_slot->closing = 0;
        free_slot->since_ms = now_ms();
        *socket_context = free_slot;
    }
    pthread_mutex_unlock(&s->lock);
}

/* Shut down every connection whose request did not arrive within the deadline. */
static void *watchdog(void *arg)
{
    sp_http_server *s = arg;
    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        uint64_t now = now_ms();
        for (uint32_t i = 0; i < s->limits.max_conns; i++) {
            conn_slot *c = &s->slots[i];
            if (c->fd >= 0 && !c->closing && !c->arrived &&
                now - c->since_ms >= s->limits.request_deadline_ms) {
                shutdown(c->fd, SHUT_RDWR);
                c->closing = 1;
            }
        }
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += (long)WATCHDOG_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->wake, &s->lock, &until);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* Room for `need` descriptors: raise the soft limit if it is lower (up to the hard one). */
static int ensure_descriptors(rlim_t need)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
            errno = EMFILE;
            return 0;
        }
        rl.rlim_cur = need;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            return 0;
    }
    return 1;
}

static void server_free(sp_http_server *s)
{
    int saved = errno;
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s->slots);
    free(s);
    errno = saved;
}

sp_err sp_http_server_start(sp_http_server **out, const char *bind_addr, uint16_t port,
                            size_t max_body, sp_http_handler handler, void *ctx,
                            uint16_t *bound_port)
{
    return sp_http_server_start_limited(out, bind_addr, port, max_body, handler, ctx, NULL,
                                        bound_port);
}

sp_err sp_http_server_start_limited(sp_http_server **out, const char *bind_addr,
                                    uint16_t port, size_t max_body, sp_http_handler handler,
                                    void *ctx, const sp_http_limits *limits,
                                    uint16_t *bound_port)
{
    sp_http_limits lim = {0, 0, 0, 0};
    *out = NULL;
    if (bound_port != NULL)
        *bound_port = 0;
    if (limits != NULL)
        lim = *limits;
    lim.max_conns = lim.max_conns ? lim.max_conns : SP_HTTP_MAX_CONNS;
    lim.max_conns_per_address =
        lim.max_conns_per_address ? lim.max_conns_per_address : SP_HTTP_MAX_CONNS_PER_ADDRESS;
    lim.request_deadline_ms =
        lim.request_deadline_ms ? lim.request_deadline_ms : SP_HTTP_REQUEST_DEADLINE_MS;
    lim.idle_timeout_s = lim.idle_timeout_s ? lim.idle_timeout_s : SP_HTTP_IDLE_TIMEOUT_S;
    if (handler == NULL || lim.max_conns > SP_HTTP_MAX_CONNS ||
        lim.max_conns_per_address > lim.max_conns)
        return SP_ERR_USAGE;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD;
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
    if (!ensure_descriptors((rlim_t)lim.max_conns + SP_HTTP_FD_RESERVE))
        return SP_ERR_HTTP;
    sp_http_server *s = calloc(1, sizeof *s);
    conn_slot *slots = calloc(lim.max_conns, sizeof *slots);
    if (s == NULL || slots == NULL) {
        free(s);
        free(slots);
        errno = ENOMEM;
        return SP_ERR_HTTP;
    }
    for (uint32_t i = 0; i < lim.max_conns; i++)
        slots[i].fd = -1;
    s->max_body = max_body;
    s->handler = handler;
    s->ctx = ctx;
    s->limits = lim;
    s->slots = slots;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, &ca);
    pthread_condattr_destroy(&ca);
    s->daemon = MHD_start_daemon(
        flags, port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)SP_HTTP_THREADS, MHD_OPTION_NOTIFY_CONNECTION,
        on_connection, s, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)lim.idle_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)lim.max_conns, MHD_OPTION_END);
    if (s->daemon == NULL) {
        server_free(s);
        return SP_ERR_HTTP;
    }
    int rc = pthread_create(&s->watchdog, NULL, watchdog, s);
    if (rc != 0) {
        MHD_stop_daemon(s->daemon);
        server_free(s);
        errno = rc;
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
    pthread_mutex_lock(&server->lock);
    server->stopping = 1;
    pthread_cond_signal(&server->wake);
    pthread_mutex_unlock(&server->lock);
    pthread_join(server->watchdog, NULL);
    MHD_stop_daemon(server->daemon);
    server_free(server);
}

uint64_t sp_http_server_connections(sp_http_server *server)
{
    pthread_mutex_lock(&server->lock);
    uint64_t n = server->accepted;
    pthread_mutex_unlock(&server->lock);
    return n;
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

/* A kept-alive client: one easy handle, reset (curl_easy_reset keeps its connection cache)
 * and set up again for each request; sp_http_request makes one per request. */
struct sp_http_client {
    CURL *curl;
    uint64_t connections;
};

sp_err sp_http_client_new(sp_http_client **out)
{
    *out = NULL;
    pthread_once(&curl_once, curl_init);
    if (curl_init_result != CURLE_OK)
        return SP_ERR_HTTP;
    sp_http_client *c = calloc(1, sizeof *c);
    if (c == NULL || (c->curl = curl_easy_init()) == NULL) {
        free(c);
        return SP_ERR_HTTP;
    }
    *out = c;
    return SP_OK;
}

void sp_http_client_free(sp_http_client *client)
{
    if (client == NULL)
        return;
    curl_easy_cleanup(client->curl);
    free(client);
}

uint64_t sp_http_client_connections(const sp_http_client *client)
{
    return client->connections;
}

sp_err sp_http_request(const char *method, const char *url, const uint8_t *body,
                       size_t body_len, long timeout_ms, size_t max_response, int *status,
                       uint8_t **resp_body, size_t *resp_len, char *content_type,
                       size_t content_type_cap)
{
    return sp_http_client_request(NULL, method, url, body, body_len, timeout_ms, max_response,
                                  status, resp_body, resp_len, content_type, content_type_cap);
}

sp_err sp_http_client_request(sp_http_client *client, const char *method, const char *url,
                              const uint8_t *body, size_t body_len, long timeout_ms,
                              size_t max_response, int *status, uint8_t **resp_body,
                              size_t *resp_len, char *content_type, size_t content_type_cap)
{
    sp_http_client *own = NULL;
    *status = 0;
    *resp_body = NULL;
    *resp_len = 0;
    if (content_type != NULL && content_type_cap > 0)
        content_type[0] = '\0';
    if (client == NULL) {
        if (sp_http_client_new(&own) != SP_OK)
            return SP_ERR_HTTP;
        client = own;
    }
    CURL *c = client->curl;
    curl_easy_reset(c);
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
    long code = 0, opened = 0;
    if (ok && curl_easy_perform(c) == CURLE_OK &&
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK && code > 0)
        e = SP_OK;
    if (curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &opened) == CURLE_OK && opened > 0)
        client->connections += (uint64_t)opened;
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
    sp_http_client_free(own);
    return e;
}
