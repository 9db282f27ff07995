/*
 * gzip.h -- a gzip (RFC 1952) writer for tests that serve compressed HTTP bodies, so no
 * compression library is needed.  One final deflate block with the fixed Huffman codes
 * (RFC 1951 3.2.6): every byte a literal, except that a run of the previous byte 258 bytes
 * long becomes one <length 258, distance 1> match -- 13 bits for 258 bytes, so a long run
 * of one byte makes a "gzip bomb" (about 1:160).
 *
 *   1f 8b 08 00 | mtime 0 (4) | xfl 0 | os ff | deflate block | CRC-32 (LE) | ISIZE (LE)
 */
#ifndef DACC_TESTS_GZIP_H
#define DACC_TESTS_GZIP_H

#include <stddef.h>
#include <stdint.h>

#include "softpause/host/http.h"

/* Worst case of gzip_encode for len input bytes (9 bits per literal). */
#define GZIP_BOUND(len) (20u + ((len) * 9u + 7u) / 8u + 16u)

/* Compress in[0..len) into out[0..cap); returns the length, or 0 if cap is too small. */
size_t gzip_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap);

/*
 * A loopback HTTP server (libmicrohttpd, port picked by the kernel) that answers every
 * request through `handler` (an sp_http_handler such as sp_log_handle) and sends each 200
 * body gzip-encoded with "Content-Encoding: gzip", whatever the client asked for -- as
 * tlog-tiles allows a log to do.  With gzip_server_bomb, answers for paths that start with
 * `prefix` are instead the gzip of `decoded` zero bytes.  It keeps the last request's
 * Accept-Encoding header.  Exits the test binary if it cannot start.
 */
typedef struct gzip_server gzip_server;
gzip_server *gzip_server_start(sp_http_handler handler, void *ctx, uint16_t *port);
void gzip_server_bomb(gzip_server *g, const char *prefix, size_t decoded);
/* The Accept-Encoding of the last request ("" if none) into out[0..cap). */
void gzip_server_accept_encoding(gzip_server *g, char *out, size_t cap);
void gzip_server_stop(gzip_server *g);

#endif
