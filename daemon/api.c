/*
 * api: an HTTP request's method and URL into a call (api_parse: the
 * route, then the query string percent-decoded and checked parameter by
 * parameter), and a call into the control Request the CLI would send
 * (api_run), answered by api_answer.c or api_metrics.c.
 */
#include "api.h"

#include <errno.h>
#include <http_parser.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "err.h"
#include "hex.h"
#include "key.h"
#include "query.h"
#include "record.h"
#include "web.h"

const char *const api_route_names[API_R_COUNT] = { "search", "match",
	"consortium", "member", "peers", "status", "metrics", "page", "other" };

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
			c->member_of[q->n_member_of++].len = MEMBER_ID_BYTES;
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
	} else if (plen == 12 + 2 * MEMBER_ID_BYTES &&
	    memcmp(path, "/api/member/", 12) == 0) {
		c->route = API_R_MEMBER;
		if (hex_decode(path + 12, 2 * MEMBER_ID_BYTES, c->id,
		        MEMBER_ID_BYTES) != 0) {
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

/* The call's origin= into a request field: 1 if given, else 0. */
static int
api_origin(struct api_call *c, ProtobufCBinaryData *out)
{
	if (!c->has_origin)
		return 0;
	out->data = c->origin;
	out->len = KEY_PUBLIC_BYTES;
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
	Sd__Response *resp;

	memset(r, 0, sizeof(*r));
	switch (c->route) {
	case API_R_METRICS: api_metrics(n, st, r); return;
	case API_R_SEARCH:
		req.op_case = SD__REQUEST__OP_SEARCH;
		req.search = &c->q;
		break;
	case API_R_MATCH:
		mt.member_id.data = c->id;
		mt.member_id.len = MEMBER_ID_BYTES;
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
		gm.id.len = MEMBER_ID_BYTES;
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
	api_answer(n, c, resp, r);
	sd__response__free_unpacked(resp, NULL);
}
