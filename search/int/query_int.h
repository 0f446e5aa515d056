/*
 * query_int: what the files of the search family share; nothing outside
 * search/ includes this (the build keeps search/int private).
 *
 *   query.c         the public API (query.h): run a query or a match,
 *                   free results, the employee range parser; the text
 *                   fields' weights
 *   query_plan.c    a query into clauses: filters, words, phrases,
 *                   prefixes expanded, each clause sized and given its
 *                   idf; the ranking statistics
 *   query_cursor.c  cursors: encoded and decoded
 *   query_eval.c    candidate evaluation: sorted lists (read and merge,
 *                   or probe) for a selective query, dense bitmaps and
 *                   score arrays for a broad one
 *   query_phrase.c  phrases checked on the candidates' records
 *   query_rank.c    the page: top-k after the cursor, why each hit
 *                   matched, the next cursor (BM25 and the top-k heap
 *                   are inline below: called per posting and candidate)
 *
 * A plan lives for one query_run or query_match, on the caller's thread;
 * everything it reads comes from its one snapshot (store_snap.h) and is
 * valid until query_plan_free ends it.
 */
#ifndef SD_QUERY_INT_H
#define SD_QUERY_INT_H

#include <stdint.h>
#include <string.h>

#include "query.h"
#include "store_snap.h"
#include "text.h"

#define QKEY_MAX (1 + TEXT_TOKEN_MAX)
#define QUERY_K1 1.2

/* The text fields: index field, QUERY_F_* bit, name shown in a hit's
 * "why", BM25 weight and length normalisation b (query.c). */
struct query_field {
	int field;
	unsigned bit;
	const char *name;
	double weight;
	double b;
};
#define QUERY_NFIELDS ((size_t)6)
#define QUERY_F_ALL ((1u << QUERY_NFIELDS) - 1)
extern const struct query_field query_fields[QUERY_NFIELDS];

struct query_key {
	uint8_t len;
	int8_t fi; /* index into query_fields; -1 for a filter key */
	double idf; /* scored keys: BM25 idf times the field's weight */
	uint64_t cnt; /* postings */
	double *tf1; /* long lists: BM25 for tf 1 by field length, or NULL */
	char k[QKEY_MAX];
};

/* A condition: a member meets it if it is in any key's postings. A
 * scored clause adds the BM25 of every key it is found in to part[slot]. */
struct query_clause {
	struct query_key *keys;
	size_t n, cap;
	uint64_t count; /* sum of list lengths: an upper bound of matches */
	int scored;
	int slot;
	size_t sidx; /* scored clauses: number in plan order */
	char label[TEXT_TOKEN_MAX + 2]; /* the word as asked, '*' if prefix */
};

struct query_clauses {
	struct query_clause *v;
	size_t n, cap;
};

/* Words in quotes: stems (raw in the city) that must be adjacent. */
struct query_phrase {
	char toks[QUERY_TERMS_MAX][TEXT_TOKEN_MAX + 1]; /* stemmed */
	char raw[QUERY_TERMS_MAX][TEXT_TOKEN_MAX + 1]; /* for the city */
	size_t n;
};

/* Bytes of the query digest a cursor carries. */
#define QUERY_DIGEST_BYTES 8

struct query_plan {
	struct query_clauses must, should;
	struct query_clause excl; /* excluded countries */
	struct query_phrase phrases[QUERY_TERMS_MAX];
	size_t nphrases;
	size_t nterms;
	unsigned fields;
	struct text_stem *stem;
	struct store_snap *sn; /* the search's one read snapshot */
	struct store *st;
	double nmembers;
	double avg[QUERY_NFIELDS]; /* mean field length in tokens */
	int has_cursor;
	double cscore;
	uint64_t cdoc;
	/* The query a cursor was made by (query_cursor_digest), and this
	 * one's: a cursor is refused unless they are equal. */
	uint8_t cdigest[QUERY_DIGEST_BYTES];
	uint8_t qdigest[QUERY_DIGEST_BYTES];
	/* Ranking statistics: from the cursor (frozen) or the store. */
	int frozen;
	uint64_t snmembers;
	uint64_t stokens[QUERY_NFIELDS];
	uint64_t sdf[2 * QUERY_MATCH_TERMS + QUERY_TERMS_MAX];
	size_t nscored; /* scored clauses, numbered in plan order */
	size_t cnscored; /* scored clauses the cursor has statistics for */
	uint64_t skip_doc; /* 0: none */
	uint64_t maxdoc; /* the highest doc number handed out */
	uint64_t total; /* candidates, when the list holds only a page */
	size_t limit; /* hits on a page */
	int partial; /* the list holds only the page's candidates */
	char *err;
	size_t errlen;
};

/* A candidate: doc number and its two score parts. */
struct query_ent {
	uint64_t doc;
	double part[2];
};

struct query_list {
	struct query_ent *v;
	size_t n, cap;
};

/* ---- query.c ---- */

/* query_err(p, fmt, ...): the message of a bad query into p->err;
 * returns SD_EINVAL. */
int query_err(struct query_plan *p, const char *fmt, ...);

/* ---- query_plan.c: a query into clauses ---- */

/* query_plan_open(p, st, err, errlen): an empty plan with its snapshot of st
 * begun; free with query_plan_free (also after a failure). */
int query_plan_open(
    struct query_plan *p, struct store *st, char *err, size_t errlen);
/* query_plan_free(p): the clauses, the stemmer, and the snapshot ended. */
void query_plan_free(struct query_plan *p);
/* query_plan_filters(p, q): one unscored clause per filter of q, values
 * OR-ed; the excluded countries into p->excl. */
int query_plan_filters(struct query_plan *p, const struct query *q);
/* query_plan_text(p, into, slot, fields, text, syntax): a scored clause per
 * word of text (phrases and prefix* words with syntax). */
int query_plan_text(struct query_plan *p, struct query_clauses *into, int slot,
    unsigned fields, const char *text, int syntax);
/* query_plan_stats(p): the ranking statistics, the store's or the cursor's. */
void query_plan_stats(struct query_plan *p);
/* query_plan_all(p): a clause every live member meets (no positive clause). */
int query_plan_all(struct query_plan *p);
/* query_clause_size(p, c): count c's postings; a scored clause gets its idf. */
int query_clause_size(struct query_plan *p, struct query_clause *c);

/* ---- query_cursor.c ---- */

/* query_cursor_digest(p, q, out): the digest of the query a cursor belongs
 * to: q's filters as given, p's words as planned (folded, in plan order,
 * prefixes marked) and phrases, the text fields, the member a match
 * leaves out; not the limit (pages may change size). Call after
 * planning. */
void query_cursor_digest(const struct query_plan *p, const struct query *q,
    uint8_t out[QUERY_DIGEST_BYTES]);
/* query_cursor_put(p, out, score, doc): the cursor after (score, doc)
 * with p's statistics, as hex into out (QUERY_CURSOR_MAX + 1 bytes);
 * "" if it does not fit. */
void query_cursor_put(
    const struct query_plan *p, char *out, double score, uint64_t doc);
/* query_cursor_get(p, s): a cursor into p (its place and frozen
 * statistics); SD_EINVAL with p's message if malformed. */
int query_cursor_get(struct query_plan *p, const char *s);

/* ---- query_eval.c: candidates ---- */

/* query_list_grow(l, need): room for need more entries. */
int query_list_grow(struct query_list *l, size_t need);
/* query_clause_probe(p, c, e, fmask): 1 if doc e->doc meets c (adding its
 * BM25 to e, and the fields it matched in to *fmask if not NULL). */
int query_clause_probe(struct query_plan *p, const struct query_clause *c,
    struct query_ent *e, unsigned *fmask);
/* query_plan_candidates(p, cand): every member meeting the plan, scored (or
 * only the page's, p->partial). */
int query_plan_candidates(struct query_plan *p, struct query_list *cand);

/* ---- query_phrase.c ---- */

/* query_list_phrases(p, cand): keep the candidates whose record holds every
 * phrase of the plan. */
int query_list_phrases(struct query_plan *p, struct query_list *cand);

/* ---- query_rank.c ---- */

/* query_plan_page(p, cand, limit, res): the page of hits after the cursor,
 * their records copied, and the next cursor. */
int query_plan_page(struct query_plan *p, struct query_list *cand, size_t limit,
    struct query_result *res);

/* ---- inline: called per posting or per candidate ---- */

/* The doc number at the start of a posting (big-endian, unaligned). */
static inline uint64_t
qdoc(const uint8_t *e)
{
	uint64_t v;

	memcpy(&v, e, sizeof(v));
	return __builtin_bswap64(v);
}

/* 1 if qk is a filter key kept as bitmaps. */
static inline int
qkey_bitmap(const struct query_key *qk)
{
	return qk->fi < 0 && store_field_bitmap(qk->k[0]);
}

/* Calls fn for each chunk of bitmap key qk, in chunk order. */
static inline int
qkey_chunks(struct query_plan *p, const struct query_key *qk,
    store_snap_chunk_cb fn, void *arg)
{
	return store_snap_chunks(p->sn, qk->k, qk->len, fn, arg);
}

/* BM25 of a term with frequency tf in a field of len tokens, on a grid
 * of 2^-32: every sum of such values below 2^20 is exact, so a member's
 * score does not depend on the order its parts are added in (the list,
 * probe and bitmap paths add in different orders), and a cursor's score
 * compares equal on every page. Inline: the evaluation calls it per
 * posting of a short list. */
static inline double
query_bm25(const struct query_plan *p, const struct query_key *qk, double tf,
    double len)
{
	double b = query_fields[qk->fi].b,
	       x = qk->idf * tf * (QUERY_K1 + 1) /
	    (tf + QUERY_K1 * (1 - b + b * len / p->avg[qk->fi]));

	return (double)(int64_t)(x * 4294967296.0 + 0.5) / 4294967296.0;
}

static inline double
qkey_bm25(
    const struct query_plan *p, const struct query_key *qk, const uint8_t *val)
{
	if (qk->tf1 != NULL && val[8] == 1)
		return qk->tf1[val[9]];
	return query_bm25(p, qk, val[8], val[9]);
}

static inline double
qent_score(const struct query_ent *e)
{
	return e->part[0] + e->part[1];
}

/* 1 if a ranks before b: higher score, then lower doc. */
static inline int
qent_before(const struct query_ent *a, const struct query_ent *b)
{
	double x = qent_score(a), y = qent_score(b);

	if (x != y)
		return x > y;
	return a->doc < b->doc;
}

/* A bounded heap whose root is the worst of the best k so far. */
static inline void
qheap_push(struct query_ent *h, size_t *n, size_t k, const struct query_ent *e)
{
	size_t i, c;
	struct query_ent t;

	if (*n < k) {
		i = (*n)++;
		h[i] = *e;
		while (i > 0 && qent_before(&h[(i - 1) / 2], &h[i])) {
			t = h[i];
			h[i] = h[(i - 1) / 2];
			h[(i - 1) / 2] = t;
			i = (i - 1) / 2;
		}
		return;
	}
	if (k == 0 || !qent_before(e, &h[0]))
		return;
	h[0] = *e;
	for (i = 0;;) {
		size_t w = i;
		c = 2 * i + 1;
		if (c < *n && qent_before(&h[w], &h[c]))
			w = c;
		if (c + 1 < *n && qent_before(&h[w], &h[c + 1]))
			w = c + 1;
		if (w == i)
			break;
		t = h[i];
		h[i] = h[w];
		h[w] = t;
		i = w;
	}
}

/* 1 if e comes after the cursor. */
static inline int
qplan_after(const struct query_plan *p, const struct query_ent *e)
{
	double s = qent_score(e);

	if (!p->has_cursor)
		return 1;
	return s < p->cscore || (s == p->cscore && e->doc > p->cdoc);
}

#endif
