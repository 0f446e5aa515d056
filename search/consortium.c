#include "consortium.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "record.h"

#define CONSORTIUM_QUERY_LIMIT 200 /* hits read per need */
#define CONSORTIUM_TOP 16 /* best hits kept per need */
#define CONSORTIUM_POOL_MAX (CONSORTIUM_NEEDS_MAX * 2 * CONSORTIUM_TOP)
#define CONSORTIUM_BRANCH 8 /* candidates tried per need and state */
#define CONSORTIUM_BEAM 64 /* states kept between needs */

struct consortium_state {
	uint16_t m[CONSORTIUM_MEMBERS_MAX]; /* pool indices, ascending */
	size_t n;
	double score;
};

struct consortium_ctx {
	const struct consortium_request *rq;
	struct consortium_member *pool;
	size_t npool;
	size_t order[CONSORTIUM_NEEDS_MAX]; /* needs, fewest candidates first */
	size_t ncand[CONSORTIUM_NEEDS_MAX]; /* candidates of each need */
};

static int
consortium_pool_find(struct consortium_ctx *c, const uint8_t *key)
{
	size_t i;

	for (i = 0; i < c->npool; i++)
		if (memcmp(c->pool[i].key, key, STORE_KEY_BYTES) == 0)
			return (int)i;
	return -1;
}

/* The country of a stored member record ("" if unreadable). */
static void
consortium_country(const uint8_t *rec, size_t len, char out[3])
{
	struct record r = { 0 };

	out[0] = '\0';
	if (record_decode(rec, len, &r) == 0 &&
	    r.body->kind_case == SD__RECORD_BODY__KIND_MEMBER)
		snprintf(out, 3, "%s", r.body->member->country);
	record_close(&r);
}

/* 1 if the pool already holds a candidate of need i from country cc. */
static int
consortium_has_country(
    const struct consortium_ctx *c, size_t need, const char *cc)
{
	size_t i;

	for (i = 0; i < c->npool; i++)
		if (c->pool[i].cov[need] > 0 &&
		    strcmp(c->pool[i].country, cc) == 0)
			return 1;
	return 0;
}

/* Adds the hits of need i: the best CONSORTIUM_TOP, and the best of each
 * further country (so a constraint on countries can be met), at most
 * 2 * CONSORTIUM_TOP in all, so every need has its place in the pool. */
static int
consortium_add_hits(
    struct consortium_ctx *c, size_t need, struct query_result *r)
{
	size_t i, kept = 0;
	double best = r->n > 0 ? r->hits[0].score : 0;

	for (i = 0; i < r->n && kept < 2 * CONSORTIUM_TOP; i++) {
		struct query_hit *h = &r->hits[i];
		struct consortium_member *m;
		char cc[3];
		int at;
		consortium_country(h->rec, h->len, cc);
		if (kept >= CONSORTIUM_TOP &&
		    consortium_has_country(c, need, cc))
			continue;
		if ((at = consortium_pool_find(c, h->key)) < 0) {
			/* Cannot happen: 2 * CONSORTIUM_TOP a need. */
			if (c->npool == CONSORTIUM_POOL_MAX)
				continue;
			m = &c->pool[c->npool++];
			memset(m, 0, sizeof(*m));
			memcpy(m->key, h->key, STORE_KEY_BYTES);
			memcpy(m->country, cc, 3);
			m->rec = h->rec;
			m->len = h->len;
			h->rec = NULL; /* now the pool's */
		} else {
			m = &c->pool[at];
		}
		m->cov[need] = best > 0 ? h->score / best : 1.0;
		m->covers |= 1u << need;
		kept++;
		c->ncand[need]++;
	}
	return 0;
}

static size_t
consortium_countries(
    const struct consortium_ctx *c, const uint16_t *m, size_t n)
{
	size_t i, j, k = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(c->pool[m[i]].country,
			        c->pool[m[j]].country) == 0)
				break;
		k += j == i;
	}
	return k;
}

static double
consortium_score(
    const struct consortium_ctx *c, const struct consortium_state *s)
{
	size_t i, j;
	double sum = 0;

	for (i = 0; i < c->rq->n_needs; i++) {
		double best = 0;
		for (j = 0; j < s->n; j++)
			if (c->pool[s->m[j]].cov[i] > best)
				best = c->pool[s->m[j]].cov[i];
		sum += best;
	}
	return 100.0 * sum / (double)c->rq->n_needs;
}

static int
consortium_state_has(const struct consortium_state *s, size_t idx)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->m[i] == idx)
			return 1;
	return 0;
}

/* s plus pool member idx (kept ascending); 0, or -1 if full. */
static int
consortium_state_add(struct consortium_state *s, size_t idx)
{
	size_t i;

	if (s->n == CONSORTIUM_MEMBERS_MAX)
		return -1;
	for (i = s->n; i > 0 && s->m[i - 1] > idx; i--)
		s->m[i] = s->m[i - 1];
	s->m[i] = (uint16_t)idx;
	s->n++;
	return 0;
}

/* Better first: higher score, fewer members, then pool order. */
static int
consortium_state_cmp(const void *a, const void *b)
{
	const struct consortium_state *x = a, *y = b;
	size_t i;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	for (i = 0; i < x->n; i++)
		if (x->m[i] != y->m[i])
			return x->m[i] < y->m[i] ? -1 : 1;
	return 0;
}

/* Keeps the best `keep` distinct states of v[0..n). */
static size_t
consortium_prune(struct consortium_state *v, size_t n, size_t keep)
{
	size_t i, out = 0;

	qsort(v, n, sizeof(*v), consortium_state_cmp);
	for (i = 0; i < n && out < keep; i++)
		if (out == 0 || consortium_state_cmp(&v[out - 1], &v[i]) != 0)
			v[out++] = v[i];
	return out;
}

/* Pads s with candidates until the constraints hold: a new country first
 * while countries are short, the best coverage otherwise. 0 or -1. */
static int
consortium_pad(const struct consortium_ctx *c, struct consortium_state *s)
{
	unsigned minm = c->rq->min_members, minc = c->rq->min_countries;

	while (s->n < minm || consortium_countries(c, s->m, s->n) < minc) {
		size_t i, best = SIZE_MAX,
		          have = consortium_countries(c, s->m, s->n);
		double bestv = -1;
		for (i = 0; i < c->npool; i++) {
			struct consortium_state t = *s;
			double v = 0;
			size_t j;
			if (consortium_state_has(s, i) ||
			    consortium_state_add(&t, i) != 0)
				continue;
			if (have < minc &&
			    consortium_countries(c, t.m, t.n) == have)
				continue; /* countries short: a new one */
			for (j = 0; j < c->rq->n_needs; j++)
				if (c->pool[i].cov[j] > v)
					v = c->pool[i].cov[j];
			if (v > bestv) {
				bestv = v;
				best = i;
			}
		}
		if (best == SIZE_MAX || consortium_state_add(s, best) != 0)
			return -1;
	}
	return 0;
}

/* The up to CONSORTIUM_BRANCH best candidates of need not in s, into out. */
static size_t
consortium_best(const struct consortium_ctx *c,
    const struct consortium_state *s, size_t need,
    size_t out[CONSORTIUM_BRANCH])
{
	size_t i, j, n = 0;

	for (i = 0; i < c->npool; i++) {
		double v = c->pool[i].cov[need];
		if (v <= 0 || consortium_state_has(s, i))
			continue;
		/* insertion into the sorted top list */
		for (j = n; j > 0 && c->pool[out[j - 1]].cov[need] < v; j--)
			if (j < CONSORTIUM_BRANCH)
				out[j] = out[j - 1];
		if (j < CONSORTIUM_BRANCH) {
			out[j] = i;
			if (n < CONSORTIUM_BRANCH)
				n++;
		}
	}
	return n;
}

/* 1 if every need has a member of s covering it. */
static int
consortium_covers_all(
    const struct consortium_ctx *c, const struct consortium_state *s)
{
	size_t i, j;

	for (i = 0; i < c->rq->n_needs; i++) {
		for (j = 0; j < s->n; j++)
			if (c->pool[s->m[j]].cov[i] > 0)
				break;
		if (j == s->n)
			return 0;
	}
	return 1;
}

/* Drops members the group does not need: while one can leave with every
 * need still covered and the constraints met, the one whose leaving
 * costs the least score leaves (an adviser wants no passengers; a
 * slightly better coverage is not worth another partner). */
static void
consortium_trim(const struct consortium_ctx *c, struct consortium_state *s)
{
	for (;;) {
		size_t i, j, best = SIZE_MAX;
		double bestv = -1;
		for (i = 0; i < s->n; i++) {
			struct consortium_state t;
			double v;
			t.n = 0;
			for (j = 0; j < s->n; j++)
				if (j != i)
					t.m[t.n++] = s->m[j];
			if (t.n < c->rq->min_members ||
			    consortium_countries(c, t.m, t.n) <
			        c->rq->min_countries ||
			    !consortium_covers_all(c, &t))
				continue;
			v = consortium_score(c, &t);
			if (v > bestv) {
				bestv = v;
				best = i;
			}
		}
		if (best == SIZE_MAX)
			return;
		for (j = best; j + 1 < s->n; j++)
			s->m[j] = s->m[j + 1];
		s->n--;
	}
}

static int
consortium_search(struct consortium_ctx *c, struct consortium_result *res)
{
	struct consortium_state *beam, *next;
	size_t nb = 1, nn, step, i, j, k, nbest, want = c->rq->groups;
	size_t best[CONSORTIUM_BRANCH];
	int rc = 0;

	if ((beam = calloc(CONSORTIUM_BEAM * (CONSORTIUM_BRANCH + 1),
	         sizeof(*beam))) == NULL ||
	    (next = calloc(CONSORTIUM_BEAM * (CONSORTIUM_BRANCH + 1),
	         sizeof(*next))) == NULL) {
		free(beam);
		return -ENOMEM;
	}
	for (step = 0; step < c->rq->n_needs; step++) {
		size_t need = c->order[step];
		nn = 0;
		for (i = 0; i < nb; i++) {
			struct consortium_state *s = &beam[i];
			for (j = 0; j < s->n; j++)
				if (c->pool[s->m[j]].cov[need] > 0)
					break;
			if (j < s->n) { /* already covered */
				next[nn++] = *s;
				continue;
			}
			/* Or one of the need's best candidates joins. */
			nbest = consortium_best(c, s, need, best);
			for (k = 0; k < nbest; k++) {
				next[nn] = *s;
				if (consortium_state_add(&next[nn], best[k]) !=
				    0)
					break;
				next[nn].score = consortium_score(c, &next[nn]);
				nn++;
			}
		}
		nb = consortium_prune(next, nn, CONSORTIUM_BEAM);
		memcpy(beam, next, nb * sizeof(*beam));
		if (nb == 0)
			break;
	}
	/* Meet the size and country constraints, then rank. */
	for (i = 0, nn = 0; i < nb; i++) {
		next[nn] = beam[i];
		if (consortium_pad(c, &next[nn]) != 0)
			continue;
		consortium_trim(c, &next[nn]);
		next[nn].score = consortium_score(c, &next[nn]);
		nn++;
	}
	nn = consortium_prune(next, nn, want);
	if (nn == 0)
		goto out;
	if ((res->groups = calloc(nn, sizeof(*res->groups))) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nn; i++) {
		struct consortium_group *g = &res->groups[res->n];
		if ((g->members = calloc(next[i].n, sizeof(*g->members))) ==
		    NULL) {
			rc = -ENOMEM;
			goto out;
		}
		res->n++;
		g->score = next[i].score;
		g->countries = consortium_countries(c, next[i].m, next[i].n);
		for (j = 0; j < next[i].n; j++) {
			const struct consortium_member *pm =
			    &c->pool[next[i].m[j]];
			struct consortium_member *gm = &g->members[g->n];
			*gm = *pm;
			if ((gm->rec = malloc(pm->len)) == NULL) {
				rc = -ENOMEM;
				goto out;
			}
			memcpy(gm->rec, pm->rec, pm->len);
			g->n++;
		}
	}
out:
	free(beam);
	free(next);
	return rc;
}

static int consortium_problem(struct consortium_result *res, const char *fmt,
    ...) __attribute__((format(printf, 2, 3)));

static int
consortium_problem(struct consortium_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->problem, sizeof(res->problem), fmt, ap);
	va_end(ap);
	return 0;
}

int
consortium_build(struct store *st, const struct consortium_request *rq,
    struct consortium_result *res, char *err, size_t errlen)
{
	struct consortium_ctx c;
	struct query q;
	struct query_result r;
	size_t i, j, used = 0;
	int rc = 0;

	memset(res, 0, sizeof(*res));
	memset(&c, 0, sizeof(c));
	memset(&r, 0, sizeof(r));
	err[0] = '\0';
	c.rq = rq;
	if (rq->n_needs == 0 || rq->n_needs > CONSORTIUM_NEEDS_MAX) {
		snprintf(err, errlen, "give 1 to %d needs (--need TEXT)",
		    CONSORTIUM_NEEDS_MAX);
		return SD_EINVAL;
	}
	if (rq->min_members > CONSORTIUM_MEMBERS_MAX ||
	    rq->min_countries > CONSORTIUM_MEMBERS_MAX) {
		snprintf(err, errlen,
		    "a group has at most %d members (and countries)",
		    CONSORTIUM_MEMBERS_MAX);
		return SD_EINVAL;
	}
	if (rq->min_countries > rq->min_members && rq->min_members > 0) {
		snprintf(err, errlen,
		    "%u countries need at least %u members, not %u",
		    rq->min_countries, rq->min_countries, rq->min_members);
		return SD_EINVAL;
	}
	if (rq->groups > CONSORTIUM_GROUPS_MAX) {
		snprintf(
		    err, errlen, "at most %d groups", CONSORTIUM_GROUPS_MAX);
		return SD_EINVAL;
	}
	if (rq->filters != NULL && rq->filters->text != NULL) {
		snprintf(err, errlen, "needs take the place of search text");
		return SD_EINVAL;
	}
	if ((c.pool = calloc(CONSORTIUM_POOL_MAX, sizeof(*c.pool))) == NULL)
		return -ENOMEM;
	for (i = 0; i < rq->n_needs; i++) {
		char qerr[256];
		if (rq->filters != NULL)
			q = *rq->filters;
		else
			query_init(&q);
		q.text = rq->needs[i];
		q.fields = QUERY_F_NAME | QUERY_F_CAPABILITIES |
		    QUERY_F_OFFERS | QUERY_F_DESCRIPTION;
		q.limit = CONSORTIUM_QUERY_LIMIT;
		q.cursor = NULL;
		if ((rc = query_run(st, &q, &r, qerr, sizeof(qerr))) != 0) {
			if (rc == SD_EINVAL)
				snprintf(err, errlen, "need %zu ('%.60s'): %s",
				    i + 1, rq->needs[i], qerr);
			goto out;
		}
		if (r.total == 0) {
			int n = snprintf(res->problem + used,
			    sizeof(res->problem) - used, "%s'%.60s'",
			    used ? ", " : "nobody covers ", rq->needs[i]);
			if (n > 0 && (size_t)n < sizeof(res->problem) - used)
				used += (size_t)n;
		}
		consortium_add_hits(&c, i, &r);
		query_result_free(&r);
	}
	if (used > 0) {
		snprintf(res->problem + used, sizeof(res->problem) - used,
		    " with these filters");
		goto out;
	}
	{
		uint16_t all[CONSORTIUM_POOL_MAX];
		size_t ncountries;
		for (j = 0; j < c.npool; j++)
			all[j] = (uint16_t)j;
		ncountries = consortium_countries(&c, all, c.npool);
		if (c.npool < rq->min_members ||
		    ncountries < rq->min_countries) {
			consortium_problem(res,
			    "the members who cover any of the needs are only "
			    "%zu, from %zu %s; a group of at least %u members "
			    "from %u countries cannot be formed",
			    c.npool, ncountries,
			    ncountries == 1 ? "country" : "countries",
			    rq->min_members, rq->min_countries);
			goto out;
		}
	}
	/* Needs with the fewest candidates are placed first. */
	for (i = 0; i < rq->n_needs; i++)
		c.order[i] = i;
	for (i = 1; i < rq->n_needs; i++)
		for (j = i;
		     j > 0 && c.ncand[c.order[j]] < c.ncand[c.order[j - 1]];
		     j--) {
			size_t t = c.order[j];
			c.order[j] = c.order[j - 1];
			c.order[j - 1] = t;
		}
	{
		struct consortium_request r2 = *rq;
		if (r2.groups == 0)
			r2.groups = CONSORTIUM_GROUPS_DEFAULT;
		c.rq = &r2;
		rc = consortium_search(&c, res);
		c.rq = rq;
	}
	if (rc == 0 && res->n == 0)
		consortium_problem(res,
		    "no group of at least %u members from at least %u "
		    "countries covers every need",
		    rq->min_members, rq->min_countries);
out:
	query_result_free(&r);
	for (i = 0; i < c.npool; i++)
		free(c.pool[i].rec);
	free(c.pool);
	if (rc != 0)
		consortium_result_free(res);
	return rc;
}

void
consortium_result_free(struct consortium_result *res)
{
	size_t i, j;

	for (i = 0; i < res->n; i++) {
		for (j = 0; j < res->groups[i].n; j++)
			free(res->groups[i].members[j].rec);
		free(res->groups[i].members);
	}
	free(res->groups);
	memset(res, 0, sizeof(*res));
}
