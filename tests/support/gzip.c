/*
 * gzip.c -- see gzip.h.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/gzip.h"

typedef struct bits {
    uint8_t *out;
    size_t cap, len;     /* bytes complete */
    uint32_t acc;        /* pending bits, LSB first */
    unsigned n;
    int overflow;
} bits;

static void put(bits *b, uint32_t value, unsigned count)
{
    b->acc |= value << b->n;
    b->n += count;
    while (b->n >= 8) {
        if (b->len < b->cap)
            b->out[b->len++] = (uint8_t)b->acc;
        else
            b->overflow = 1;
        b->acc >>= 8;
        b->n -= 8;
    }
}

/* A Huffman code goes out most significant bit first. */
static void put_code(bits *b, uint32_t code, unsigned count)
{
    uint32_t r = 0;
    for (unsigned i = 0; i < count; i++)
        r |= ((code >> i) & 1u) << (count - 1 - i);
    put(b, r, count);
}

static void literal(bits *b, uint8_t v)
{
    if (v < 144)
        put_code(b, 0x30u + v, 8);
    else
        put_code(b, 0x190u + (v - 144u), 9);
}

static uint32_t crc32(const uint8_t *p, size_t len)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}

size_t gzip_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
    static const uint8_t header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
    bits b = {out, cap, 0, 0, 0, 0};
    if (cap < sizeof header + 8)
        return 0;
    memcpy(out, header, sizeof header);
    b.len = sizeof header;
    put(&b, 1, 1); /* BFINAL */
    put(&b, 1, 2); /* BTYPE 01: fixed Huffman codes */
    for (size_t i = 0; i < len;) {
        size_t run = 0;
        while (i > 0 && run < 258 && i + run < len && in[i + run] == in[i - 1])
            run++;
        if (run == 258) {
            put_code(&b, 0xC0u + (285u - 280u), 8); /* length 258 */
            put_code(&b, 0, 5);                      /* distance 1 */
            i += 258;
        } else {
            literal(&b, in[i++]);
        }
    }
    put_code(&b, 0, 7); /* end of block (256) */
    put(&b, 0, (8u - b.n) % 8u); /* to a byte boundary */
    uint32_t crc = crc32(in, len), size = (uint32_t)len;
    for (int k = 0; k < 4; k++)
        put(&b, (crc >> (8 * k)) & 0xFFu, 8);
    for (int k = 0; k < 4; k++)
        put(&b, (size >> (8 * k)) & 0xFFu, 8);
    return b.overflow ? 0 : b.len;
}

/* ---- the server ------------------------------------------------------------------------- */

#if MHD_VERSION < 0x00097002
typedef int MHD_Result;
#else
typedef enum MHD_Result MHD_Result;
#endif

struct gzip_server {
    struct MHD_Daemon *daemon;
    sp_http_handler handler;
    void *ctx;
    pthread_mutex_t lock;            /* everything below */
    char bomb_prefix[64];
    uint8_t *bomb;                   /* its gzip body */
    size_t bomb_len;
    char accept_encoding[128];
};

/* The gzip of body[0..len) as a new MHD response, or NULL. */
static struct MHD_Response *gzip_response(const uint8_t *body, size_t len)
{
    size_t cap = GZIP_BOUND(len);
    uint8_t *out = malloc(cap);
    size_t n = out != NULL ? gzip_encode(body, len, out, cap) : 0;
    struct MHD_Response *r =
        n > 0 ? MHD_create_response_from_buffer(n, out, MHD_RESPMEM_MUST_FREE) : NULL;
    if (r == NULL)
        free(out);
    return r;
}

static MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                             const char *method, const char *version, const char *upload,
                             size_t *upload_size, void **con_cls)
{
    gzip_server *g = cls;
    struct MHD_Response *r = NULL;
    sp_http_response resp = {0};
    (void)version;
    (void)upload;
    if (*con_cls == NULL) { /* headers only: wait for the (ignored) body */
        *con_cls = g;
        return MHD_YES;
    }
    if (*upload_size != 0) {
        *upload_size = 0;
        return MHD_YES;
    }
    const char *ae = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding");
    unsigned status = 200;
    pthread_mutex_lock(&g->lock);
    snprintf(g->accept_encoding, sizeof g->accept_encoding, "%s", ae != NULL ? ae : "");
    if (g->bomb != NULL && strncmp(url, g->bomb_prefix, strlen(g->bomb_prefix)) == 0)
        r = MHD_create_response_from_buffer(g->bomb_len, g->bomb, MHD_RESPMEM_MUST_COPY);
    pthread_mutex_unlock(&g->lock);
    if (r == NULL) {
        resp.status = 500;
        g->handler(g->ctx, method, url, NULL, 0, &resp);
        status = (unsigned)resp.status;
        if (status == 200)
            r = gzip_response(resp.body, resp.body_len);
        else
            r = MHD_create_response_from_buffer(resp.body_len, resp.body, MHD_RESPMEM_MUST_COPY);
        sp_http_response_done(&resp);
    }
    if (r == NULL)
        return MHD_NO;
    MHD_Result ok = MHD_YES;
    if (status == 200)
        ok = MHD_add_response_header(r, "Content-Encoding", "gzip");
    if (ok == MHD_YES)
        ok = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ok;
}

gzip_server *gzip_server_start(sp_http_handler handler, void *ctx, uint16_t *port)
{
    struct sockaddr_in sa;
    gzip_server *g = calloc(1, sizeof *g);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (g != NULL) {
        g->handler = handler;
        g->ctx = ctx;
        pthread_mutex_init(&g->lock, NULL);
        g->daemon = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_THREAD_PER_CONNECTION,
                                     0, NULL, NULL, on_request, g, MHD_OPTION_SOCK_ADDR,
                                     (struct sockaddr *)&sa, MHD_OPTION_END);
    }
    const union MHD_DaemonInfo *info =
        g != NULL && g->daemon != NULL ? MHD_get_daemon_info(g->daemon, MHD_DAEMON_INFO_BIND_PORT)
                                       : NULL;
    if (info == NULL || info->port == 0) {
        fprintf(stderr, "cannot start the gzip test server\n");
        exit(1);
    }
    *port = info->port;
    return g;
}

void gzip_server_bomb(gzip_server *g, const char *prefix, size_t decoded)
{
    uint8_t *zeros = calloc(decoded ? decoded : 1, 1), *out = malloc(GZIP_BOUND(decoded));
    size_t n = 0;
    if (zeros != NULL && out != NULL)
        n = gzip_encode(zeros, decoded, out, GZIP_BOUND(decoded));
    free(zeros);
    if (n == 0) {
        fprintf(stderr, "cannot make a gzip bomb\n");
        exit(1);
    }
    pthread_mutex_lock(&g->lock);
    free(g->bomb);
    g->bomb = out;
    g->bomb_len = n;
    snprintf(g->bomb_prefix, sizeof g->bomb_prefix, "%s", prefix);
    pthread_mutex_unlock(&g->lock);
}

void gzip_server_accept_encoding(gzip_server *g, char *out, size_t cap)
{
    pthread_mutex_lock(&g->lock);
    snprintf(out, cap, "%s", g->accept_encoding);
    pthread_mutex_unlock(&g->lock);
}

void gzip_server_stop(gzip_server *g)
{
    MHD_stop_daemon(g->daemon);
    pthread_mutex_destroy(&g->lock);
    free(g->bomb);
    free(g);
}
