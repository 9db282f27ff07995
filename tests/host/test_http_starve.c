/*
 * test_http_starve.c -- one client must not starve a server (softpause/host/http.h
 * connection limits; issue 8 item 3).  The attacker's sockets are bound to 127.0.0.2 (and
 * 127.0.0.3), the honest client is libcurl from 127.0.0.1; everything stays on loopback
 * and every loop is bounded.
 *
 *   one_address_cannot_starve   the default limits against 80 idle connections from one
 *                               address (what took the log and the witnesses down: 64 in
 *                               total, no per-address limit): 32 are held, the other 48
 *                               are closed at once, and 127.0.0.1 is answered within
 *                               ANSWER_MS each time
 *   slow_clients_cut_at_deadline  a byte every TRICKLE_MS in the headers, or in the body,
 *                               keeps the inactivity timer from ever firing; the request
 *                               deadline closes each such connection anyway, within
 *                               DEADLINE_MS (+ slack) of its start, without an answer,
 *                               while 127.0.0.1 keeps being answered within ANSWER_MS; a
 *                               complete request is answered, and the kept-alive
 *                               connection is closed at the deadline once idle
 *   limits_refused              limits the server cannot honour are usage errors
 *   client_keeps_its_connection   an sp_http_client reuses one connection for its
 *                               requests, and replaces it once the server has closed it
 *                               (here: the request deadline, on the idle connection)
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "harness.h"
#include "softpause/host/http.h"

/* The honest client's bound: each request from 127.0.0.1 is answered within this. */
#define ANSWER_MS 2000L
/* The test server's request deadline, and the attacker's pace. */
#define DEADLINE_MS 1500u
#define TRICKLE_MS 250
/* How late after the deadline a connection may still be closed (the watchdog's period,
 * scheduling on a loaded machine). */
#define CLOSE_SLACK_MS 1500

static void handler(void *ctx, const char *method, const char *path, const uint8_t *body,
                    size_t body_len, sp_http_response *resp)
{
    (void)ctx;
    (void)method;
    (void)path;
    (void)body;
    (void)body_len;
    sp_http_respond_text(resp, 200, "ok\n");
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A TCP connection from src (a 127.x.y.z address) to 127.0.0.1:port; -1 on failure. */
static int connect_from(const char *src, uint16_t port)
{
    struct sockaddr_in from, to;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    memset(&from, 0, sizeof from);
    from.sin_family = AF_INET;
    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    if (inet_pton(AF_INET, src, &from.sin_addr) != 1 ||
        inet_pton(AF_INET, "127.0.0.1", &to.sin_addr) != 1 ||
        bind(fd, (struct sockaddr *)&from, sizeof from) != 0 ||
        connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* What the server did to fd within wait_ms: 1 closed it (end of stream or reset),
 * 2 sent data (read and dropped: a small response is read whole), 0 nothing. */
static int server_side(int fd, int wait_ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    char buf[4096];
    if (poll(&p, 1, wait_ms) <= 0)
        return 0;
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0)
        return 2;
    if (n == 0 || errno == ECONNRESET || errno == EPIPE)
        return 1;
    return 0;
}

/* One request from 127.0.0.1: 1 if it was answered 200 within ANSWER_MS. */
static int honest_answered(uint16_t port, long long *took)
{
    char u[64];
    int status = 0;
    uint8_t *body = NULL;
    size_t len = 0;
    snprintf(u, sizeof u, "http://127.0.0.1:%u/x", (unsigned)port);
    long long t0 = now_ms();
    sp_err e = sp_http_request("GET", u, NULL, 0, ANSWER_MS, 1024, &status, &body, &len, NULL,
                               0);
    *took = now_ms() - t0;
    free(body);
    return e == SP_OK && status == 200 && *took < ANSWER_MS;
}

static void test_one_address_cannot_starve(void)
{
    enum { IDLE = 80 };
    sp_http_server *s = NULL;
    uint16_t port = 0;
    int fds[IDLE];
    CHECK_OK(sp_http_server_start(&s, NULL, 0, 1024, handler, NULL, &port));
    if (s == NULL)
        return;
    int opened = 0;
    for (int i = 0; i < IDLE; i++) {
        fds[i] = connect_from("127.0.0.2", port);
        opened += fds[i] >= 0;
    }
    CHECK(opened == IDLE);
    /* Another address is still served, promptly, while those are held. */
    for (int k = 0; k < 5; k++) {
        long long took = 0;
        int ok = honest_answered(port, &took);
        CHECK(ok);
        if (!ok)
            printf("  127.0.0.1: no answer within %ld ms (gave up after %lld ms)\n", ANSWER_MS,
                   took);
    }
    /* The server takes the first SP_HTTP_MAX_CONNS_PER_ADDRESS and closes the rest at once. */
    int closed = 0, held = 0;
    long long until = now_ms() + 2000;
    for (int i = 0; i < IDLE; i++) {
        long long left = until - now_ms();
        if (fds[i] < 0)
            continue;
        /* (MHD's threads take connections in any order: not necessarily the first 32) */
        int r = server_side(fds[i], left < 0 ? 0 : (int)left);
        closed += r == 1;
        held += r == 0;
    }
    CHECK(held == (int)SP_HTTP_MAX_CONNS_PER_ADDRESS);
    CHECK(closed == IDLE - (int)SP_HTTP_MAX_CONNS_PER_ADDRESS);
    /* Once the address drops below its limit, it is served again. */
    for (int i = 0; i < IDLE; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    static const char get[] = "GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    int answered = 0;
    for (int attempt = 0; attempt < 20 && !answered; attempt++) {
        usleep(100000); /* (the server notices the closes) */
        int again = connect_from("127.0.0.2", port);
        answered = again >= 0 && send(again, get, sizeof get - 1, MSG_NOSIGNAL) ==
                                     (ssize_t)(sizeof get - 1) &&
                   server_side(again, 2000) == 2;
        if (again >= 0)
            close(again);
    }
    CHECK(answered);
    sp_http_server_stop(s);
}

typedef struct slow {
    int fd;
    long long start, closed_at;
    size_t sent;
    int answered;
    const char *text;                /* what it trickles, one byte at a time */
} slow;

static void test_slow_clients_cut_at_deadline(void)
{
    enum { PER_ADDRESS = 8, SLOW = 8 };
    /* Idle timeout far above the deadline: only the deadline can close a trickling client. */
    sp_http_limits lim = {16, PER_ADDRESS, DEADLINE_MS, 60};
    sp_http_server *s = NULL;
    uint16_t port = 0;
    slow c[SLOW];
    static const char slow_headers[] =
        "GET /x HTTP/1.1\r\nHost: t\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    static const char slow_body[] =
        "POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 64\r\n\r\n"
        "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    static const char body_head_end[] = "\r\n\r\n";
    CHECK_OK(sp_http_server_start_limited(&s, NULL, 0, 1024, handler, NULL, &lim, &port));
    if (s == NULL)
        return;
    for (int i = 0; i < SLOW; i++) {
        c[i] = (slow){connect_from("127.0.0.2", port), now_ms(), 0, 0, 0,
                      i % 2 ? slow_body : slow_headers};
        CHECK(c[i].fd >= 0);
        if (i % 2 == 1 && c[i].fd >= 0) {
            /* The body trickler sends its headers whole: the handler is called, and only
             * the body is slow. */
            const char *end = strstr(c[i].text, body_head_end) + sizeof body_head_end - 1;
            size_t n = (size_t)(end - c[i].text);
            CHECK(send(c[i].fd, c[i].text, n, MSG_NOSIGNAL) == (ssize_t)n);
            c[i].sent = n;
        }
    }
    /* The address is at its limit: one more is closed at once.  (After a pause: MHD's
     * threads take connections in any order, and this one must come last.) */
    usleep(300000);
    int extra = connect_from("127.0.0.2", port);
    CHECK(extra >= 0 && server_side(extra, 2000) == 1);
    if (extra >= 0)
        close(extra);
    /* A client from another address that sends its request whole is answered; its
     * kept-alive connection, idle afterwards, is closed at the deadline. */
    static const char get[] = "GET /x HTTP/1.1\r\nHost: t\r\n\r\n";
    int keep = connect_from("127.0.0.3", port);
    CHECK(keep >= 0 && send(keep, get, sizeof get - 1, MSG_NOSIGNAL) == sizeof get - 1);
    CHECK(keep >= 0 && server_side(keep, 2000) == 2);
    long long keep_answered = now_ms(), keep_closed = 0;

    int open = SLOW, worst_honest_ok = 1;
    long long worst = 0;
    long long give_up = now_ms() + DEADLINE_MS + CLOSE_SLACK_MS + 2000;
    for (int step = 0; step < 200 && now_ms() < give_up; step++) {
        long long took = 0;
        for (int i = 0; i < SLOW; i++) {
            if (c[i].fd < 0 || c[i].closed_at != 0)
                continue;
            int r = server_side(c[i].fd, 0);
            if (r == 0 && c[i].text[c[i].sent] != '\0' &&
                send(c[i].fd, c[i].text + c[i].sent, 1, MSG_NOSIGNAL) == 1)
                c[i].sent++;
            else if (r == 0 && c[i].text[c[i].sent] != '\0')
                r = 1; /* the send failed: the server closed it */
            if (r != 0) {
                c[i].closed_at = now_ms();
                c[i].answered = r == 2;
                open--;
            }
        }
        if (keep >= 0 && keep_closed == 0 && server_side(keep, 0) == 1)
            keep_closed = now_ms();
        if (!honest_answered(port, &took))
            worst_honest_ok = 0;
        if (took > worst)
            worst = took;
        if (open == 0 && (keep < 0 || keep_closed != 0))
            break;
        usleep(TRICKLE_MS * 1000);
    }
    CHECK(open == 0);
    for (int i = 0; i < SLOW; i++) {
        long long after = c[i].closed_at - c[i].start;
        /* Still trickling when it was cut (the bytes kept coming), no answer, and the cut
         * came at the deadline, not before and not much after. */
        CHECK(c[i].closed_at != 0 && !c[i].answered);
        CHECK(c[i].sent >= 3 && c[i].text[c[i].sent] != '\0');
        CHECK(after >= (long long)DEADLINE_MS - TRICKLE_MS);
        CHECK(after <= (long long)DEADLINE_MS + CLOSE_SLACK_MS);
        if (after > (long long)DEADLINE_MS + CLOSE_SLACK_MS || after < 0)
            printf("  slow client %d closed after %lld ms\n", i, after);
        close(c[i].fd);
    }
    CHECK(keep_closed != 0 && keep_closed - keep_answered <= DEADLINE_MS + CLOSE_SLACK_MS);
    if (keep >= 0)
        close(keep);
    CHECK(worst_honest_ok);
    printf("  slowest answer to 127.0.0.1 while the slow clients were held: %lld ms\n", worst);
    sp_http_server_stop(s);
}

static int get(sp_http_client *c, const char *url)
{
    int status = 0;
    uint8_t *body = NULL;
    size_t len = 0;
    sp_err e = sp_http_client_request(c, "GET", url, NULL, 0, 5000, 1024, &status, &body, &len,
                                      NULL, 0);
    int ok = e == SP_OK && status == 200 && len == 3 && memcmp(body, "ok\n", 3) == 0;
    free(body);
    return ok;
}

static void test_client_keeps_its_connection(void)
{
    /* A short request deadline, so the server closes the idle kept-alive connection. */
    sp_http_limits lim = {0, 0, 300, 0};
    sp_http_server *srv = NULL;
    sp_http_client *c = NULL;
    uint16_t port = 0;
    char url[64];
    CHECK_OK(sp_http_server_start_limited(&srv, NULL, 0, 1024, handler, NULL, &lim, &port));
    CHECK_OK(sp_http_client_new(&c));
    if (srv == NULL || c == NULL) {
        sp_http_server_stop(srv);
        sp_http_client_free(c);
        return;
    }
    snprintf(url, sizeof url, "http://127.0.0.1:%u/x", (unsigned)port);
    for (int i = 0; i < 5; i++)
        CHECK(get(c, url));
    CHECK(sp_http_client_connections(c) == 1);
    CHECK(sp_http_server_connections(srv) == 1);
    /* The server closes it after the deadline; the next request opens a new one. */
    usleep(800000);
    CHECK(get(c, url));
    CHECK(get(c, url));
    CHECK(sp_http_client_connections(c) == 2);
    CHECK(sp_http_server_connections(srv) == 2);
    /* sp_http_request: a connection per request. */
    int status = 0;
    uint8_t *body = NULL;
    size_t len = 0;
    CHECK_OK(sp_http_request("GET", url, NULL, 0, 5000, 1024, &status, &body, &len, NULL, 0));
    free(body);
    CHECK(sp_http_server_connections(srv) == 3);
    sp_http_client_free(c);
    sp_http_client_free(NULL);
    sp_http_server_stop(srv);
}

static void test_limits_refused(void)
{
    sp_http_server *s = (sp_http_server *)1;
    uint16_t port = 7;
    sp_http_limits over_total = {SP_HTTP_MAX_CONNS + 1, 1, 0, 0};
    sp_http_limits over_address = {8, 9, 0, 0};
    sp_http_limits at_max = {SP_HTTP_MAX_CONNS, SP_HTTP_MAX_CONNS, 0, 0};
    CHECK_ERR(sp_http_server_start_limited(&s, NULL, 0, 10, handler, NULL, &over_total, &port),
              SP_ERR_USAGE);
    CHECK(s == NULL && port == 0);
    CHECK_ERR(
        sp_http_server_start_limited(&s, NULL, 0, 10, handler, NULL, &over_address, &port),
        SP_ERR_USAGE);
    CHECK_OK(sp_http_server_start_limited(&s, NULL, 0, 10, handler, NULL, &at_max, &port));
    sp_http_server_stop(s);
}

int main(void)
{
    /* Every 127.x address is local on Linux; elsewhere binding 127.0.0.2 may fail. */
    int probe = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.2", &a.sin_addr);
    int can_bind = probe >= 0 && bind(probe, (struct sockaddr *)&a, sizeof a) == 0;
    if (probe >= 0)
        close(probe);
    RUN_TEST(test_limits_refused);
    RUN_TEST(test_client_keeps_its_connection);
    if (!can_bind) {
        printf("SKIP test_http_starve: cannot bind 127.0.0.2 (%s)\n", strerror(errno));
        return harness_finish("test_http_starve");
    }
    RUN_TEST(test_one_address_cannot_starve);
    RUN_TEST(test_slow_clients_cut_at_deadline);
    return harness_finish("test_http_starve");
}
