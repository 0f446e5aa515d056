#include "query.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store_int.h"
#include "text.h"

#define QKEY_MAX (1 + TEXT_TOKEN_MAX)

static const struct {
	int field;
	const char *name;
	double weight;
} query_fields[] = {
	{ STORE_F_NAME, "name", 3.0 },
	{ STORE_F_CAPABILITY, "capabilities", 2.5 },
	{ STORE_F_OFFER, "offers", 1.5 },
	{ STORE_F_SEEK, "seeks", 1.0 },
	{ STORE_F_DESCRIPTION, "description", 1.0 },
	{ STORE_F_CITY, "city", 0.5 },
};
#define QUERY_NFIELDS (sizeof(query_fields) / sizeof(query_fields[0]))

struct qkey {
	uint8_t len;
	char k[QKEY_MAX];
};

/* One AND-ed condition: a member passes if it is in any key's postings. */
struct qgroup {
	struct qkey *keys;
	size_t n;
	uint64_t count; /* sum of posting counts: an upper bound */
};

struct qplan {
	struct qgroup groups[8 + QUERY_TERMS_MAX];
	size_t ngroups;
	struct qgroup exclude;
	char terms[QUERY_TERMS_MAX][TEXT_TOKEN_MAX + 1];
	size_t nterms;
	int err;
};

struct qcand {
	uint64_t doc;
	uint8_t key[STORE_KEY_BYTES];
	double score;
	uint8_t mask[QUERY_TERMS_MAX];
};

static int
query_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return SD_EINVAL;
}

static int
qgroup_add(struct qgroup *g, int field, const char *term, size_t len)
{
	struct qkey *nk;

	if (len + 1 > QKEY_MAX)
		len = QKEY_MAX - 1;
	if ((nk = realloc(g->keys, (g->n + 1) * sizeof(*nk))) == NULL)
		return -ENOMEM;
	g->keys = nk;
	nk[g->n].k[0] = (char)field;
	memcpy(nk[g->n].k + 1, term, len);
	nk[g->n].len = (uint8_t)(len + 1);
	g->n++;
	return 0;
}

static struct qgroup *
qplan_group(struct qplan *p)
{
	struct qgroup *g = &p->groups[p->ngroups++];

	memset(g, 0, sizeof(*g));
	return g;
}

static int
query_term_cb(void *arg, const char *tok, size_t len)
{
	struct qplan *p = arg;
	struct qgroup *g;
	size_t i;

	for (i = 0; i < p->nterms; i++)
		if (strlen(p->terms[i]) == len &&
		    memcmp(p->terms[i], tok, len) == 0)
			return 0;
	if (p->nterms == QUERY_TERMS_MAX) {
		p->err = SD_ETOOBIG;
		return SD_ETOOBIG;
	}
	memcpy(p->terms[p->nterms], tok, len);
	p->terms[p->nterms][len] = '\0';
	p->nterms++;
	g = qplan_group(p);
	for (i = 0; i < QUERY_NFIELDS; i++)
		if (qgroup_add(g, query_fields[i].field, tok, len) != 0)
			return -ENOMEM;
	return 0;
}

/* Normalises a NACE prefix: "C25.6" -> "25.6", "c" -> "C". 0 if valid. */
static int
query_nace(const struct codes *codes, const char *in, char *out, size_t outlen)
{
	size_t len = strlen(in);

	if (len == 0 || len >= outlen)
		return -1;
	if (isalpha((unsigned char)in[0]) && len == 1) {
		out[0] = (char)toupper((unsigned char)in[0]);
		out[1] = '\0';
	} else if (isalpha((unsigned char)in[0]) &&
	    isdigit((unsigned char)in[1])) {
		memcpy(out, in + 1, len);
	} else {
		memcpy(out, in, len + 1);
	}
	if (codes_nace(codes, CODES_NACE_REV2_1, out, NULL, NULL) != 0 &&
	    codes_nace(codes, CODES_NACE_REV2, out, NULL, NULL) != 0)
		return -1;
	/* A section letter given with a division must be that division's. */
	if (isalpha((unsigned char)in[0]) && len > 1) {
		char s1 = 0, s2 = 0;
		codes_nace(codes, CODES_NACE_REV2_1, out, &s1, NULL);
		codes_nace(codes, CODES_NACE_REV2, out, &s2, NULL);
		if (toupper((unsigned char)in[0]) != s1 &&
		    toupper((unsigned char)in[0]) != s2)
			return -1;
	}
	return 0;
}

static int
query_plan(struct store *st, const struct query *q, struct qplan *p, char *err,
    size_t errlen)
{
	struct qgroup *g;
	size_t i;
	int rc;

	memset(p, 0, sizeof(*p));
	if (q->n_countries > QUERY_VALUES_MAX ||
	    q->n_not_countries > QUERY_VALUES_MAX ||
	    q->n_regions > QUERY_VALUES_MAX ||
	    q->n_sectors > QUERY_VALUES_MAX || q->n_kinds > QUERY_VALUES_MAX ||
	    q->n_sizes > QUERY_VALUES_MAX)
		return query_err(err, errlen,
		    "too many values in one filter (at most %d)",
		    QUERY_VALUES_MAX);
	if (q->limit > QUERY_LIMIT_MAX)
		return query_err(err, errlen, "limit %zu is above %d", q->limit,
		    QUERY_LIMIT_MAX);
	if (q->n_countries) {
		g = qplan_group(p);
		for (i = 0; i < q->n_countries; i++) {
			if (codes_country(st->codes, q->countries[i]) == NULL)
				return query_err(err, errlen,
				    "unknown country '%.8s'", q->countries[i]);
			if ((rc = qgroup_add(
			         g, STORE_F_COUNTRY, q->countries[i], 2)) != 0)
				return rc;
		}
	}
	for (i = 0; i < q->n_not_countries; i++) {
		if (codes_country(st->codes, q->not_countries[i]) == NULL)
			return query_err(err, errlen, "unknown country '%.8s'",
			    q->not_countries[i]);
		if ((rc = qgroup_add(&p->exclude, STORE_F_COUNTRY,
		         q->not_countries[i], 2)) != 0)
			return rc;
	}
	if (q->n_regions) {
		g = qplan_group(p);
		for (i = 0; i < q->n_regions; i++) {
			const char *r = q->regions[i];
			if (strlen(r) == 2 &&
			    codes_country(st->codes, r) != NULL)
				rc = qgroup_add(g, STORE_F_COUNTRY, r, 2);
			else if (codes_nuts(st->codes, r, NULL, NULL) == 0)
				rc =
				    qgroup_add(g, STORE_F_REGION, r, strlen(r));
			else
				return query_err(err, errlen,
				    "unknown NUTS region '%.8s'", r);
			if (rc != 0)
				return rc;
		}
	}
	if (q->n_sectors) {
		char code[8];
		g = qplan_group(p);
		for (i = 0; i < q->n_sectors; i++) {
			if (query_nace(st->codes, q->sectors[i], code,
			        sizeof(code)) != 0)
				return query_err(err, errlen,
				    "malformed or unknown NACE code '%.12s' "
				    "(expected e.g. C, C25, 25.6 or 25.62)",
				    q->sectors[i]);
			if ((rc = qgroup_add(
			         g, STORE_F_SECTOR, code, strlen(code))) != 0)
				return rc;
		}
	}
	if (q->n_kinds) {
		g = qplan_group(p);
		for (i = 0; i < q->n_kinds; i++) {
			const char *kn = record_kind_name(q->kinds[i]);
			if (strcmp(kn, "unknown") == 0)
				return query_err(err, errlen, "unknown kind");
			if ((rc = qgroup_add(
			         g, STORE_F_KIND, kn, strlen(kn))) != 0)
				return rc;
		}
	}
	if (q->n_sizes) {
		g = qplan_group(p);
		for (i = 0; i < q->n_sizes; i++) {
			const char *s = q->sizes[i];
			if (strcmp(s, "micro") && strcmp(s, "small") &&
			    strcmp(s, "medium") && strcmp(s, "large"))
				return query_err(err, errlen,
				    "unknown size class '%.12s' (micro, small, "
				    "medium, large)",
				    s);
			if ((rc = qgroup_add(g, STORE_F_SIZE, s, strlen(s))) !=
			    0)
				return rc;
		}
	}
	if (q->text != NULL) {
		rc = text_tokens(q->text, query_term_cb, p);
		if (p->err == SD_ETOOBIG)
			return query_err(err, errlen,
			    "too many search terms (at most %d)",
			    QUERY_TERMS_MAX);
		if (rc == SD_EINVAL)
			return query_err(
			    err, errlen, "search text is not valid UTF-8");
		if (rc != 0)
			return rc;
		if (p->nterms == 0)
			return query_err(
			    err, errlen, "search text has no searchable words");
	}
	return 0;
}

static void
qplan_free(struct qplan *p)
{
	size_t i;

	for (i = 0; i < p->ngroups; i++)
		free(p->groups[i].keys);
	free(p->exclude.keys);
}

static int
qkey_count(MDB_cursor *cur, const struct qkey *qk, uint64_t *n)
{
	MDB_val k = { qk->len, (void *)qk->k }, v;
	size_t c = 0;
	int rc;

	*n = 0;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0 || (rc = mdb_cursor_count(cur, &c)) != 0)
		return store_err(rc);
	*n = c;
	return 0;
}

static int
qkey_has(MDB_cursor *cur, const struct qkey *qk, const uint8_t doc[8])
{
	MDB_val k = { qk->len, (void *)qk->k }, v = { 8, (void *)doc };

	return mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH) == 0;
}

static int
qgroup_has(MDB_cursor *cur, const struct qgroup *g, const uint8_t doc[8])
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (qkey_has(cur, &g->keys[i], doc))
			return 1;
	return 0;
}

struct qcands {
	struct qcand *v;
	size_t n, cap;
};

static int
qcands_add(struct qcands *c, uint64_t doc)
{
	struct qcand *nv;

	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 1024;
		if ((nv = realloc(c->v, ncap * sizeof(*nv))) == NULL)
			return -ENOMEM;
		c->v = nv;
		c->cap = ncap;
	}
	memset(&c->v[c->n], 0, sizeof(c->v[0]));
	c->v[c->n++].doc = doc;
	return 0;
}

static int
qcand_doc_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct qcand *)a)->doc,
	         y = ((const struct qcand *)b)->doc;

	return x < y ? -1 : x > y;
}

static int
qcand_rank_cmp(const void *a, const void *b)
{
	const struct qcand *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return memcmp(x->key, y->key, STORE_KEY_BYTES);
}

/* Collects the docs of every key of g (a union, sorted, deduplicated). */
static int
qcands_from_group(MDB_cursor *cur, const struct qgroup *g, struct qcands *c)
{
	size_t i, j, out;
	MDB_val k, v;
	int rc, mrc;

	for (i = 0; i < g->n; i++) {
		k.mv_size = g->keys[i].len;
		k.mv_data = g->keys[i].k;
		mrc = mdb_cursor_get(cur, &k, &v, MDB_SET);
		if (mrc == MDB_NOTFOUND)
			continue;
		if (mrc != 0)
			return store_err(mrc);
		/* DUPFIXED: fetch whole pages of doc ids at a time. */
		for (mrc = mdb_cursor_get(cur, &k, &v, MDB_GET_MULTIPLE);
		     mrc == 0;
		     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_MULTIPLE)) {
			for (j = 0; j + 8 <= v.mv_size; j += 8)
				if ((rc = qcands_add(c,
				         store_be64_get(
				             (uint8_t *)v.mv_data + j))) != 0)
					return rc;
		}
		if (mrc != MDB_NOTFOUND)
			return store_err(mrc);
	}
	if (g->n > 1 && c->n > 1) {
		qsort(c->v, c->n, sizeof(*c->v), qcand_doc_cmp);
		for (i = 1, out = 1; i < c->n; i++)
			if (c->v[i].doc != c->v[out - 1].doc)
				c->v[out++] = c->v[i];
		c->n = out;
	}
	return 0;
}

static int
qcands_all(MDB_txn *txn, MDB_dbi docs, struct qcands *c)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, mrc;

	if ((rc = store_err(mdb_cursor_open(txn, docs, &cur))) != 0)
		return rc;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if (k.mv_size == 8 &&
		    (rc = qcands_add(c, store_be64_get(k.mv_data))) != 0)
			break;
	if (rc == 0 && mrc != MDB_NOTFOUND)
		rc = store_err(mrc);
	mdb_cursor_close(cur);
	return rc;
}

static void
query_matched(
    const struct qplan *p, const struct qcand *c, char *out, size_t outlen)
{
	size_t t, f, used = 0;
	int n;

	out[0] = '\0';
	for (t = 0; t < p->nterms; t++)
		for (f = 0; f < QUERY_NFIELDS; f++) {
			if (!(c->mask[t] & (1u << f)))
				continue;
			n = snprintf(out + used, outlen - used, "%s%s:%s",
			    used ? " " : "", query_fields[f].name, p->terms[t]);
			if (n < 0 || (size_t)n >= outlen - used)
				return;
			used += (size_t)n;
		}
}

int
query_run(struct store *st, const struct query *q, struct query_result *res,
    char *err, size_t errlen)
{
	struct qplan p;
	struct qcands c = { 0 };
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	size_t i, j, t, f, g0 = 0, out, limit;
	uint64_t nmembers = 0;
	double idf[QUERY_TERMS_MAX][QUERY_NFIELDS];
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = query_plan(st, q, &p, err, errlen)) != 0)
		goto out;
	limit = q->limit ? q->limit : QUERY_LIMIT_DEFAULT;
	if ((rc = store_err(mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn))) !=
	    0)
		goto out;
	if ((rc = store_err(mdb_cursor_open(txn, st->postings, &cur))) != 0)
		goto out;
	{
		MDB_val mk = { 7, "members" }, mv;
		if (mdb_get(txn, st->meta, &mk, &mv) == 0 && mv.mv_size == 8)
			nmembers = store_be64_get(mv.mv_data);
	}
	/* Size every group; drive from the smallest, probe the others. */
	for (i = 0; i < p.ngroups; i++) {
		for (j = 0; j < p.groups[i].n; j++) {
			uint64_t n;
			if ((rc = qkey_count(cur, &p.groups[i].keys[j], &n)) !=
			    0)
				goto out;
			p.groups[i].count += n;
		}
		if (p.groups[i].count < p.groups[g0].count)
			g0 = i;
	}
	for (t = 0; t < p.nterms; t++)
		for (f = 0; f < QUERY_NFIELDS; f++) {
			uint64_t df;
			struct qkey qk;
			size_t tl = strlen(p.terms[t]);
			qk.k[0] = (char)query_fields[f].field;
			memcpy(qk.k + 1, p.terms[t], tl);
			qk.len = (uint8_t)(tl + 1);
			if ((rc = qkey_count(cur, &qk, &df)) != 0)
				goto out;
			/* BM25's idf, never negative. */
			idf[t][f] = log(1.0 +
			    ((double)nmembers - (double)df + 0.5) /
			        ((double)df + 0.5));
		}
	if (p.ngroups > 0)
		rc = qcands_from_group(cur, &p.groups[g0], &c);
	else
		rc = qcands_all(txn, st->docs, &c);
	if (rc != 0)
		goto out;
	for (i = 0, out = 0; i < c.n; i++) {
		struct qcand *cd = &c.v[i];
		uint8_t dbuf[8];
		int keep = 1;
		store_be64_put(dbuf, cd->doc);
		for (j = 0; j < p.ngroups && keep; j++)
			if (j != g0 && !qgroup_has(cur, &p.groups[j], dbuf))
				keep = 0;
		if (keep && p.exclude.n && qgroup_has(cur, &p.exclude, dbuf))
			keep = 0;
		if (!keep)
			continue;
		for (t = 0; t < p.nterms; t++)
			for (f = 0; f < QUERY_NFIELDS; f++) {
				struct qgroup *tg = NULL;
				/* Term groups follow the filter groups in order. */
				tg = &p.groups[p.ngroups - p.nterms + t];
				if (qkey_has(cur, &tg->keys[f], dbuf)) {
					cd->mask[t] |= (uint8_t)(1u << f);
					cd->score +=
					    query_fields[f].weight * idf[t][f];
				}
			}
		{
			MDB_val dk = { 8, dbuf }, dv;
			if (mdb_get(txn, st->docs, &dk, &dv) != 0 ||
			    dv.mv_size != STORE_KEY_BYTES)
				continue; /* a posting without a document */
			memcpy(cd->key, dv.mv_data, STORE_KEY_BYTES);
		}
		c.v[out++] = *cd;
	}
	c.n = out;
	if (c.n > 1)
		qsort(c.v, c.n, sizeof(*c.v), qcand_rank_cmp);
	res->total = c.n;
	if (limit > c.n)
		limit = c.n;
	if (limit > 0 &&
	    (res->hits = calloc(limit, sizeof(*res->hits))) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < limit; i++) {
		struct query_hit *h = &res->hits[res->n];
		MDB_val mk = { STORE_KEY_BYTES, c.v[i].key }, mv, rk, rv;
		uint8_t rkey[KEY_PUBLIC_BYTES + 8];
		if (mdb_get(txn, st->members, &mk, &mv) != 0 ||
		    mv.mv_size != STORE_MEMBER_VAL) {
			rc = SD_ESTORE;
			goto out;
		}
		memcpy(rkey, c.v[i].key, KEY_PUBLIC_BYTES);
		memcpy(rkey + KEY_PUBLIC_BYTES, mv.mv_data, 8);
		rk.mv_size = sizeof(rkey);
		rk.mv_data = rkey;
		if ((rc = store_err(mdb_get(txn, st->records, &rk, &rv))) != 0)
			goto out;
		if ((h->rec = malloc(rv.mv_size)) == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		memcpy(h->rec, rv.mv_data, rv.mv_size);
		h->len = rv.mv_size;
		memcpy(h->key, c.v[i].key, STORE_KEY_BYTES);
		h->score = c.v[i].score;
		query_matched(&p, &c.v[i], h->matched, sizeof(h->matched));
		res->n++;
	}
out:
	if (cur)
		mdb_cursor_close(cur);
	if (txn)
		mdb_txn_abort(txn);
	free(c.v);
	qplan_free(&p);
	if (rc != 0)
		query_result_free(res);
	return rc;
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
