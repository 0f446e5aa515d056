/*
 * query_eval: the candidates of a plan. A selective query (the smallest
 * clause at most 1/64 of the members) lists its smallest clause's docs in
 * order and filters them by each further clause, probing or reading and
 * merging, whichever touches fewer entries; a broad one works on bitmaps
 * of doc numbers and dense arrays of score sums (docs/SEARCH.md,
 * "Evaluation").
 */
#include "query_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/* A probe (a B-tree search) costs about this many sequentially read
 * postings: below that ratio a clause is probed per candidate, above it
 * its postings are read and merged. */
#define QUERY_PROBE_COST 24

int
query_list_grow(struct query_list *l, size_t need)
{
	struct query_ent *nv;
	size_t ncap;

	if (l->n + need <= l->cap)
		return 0;
	ncap = l->cap ? l->cap : 1024;
	while (ncap < l->n + need)
		ncap *= 2;
	if ((nv = realloc(l->v, ncap * sizeof(*nv))) == NULL)
		return -ENOMEM;
	l->v = nv;
	l->cap = ncap;
	return 0;
}

/* Merges the sorted runs of l (run i is [b[i], b[i+1])) into one sorted
 * list with each doc once, its parts summed. */
static int
qlist_union(struct query_list *l, size_t *b, size_t nruns)
{
	struct query_ent *tmp, *src, *dst;
	size_t r, w;

	if (nruns <= 1 || l->n == 0)
		return 0;
	if ((tmp = malloc(l->n * sizeof(*tmp))) == NULL)
		return -ENOMEM;
	src = l->v;
	dst = tmp;
	while (nruns > 1) {
		size_t nb = 0;
		w = 0;
		for (r = 0; r < nruns; r += 2) {
			size_t i = b[r], ie = b[r + 1], j, je;
			b[nb++] = w;
			if (r + 1 == nruns) {
				memcpy(
				    dst + w, src + i, (ie - i) * sizeof(*dst));
				w += ie - i;
				continue;
			}
			j = ie;
			je = b[r + 2];
			while (i < ie || j < je) {
				if (j == je ||
				    (i < ie && src[i].doc < src[j].doc)) {
					dst[w++] = src[i++];
				} else if (i == ie || src[j].doc < src[i].doc) {
					dst[w++] = src[j++];
				} else {
					dst[w] = src[i++];
					dst[w].part[0] += src[j].part[0];
					dst[w].part[1] += src[j].part[1];
					w++;
					j++;
				}
			}
		}
		b[nb] = w;
		nruns = nb;
		l->n = w;
		{
			struct query_ent *t = src;
			src = dst;
			dst = t;
		}
	}
	if (src != l->v) {
		free(l->v);
		l->v = src;
		l->cap = l->n > 0 ? l->n : 1;
		/* the old buffer (dst) was l->v: freed above */
	} else {
		free(tmp);
	}
	return 0;
}

/* Appends the docs of a chunk (in order) to a list. */
static int
qchunk_list(void *arg, uint64_t chunk, const uint64_t *w)
{
	struct query_list *l = arg;
	size_t i, n = 0;
	int rc;

	for (i = 0; i < STORE_CHUNK_WORDS; i++)
		n += (size_t)__builtin_popcountll(w[i]);
	if ((rc = query_list_grow(l, n)) != 0)
		return rc;
	for (i = 0; i < STORE_CHUNK_WORDS; i++) {
		uint64_t x = w[i];
		while (x != 0) {
			struct query_ent *e = &l->v[l->n++];
			e->doc = (chunk << STORE_CHUNK_SHIFT) | (i << 6) |
			    (uint64_t)__builtin_ctzll(x);
			e->part[0] = e->part[1] = 0;
			x &= x - 1;
		}
	}
	return 0;
}

/* Reads every posting of c into out (sorted by doc, scored). */
static int
qclause_read(
    struct query_plan *p, const struct query_clause *c, struct query_list *out)
{
	size_t *b = NULL, i, j, nv;
	const uint8_t *pg;
	int rc = 0, mrc;

	out->n = 0;
	if ((rc = query_list_grow(out, (size_t)c->count)) != 0)
		return rc;
	if ((b = malloc((c->n + 1) * sizeof(*b))) == NULL)
		return -ENOMEM;
	b[0] = 0;
	for (i = 0; i < c->n; i++) {
		const struct query_key *qk = &c->keys[i];
		if (qkey_bitmap(qk)) {
			if ((rc = qkey_chunks(p, qk, qchunk_list, out)) != 0)
				goto out;
			b[i + 1] = out->n;
			continue;
		}
		for (mrc = store_snap_postings_first(
		         p->sn, qk->k, qk->len, &pg, &nv);
		     mrc == 0;
		     mrc = store_snap_postings_next(p->sn, &pg, &nv)) {
			if ((rc = query_list_grow(out, nv)) != 0)
				goto out;
			for (j = 0; j < nv; j++) {
				const uint8_t *e = pg + j * STORE_POSTING_VAL;
				struct query_ent *q = &out->v[out->n++];
				q->doc = qdoc(e);
				q->part[0] = q->part[1] = 0;
				if (c->scored)
					q->part[c->slot] = qkey_bm25(p, qk, e);
			}
		}
		if (mrc != SD_ENOTFOUND) {
			rc = mrc;
			goto out;
		}
		b[i + 1] = out->n;
	}
	rc = qlist_union(out, b, c->n);
out:
	free(b);
	return rc;
}

/* 1 if doc is in any list of c (adding its score to e), 0 if not. */
int
query_clause_probe(struct query_plan *p, const struct query_clause *c,
    struct query_ent *e, unsigned *fmask)
{
	const uint8_t *val;
	size_t i;
	int found = 0;

	for (i = 0; i < c->n; i++) {
		const struct query_key *qk = &c->keys[i];
		if (qkey_bitmap(qk)) {
			if (store_snap_chunk_has(p->sn, qk->k, qk->len, e->doc))
				return 1;
			continue;
		}
		if (store_snap_postings_seek(
		        p->sn, qk->k, qk->len, e->doc, &val) != 0 ||
		    qdoc(val) != e->doc)
			continue;
		found = 1;
		if (fmask != NULL && qk->fi >= 0)
			*fmask |= 1u << qk->fi;
		if (!c->scored)
			return 1; /* a filter: one key is enough */
		e->part[c->slot] += qkey_bm25(p, qk, val);
	}
	return found;
}

/* Keeps the candidates in (keep) or not in (!keep) clause c. */
static int
qlist_filter(struct query_plan *p, struct query_list *cand,
    const struct query_clause *c, int keep)
{
	struct query_list l = { 0 };
	size_t i, j, out = 0;
	int rc;

	if (c->n == 0 || cand->n == 0) {
		if (keep)
			cand->n = 0;
		return 0;
	}
	if ((uint64_t)cand->n * c->n * QUERY_PROBE_COST < c->count) {
		for (i = 0; i < cand->n; i++) {
			struct query_ent e = cand->v[i];
			if (query_clause_probe(p, c, &e, NULL) == keep)
				cand->v[out++] = e;
		}
		cand->n = out;
		return 0;
	}
	if ((rc = qclause_read(p, c, &l)) != 0)
		goto out;
	for (i = 0, j = 0; i < cand->n; i++) {
		while (j < l.n && l.v[j].doc < cand->v[i].doc)
			j++;
		if ((j < l.n && l.v[j].doc == cand->v[i].doc) == keep) {
			struct query_ent e = cand->v[i];
			if (keep) {
				e.part[0] += l.v[j].part[0];
				e.part[1] += l.v[j].part[1];
			}
			cand->v[out++] = e;
		}
	}
	cand->n = out;
out:
	free(l.v);
	return rc;
}

static int
qclause_count_cmp(const void *a, const void *b)
{
	const struct query_clause *x = a, *y = b;

	return x->count < y->count ? -1 : x->count > y->count;
}

/* Working state of a broad query: bitmaps of doc numbers and, per score
 * slot, a dense array of partial scores valid where a bitmap says so. */
struct qdense {
	size_t nw; /* 64-bit words of each bitmap */
	uint64_t *cb; /* the candidates so far */
	uint64_t *tb; /* the clause being read */
	double *acc[2]; /* scores, by doc number */
	uint64_t *touched[2]; /* slots of a match: docs with a valid acc */
	int acc_valid; /* acc[0] is valid for every doc in cb */
};

/* tb |= a chunk of a filter's bitmap. */
static int
qchunk_or(void *arg, uint64_t chunk, const uint64_t *w)
{
	struct qdense *d = arg;
	size_t at = (size_t)chunk * STORE_CHUNK_WORDS, i;

	for (i = 0; i < STORE_CHUNK_WORDS && at + i < d->nw; i++)
		d->tb[at + i] |= w[i];
	return 0;
}

/*
 * Reads every posting of c once. Without filter (the first clause of a
 * query, or an optional word of a match) every doc is set in tb; with
 * filter, only docs already in d->cb. A scored clause adds its BM25 to
 * d->acc[slot]: the first time a doc is met in the clause the sum starts
 * from 0 (or from the earlier clauses' sum, which every doc still in cb
 * has), later fields of the same word add to it.
 */
static int
qdense_read(struct query_plan *p, struct qdense *d,
    const struct query_clause *c, int filter)
{
	uint64_t *seen = d->tb;
	double *acc = c->scored ? d->acc[c->slot] : NULL;
	int keep_acc = d->acc_valid && c->slot == 0;
	const uint8_t *pg;
	size_t i, j, nv;
	int mrc;

	if (c->scored && p->should.n > 0)
		seen = d->touched[c->slot]; /* a match's slot */
	for (i = 0; i < c->n; i++) {
		const struct query_key *qk = &c->keys[i];
		if (qkey_bitmap(qk)) {
			int rc = qkey_chunks(p, qk, qchunk_or, d);
			if (rc != 0)
				return rc;
			continue;
		}
		for (mrc = store_snap_postings_first(
		         p->sn, qk->k, qk->len, &pg, &nv);
		     mrc == 0; mrc = store_snap_postings_next(p->sn, &pg, &nv))
			for (j = 0; j < nv; j++) {
				const uint8_t *e = pg + j * STORE_POSTING_VAL;
				uint64_t doc = qdoc(e), w = doc >> 6,
				         bit = 1ULL << (doc & 63);
				int first;
				if (w >= d->nw)
					continue;
				if (acc == NULL) {
					/* A filter: set every bit (no branch on
					 * cb); the caller ANDs. */
					d->tb[w] |= bit;
					continue;
				}
				if (filter && !(d->cb[w] & bit))
					continue;
				first = !(seen[w] & bit);
				seen[w] |= bit;
				if (seen != d->tb)
					d->tb[w] |= bit;
				if (first && !keep_acc)
					acc[doc] = qkey_bm25(p, qk, e);
				else
					acc[doc] += qkey_bm25(p, qk, e);
			}
		if (mrc != SD_ENOTFOUND)
			return mrc;
	}
	return 0;
}

/* cb = the docs of c among cb (tb is scratch). */
static int
qdense_and(struct query_plan *p, struct qdense *d, const struct query_clause *c)
{
	uint64_t *t;
	int rc;

	memset(d->tb, 0, d->nw * sizeof(*d->tb));
	if ((rc = qdense_read(p, d, c, 1)) != 0)
		return rc;
	if (!c->scored) {
		size_t w;
		for (w = 0; w < d->nw; w++)
			d->cb[w] &= d->tb[w];
		return 0;
	}
	t = d->cb;
	d->cb = d->tb;
	d->tb = t;
	if (c->slot == 0)
		d->acc_valid = 1;
	return 0;
}

static void
qdense_free(struct qdense *d)
{
	free(d->cb);
	free(d->tb);
	free(d->acc[0]);
	free(d->acc[1]);
	free(d->touched[0]);
	free(d->touched[1]);
}

/*
 * The candidates of a broad query, with bitmaps of doc numbers: each
 * clause's postings are read once, smallest clause first; a later clause
 * keeps only the docs still in the running bitmap and adds its BM25 to
 * their dense score sums. Without scores or phrases only the page's
 * candidates are listed (p->partial; p->total counts them all).
 */
static int
qplan_dense(struct query_plan *p, struct query_list *cand)
{
	struct qdense d;
	size_t w, i, n = 0, ndocs = (size_t)p->maxdoc + 1;
	uint64_t from = 0;
	int rc = 0, scored = p->should.n > 0, slot;

	memset(&d, 0, sizeof(d));
	d.nw = (size_t)(p->maxdoc >> 6) + 1;
	for (i = 0; i < p->must.n; i++)
		scored |= p->must.v[i].scored;
	if ((d.cb = calloc(d.nw, sizeof(*d.cb))) == NULL ||
	    (d.tb = calloc(d.nw, sizeof(*d.tb))) == NULL)
		goto oom;
	/* Score sums are written before they are read: not zeroed. */
	for (slot = 0; slot < (p->should.n > 0 ? 2 : scored); slot++)
		if ((d.acc[slot] = malloc(ndocs * sizeof(double))) == NULL)
			goto oom;
	if (p->should.n > 0) {
		for (slot = 0; slot < 2; slot++)
			if ((d.touched[slot] =
			            calloc(d.nw, sizeof(uint64_t))) == NULL)
				goto oom;
		/* Any optional word: their union, then the filters. */
		for (i = 0; i < p->should.n && rc == 0; i++)
			rc = qdense_read(p, &d, &p->should.v[i], 0);
		if (rc == 0) {
			uint64_t *t = d.cb;
			d.cb = d.tb;
			d.tb = t;
		}
		for (i = 0; i < p->must.n && rc == 0; i++)
			rc = qdense_and(p, &d, &p->must.v[i]);
	} else {
		rc = qdense_read(p, &d, &p->must.v[0], 0);
		if (rc == 0) {
			uint64_t *t = d.cb;
			d.cb = d.tb;
			d.tb = t;
			d.acc_valid = p->must.v[0].scored;
		}
		for (i = 1; i < p->must.n && rc == 0; i++)
			rc = qdense_and(p, &d, &p->must.v[i]);
	}
	if (rc == 0 && p->excl.n > 0) {
		memset(d.tb, 0, d.nw * sizeof(*d.tb));
		if ((rc = qdense_read(p, &d, &p->excl, 0)) == 0)
			for (w = 0; w < d.nw; w++)
				d.cb[w] &= ~d.tb[w];
	}
	if (rc != 0)
		goto out;
	if (p->skip_doc != 0 && (p->skip_doc >> 6) < d.nw)
		d.cb[p->skip_doc >> 6] &= ~(1ULL << (p->skip_doc & 63));
	for (w = 0; w < d.nw; w++)
		n += (size_t)__builtin_popcountll(d.cb[w]);
	p->total = n;
	if (p->nphrases == 0) {
		/* Without phrases only the page matters: the best
		 * limit + 1 after the cursor (one more tells whether a next
		 * page exists). Without scores they are simply the next docs
		 * in order. */
		p->partial = 1;
		if (!scored && p->has_cursor && p->cscore == 0)
			from = p->cdoc + 1;
		n = p->limit + 1;
	}
	if ((rc = query_list_grow(cand, n)) != 0)
		goto out;
	for (w = from >> 6; w < d.nw && (scored || cand->n < n); w++) {
		uint64_t x = d.cb[w];
		while (x != 0 && (scored || cand->n < n)) {
			uint64_t doc = (w << 6) | (uint64_t)__builtin_ctzll(x);
			struct query_ent e;
			x &= x - 1;
			if (doc < from)
				continue;
			e.doc = doc;
			e.part[0] = e.part[1] = 0;
			for (slot = 0; slot < 2; slot++) {
				if (d.acc[slot] == NULL)
					continue;
				if (d.touched[slot] == NULL
				        ? (uint64_t)d.acc_valid
				        : (d.touched[slot][w] >> (doc & 63)) &
				            1)
					e.part[slot] = d.acc[slot][doc];
			}
			if (!p->partial)
				cand->v[cand->n++] = e;
			else if (!scored)
				cand->v[cand->n++] = e;
			else if (qplan_after(p, &e))
				qheap_push(cand->v, &cand->n, n, &e);
		}
	}
	goto out;
oom:
	rc = -ENOMEM;
out:
	qdense_free(&d);
	return rc;
}

/* Every candidate meeting the plan, with scores. */
int
query_plan_candidates(struct query_plan *p, struct query_list *cand)
{
	size_t i, out;
	int rc = 0;

	for (i = 0; i < p->must.n; i++)
		if ((rc = query_clause_size(p, &p->must.v[i])) != 0)
			return rc;
	for (i = 0; i < p->should.n; i++)
		if ((rc = query_clause_size(p, &p->should.v[i])) != 0)
			return rc;
	if ((rc = query_clause_size(p, &p->excl)) != 0)
		return rc;
	if (p->must.n == 0 && p->should.n == 0 && (rc = query_plan_all(p)) != 0)
		return rc;
	/* Cheapest first: the smallest clause drives, the rest filter. */
	if (p->must.n > 1)
		qsort(p->must.v, p->must.n, sizeof(p->must.v[0]),
		    qclause_count_cmp);
	{
		uint64_t drive =
		    p->must.n > 0 ? p->must.v[0].count : UINT64_MAX;
		if (p->should.n > 0) {
			uint64_t u = 0;
			for (i = 0; i < p->should.n; i++)
				u += p->should.v[i].count;
			drive = u < drive ? u : drive;
		}
		/* A driver above 1/64 of the members: bitmaps beat lists. */
		if (drive > p->maxdoc / 64) {
			if ((rc = qplan_dense(p, cand)) != 0)
				return rc;
			return query_list_phrases(p, cand);
		}
	}
	if (p->should.n > 0) {
		/* Any of the optional words: the union of their lists. */
		size_t *b;
		if ((b = calloc(p->should.n + 1, sizeof(*b))) == NULL)
			return -ENOMEM;
		for (i = 0; i < p->should.n && rc == 0; i++) {
			struct query_list one = { 0 };
			if ((rc = qclause_read(p, &p->should.v[i], &one)) ==
			        0 &&
			    (rc = query_list_grow(cand, one.n)) == 0) {
				if (one.n > 0)
					memcpy(cand->v + cand->n, one.v,
					    one.n * sizeof(*one.v));
				cand->n += one.n;
				b[i + 1] = cand->n;
			}
			free(one.v);
		}
		if (rc == 0)
			rc = qlist_union(cand, b, p->should.n);
		free(b);
		for (i = 0; i < p->must.n && rc == 0; i++)
			rc = qlist_filter(p, cand, &p->must.v[i], 1);
	} else {
		if ((rc = qclause_read(p, &p->must.v[0], cand)) != 0)
			return rc;
		for (i = 1; i < p->must.n && rc == 0; i++)
			rc = qlist_filter(p, cand, &p->must.v[i], 1);
	}
	if (rc == 0 && p->excl.n > 0)
		rc = qlist_filter(p, cand, &p->excl, 0);
	if (rc == 0 && p->skip_doc != 0) {
		for (i = 0, out = 0; i < cand->n; i++)
			if (cand->v[i].doc != p->skip_doc)
				cand->v[out++] = cand->v[i];
		cand->n = out;
	}
	if (rc == 0)
		rc = query_list_phrases(p, cand);
	return rc;
}
