/*
 * api_int: what the files of the api family share; daemon/api.h is their
 * public interface. api.c parses and routes a request (URL, query
 * string) into a control Request and runs it; api_answer.c turns the
 * node's Response into the reply (JSON, built by present/); api_metrics.c
 * counts requests and writes /metrics. Private to the sdnode library.
 */
#ifndef SD_API_INT_H
#define SD_API_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "control.pb-c.h"
#include "record.h"

#define API_PARAMS_MAX 64 /* name=value pairs in one query string */
#define API_VALUES_MAX 32 /* values of one repeated filter */
#define API_VALUE_MAX 1024 /* bytes of one decoded value */
#define API_NEEDS_MAX 8

/* A parsed request (api_parse): its route and, for the routes that ask
 * the node, the fields of its control Request, pointing into strs. */
struct api_call {
	int route;
	int head;
	Sd__Query q; /* filters (and text, limit, cursor) */
	char *strs[API_PARAMS_MAX * 4]; /* decoded strings, owned */
	size_t nstrs;
	char *countries[API_VALUES_MAX], *not_countries[API_VALUES_MAX];
	char *regions[API_VALUES_MAX], *sectors[API_VALUES_MAX];
	char *sizes[API_VALUES_MAX];
	Sd__MemberKind kinds[API_VALUES_MAX];
	ProtobufCBinaryData member_of[API_VALUES_MAX];
	uint8_t member_of_id[API_VALUES_MAX][MEMBER_ID_BYTES];
	uint8_t id[MEMBER_ID_BYTES], origin[KEY_PUBLIC_BYTES];
	int has_id, has_origin, anywhere;
	Sd__Consortium cs;
	char *needs[API_NEEDS_MAX];
};

/* The routes' names by API_R_*, for error messages and metric labels. */
extern const char *const api_route_names[API_R_COUNT];

/* api_json(r, status, o): r becomes the compact JSON text of o, which is
 * decref'd; a 500 without a body if o is NULL (out of memory). */
void api_json(struct api_reply *r, int status, json_t *o);

/* api_errorf(r, status, code, fmt, ...): api_error with a formatted
 * message (at most 511 bytes). */
void api_errorf(struct api_reply *r, int status, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * api_call_node(n, req, r): run req on the node (node_handle, as the
 * control socket does). The decoded Response (the caller frees it with
 * sd__response__free_unpacked) when the node answered without error;
 * otherwise NULL, with the node's code and message in r under a status
 * that fits (404 not found, 400 a bad request, 500).
 */
Sd__Response *
api_call_node(struct node *n, Sd__Request *req, struct api_reply *r);

/* api_answer(n, c, resp, r): the reply to call c from the node's
 * Response resp (resp is not freed here). */
void api_answer(struct node *n, const struct api_call *c,
    const Sd__Response *resp, struct api_reply *r);

/* api_metrics(n, st, r): the reply to /metrics: the node's Status and the
 * HTTP counters st as Prometheus text. */
void
api_metrics(struct node *n, const struct api_stats *st, struct api_reply *r);

#endif
