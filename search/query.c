/*
 * query: partner search, the public API (query.h). A query or a match is
 * planned (query_plan.c), its candidates found (query_eval.c,
 * query_phrase.c) and ranked into a page (query_rank.c), all in one read
 * snapshot of the store; the family's files are listed in
 * search/int/query_int.h.
 */
#include "query_int.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "record.h"

/* Weights and BM25 length normalisation per field: lists (capabilities,
 * offers, seeks) are normalised less than prose, since a member with more
 * capabilities is not less about each of them. */
const struct query_field query_fields[QUERY_NFIELDS] = {
	{ STORE_F_NAME, QUERY_F_NAME, "name", 3.0, 0.5 },
	{ STORE_F_CAPABILITY, QUERY_F_CAPABILITIES, "capabilities", 2.5, 0.3 },
	{ STORE_F_OFFER, QUERY_F_OFFERS, "offers", 1.5, 0.3 },
	{ STORE_F_SEEK, QUERY_F_SEEKS, "seeks", 1.0, 0.3 },
	{ STORE_F_DESCRIPTION, QUERY_F_DESCRIPTION, "description", 1.0, 0.75 },
	{ STORE_F_CITY, QUERY_F_CITY, "city", 0.5, 0.0 },
};

void
query_init(struct query *q)
{
	memset(q, 0, sizeof(*q));
	q->employees_min = -1;
	q->employees_max = -1;
}

/* Text of a member profile for a match: one string per side. */
struct qmatch {
	char *seeks; /* the member's seeks */
	char *offers; /* its offers and capabilities */
};

static int
query_exec(struct store *st, const struct query *q, const struct qmatch *m,
    struct query_result *res, char *err, size_t errlen)
{
	struct query_plan p;
	struct query_list cand = { 0 };
	size_t limit;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = query_plan_open(&p, st, err, errlen)) != 0)
		goto out;
	p.fields = q->fields ? q->fields & QUERY_F_ALL : QUERY_F_ALL;
	limit = q->limit ? q->limit : QUERY_LIMIT_DEFAULT;
	p.limit = limit;
	if (q->limit > QUERY_LIMIT_MAX) {
		rc = query_err(
		    &p, "limit %zu is above %d", q->limit, QUERY_LIMIT_MAX);
		goto out;
	}
	if (q->cursor != NULL && q->cursor[0] != '\0' &&
	    (rc = query_cursor_get(&p, q->cursor)) != 0)
		goto out;
	if ((rc = query_plan_filters(&p, q)) != 0)
		goto out;
	if (q->text != NULL) {
		if ((rc = query_plan_text(
		         &p, &p.must, 0, p.fields, q->text, 1)) != 0)
			goto out;
		if (p.nterms == 0) {
			rc = query_err(
			    &p, "search text has no searchable words");
			goto out;
		}
	}
	if (m != NULL) {
		/* Their offers and capabilities meet its seeks (part 0);
		 * their seeks meet its offers and capabilities (part 1). */
		if ((m->seeks != NULL &&
		        (rc = query_plan_text(&p, &p.should, 0,
		             QUERY_F_OFFERS | QUERY_F_CAPABILITIES, m->seeks,
		             0)) != 0) ||
		    (m->offers != NULL &&
		        (rc = query_plan_text(&p, &p.should, 1, QUERY_F_SEEKS,
		             m->offers, 0)) != 0))
			goto out;
		if (p.should.n == 0) {
			rc = query_err(&p,
			    "the member lists no offers, capabilities or "
			    "seeks to match");
			goto out;
		}
	}
	/* A cursor continues the query that made it, whatever the page
	 * size: its statistics are per word, its place in that ranking. */
	query_cursor_digest(&p, q, p.qdigest);
	if (p.frozen &&
	    (p.cnscored != p.nscored ||
	        memcmp(p.cdigest, p.qdigest, QUERY_DIGEST_BYTES) != 0)) {
		rc = query_err(&p,
		    "this cursor belongs to another query (its words or "
		    "filters differ); start again from the first page");
		goto out;
	}
	query_plan_stats(&p);
	if (q->skip_key != NULL)
		store_snap_doc_of(p.sn, q->skip_key, &p.skip_doc);
	if ((rc = query_plan_candidates(&p, &cand)) != 0 ||
	    (rc = query_plan_page(&p, &cand, limit, res)) != 0)
		goto out;
out:
	free(cand.v);
	query_plan_free(&p);
	if (rc != 0)
		query_result_free(res);
	return rc;
}

int
query_run(struct store *st, const struct query *q, struct query_result *res,
    char *err, size_t errlen)
{
	return query_exec(st, q, NULL, res, err, errlen);
}

/* Appends s and a space to the growing string *buf. */
static int
query_cat(char **buf, size_t *len, const char *s)
{
	size_t sl = strlen(s);
	char *nb;

	if ((nb = realloc(*buf, *len + sl + 2)) == NULL)
		return -ENOMEM;
	memcpy(nb + *len, s, sl);
	nb[*len + sl] = ' ';
	nb[*len + sl + 1] = '\0';
	*buf = nb;
	*len += sl + 1;
	return 0;
}

struct query_profile {
	uint8_t key[STORE_KEY_BYTES];
	char country[3];
	struct qmatch m;
	int rc;
};

static int
query_profile_cb(void *arg, const uint8_t *rec, size_t len)
{
	struct query_profile *pr = arg;
	struct record r = { 0 };
	const Sd__Member *m;
	size_t i, sl = 0, ol = 0;
	int rc = 0;

	if (record_decode(rec, len, &r) != 0 ||
	    r.body->kind_case != SD__RECORD_BODY__KIND_MEMBER ||
	    r.rec->origin.len != KEY_PUBLIC_BYTES) {
		rc = SD_ESTORE;
		goto out;
	}
	m = r.body->member;
	memcpy(pr->key, r.rec->origin.data, KEY_PUBLIC_BYTES);
	memcpy(pr->key + KEY_PUBLIC_BYTES, m->id.data, MEMBER_ID_BYTES);
	snprintf(pr->country, sizeof(pr->country), "%s", m->country);
	for (i = 0; i < m->n_seeks && rc == 0; i++)
		rc = query_cat(&pr->m.seeks, &sl, m->seeks[i]);
	for (i = 0; i < m->n_offers && rc == 0; i++)
		rc = query_cat(&pr->m.offers, &ol, m->offers[i]);
	for (i = 0; i < m->n_capabilities && rc == 0; i++)
		rc = query_cat(&pr->m.offers, &ol, m->capabilities[i]);
out:
	record_close(&r);
	return rc;
}

int
query_match(struct store *st, const struct query *q, const uint8_t *origin,
    const uint8_t id[MEMBER_ID_BYTES], int abroad, struct query_result *res,
    char *err, size_t errlen)
{
	struct query_profile pr;
	struct query qq = *q;
	char **nc = NULL;
	size_t i;
	int rc;

	memset(&pr, 0, sizeof(pr));
	memset(res, 0, sizeof(*res));
	err[0] = '\0';
	if (q->text != NULL) {
		snprintf(err, errlen, "a match takes filters, not text");
		return SD_EINVAL;
	}
	if ((rc = store_member_get(st, origin, id, query_profile_cb, &pr)) != 0)
		goto out;
	if (abroad) {
		if (q->n_not_countries >= QUERY_VALUES_MAX) {
			snprintf(err, errlen, "too many excluded countries");
			rc = SD_EINVAL;
			goto out;
		}
		if ((nc = calloc(q->n_not_countries + 1, sizeof(*nc))) ==
		    NULL) {
			rc = -ENOMEM;
			goto out;
		}
		for (i = 0; i < q->n_not_countries; i++)
			nc[i] = q->not_countries[i];
		nc[i] = pr.country;
		qq.not_countries = nc;
		qq.n_not_countries = q->n_not_countries + 1;
	}
	qq.skip_key = pr.key;
	rc = query_exec(st, &qq, &pr.m, res, err, errlen);
out:
	free(nc);
	free(pr.m.seeks);
	free(pr.m.offers);
	return rc;
}

void
query_tune_malloc(void)
{
	mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
}

void
query_result_free(struct query_result *res)
{
	size_t i;

	for (i = 0; i < res->n; i++)
		free(res->hits[i].rec);
	free(res->hits);
	memset(res, 0, sizeof(*res));
}

/* A whole number of at most 10 digits from s[0..n), within uint32_t. */
static int
query_uint(const char *s, size_t n, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 10)
		return SD_EINVAL;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return SD_EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return SD_EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int
query_employees_parse(const char *s, uint32_t *min, int *has_min, uint32_t *max,
    int *has_max, char *err, size_t errlen)
{
	const char *dash = strchr(s, '-');

	*has_min = *has_max = 0;
	if (dash == NULL || strchr(dash + 1, '-') != NULL ||
	    (dash == s && dash[1] == '\0')) {
		snprintf(
		    err, errlen, "takes MIN-MAX, MIN- or -MAX, e.g. 10-249");
		return SD_EINVAL;
	}
	if ((dash > s && query_uint(s, (size_t)(dash - s), min) != 0) ||
	    (dash[1] != '\0' &&
	        query_uint(dash + 1, strlen(dash + 1), max) != 0)) {
		snprintf(err, errlen, "%.64s: not a whole number", s);
		return SD_EINVAL;
	}
	*has_min = dash > s;
	*has_max = dash[1] != '\0';
	if (*has_min && *has_max && *min > *max) {
		snprintf(err, errlen, "%.64s: MIN is above MAX", s);
		return SD_EINVAL;
	}
	return 0;
}
