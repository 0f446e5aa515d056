/*
 * query_plan: a query into clauses. Filters become unscored clauses over
 * filter terms (one per filter, values OR-ed), words scored clauses over
 * the text fields (prefixes expanded to the index's words, phrases
 * noted for query_phrase.c), the cursor's statistics or the store's
 * counters the ranking statistics; each clause is sized (its postings
 * counted) and a scored one given its idf.
 */
#include "query_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "hex.h"

int
query_err(struct query_plan *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return SD_EINVAL;
}

static struct query_clause *
qclauses_new(struct query_clauses *cs)
{
	struct query_clause *nv;

	if (cs->n == cs->cap) {
		size_t ncap = cs->cap ? cs->cap * 2 : 8;
		if ((nv = realloc(cs->v, ncap * sizeof(*nv))) == NULL)
			return NULL;
		cs->v = nv;
		cs->cap = ncap;
	}
	memset(&cs->v[cs->n], 0, sizeof(cs->v[0]));
	return &cs->v[cs->n++];
}

static int
qclause_add(
    struct query_clause *c, int field, int fi, const char *term, size_t len)
{
	struct query_key *nk;
	size_t i;

	if (len + 1 > QKEY_MAX)
		len = QKEY_MAX - 1;
	for (i = 0; i < c->n; i++)
		if (c->keys[i].len == len + 1 && c->keys[i].k[0] == field &&
		    memcmp(c->keys[i].k + 1, term, len) == 0)
			return 0;
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 8;
		if ((nk = realloc(c->keys, ncap * sizeof(*nk))) == NULL)
			return -ENOMEM;
		c->keys = nk;
		c->cap = ncap;
	}
	nk = &c->keys[c->n++];
	nk->k[0] = (char)field;
	memcpy(nk->k + 1, term, len);
	nk->len = (uint8_t)(len + 1);
	nk->fi = (int8_t)fi;
	nk->idf = 0;
	nk->cnt = 0;
	nk->tf1 = NULL;
	return 0;
}

static void
qclauses_free(struct query_clauses *cs)
{
	size_t i, j;

	for (i = 0; i < cs->n; i++) {
		for (j = 0; j < cs->v[i].n; j++)
			free(cs->v[i].keys[j].tf1);
		free(cs->v[i].keys);
	}
	free(cs->v);
}

void
query_plan_free(struct query_plan *p)
{
	qclauses_free(&p->must);
	qclauses_free(&p->should);
	free(p->excl.keys);
	text_stem_free(p->stem);
	store_snap_end(p->sn);
}

struct qexpand {
	struct query_plan *p;
	struct query_clause *c;
	int fi;
};

/* One index key of a prefix: a further key of its clause. */
static int
qexpand_cb(void *arg, const uint8_t *key, size_t klen)
{
	struct qexpand *x = arg;

	if (x->c->n >= QUERY_EXPAND_MAX)
		return query_err(x->p,
		    "prefix '%s' matches more than %d words; make it longer",
		    x->c->label, QUERY_EXPAND_MAX);
	return qclause_add(x->c, query_fields[x->fi].field, x->fi,
	    (const char *)key + 1, klen - 1);
}

/* Every index key that starts with (field, pfx): one range scan. */
static int
qclause_expand(struct query_plan *p, struct query_clause *c, int fi,
    const char *pfx, size_t plen)
{
	struct qexpand x = { p, c, fi };
	char kb[QKEY_MAX];

	kb[0] = (char)query_fields[fi].field;
	memcpy(kb + 1, pfx, plen);
	return store_snap_terms(p->sn, kb, plen + 1, plen + 1, qexpand_cb, &x);
}

/* A scored clause for one word over the plan's text fields. */
static int
qplan_word(struct query_plan *p, struct query_clauses *into, int slot,
    unsigned fields, const char *tok, size_t len, int prefix)
{
	struct query_clause *c;
	const char *stem;
	size_t fi, sl, i;
	int rc;

	for (i = 0; i < into->n; i++)
		if (into->v[i].slot == slot &&
		    strlen(into->v[i].label) == len + (prefix ? 1 : 0) &&
		    memcmp(into->v[i].label, tok, len) == 0 &&
		    (!prefix || into->v[i].label[len] == '*'))
			return 0; /* the same word twice */
	if (prefix && len < QUERY_PREFIX_MIN)
		return query_err(p,
		    "prefix '%.*s*' is too short (at least %d letters before "
		    "'*')",
		    (int)len, tok, QUERY_PREFIX_MIN);
	if (p->nterms == QUERY_TERMS_MAX && into == &p->must)
		return query_err(
		    p, "too many search terms (at most %d)", QUERY_TERMS_MAX);
	if (into == &p->should) {
		size_t same = 0;
		for (i = 0; i < into->n; i++)
			same += into->v[i].slot == slot;
		if (same == QUERY_MATCH_TERMS)
			return 0; /* a long profile: its first words */
	}
	if ((c = qclauses_new(into)) == NULL)
		return -ENOMEM;
	if (into == &p->must)
		p->nterms++;
	c->scored = 1;
	c->sidx = p->nscored++;
	c->slot = slot;
	memcpy(c->label, tok, len);
	c->label[len] = prefix ? '*' : '\0';
	c->label[len + 1] = '\0';
	stem = text_stem(p->stem, tok, len, &sl);
	for (fi = 0; fi < QUERY_NFIELDS; fi++) {
		int field = query_fields[fi].field;
		if (!(fields & query_fields[fi].bit))
			continue;
		if (!prefix) {
			rc = store_field_stemmed(field)
			    ? qclause_add(c, field, (int)fi, stem, sl)
			    : qclause_add(c, field, (int)fi, tok, len);
		} else if (!store_field_stemmed(field) ||
		    (sl <= len && memcmp(stem, tok, sl) == 0)) {
			/* The stem of a prefix is usually a prefix of it:
			 * one scan covers both. */
			rc = qclause_expand(p, c, (int)fi,
			    store_field_stemmed(field) ? stem : tok,
			    store_field_stemmed(field) ? sl : len);
		} else {
			char sb[TEXT_TOKEN_MAX];
			memcpy(sb, stem, sl);
			if ((rc = qclause_expand(p, c, (int)fi, tok, len)) == 0)
				rc = qclause_expand(p, c, (int)fi, sb, sl);
		}
		if (rc != 0)
			return rc;
		/* text_stem's buffer may have been reused by a scan. */
		stem = text_stem(p->stem, tok, len, &sl);
	}
	return 0;
}

struct qtext {
	struct query_plan *p;
	struct query_clauses *into;
	int slot;
	unsigned fields;
	struct query_phrase *phrase; /* collecting a phrase */
	size_t ntok, last; /* tokens seen; index of the last */
	const char *prefix_tok; /* the token the '*' applies to */
	size_t prefix_len;
	int rc;
};

static int
qtext_cb(void *arg, const char *tok, size_t len)
{
	struct qtext *t = arg;
	int rc;

	if ((rc = qplan_word(t->p, t->into, t->slot, t->fields, tok, len, 0)) !=
	    0)
		return rc;
	if (t->phrase != NULL && t->phrase->n < QUERY_TERMS_MAX) {
		size_t sl;
		const char *s = text_stem(t->p->stem, tok, len, &sl);
		memcpy(t->phrase->toks[t->phrase->n], s, sl);
		t->phrase->toks[t->phrase->n][sl] = '\0';
		memcpy(t->phrase->raw[t->phrase->n], tok, len);
		t->phrase->raw[t->phrase->n][len] = '\0';
		t->phrase->n++;
	}
	return 0;
}

/* The last token of a word that ends in '*': found by tokenising. */
static int
qtext_last_cb(void *arg, const char *tok, size_t len)
{
	struct qtext *t = arg;

	if (t->ntok++ > 0 && t->prefix_tok != NULL) {
		int rc = qplan_word(t->p, t->into, t->slot, t->fields,
		    t->prefix_tok, t->prefix_len, 0);
		if (rc != 0)
			return rc;
	}
	free((void *)t->prefix_tok);
	if ((t->prefix_tok = strndup(tok, len)) == NULL)
		return -ENOMEM;
	t->prefix_len = len;
	return 0;
}

/*
 * Splits free text into words, "quoted phrases" and prefix* words and adds
 * a scored clause for each word (into p->must, or p->should for a match).
 */
int
query_plan_text(struct query_plan *p, struct query_clauses *into, int slot,
    unsigned fields, const char *text, int syntax)
{
	struct qtext t = { p, into, slot, fields, NULL, 0, 0, NULL, 0, 0 };
	const char *s = text, *e;
	char *seg = NULL;
	int rc = 0;

	while (*s != '\0' && rc == 0) {
		if (isspace((unsigned char)*s)) {
			s++;
			continue;
		}
		t.phrase = NULL;
		if (syntax && *s == '"') {
			if ((e = strchr(s + 1, '"')) == NULL)
				return query_err(p,
				    "unterminated quote in the "
				    "search text");
			if (p->nphrases == QUERY_TERMS_MAX)
				return query_err(p, "too many phrases");
			t.phrase = &p->phrases[p->nphrases];
			memset(t.phrase, 0, sizeof(*t.phrase));
			s++;
		} else {
			for (e = s; *e != '\0' && !isspace((unsigned char)*e) &&
			     !(syntax && *e == '"');
			     e++)
				;
		}
		if ((seg = strndup(s, (size_t)(e - s))) == NULL)
			return -ENOMEM;
		s = *e == '"' && t.phrase != NULL ? e + 1 : e;
		if (syntax && t.phrase == NULL && seg[0] != '\0' &&
		    seg[strlen(seg) - 1] == '*') {
			seg[strlen(seg) - 1] = '\0';
			t.ntok = 0;
			t.prefix_tok = NULL;
			rc = text_tokens(seg, qtext_last_cb, &t);
			if (rc == 0 && t.prefix_tok != NULL)
				rc = qplan_word(p, into, slot, fields,
				    t.prefix_tok, t.prefix_len, 1);
			free((void *)t.prefix_tok);
			t.prefix_tok = NULL;
		} else {
			rc = text_tokens(seg, qtext_cb, &t);
		}
		free(seg);
		seg = NULL;
		if (rc == 0 && t.phrase != NULL && t.phrase->n > 1)
			p->nphrases++;
	}
	if (rc == SD_EINVAL && p->err[0] == '\0')
		return query_err(p, "search text is not valid UTF-8");
	return rc;
}

static int
qplan_values(struct query_plan *p, const char *what, size_t n)
{
	if (n > QUERY_VALUES_MAX)
		return query_err(p,
		    "too many values in one filter (%s: at most %d)", what,
		    QUERY_VALUES_MAX);
	return 0;
}

static struct query_clause *
qplan_filter(struct query_plan *p)
{
	return qclauses_new(&p->must);
}

struct qemployees {
	struct query_clause *c;
	uint64_t hi;
};

/* An employee count at or above the range's low end: a key of the
 * clause, or 1 (stop) past the high end. */
static int
qemployees_cb(void *arg, const uint8_t *e, size_t klen)
{
	struct qemployees *x = arg;

	if (klen != 5 ||
	    ((uint64_t)e[1] << 24 | (uint64_t)e[2] << 16 | (uint64_t)e[3] << 8 |
	        e[4]) > x->hi)
		return 1;
	return qclause_add(x->c, STORE_F_EMPLOYEES, -1, (const char *)e + 1, 4);
}

/* A country as typed into cc, its ISO code; a query error if none. */
static int
qplan_country(struct query_plan *p, const char *in, char cc[3])
{
	if (codes_norm_country(store_codes(p->st), in, cc, 3) == 0)
		return 0;
	return query_err(p,
	    "unknown country '%.8s' (an ISO 3166-1 alpha-2 code, any case: "
	    "FI, se)",
	    in);
}

/* Filters: one unscored clause each, values OR-ed. */
int
query_plan_filters(struct query_plan *p, const struct query *q)
{
	const struct codes *codes = store_codes(p->st);
	struct query_clause *c;
	char cc[3];
	size_t i;
	int rc;

	if ((rc = qplan_values(p, "country", q->n_countries)) != 0 ||
	    (rc = qplan_values(p, "excluded country", q->n_not_countries)) !=
	        0 ||
	    (rc = qplan_values(p, "region", q->n_regions)) != 0 ||
	    (rc = qplan_values(p, "sector", q->n_sectors)) != 0 ||
	    (rc = qplan_values(p, "kind", q->n_kinds)) != 0 ||
	    (rc = qplan_values(p, "size", q->n_sizes)) != 0 ||
	    (rc = qplan_values(p, "member-of", q->n_member_of)) != 0)
		return rc;
	if (q->n_countries) {
		if ((c = qplan_filter(p)) == NULL)
			return -ENOMEM;
		for (i = 0; i < q->n_countries; i++) {
			if ((rc = qplan_country(p, q->countries[i], cc)) != 0)
				return rc;
			if ((rc = qclause_add(c, STORE_F_COUNTRY, -1, cc, 2)) !=
			    0)
				return rc;
		}
	}
	for (i = 0; i < q->n_not_countries; i++) {
		if ((rc = qplan_country(p, q->not_countries[i], cc)) != 0)
			return rc;
		if ((rc = qclause_add(&p->excl, STORE_F_COUNTRY, -1, cc, 2)) !=
		    0)
			return rc;
	}
	if (q->n_regions) {
		if ((c = qplan_filter(p)) == NULL)
			return -ENOMEM;
		for (i = 0; i < q->n_regions; i++) {
			char r[16];
			/* Level 0 is the country (NUTS EL: ISO GR). */
			if (codes_norm_nuts(
			        codes, q->regions[i], r, sizeof(r)) != 0)
				return query_err(p,
				    "unknown NUTS region '%.8s' (a NUTS 2024 "
				    "code of any level, any case: FI1D, "
				    "fi1d7, EL)",
				    q->regions[i]);
			rc = strlen(r) == 2
			    ? qclause_add(c, STORE_F_COUNTRY, -1, r, 2)
			    : qclause_add(c, STORE_F_REGION, -1, r, strlen(r));
			if (rc != 0)
				return rc;
		}
	}
	if (q->n_sectors) {
		char code[8];
		if ((c = qplan_filter(p)) == NULL)
			return -ENOMEM;
		for (i = 0; i < q->n_sectors; i++) {
			if (codes_norm_nace(codes, -1, q->sectors[i], code,
			        sizeof(code)) != 0)
				return query_err(p,
				    "malformed or unknown NACE code '%.12s' "
				    "(expected e.g. C, C25, 25.6 or 25.62)",
				    q->sectors[i]);
			if ((rc = qclause_add(c, STORE_F_SECTOR, -1, code,
			         strlen(code))) != 0)
				return rc;
		}
	}
	if (q->n_kinds) {
		if ((c = qplan_filter(p)) == NULL)
			return -ENOMEM;
		for (i = 0; i < q->n_kinds; i++) {
			const char *kn = record_kind_name(q->kinds[i]);
			if (strcmp(kn, "unknown") == 0)
				return query_err(p, "unknown kind");
			if ((rc = qclause_add(
			         c, STORE_F_KIND, -1, kn, strlen(kn))) != 0)
				return rc;
		}
	}
	if (q->n_sizes) {
		if ((c = qplan_filter(p)) == NULL)
			return -ENOMEM;
		for (i = 0; i < q->n_sizes; i++) {
			const char *s = q->sizes[i];
			if (strcasecmp(s, "micro") && strcasecmp(s, "small") &&
			    strcasecmp(s, "medium") && strcasecmp(s, "large"))
				return query_err(p,
				    "unknown size class '%.12s' (micro, small, "
				    "medium, large)",
				    s);
			{
				char lower[8];
				size_t k, n = strlen(s);
				for (k = 0; k <= n; k++)
					lower[k] =
					    (char)tolower((unsigned char)s[k]);
				if ((rc = qclause_add(
				         c, STORE_F_SIZE, -1, lower, n)) != 0)
					return rc;
			}
		}
	}
	if (q->n_member_of) {
		if ((c = qplan_filter(p)) == NULL)
			return -ENOMEM;
		for (i = 0; i < q->n_member_of; i++) {
			char hex[2 * MEMBER_ID_BYTES + 1];
			hex_encode(q->member_of + i * MEMBER_ID_BYTES,
			    MEMBER_ID_BYTES, hex);
			if ((rc = qclause_add(c, STORE_F_MEMBERSHIP, -1, hex,
			         2 * MEMBER_ID_BYTES)) != 0)
				return rc;
		}
	}
	if (q->employees_min >= 0 || q->employees_max >= 0) {
		uint64_t lo = q->employees_min >= 0 ? (uint64_t)q->employees_min
		                                    : 0,
		         hi = q->employees_max >= 0 ? (uint64_t)q->employees_max
		                                    : UINT32_MAX;
		struct qemployees x;
		uint8_t kb[5];
		if (lo > UINT32_MAX || hi > UINT32_MAX || lo > hi)
			return query_err(p,
			    "bad employee range %lld-%lld (0 <= min <= max)",
			    (long long)q->employees_min,
			    (long long)q->employees_max);
		if ((c = qplan_filter(p)) == NULL)
			return -ENOMEM;
		kb[0] = STORE_F_EMPLOYEES;
		kb[1] = (uint8_t)(lo >> 24);
		kb[2] = (uint8_t)(lo >> 16);
		kb[3] = (uint8_t)(lo >> 8);
		kb[4] = (uint8_t)lo;
		x.c = c;
		x.hi = hi;
		rc = store_snap_terms(p->sn, kb, 5, 1, qemployees_cb, &x);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * Counts every key's postings. A scored clause (one word, or the words of
 * one prefix) gets one idf, from its largest document frequency over its
 * keys (as in BM25F, a word is not worth more in a field where it happens
 * to be rare), times each key's field weight. With a cursor, the document
 * frequency of the first page is used.
 */
int
query_clause_size(struct query_plan *p, struct query_clause *c)
{
	size_t i;
	uint64_t cnt;
	double df = 0, n;
	int rc;

	c->count = 0;
	for (i = 0; i < c->n; i++) {
		struct query_key *qk = &c->keys[i];
		if (qkey_bitmap(qk)) {
			uint64_t bits;
			if ((rc = store_snap_chunks_count(
			         p->sn, qk->k, qk->len, &bits)) != 0)
				return rc;
			c->count += bits;
			continue;
		}
		if ((rc = store_snap_postings_count(
		         p->sn, qk->k, qk->len, &cnt)) != 0)
			return rc;
		c->count += cnt;
		qk->cnt = cnt;
		if ((double)cnt > df)
			df = (double)cnt;
	}
	if (!c->scored)
		return 0;
	if (p->frozen)
		df = (double)p->sdf[c->sidx];
	else
		p->sdf[c->sidx] = (uint64_t)df;
	n = p->nmembers > df ? p->nmembers : df;
	for (i = 0; i < c->n; i++) {
		struct query_key *qk = &c->keys[i];
		qk->idf = query_fields[qk->fi].weight *
		    log(1.0 + (n - df + 0.5) / (df + 0.5));
		/* A long list: most postings have tf 1, so their scores
		 * are looked up by field length. */
		if (qk->cnt >= 1024 && qk->tf1 == NULL &&
		    (qk->tf1 = malloc(256 * sizeof(double))) != NULL) {
			size_t l;
			for (l = 0; l < 256; l++)
				qk->tf1[l] = query_bm25(p, qk, 1, (double)l);
		}
	}
	return 0;
}

/* A clause every live member meets: each has exactly one kind, so the
 * kinds' postings together are every live member (read a page of
 * postings at a time, much faster than walking the docs). */
int
query_plan_all(struct query_plan *p)
{
	struct query_clause *c;
	int k, rc;

	if ((c = qclauses_new(&p->must)) == NULL)
		return -ENOMEM;
	for (k = 0; k < 64; k++) {
		const char *kn = record_kind_name(k);
		if (strcmp(kn, "unknown") == 0)
			continue;
		if ((rc = qclause_add(c, STORE_F_KIND, -1, kn, strlen(kn))) !=
		    0)
			return rc;
	}
	return query_clause_size(p, c);
}

/* Opens the read transaction. */
int
query_plan_open(
    struct query_plan *p, struct store *st, char *err, size_t errlen)
{
	int rc;

	memset(p, 0, sizeof(*p));
	p->st = st;
	p->err = err;
	p->errlen = errlen;
	err[0] = '\0';
	if ((rc = text_stem_new(&p->stem)) != 0 ||
	    (rc = store_snap_begin(st, &p->sn)) != 0)
		return rc;
	return 0;
}

/* The ranking statistics: the store's, or the cursor's if frozen. */
void
query_plan_stats(struct query_plan *p)
{
	struct store_snap_counts sc;
	size_t i;

	store_snap_counts(p->sn, &sc);
	for (i = 0; i < QUERY_NFIELDS && !p->frozen; i++)
		p->stokens[i] =
		    sc.tokens[strchr(STORE_TEXT_FIELDS, query_fields[i].field) -
		        STORE_TEXT_FIELDS];
	p->maxdoc = sc.last_doc;
	if (!p->frozen)
		p->snmembers = sc.members;
	p->nmembers = (double)p->snmembers;
	for (i = 0; i < QUERY_NFIELDS; i++)
		p->avg[i] = p->snmembers > 0 && p->stokens[i] > 0
		    ? (double)p->stokens[i] / (double)p->snmembers
		    : 1.0;
}
