/*
 * http: the daemon's HTTP server (docs/API.md) on its libuv loop.
 * Requests are parsed with http-parser (Debian's libhttp-parser). A
 * connection carries up to HTTP_KEEPALIVE_MAX requests one after the
 * other when the client keeps it alive (HTTP/1.1 without "Connection:
 * close", or 1.0 with "Connection: keep-alive"; not pipelined: bytes
 * after a request in the same read close it after the answer); an
 * error answer, the last one, or one to a client that asked closes it.
 * Limits: HTTP_CONNS_MAX open connections (more are closed at once),
 * HREQ_HEAD_MAX bytes of request line and headers (daemon/hreq.c), no
 * request body, and HTTP_REQUEST_MS from accepting a connection (or from
 * the previous answer) to a complete request: a kept connection on which
 * no byte of a next request came in that time is closed quietly, one
 * with part of a request gets 408.
 * The answer is computed on the thread pool (daemon/api.c).
 */
#ifndef SD_HTTP_H
#define SD_HTTP_H

#include <uv.h>

#include "node.h"

#define HTTP_CONNS_MAX 64
#define HTTP_REQUEST_MS 10000
#define HTTP_KEEPALIVE_MAX 100

struct http;

/* http_start(loop, n, out): listen on n's configured `http` address
 * (*out NULL and 0 if none is). SD_ECONFIG (logged) if it cannot: *out
 * is set all the same, for http_stop. */
int http_start(uv_loop_t *loop, struct node *n, struct http **out);

/* http_stop(h): close the listener and every connection; h is freed once
 * their handles have closed (requests on the thread pool finish first).
 * NULL harmless. */
void http_stop(struct http *h);

#endif
