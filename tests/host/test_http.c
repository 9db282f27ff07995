/*
 * test_http.c -- the HTTP server and client (softpause/host/http.h) against each other on
 * a loopback port picked by the kernel (port 0).
 *
 * The test handler echoes what it saw ("<method> <path> <body length>\n" then the body)
 * for /echo, answers static text with a cache header for /static, and 404 otherwise; it
 * counts its calls so the 413 test can prove an oversized body never reached it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "softpause/host/http.h"

#define MAX_BODY 4096u
#define TIMEOUT_MS 10000L

static int handler_calls;

static void handler(void *ctx, const char *method, const char *path, const uint8_t *body,
                    size_t body_len, sp_http_response *resp)
{
    (void)ctx;
    __atomic_add_fetch(&handler_calls, 1, __ATOMIC_SEQ_CST);
    if (strcmp(path, "/echo") == 0) {
        char head[256];
        int n = snprintf(head, sizeof head, "%s %s %zu\n", method, path, body_len);
        resp->body = malloc((size_t)n + body_len);
        if (resp->body == NULL) {
            sp_http_respond_text(resp, 500, "oom\n");
            return;
        }
        memcpy(resp->body, head, (size_t)n);
        if (body_len > 0)
            memcpy(resp->body + n, body, body_len);
        resp->body_len = (size_t)n + body_len;
        resp->status = 200;
        resp->content_type = "application/octet-stream";
        return;
    }
    if (strcmp(path, "/static") == 0) {
        static const char text[] = "fixed\n";
        resp->status = 200;
        resp->body = (uint8_t *)(uintptr_t)text;
        resp->body_len = sizeof text - 1;
        resp->body_static = 1;
        resp->cache_control = "public, max-age=31536000, immutable";
        return;
    }
    sp_http_respond_text(resp, 404, "no such resource\n");
}

static sp_http_server *server;
static char base[64];

static void url(char *out, size_t cap, const char *path)
{
    snprintf(out, cap, "%s%s", base, path);
}

/* One request to this test's server; the response type lands in type (may be NULL). */
static sp_err fetch(const char *method, const char *path, const uint8_t *body,
                    size_t body_len, int *status, uint8_t **resp, size_t *resp_len,
                    char *type, size_t type_cap)
{
    char u[128];
    url(u, sizeof u, path);
    return sp_http_request(method, u, body, body_len, TIMEOUT_MS, 1 << 20, status, resp,
                           resp_len, type, type_cap);
}

static void test_get_and_post(void)
{
    char u[128], type[128];
    int status;
    uint8_t *body;
    size_t len;
    url(u, sizeof u, "/echo");
    CHECK_OK(sp_http_request("GET", u, NULL, 0, TIMEOUT_MS, 1 << 20, &status, &body, &len,
                             type, sizeof type));
    CHECK(status == 200);
    CHECK(len == strlen("GET /echo 0\n") && memcmp(body, "GET /echo 0\n", len) == 0);
    CHECK(body[len] == '\0');
    CHECK(strcmp(type, "application/octet-stream") == 0);
    free(body);

    /* A binary body with NULs arrives intact, also at exactly the cap. */
    static uint8_t big[MAX_BODY];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7);
    CHECK_OK(sp_http_request("POST", u, big, sizeof big, TIMEOUT_MS, 1 << 20, &status, &body,
                             &len, NULL, 0));
    CHECK(status == 200);
    const char *head = "POST /echo 4096\n";
    CHECK(len == strlen(head) + sizeof big);
    CHECK(len >= strlen(head) && memcmp(body, head, strlen(head)) == 0);
    CHECK(len == strlen(head) + sizeof big && memcmp(body + strlen(head), big, sizeof big) == 0);
    free(body);

    /* Empty POST body. */
    CHECK_OK(sp_http_request("POST", u, NULL, 0, TIMEOUT_MS, 1 << 20, &status, &body, &len,
                             NULL, 0));
    CHECK(status == 200 && len == strlen("POST /echo 0\n"));
    free(body);
}

static void test_static_and_cache_header(void)
{
    char type[128];
    int status;
    uint8_t *body;
    size_t len;
    CHECK_OK(fetch("GET", "/static", NULL, 0, &status, &body, &len, type, sizeof type));
    CHECK(status == 200 && len == 6 && memcmp(body, "fixed\n", 6) == 0);
    CHECK(strcmp(type, "text/plain; charset=utf-8") == 0);
    free(body);
}

static void test_not_found(void)
{
    char type[128];
    int status;
    uint8_t *body;
    size_t len;
    CHECK_OK(fetch("GET", "/nothing/here", NULL, 0, &status, &body, &len, type, sizeof type));
    CHECK(status == 404);
    CHECK(strcmp((char *)body, "no such resource\n") == 0);
    CHECK(strncmp(type, "text/plain", 10) == 0);
    free(body);
}

static void test_too_large(void)
{
    char u[128];
    int status;
    uint8_t *body;
    size_t len;
    url(u, sizeof u, "/echo");
    int before = __atomic_load_n(&handler_calls, __ATOMIC_SEQ_CST);
    static uint8_t big[MAX_BODY + 1];
    memset(big, 'x', sizeof big);
    CHECK_OK(sp_http_request("POST", u, big, sizeof big, TIMEOUT_MS, 1 << 20, &status, &body,
                             &len, NULL, 0));
    CHECK(status == 413);
    CHECK(body != NULL && strstr((char *)body, "too large") != NULL);
    free(body);
    /* Far over the cap as well. */
    size_t huge = 1u << 20;
    uint8_t *h = calloc(1, huge);
    CHECK(h != NULL);
    if (h != NULL) {
        CHECK_OK(sp_http_request("POST", u, h, huge, TIMEOUT_MS, 1 << 20, &status, &body,
                                 &len, NULL, 0));
        CHECK(status == 413);
        free(body);
        free(h);
    }
    CHECK(__atomic_load_n(&handler_calls, __ATOMIC_SEQ_CST) == before);
}

static void test_client_limits(void)
{
    char u[128];
    int status = 7;
    uint8_t *body = (uint8_t *)1;
    size_t len = 9;
    /* A response over max_response is a client failure, outputs cleared. */
    url(u, sizeof u, "/static");
    CHECK_ERR(sp_http_request("GET", u, NULL, 0, TIMEOUT_MS, 3, &status, &body, &len, NULL, 0),
              SP_ERR_HTTP);
    CHECK(status == 0 && body == NULL && len == 0);
    /* Nothing listening; a scheme other than http(s). */
    CHECK_ERR(sp_http_request("GET", "http://127.0.0.1:1/", NULL, 0, TIMEOUT_MS, 100, &status,
                              &body, &len, NULL, 0),
              SP_ERR_HTTP);
    CHECK_ERR(sp_http_request("GET", "file:///etc/passwd", NULL, 0, TIMEOUT_MS, 1 << 20,
                              &status, &body, &len, NULL, 0),
              SP_ERR_HTTP);
    CHECK(body == NULL);
}

static void test_server_start_refusals(void)
{
    sp_http_server *s = (sp_http_server *)1;
    uint16_t port = 5;
    CHECK_ERR(sp_http_server_start(&s, "not-an-address", 0, 10, handler, NULL, &port),
              SP_ERR_USAGE);
    CHECK(s == NULL && port == 0);
    /* The port already in use. */
    uint16_t used = 0;
    sp_http_server *a = NULL;
    CHECK_OK(sp_http_server_start(&a, NULL, 0, 10, handler, NULL, &used));
    CHECK_ERR(sp_http_server_start(&s, "127.0.0.1", used, 10, handler, NULL, &port),
              SP_ERR_HTTP);
    CHECK(s == NULL);
    sp_http_server_stop(a);
    sp_http_server_stop(NULL);
}

int main(void)
{
    uint16_t port = 0;
    sp_err e = sp_http_server_start(&server, NULL, 0, MAX_BODY, handler, NULL, &port);
    CHECK_OK(e);
    if (e != SP_OK)
        return harness_finish("test_http");
    snprintf(base, sizeof base, "http://127.0.0.1:%u", (unsigned)port);
    RUN_TEST(test_get_and_post);
    RUN_TEST(test_static_and_cache_header);
    RUN_TEST(test_not_found);
    RUN_TEST(test_too_large);
    RUN_TEST(test_client_limits);
    RUN_TEST(test_server_start_refusals);
    sp_http_server_stop(server);
    return harness_finish("test_http");
}
