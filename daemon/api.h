/*
 * api: the HTTP API's routes (docs/API.md). A request's method and URL
 * become a control Request for node_handle (so the API answers exactly
 * what the CLI would), and its Response becomes JSON; /metrics renders
 * the node's Status and the HTTP counters as Prometheus text. No
 * sockets: daemon/http.c owns those and calls these.
 *
 * One prefix, three files joined by daemon/int/api_int.h: api.c parses
 * and routes requests, api_answer.c makes the replies (the JSON of
 * present/, as the CLI prints it), api_metrics.c counts requests and
 * writes /metrics.
 */
#ifndef SD_API_H
#define SD_API_H

#include <stddef.h>
#include <stdint.h>

#include "node.h"

/* What a request is answered with. */
struct api_reply {
	int status; /* HTTP status */
	const char *type; /* Content-Type (static) */
	char *body; /* malloc'd */
	size_t len;
};

/* The routes, for the request counters. */
enum {
	API_R_SEARCH,
	API_R_MATCH,
	API_R_CONSORTIUM,
	API_R_MEMBER,
	API_R_PEERS,
	API_R_STATUS,
	API_R_METRICS,
	API_R_PAGE, /* the web page's files (daemon/web.c) */
	API_R_OTHER, /* anything else: 404, 405, 400 before routing */
	API_R_COUNT
};

/* Upper bounds of the latency histogram's buckets, in seconds (+Inf is
 * the count). */
#define API_BUCKETS 8
extern const double api_bucket_le[API_BUCKETS];

/* Request counters and latencies by route, kept by http.c on its loop. */
struct api_stats {
	struct api_route_stats {
		uint64_t by_class[5]; /* answers 1xx .. 5xx */
		uint64_t bucket[API_BUCKETS]; /* latency <= le (cumulative) */
		uint64_t count;
		double sum_s;
	} r[API_R_COUNT];
	uint64_t refused; /* connections refused: too many open */
	uint64_t timeouts; /* requests not complete in time */
};

/* api_stats_add(st, route, status, seconds): count one answered request. */
void api_stats_add(struct api_stats *st, int route, int status, double seconds);

/* A parsed request, ready to run. */
struct api_call;

/*
 * api_parse(method, url, route, call, reply): route a request (*route is
 * its API_R_*, for the counters, whatever the outcome). 0 with *call set
 * (run it with api_run); 1 with *reply set when the answer is known at
 * once (an error, or a file of the web page: a copy of its bytes, freed
 * by api_reply_free like any body); -ENOMEM.
 */
int api_parse(const char *method, const char *url, int *route,
    struct api_call **call, struct api_reply *reply);

/* api_call_head(c): 1 if it is a HEAD request (no body is sent). */
int api_call_head(const struct api_call *c);

/* api_run(n, c, stats, reply): execute c against the node and fill reply
 * (always; out of memory gives a 500 with an empty body). stats is a
 * snapshot for /metrics. Any thread. */
void api_run(struct node *n, const struct api_call *c,
    const struct api_stats *stats, struct api_reply *reply);

/* api_error(reply, status, code, message): a JSON error answer. */
void
api_error(struct api_reply *reply, int status, int code, const char *message);

/* api_call_free(c), api_reply_free(r): NULL harmless. */
void api_call_free(struct api_call *c);
void api_reply_free(struct api_reply *r);

#endif
