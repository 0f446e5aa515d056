/*
 * hreq: reading one HTTP request's head with http-parser (Debian's
 * libhttp-parser) under the server's limits: the request line and
 * headers at most HREQ_HEAD_MAX bytes, no body. Keeps the method and the
 * URL; header contents are counted, not kept. No sockets: daemon/http.c
 * feeds it what it reads, and the fuzz_http target feeds it raw bytes.
 */
#ifndef SD_HREQ_H
#define SD_HREQ_H

#include <http_parser.h>
#include <stddef.h>

#define HREQ_HEAD_MAX (16 * 1024)

struct hreq {
	http_parser parser;
	char url[HREQ_HEAD_MAX + 1];
	size_t urllen;
	size_t head; /* bytes of header fields and values so far */
	int complete; /* the head is in (or the request is bad) */
	int bad; /* 0, or the HTTP status for a bad request: 400, 413, 414,
	            431 */
	size_t fed; /* bytes fed since hreq_init */
	int trailing; /* bytes came after the complete request (pipelined) */
};

/* hreq_init(r): ready for a new request. */
void hreq_init(struct hreq *r);

/* hreq_feed(r, p, n): parse n more bytes. 1 once the request is complete
 * (r->bad then says whether it is bad), 0 to read more. Bytes after a
 * complete request are ignored. */
int hreq_feed(struct hreq *r, const char *p, size_t n);

/* hreq_keep_alive(r): 1 if the complete, good request lets its
 * connection carry another (http_should_keep_alive) and nothing came
 * after it in the same bytes. */
int hreq_keep_alive(const struct hreq *r);

/* hreq_method(r): "GET", "HEAD", ... of a complete request. */
const char *hreq_method(const struct hreq *r);

#endif
