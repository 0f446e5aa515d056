/*
 * api_answer: the node's Responses as the API's JSON replies
 * (docs/API.md). Members, hits and consortium groups are built by
 * present/result.c in the API's style (with the publishing node's name),
 * status by present/health.c: the same objects as the CLI's --json.
 */
#include "api.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "ctl.h"
#include "err.h"
#include "health.h"
#include "key.h"
#include "result.h"

void
api_reply_free(struct api_reply *r)
{
	if (r == NULL)
		return;
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

void
api_json(struct api_reply *r, int status, json_t *o)
{
	char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	free(r->body);
	r->type = "application/json";
	if (s == NULL) {
		r->status = 500;
		r->body = NULL;
		r->len = 0;
		return;
	}
	r->status = status;
	r->len = strlen(s);
	r->body = s;
}

/* message as a JSON string; one that is not valid UTF-8 (it may quote
 * the request, or be cut inside a character) has every byte outside
 * printable ASCII replaced by '?'. */
static json_t *
api_text(const char *message)
{
	json_t *s = json_string(message);
	char buf[512];
	size_t i;

	if (s != NULL)
		return s;
	for (i = 0; message[i] != '\0' && i < sizeof(buf) - 1; i++)
		buf[i] = (unsigned char)message[i] >= 0x20 &&
		        (unsigned char)message[i] < 0x7f
		    ? message[i]
		    : '?';
	buf[i] = '\0';
	return json_string(buf);
}

void
api_error(struct api_reply *r, int status, int code, const char *message)
{
	json_t *o = json_object(), *e = json_object();

	json_object_set_new(e, "status", json_integer(status));
	json_object_set_new(e, "code", json_integer(code));
	json_object_set_new(e, "message", api_text(message));
	if (json_object_set_new(o, "error", e) != 0) {
		json_decref(o);
		o = NULL;
	}
	api_json(r, status, o);
}

void
api_errorf(struct api_reply *r, int status, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	api_error(r, status, code, msg);
}

Sd__Response *
api_call_node(struct node *n, Sd__Request *req, struct api_reply *r)
{
	Sd__Response *resp;
	uint8_t *in, *out = NULL;
	size_t len, outlen = 0;

	req->version = CTL_VERSION;
	len = sd__request__get_packed_size(req);
	if ((in = malloc(len ? len : 1)) == NULL) {
		api_error(r, 500, -ENOMEM, "out of memory");
		return NULL;
	}
	sd__request__pack(req, in);
	if (node_handle(n, in, len, &out, &outlen) != 0) {
		free(in);
		api_error(r, 500, -ENOMEM, "out of memory");
		return NULL;
	}
	free(in);
	resp = sd__response__unpack(NULL, outlen, out);
	free(out);
	if (resp == NULL) {
		api_error(
		    r, 500, SD_EDECODE, "the node's answer did not decode");
		return NULL;
	}
	if (resp->code != 0) {
		int status = resp->code == SD_ENOTFOUND ? 404
		    : resp->code == SD_EINVAL || resp->code == SD_ETOOBIG ||
		        resp->code == SD_EDECODE
		    ? 400
		    : 500;
		api_error(r, status, resp->code,
		    resp->message ? resp->message : sd_strerror(resp->code));
		sd__response__free_unpacked(resp, NULL);
		return NULL;
	}
	return resp;
}

/* Node names already looked up for one answer (most hits of an answer
 * come from a few nodes: a certificate read and verified once each). */
#define API_NAMES 32
struct api_names {
	struct node *n;
	size_t len;
	struct {
		uint8_t origin[KEY_PUBLIC_BYTES];
		json_t *name;
	} v[API_NAMES];
};

/* The name in the certificate in force of node `who` (a JSON string), or
 * null if none is held; arg is the answer's api_names (a result_style's
 * node_name). */
static json_t *
api_node_name(void *arg, const uint8_t *who)
{
	struct api_names *an = arg;
	struct record cert = { 0 };
	json_t *s = NULL;
	size_t i;

	for (i = 0; i < an->len; i++)
		if (memcmp(an->v[i].origin, who, KEY_PUBLIC_BYTES) == 0)
			return json_incref(an->v[i].name);
	if (node_cert_of(an->n, who, &cert) == 0 &&
	    cert.body->kind_case == SD__RECORD_BODY__KIND_NODE_CERT)
		s = json_string(cert.body->node_cert->name);
	record_close(&cert);
	if (s == NULL)
		s = json_null();
	if (an->len < API_NAMES) {
		memcpy(an->v[an->len].origin, who, KEY_PUBLIC_BYTES);
		an->v[an->len++].name = json_incref(s);
	}
	return s;
}

/* The API's style of results (docs/API.md): with node names (looked up
 * through an, which api_style_done frees), "matched" as a list, a group
 * member's coverage. */
static void
api_style(struct node *n, struct api_names *an, struct result_style *st)
{
	an->n = n;
	an->len = 0;
	st->node_name = api_node_name;
	st->arg = an;
	st->matched_list = 1;
	st->coverage = 1;
}

static void
api_style_done(struct api_names *an)
{
	size_t i;

	for (i = 0; i < an->len; i++)
		json_decref(an->v[i].name);
	an->len = 0;
}

/* A member record of the node's answer as JSON; NULL if it is not one
 * (or out of memory). */
static json_t *
api_member_json(struct node *n, const ProtobufCBinaryData *rec)
{
	struct result_style st;
	struct api_names an;
	struct record r = { 0 };
	char err[256];
	json_t *o;

	if (result_open(rec, &r, err, sizeof(err)) != 0)
		return NULL;
	api_style(n, &an, &st);
	o = result_member_json(&r, &st);
	api_style_done(&an);
	record_close(&r);
	return o;
}

static json_t *
api_hits_json(struct node *n, const Sd__Response *resp, int match)
{
	json_t *o = json_object(), *hits = json_array();
	struct result_style st;
	struct api_names an;
	char err[256];
	size_t i;

	api_style(n, &an, &st);
	for (i = 0; hits != NULL && i < resp->n_hits; i++) {
		const Sd__Hit *h = resp->hits[i];
		struct record r = { 0 };
		json_t *m;
		if (result_open(&h->record, &r, err, sizeof(err)) != 0)
			goto bad;
		m = result_hit_json(&r, h, match, &st);
		record_close(&r);
		if (m == NULL)
			goto bad;
		json_array_append_new(hits, m);
	}
	json_object_set_new(o, "total",
	    json_integer(
	        (json_int_t)(resp->has_total ? resp->total : resp->n_hits)));
	json_object_set_new(o, "next",
	    resp->next_cursor ? json_string(resp->next_cursor) : json_null());
	api_style_done(&an);
	if (json_object_set_new(o, "hits", hits) != 0)
		goto bad_o;
	return o;
bad:
	api_style_done(&an);
	json_decref(hits);
bad_o:
	json_decref(o);
	return NULL;
}

static json_t *
api_groups_json(
    struct node *n, const struct api_call *c, const Sd__Response *resp)
{
	json_t *o = json_object(), *groups = json_array(),
	       *needs = json_array();
	struct result_style st;
	struct api_names an;
	size_t g, i, skipped = 0;

	api_style(n, &an, &st);
	for (i = 0; needs != NULL && i < c->cs.n_needs; i++)
		json_array_append_new(needs, json_string(c->needs[i]));
	json_object_set_new(o, "needs", needs);
	/* A member whose record does not open is left out of its group, as
	 * it always was here (the CLI refuses the answer instead). */
	for (g = 0; groups != NULL && g < resp->n_groups; g++)
		json_array_append_new(groups,
		    result_group_json(resp->groups[g], g + 1, c->needs,
		        c->cs.n_needs, &st, &skipped));
	api_style_done(&an);
	json_object_set_new(o, "groups", groups);
	if (resp->n_groups == 0)
		json_object_set_new(o, "problem",
		    json_string(
		        resp->problem ? resp->problem : "no group found"));
	return o;
}

static json_t *
api_peers_json(struct node *n, const Sd__Status *s)
{
	json_t *o = json_object(), *peers = json_array(),
	       *origins = json_array();
	struct result_style st;
	struct api_names an;
	char hex[65];
	size_t i;

	api_style(n, &an, &st);
	for (i = 0; peers != NULL && i < s->n_peers; i++) {
		const Sd__PeerInfo *pi = s->peers[i];
		json_t *p = health_peer_json(pi);
		if (p != NULL)
			json_object_set_new(p, "name",
			    pi->has_key && pi->key.len == 32
			        ? api_node_name(&an, pi->key.data)
			        : json_null());
		json_array_append_new(peers, p);
	}
	for (i = 0; origins != NULL && i < s->n_origins; i++) {
		const Sd__OriginMark *om = s->origins[i];
		json_t *m;
		if (om->origin.len != 32 || (m = json_object()) == NULL)
			continue;
		key_public_hex(om->origin.data, hex);
		json_object_set_new(m, "origin", json_string(hex));
		json_object_set_new(
		    m, "name", api_node_name(&an, om->origin.data));
		json_object_set_new(m, "w", json_integer((json_int_t)om->w));
		json_object_set_new(m, "self",
		    json_boolean(s->node_key.len == 32 &&
		        memcmp(om->origin.data, s->node_key.data, 32) == 0));
		json_array_append_new(origins, m);
	}
	api_style_done(&an);
	json_object_set_new(o, "peers", peers);
	json_object_set_new(o, "origins", origins);
	return o;
}

void
api_answer(struct node *n, const struct api_call *c, const Sd__Response *resp,
    struct api_reply *r)
{
	json_t *o;

	switch (c->route) {
	case API_R_SEARCH: o = api_hits_json(n, resp, 0); break;
	case API_R_MATCH: o = api_hits_json(n, resp, 1); break;
	case API_R_CONSORTIUM: o = api_groups_json(n, c, resp); break;
	case API_R_MEMBER:
		if (resp->n_hits == 0) {
			api_error(r, 404, SD_ENOTFOUND, "no such member here");
			return;
		}
		o = api_member_json(n, &resp->hits[0]->record);
		break;
	case API_R_PEERS:
		o = resp->status ? api_peers_json(n, resp->status) : NULL;
		break;
	default:
		o = resp->status
		    ? health_status_json(node_codes(n), resp->status)
		    : NULL;
		break;
	}
	api_json(r, 200, o);
}
