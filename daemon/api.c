#include "api.h"

#include <errno.h>
#include <http_parser.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.pb-c.h"
#include "err.h"
#include "health.h"
#include "hex.h"
#include "key.h"
#include "query.h"
#include "record.h"
#include "result.h"
#include "web.h"

#define API_PARAMS_MAX 64 /* name=value pairs in one query string */
#define API_VALUES_MAX 32 /* values of one repeated filter */
#define API_VALUE_MAX 1024 /* bytes of one decoded value */
#define API_NEEDS_MAX 8

const double api_bucket_le[API_BUCKETS] = { 0.001, 0.005, 0.01, 0.05, 0.1, 0.5,
	1.0, 5.0 };

static const char *const api_route_names[API_R_COUNT] = { "search", "match",
	"consortium", "member", "peers", "status", "metrics", "page", "other" };

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
	uint8_t member_of_id[API_VALUES_MAX][16];
	uint8_t id[16], origin[32];
	int has_id, has_origin, anywhere;
	Sd__Consortium cs;
	char *needs[API_NEEDS_MAX];
};

void
api_stats_add(struct api_stats *st, int route, int status, double seconds)
{
	struct api_route_stats *r;
	size_t i;

	if (route < 0 || route >= API_R_COUNT)
		route = API_R_OTHER;
	r = &st->r[route];
	if (status >= 100 && status < 600)
		r->by_class[status / 100 - 1]++;
	for (i = 0; i < API_BUCKETS; i++)
		if (seconds <= api_bucket_le[i])
			r->bucket[i]++;
	r->count++;
	r->sum_s += seconds;
}

int
api_call_head(const struct api_call *c)
{
	return c->head;
}

void
api_call_free(struct api_call *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nstrs; i++)
		free(c->strs[i]);
	free(c);
}

void
api_reply_free(struct api_reply *r)
{
	if (r == NULL)
		return;
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

/* reply = the JSON text of o (decref'd); 500 if o is NULL. */
static void
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

static void api_errorf(struct api_reply *r, int status, int code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
api_errorf(struct api_reply *r, int status, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	api_error(r, status, code, msg);
}

/* ---- query strings ---- */

/*
 * Percent-decodes s[0..n) ('+' is a space) into a new string in c's
 * strings. 0; SD_EINVAL for a bad escape, an escaped NUL or a value
 * above API_VALUE_MAX; -ENOMEM.
 */
static int
api_decode(struct api_call *c, const char *s, size_t n, char **out)
{
	char *d;
	size_t i, j = 0;

	if (n > API_VALUE_MAX * 3 ||
	    c->nstrs == sizeof(c->strs) / sizeof(*c->strs))
		return SD_EINVAL;
	if ((d = malloc(n + 1)) == NULL)
		return -ENOMEM;
	c->strs[c->nstrs++] = d;
	for (i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '+') {
			d[j++] = ' ';
		} else if (s[i] != '%') {
			d[j++] = s[i];
		} else if (i + 2 < n &&
		    (hi = hex_digit((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hex_digit((unsigned char)s[i + 2])) >= 0 &&
		    (hi | lo) != 0) {
			d[j++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			return SD_EINVAL;
		}
	}
	d[j] = '\0';
	if (j > API_VALUE_MAX)
		return SD_EINVAL;
	*out = d;
	return 0;
}

/* Adds the comma-separated items of v to a string list. */
static int
api_list_add(
    char **v, size_t *n, char *val, struct api_reply *r, const char *name)
{
	char *p = val, *comma;

	for (;;) {
		comma = strchr(p, ',');
		if (comma != NULL)
			*comma = '\0';
		if (*p != '\0') {
			if (*n == API_VALUES_MAX) {
				api_errorf(r, 400, SD_EINVAL,
				    "%s: at most %d values", name,
				    API_VALUES_MAX);
				return SD_EINVAL;
			}
			v[(*n)++] = p;
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return 0;
}

/* An unsigned number in [lo, hi]. */
static int
api_uint(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9' || strlen(s) > 10)
		return SD_EINVAL;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v < lo || v > hi)
		return SD_EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* "1", "true", "yes", "on"; "0", "false", "no", "off", "". */
static int
api_bool(const char *s, int *out)
{
	if (strcmp(s, "1") == 0 || strcmp(s, "true") == 0 ||
	    strcmp(s, "yes") == 0 || strcmp(s, "on") == 0)
		*out = 1;
	else if (*s == '\0' || strcmp(s, "0") == 0 || strcmp(s, "false") == 0 ||
	    strcmp(s, "no") == 0 || strcmp(s, "off") == 0)
		*out = 0;
	else
		return SD_EINVAL;
	return 0;
}

/*
 * One name=value of a query string for c's route. 0; SD_EINVAL with an
 * error in r.
 */
static int
api_param(struct api_call *c, const char *name, char *v, struct api_reply *r)
{
	Sd__Query *q = &c->q;
	int route = c->route,
	    filters = route == API_R_SEARCH || route == API_R_MATCH ||
	    route == API_R_CONSORTIUM;
	int rc, b;
	uint32_t u;

	if (filters && strcmp(name, "country") == 0)
		return api_list_add(c->countries, &q->n_countries, v, r, name);
	if (filters && strcmp(name, "not_country") == 0)
		return api_list_add(
		    c->not_countries, &q->n_not_countries, v, r, name);
	if (filters && strcmp(name, "region") == 0)
		return api_list_add(c->regions, &q->n_regions, v, r, name);
	if (filters && strcmp(name, "sector") == 0)
		return api_list_add(c->sectors, &q->n_sectors, v, r, name);
	if (filters && strcmp(name, "size") == 0)
		return api_list_add(c->sizes, &q->n_sizes, v, r, name);
	if (filters && strcmp(name, "kind") == 0) {
		char *items[API_VALUES_MAX];
		size_t n = 0, i;
		if ((rc = api_list_add(items, &n, v, r, name)) != 0)
			return rc;
		for (i = 0; i < n; i++) {
			int k = record_kind_parse(items[i]);
			if (k < 0) {
				api_errorf(r, 400, SD_EINVAL,
				    "kind: unknown kind '%.64s' (sme, large, "
				    "cluster, rto, university, agency, "
				    "network, investor)",
				    items[i]);
				return SD_EINVAL;
			}
			if (q->n_kinds == API_VALUES_MAX) {
				api_errorf(r, 400, SD_EINVAL,
				    "kind: at most %d values", API_VALUES_MAX);
				return SD_EINVAL;
			}
			c->kinds[q->n_kinds++] = (Sd__MemberKind)k;
		}
		return 0;
	}
	if (filters && strcmp(name, "member_of") == 0) {
		char *items[API_VALUES_MAX];
		size_t n = 0, i;
		if ((rc = api_list_add(items, &n, v, r, name)) != 0)
			return rc;
		for (i = 0; i < n; i++) {
			if (q->n_member_of == API_VALUES_MAX ||
			    hex_decode(items[i], strlen(items[i]),
			        c->member_of_id[q->n_member_of],
			        MEMBER_ID_BYTES) != 0) {
				api_errorf(r, 400, SD_EINVAL,
				    "member_of: '%.64s' is not a member id (32 "
				    "hex digits)",
				    items[i]);
				return SD_EINVAL;
			}
			c->member_of[q->n_member_of].data =
			    c->member_of_id[q->n_member_of];
			c->member_of[q->n_member_of++].len = 16;
		}
		return 0;
	}
	if (filters && strcmp(name, "cross_border") == 0) {
		if (api_bool(v, &b) != 0)
			goto bad_bool;
		q->has_cross_border = 1;
		q->cross_border = b;
		return 0;
	}
	if (filters && strcmp(name, "employees") == 0) {
		char err[160];
		int hmin, hmax;
		if (query_employees_parse(v, &q->employees_min, &hmin,
		        &q->employees_max, &hmax, err, sizeof(err)) != 0) {
			api_errorf(r, 400, SD_EINVAL, "employees %s", err);
			return SD_EINVAL;
		}
		q->has_employees_min = hmin;
		q->has_employees_max = hmax;
		return 0;
	}
	if ((route == API_R_SEARCH || route == API_R_MATCH) &&
	    strcmp(name, "limit") == 0) {
		if (api_uint(v, 1, 10000, &q->limit) != 0) {
			api_error(r, 400, SD_EINVAL, "limit: 1 to 10000");
			return SD_EINVAL;
		}
		q->has_limit = 1;
		return 0;
	}
	if ((route == API_R_SEARCH || route == API_R_MATCH) &&
	    strcmp(name, "cursor") == 0) {
		q->cursor = v;
		return 0;
	}
	if (route == API_R_SEARCH && strcmp(name, "q") == 0) {
		q->text = v;
		return 0;
	}
	if ((route == API_R_MATCH || route == API_R_MEMBER) &&
	    strcmp(name, "origin") == 0) {
		if (key_public_parse(v, c->origin) != 0) {
			api_error(r, 400, SD_EINVAL,
			    "origin: a node key (64 hex digits)");
			return SD_EINVAL;
		}
		c->has_origin = 1;
		return 0;
	}
	if (route == API_R_MATCH && strcmp(name, "id") == 0) {
		if (hex_decode(v, strlen(v), c->id, MEMBER_ID_BYTES) != 0) {
			api_error(r, 400, SD_EINVAL,
			    "id: a member id (32 hex digits)");
			return SD_EINVAL;
		}
		c->has_id = 1;
		return 0;
	}
	if (route == API_R_MATCH && strcmp(name, "anywhere") == 0) {
		if (api_bool(v, &c->anywhere) != 0)
			goto bad_bool;
		return 0;
	}
	if (route == API_R_CONSORTIUM && strcmp(name, "need") == 0) {
		if (v[strspn(v, " \t")] == '\0')
			return 0; /* an empty field of the form */
		if (c->cs.n_needs == API_NEEDS_MAX) {
			api_errorf(r, 400, SD_EINVAL, "need: at most %d",
			    API_NEEDS_MAX);
			return SD_EINVAL;
		}
		c->needs[c->cs.n_needs++] = v;
		return 0;
	}
	if (route == API_R_CONSORTIUM &&
	    (strcmp(name, "min_members") == 0 ||
	        strcmp(name, "min_countries") == 0 ||
	        strcmp(name, "groups") == 0)) {
		int groups = strcmp(name, "groups") == 0;
		if (*v == '\0')
			return 0;
		if (api_uint(v, 1, groups ? 10 : 12, &u) != 0) {
			api_errorf(r, 400, SD_EINVAL, "%s: 1 to %d", name,
			    groups ? 10 : 12);
			return SD_EINVAL;
		}
		if (groups) {
			c->cs.has_groups = 1;
			c->cs.groups = u;
		} else if (name[4] == 'm') {
			c->cs.has_min_members = 1;
			c->cs.min_members = u;
		} else {
			c->cs.has_min_countries = 1;
			c->cs.min_countries = u;
		}
		return 0;
	}
	api_errorf(r, 400, SD_EINVAL, "unknown parameter '%.64s' for %s", name,
	    api_route_names[route]);
	return SD_EINVAL;
bad_bool:
	api_errorf(r, 400, SD_EINVAL, "%s: true or false", name);
	return SD_EINVAL;
}

/* Every name=value of the query string s[0..n). */
static int
api_query(struct api_call *c, const char *s, size_t n, struct api_reply *r)
{
	size_t i = 0, pairs = 0;
	int rc;

	while (i < n) {
		size_t end = i, eq;
		char *name, *val;
		while (end < n && s[end] != '&')
			end++;
		if (end > i) {
			if (++pairs > API_PARAMS_MAX) {
				api_errorf(r, 400, SD_EINVAL,
				    "at most %d parameters", API_PARAMS_MAX);
				return SD_EINVAL;
			}
			for (eq = i; eq < end && s[eq] != '='; eq++)
				;
			rc = api_decode(c, s + i, eq - i, &name);
			if (rc == 0)
				rc = eq < end ? api_decode(c, s + eq + 1,
				                    end - eq - 1, &val)
				              : api_decode(c, "", 0, &val);
			if (rc == -ENOMEM)
				return rc;
			if (rc != 0) {
				api_errorf(r, 400, SD_EINVAL,
				    "bad query string: a malformed %%-escape, "
				    "an escaped NUL, or a value above %d bytes",
				    API_VALUE_MAX);
				return rc;
			}
			if ((rc = api_param(c, name, val, r)) != 0)
				return rc;
		}
		i = end + 1;
	}
	return 0;
}

/*
 * A file of the web page: answered at once. The body is a copy, since
 * api_reply_free frees every body; the files are a few tens of KiB.
 */
static int
api_page(const char *method, const struct web_file *f, struct api_reply *r)
{
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		api_errorf(
		    r, 405, SD_EINVAL, "%s: only GET and HEAD here", method);
		return 1;
	}
	if ((r->body = malloc(f->len + 1)) == NULL)
		return -ENOMEM;
	memcpy(r->body, f->data, f->len);
	r->status = 200;
	r->type = f->type;
	r->len = f->len;
	return 1;
}

int
api_parse(const char *method, const char *url, int *route,
    struct api_call **out, struct api_reply *r)
{
	struct http_parser_url u;
	struct api_call *c;
	struct web_file wf;
	const char *path;
	size_t plen;
	int rc;

	*out = NULL;
	*route = API_R_OTHER;
	memset(r, 0, sizeof(*r));
	http_parser_url_init(&u);
	if (http_parser_parse_url(url, strlen(url), 0, &u) != 0 ||
	    !(u.field_set & (1 << UF_PATH))) {
		api_error(r, 400, SD_EINVAL, "bad request target");
		return 1;
	}
	path = url + u.field_data[UF_PATH].off;
	plen = u.field_data[UF_PATH].len;
	if (web_file_find(path, plen, &wf) == 0) {
		*route = API_R_PAGE;
		return api_page(method, &wf, r);
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -ENOMEM;
	sd__query__init(&c->q);
	sd__consortium__init(&c->cs);
	c->q.countries = c->countries;
	c->q.not_countries = c->not_countries;
	c->q.regions = c->regions;
	c->q.sectors = c->sectors;
	c->q.sizes = c->sizes;
	c->q.kinds = c->kinds;
	c->q.member_of = c->member_of;
	c->cs.needs = c->needs;
#define API_IS(p) (plen == strlen(p) && memcmp(path, p, plen) == 0)
	if (API_IS("/api/search")) {
		c->route = API_R_SEARCH;
	} else if (API_IS("/api/match")) {
		c->route = API_R_MATCH;
	} else if (API_IS("/api/consortium")) {
		c->route = API_R_CONSORTIUM;
	} else if (plen == 12 + 32 && memcmp(path, "/api/member/", 12) == 0) {
		c->route = API_R_MEMBER;
		if (hex_decode(path + 12, 32, c->id, MEMBER_ID_BYTES) != 0) {
			api_error(r, 400, SD_EINVAL,
			    "/api/member/ID: ID is a member id (32 hex "
			    "digits)");
			rc = 1;
			goto out;
		}
		c->has_id = 1;
	} else if (API_IS("/api/peers")) {
		c->route = API_R_PEERS;
	} else if (API_IS("/api/status")) {
		c->route = API_R_STATUS;
	} else if (API_IS("/metrics")) {
		c->route = API_R_METRICS;
	} else {
		c->route = API_R_OTHER;
		api_errorf(r, 404, SD_ENOTFOUND, "no such resource: %.*s",
		    (int)(plen > 200 ? 200 : plen), path);
		rc = 1;
		goto out;
	}
#undef API_IS
	if (strcmp(method, "HEAD") == 0) {
		c->head = 1;
	} else if (strcmp(method, "GET") != 0) {
		api_errorf(
		    r, 405, SD_EINVAL, "%s: only GET and HEAD here", method);
		rc = 1;
		goto out;
	}
	if ((u.field_set & (1 << UF_QUERY)) &&
	    (rc = api_query(c, url + u.field_data[UF_QUERY].off,
	         u.field_data[UF_QUERY].len, r)) != 0) {
		rc = rc == -ENOMEM ? rc : 1;
		goto out;
	}
	if (c->route == API_R_MATCH && !c->has_id) {
		api_error(r, 400, SD_EINVAL, "match: give id=MEMBER_ID");
		rc = 1;
		goto out;
	}
	if (c->route == API_R_CONSORTIUM && c->cs.n_needs == 0) {
		api_error(r, 400, SD_EINVAL,
		    "consortium: give at least one need=TEXT");
		rc = 1;
		goto out;
	}
	*route = c->route;
	*out = c;
	return 0;
out:
	*route = c->route;
	api_call_free(c);
	return rc;
}

/* ---- answers ---- */

/* Runs req on the node; *resp is the decoded Response, or an error is
 * in r (and NULL returned). */
static Sd__Response *
api_call_node(struct node *n, Sd__Request *req, struct api_reply *r)
{
	Sd__Response *resp;
	uint8_t *in, *out = NULL;
	size_t len, outlen = 0;

	req->version = 1;
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

/* The name in the certificate in force of node `who` (a JSON string), or
 * null if none is held; arg is the node (a result_style's node_name). */
static json_t *
api_node_name(void *arg, const uint8_t *who)
{
	struct node *n = arg;
	struct record cert = { 0 };
	json_t *s = NULL;

	if (node_cert_of(n, who, &cert) == 0 &&
	    cert.body->kind_case == SD__RECORD_BODY__KIND_NODE_CERT)
		s = json_string(cert.body->node_cert->name);
	record_close(&cert);
	return s != NULL ? s : json_null();
}

/* The API's style of results (docs/API.md): with node names, "matched"
 * as a list, a group member's coverage. */
static void
api_style(struct node *n, struct result_style *st)
{
	st->node_name = api_node_name;
	st->arg = n;
	st->matched_list = 1;
	st->coverage = 1;
}

/* A member record of the node's answer as JSON; NULL if it is not one
 * (or out of memory). */
static json_t *
api_member_json(struct node *n, const ProtobufCBinaryData *rec)
{
	struct result_style st;
	struct record r = { 0 };
	char err[256];
	json_t *o;

	if (result_open(n->codes, rec, &r, err, sizeof(err)) != 0)
		return NULL;
	api_style(n, &st);
	o = result_member_json(&r, &st);
	record_close(&r);
	return o;
}

static json_t *
api_hits_json(struct node *n, const Sd__Response *resp, int match)
{
	json_t *o = json_object(), *hits = json_array();
	struct result_style st;
	char err[256];
	size_t i;

	api_style(n, &st);
	for (i = 0; hits != NULL && i < resp->n_hits; i++) {
		const Sd__Hit *h = resp->hits[i];
		struct record r = { 0 };
		json_t *m;
		if (result_open(n->codes, &h->record, &r, err, sizeof(err)) !=
		    0)
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
	if (json_object_set_new(o, "hits", hits) != 0)
		goto bad_o;
	return o;
bad:
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
	size_t g, i, skipped = 0;

	api_style(n, &st);
	for (i = 0; needs != NULL && i < c->cs.n_needs; i++)
		json_array_append_new(needs, json_string(c->needs[i]));
	json_object_set_new(o, "needs", needs);
	/* A member whose record does not open is left out of its group, as
	 * it always was here (the CLI refuses the answer instead). */
	for (g = 0; groups != NULL && g < resp->n_groups; g++)
		json_array_append_new(groups,
		    result_group_json(n->codes, resp->groups[g], g + 1,
		        c->needs, c->cs.n_needs, &st, &skipped));
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
	char hex[65];
	size_t i;

	for (i = 0; peers != NULL && i < s->n_peers; i++) {
		const Sd__PeerInfo *pi = s->peers[i];
		json_t *p = health_peer_json(pi);
		if (p != NULL)
			json_object_set_new(p, "name",
			    pi->has_key && pi->key.len == 32
			        ? api_node_name(n, pi->key.data)
			        : json_null());
		json_array_append_new(peers, p);
	}
	for (i = 0; origins != NULL && i < s->n_origins; i++) {
		const Sd__OriginMark *om = s->origins[i];
		json_t *m = json_object();
		if (om->origin.len != 32)
			continue;
		key_public_hex(om->origin.data, hex);
		json_object_set_new(m, "origin", json_string(hex));
		json_object_set_new(
		    m, "name", api_node_name(n, om->origin.data));
		json_object_set_new(m, "w", json_integer((json_int_t)om->w));
		json_object_set_new(m, "self",
		    json_boolean(s->node_key.len == 32 &&
		        memcmp(om->origin.data, s->node_key.data, 32) == 0));
		json_array_append_new(origins, m);
	}
	json_object_set_new(o, "peers", peers);
	json_object_set_new(o, "origins", origins);
	return o;
}

/* ---- /metrics ---- */

struct api_buf {
	char *p;
	size_t len, cap;
	int oom;
};

static void api_printf(struct api_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
api_printf(struct api_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL,
		    b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if (b->p != NULL && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t ncap = b->cap ? b->cap * 2 : 4096;
			char *np;
			while (ncap < b->len + (size_t)n + 1)
				ncap *= 2;
			if ((np = realloc(b->p, ncap)) == NULL) {
				b->oom = 1;
				return;
			}
			b->p = np;
			b->cap = ncap;
		}
	}
}

static void
api_metric(
    struct api_buf *b, const char *name, const char *type, const char *help)
{
	api_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A peer's labels: its key (16 hex digits, "" before it authenticated)
 * and address (ip:port: no quotes or backslashes). */
static void
api_peer_labels(const Sd__PeerInfo *pi, char *out, size_t len)
{
	char who[HEX_SHORT + 1] = "";

	if (pi->has_key && pi->key.len == 32)
		hex_short(pi->key.data, who);
	snprintf(out, len, "peer=\"%s\",address=\"%.60s\"", who,
	    strpbrk(pi->address, "\"\\\n") ? "?" : pi->address);
}

static void
api_metrics(struct node *n, const struct api_stats *st, struct api_reply *r)
{
	Sd__Request req = SD__REQUEST__INIT;
	Sd__Response *resp;
	const Sd__Status *s;
	struct health_view v;
	struct api_buf b = { 0 };
	uint64_t in = 0, out = 0;
	char lab[160];
	size_t i, k;

	req.op_case = SD__REQUEST__OP_STATUS;
	req.status = 1;
	if ((resp = api_call_node(n, &req, r)) == NULL)
		return;
	s = resp->status;
	if (s == NULL) {
		api_error(r, 500, SD_EDECODE, "no status in the node's answer");
		goto out;
	}
	health_view(s, &v);
	api_metric(&b, "stardust_members", "gauge",
	    "Live members held, of every origin.");
	api_printf(&b, "stardust_members %" PRIu64 "\n", s->members);
	api_metric(&b, "stardust_own_members", "gauge",
	    "Live members published by this node.");
	api_printf(&b, "stardust_own_members %" PRIu64 "\n", s->own_members);
	api_metric(&b, "stardust_records", "gauge", "Records stored.");
	api_printf(&b, "stardust_records %" PRIu64 "\n", s->records);
	api_metric(&b, "stardust_origins", "gauge",
	    "Origins (publishing nodes and the root) with a watermark here.");
	api_printf(&b, "stardust_origins %zu\n", s->n_origins);
	api_metric(&b, "stardust_own_seq", "counter",
	    "The last seq this node published.");
	api_printf(&b, "stardust_own_seq %" PRIu64 "\n", s->own_seq);
	api_metric(&b, "stardust_certified", "gauge",
	    "1 if this node holds a certificate in force.");
	api_printf(
	    &b, "stardust_certified %d\n", health_certified(n->codes, s));
	api_metric(&b, "stardust_in_sync", "gauge",
	    "1 if in sync with every certified peer (at least one).");
	api_printf(&b, "stardust_in_sync %d\n", health_in_sync(&v));
	api_metric(&b, "stardust_peers", "gauge", "Peer connections by state.");
	api_printf(
	    &b, "stardust_peers{state=\"certified\"} %zu\n", v.certified);
	api_printf(&b, "stardust_peers{state=\"down\"} %zu\n", v.down);
	api_printf(&b, "stardust_peers{state=\"connecting\"} %zu\n", v.other);
	api_metric(&b, "stardust_peer_up", "gauge",
	    "1 for a certified peer connection, 0 otherwise.");
	for (i = 0; i < s->n_peers; i++) {
		api_peer_labels(s->peers[i], lab, sizeof(lab));
		api_printf(&b, "stardust_peer_up{%s} %d\n", lab,
		    strcmp(s->peers[i]->state, "certified") == 0);
	}
	api_metric(&b, "stardust_peer_lag", "gauge",
	    "Seqs a certified peer holds that this node lacks (its last "
	    "digest).");
	for (i = 0; i < s->n_peers; i++)
		if (s->peers[i]->has_lag) {
			api_peer_labels(s->peers[i], lab, sizeof(lab));
			api_printf(&b, "stardust_peer_lag{%s} %" PRIu64 "\n",
			    lab, s->peers[i]->lag);
		}
	api_metric(&b, "stardust_peer_idle_seconds", "gauge",
	    "Seconds since a peer last sent anything.");
	for (i = 0; i < s->n_peers; i++)
		if (s->peers[i]->has_idle_ms) {
			api_peer_labels(s->peers[i], lab, sizeof(lab));
			api_printf(&b, "stardust_peer_idle_seconds{%s} %.3f\n",
			    lab, (double)s->peers[i]->idle_ms / 1000.0);
		}
	api_metric(&b, "stardust_peer_records_in_total", "counter",
	    "Records received from a peer and stored (this connection).");
	for (i = 0; i < s->n_peers; i++) {
		api_peer_labels(s->peers[i], lab, sizeof(lab));
		api_printf(&b,
		    "stardust_peer_records_in_total{%s} %" PRIu64 "\n", lab,
		    s->peers[i]->records_in);
		in += s->peers[i]->records_in;
	}
	api_metric(&b, "stardust_peer_records_out_total", "counter",
	    "Records sent to a peer (this connection).");
	for (i = 0; i < s->n_peers; i++) {
		api_peer_labels(s->peers[i], lab, sizeof(lab));
		api_printf(&b,
		    "stardust_peer_records_out_total{%s} %" PRIu64 "\n", lab,
		    s->peers[i]->records_out);
		out += s->peers[i]->records_out;
	}
	api_metric(&b, "stardust_records_in", "gauge",
	    "Records received and stored over the open peer connections.");
	api_printf(&b, "stardust_records_in %" PRIu64 "\n", in);
	api_metric(&b, "stardust_records_out", "gauge",
	    "Records sent over the open peer connections.");
	api_printf(&b, "stardust_records_out %" PRIu64 "\n", out);
	api_metric(&b, "stardust_rejected_total", "counter",
	    "Messages of certified peers refused, by reason.");
	for (i = 0; i < s->n_rejected; i++)
		api_printf(&b,
		    "stardust_rejected_total{reason=\"%s\"} %" PRIu64 "\n",
		    s->rejected[i]->reason, s->rejected[i]->count);
	api_metric(&b, "stardust_handshakes_failed_total", "counter",
	    "Inbound connections dropped in their handshake.");
	api_printf(&b, "stardust_handshakes_failed_total %" PRIu64 "\n",
	    s->handshakes_failed);
	api_metric(&b, "stardust_handshakes_shed_total", "counter",
	    "Inbound handshakes closed to make room for newer ones.");
	api_printf(&b, "stardust_handshakes_shed_total %" PRIu64 "\n",
	    s->handshakes_shed);
	api_metric(&b, "stardust_peer_last_sync_timestamp_seconds", "gauge",
	    "When this node last held everything a peer's digest named.");
	for (i = 0; i < s->n_peers; i++)
		if (s->peers[i]->has_synced_ms) {
			api_peer_labels(s->peers[i], lab, sizeof(lab));
			api_printf(&b,
			    "stardust_peer_last_sync_timestamp_seconds{%s} "
			    "%.3f\n",
			    lab, (double)s->peers[i]->synced_ms / 1000.0);
		}
	api_metric(&b, "stardust_sync_duration_seconds", "histogram",
	    "Catch-ups: from a peer's digest showing records this node lacks "
	    "to one showing none.");
	for (k = 0; k < s->n_sync_buckets && k < NODE_SYNC_BUCKETS; k++)
		api_printf(&b,
		    "stardust_sync_duration_seconds_bucket{le=\"%g\"} %" PRIu64
		    "\n",
		    (double)node_sync_le_ms[k] / 1000.0, s->sync_buckets[k]);
	api_printf(&b,
	    "stardust_sync_duration_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n",
	    s->sync_count);
	api_printf(&b, "stardust_sync_duration_seconds_sum %.3f\n",
	    (double)s->sync_sum_ms / 1000.0);
	api_printf(&b, "stardust_sync_duration_seconds_count %" PRIu64 "\n",
	    s->sync_count);
	api_metric(&b, "stardust_http_requests_total", "counter",
	    "HTTP requests answered, by route and status class.");
	for (i = 0; i < API_R_COUNT; i++)
		for (k = 0; k < 5; k++)
			if (st->r[i].by_class[k] > 0)
				api_printf(&b,
				    "stardust_http_requests_total{route=\"%s\","
				    "code=\"%zuxx\"} %" PRIu64 "\n",
				    api_route_names[i], k + 1,
				    st->r[i].by_class[k]);
	api_metric(&b, "stardust_http_request_duration_seconds", "histogram",
	    "Time from a complete request to its answer, by route.");
	for (i = 0; i < API_R_COUNT; i++) {
		if (st->r[i].count == 0)
			continue;
		for (k = 0; k < API_BUCKETS; k++)
			api_printf(&b,
			    "stardust_http_request_duration_seconds_bucket{"
			    "route=\"%s\",le=\"%g\"} %" PRIu64 "\n",
			    api_route_names[i], api_bucket_le[k],
			    st->r[i].bucket[k]);
		api_printf(&b,
		    "stardust_http_request_duration_seconds_bucket{route=\"%"
		    "s\","
		    "le=\"+Inf\"} %" PRIu64 "\n",
		    api_route_names[i], st->r[i].count);
		api_printf(&b,
		    "stardust_http_request_duration_seconds_sum{route=\"%s\"} "
		    "%.6f\n",
		    api_route_names[i], st->r[i].sum_s);
		api_printf(&b,
		    "stardust_http_request_duration_seconds_count{route=\"%s\"}"
		    " "
		    "%" PRIu64 "\n",
		    api_route_names[i], st->r[i].count);
	}
	api_metric(&b, "stardust_http_connections_refused_total", "counter",
	    "HTTP connections closed at once: too many open.");
	api_printf(&b, "stardust_http_connections_refused_total %" PRIu64 "\n",
	    st->refused);
	api_metric(&b, "stardust_http_request_timeouts_total", "counter",
	    "HTTP requests not received in time.");
	api_printf(&b, "stardust_http_request_timeouts_total %" PRIu64 "\n",
	    st->timeouts);
	if (b.oom) {
		free(b.p);
		api_error(r, 500, -ENOMEM, "out of memory");
		goto out;
	}
	free(r->body);
	r->status = 200;
	r->type = "text/plain; version=0.0.4; charset=utf-8";
	r->body = b.p;
	r->len = b.len;
out:
	sd__response__free_unpacked(resp, NULL);
}

/* The call's origin= into a request field: 1 if given, else 0. */
static int
api_origin(struct api_call *c, ProtobufCBinaryData *out)
{
	if (!c->has_origin)
		return 0;
	out->data = c->origin;
	out->len = 32;
	return 1;
}

void
api_run(struct node *n, const struct api_call *cc, const struct api_stats *st,
    struct api_reply *r)
{
	struct api_call *c = (struct api_call *)cc; /* the request points in */
	Sd__Request req = SD__REQUEST__INIT;
	Sd__Match mt = SD__MATCH__INIT;
	Sd__GetMember gm = SD__GET_MEMBER__INIT;
	Sd__Response *resp = NULL;
	json_t *o = NULL;

	memset(r, 0, sizeof(*r));
	switch (c->route) {
	case API_R_METRICS: api_metrics(n, st, r); return;
	case API_R_SEARCH:
		req.op_case = SD__REQUEST__OP_SEARCH;
		req.search = &c->q;
		break;
	case API_R_MATCH:
		mt.member_id.data = c->id;
		mt.member_id.len = 16;
		mt.has_origin = api_origin(c, &mt.origin);
		mt.filters = &c->q;
		mt.has_anywhere = 1;
		mt.anywhere = c->anywhere;
		req.op_case = SD__REQUEST__OP_MATCH;
		req.match = &mt;
		break;
	case API_R_CONSORTIUM:
		c->cs.filters = &c->q;
		req.op_case = SD__REQUEST__OP_CONSORTIUM;
		req.consortium = &c->cs;
		break;
	case API_R_MEMBER:
		gm.id.data = c->id;
		gm.id.len = 16;
		gm.has_origin = api_origin(c, &gm.origin);
		req.op_case = SD__REQUEST__OP_GET;
		req.get = &gm;
		break;
	default:
		req.op_case = SD__REQUEST__OP_STATUS;
		req.status = 1;
		break;
	}
	if ((resp = api_call_node(n, &req, r)) == NULL)
		return;
	switch (c->route) {
	case API_R_SEARCH: o = api_hits_json(n, resp, 0); break;
	case API_R_MATCH: o = api_hits_json(n, resp, 1); break;
	case API_R_CONSORTIUM: o = api_groups_json(n, c, resp); break;
	case API_R_MEMBER:
		if (resp->n_hits == 0) {
			api_error(r, 404, SD_ENOTFOUND, "no such member here");
			goto out;
		}
		o = api_member_json(n, &resp->hits[0]->record);
		break;
	case API_R_PEERS:
		o = resp->status ? api_peers_json(n, resp->status) : NULL;
		break;
	default:
		o = resp->status ? health_status_json(n->codes, resp->status)
		                 : NULL;
		break;
	}
	api_json(r, 200, o);
out:
	sd__response__free_unpacked(resp, NULL);
}
