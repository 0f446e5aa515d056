#include "query.h"

#include <ctype.h>
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hex.h"
#include "store_snap.h"
#include "text.h"

#define QKEY_MAX (1 + TEXT_TOKEN_MAX)
#define QUERY_K1 1.2
/* A probe (a B-tree search) costs about this many sequentially read
 * postings: below that ratio a clause is probed per candidate, above it
 * its postings are read and merged. */
#define QUERY_PROBE_COST 24
#define QUERY_PHRASE_TOKENS 4096

/* Weights and BM25 length normalisation per field: lists (capabilities,
 * offers, seeks) are normalised less than prose, since a member with more
 * capabilities is not less about each of them. */
static const struct qfield {
	int field;
	unsigned bit;
	const char *name;
	double weight;
	double b;
} query_fields[] = {
	{ STORE_F_NAME, QUERY_F_NAME, "name", 3.0, 0.5 },
	{ STORE_F_CAPABILITY, QUERY_F_CAPABILITIES, "capabilities", 2.5, 0.3 },
	{ STORE_F_OFFER, QUERY_F_OFFERS, "offers", 1.5, 0.3 },
	{ STORE_F_SEEK, QUERY_F_SEEKS, "seeks", 1.0, 0.3 },
	{ STORE_F_DESCRIPTION, QUERY_F_DESCRIPTION, "description", 1.0, 0.75 },
	{ STORE_F_CITY, QUERY_F_CITY, "city", 0.5, 0.0 },
};
#define QUERY_NFIELDS (sizeof(query_fields) / sizeof(query_fields[0]))
#define QUERY_F_ALL ((1u << QUERY_NFIELDS) - 1)

struct qkey {
	uint8_t len;
	int8_t fi; /* index into query_fields; -1 for a filter key */
	double idf; /* scored keys: BM25 idf times the field's weight */
	uint64_t cnt; /* postings */
	double *tf1; /* long lists: BM25 for tf 1 by field length, or NULL */
	char k[QKEY_MAX];
};

/* A condition: a member meets it if it is in any key's postings. A
 * scored clause adds the BM25 of every key it is found in to part[slot]. */
struct qclause {
	struct qkey *keys;
	size_t n, cap;
	uint64_t count; /* sum of list lengths: an upper bound of matches */
	int scored;
	int slot;
	size_t sidx; /* scored clauses: number in plan order */
	char label[TEXT_TOKEN_MAX + 2]; /* the word as asked, '*' if prefix */
};

struct qclauses {
	struct qclause *v;
	size_t n, cap;
};

/* Words in quotes: stems (raw in the city) that must be adjacent. */
struct qphrase {
	char toks[QUERY_TERMS_MAX][TEXT_TOKEN_MAX + 1]; /* stemmed */
	char raw[QUERY_TERMS_MAX][TEXT_TOKEN_MAX + 1]; /* for the city */
	size_t n;
};

struct qplan {
	struct qclauses must, should;
	struct qclause not ;
	struct qphrase phrases[QUERY_TERMS_MAX];
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
struct qent {
	uint64_t doc;
	double part[2];
};

struct qlist {
	struct qent *v;
	size_t n, cap;
};

static int
query_err(struct qplan *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return SD_EINVAL;
}

void
query_init(struct query *q)
{
	memset(q, 0, sizeof(*q));
	q->employees_min = -1;
	q->employees_max = -1;
}

/* ---- plan ---- */

static struct qclause *
qclauses_new(struct qclauses *cs)
{
	struct qclause *nv;

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
qclause_add(struct qclause *c, int field, int fi, const char *term, size_t len)
{
	struct qkey *nk;
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
qclauses_free(struct qclauses *cs)
{
	size_t i, j;

	for (i = 0; i < cs->n; i++) {
		for (j = 0; j < cs->v[i].n; j++)
			free(cs->v[i].keys[j].tf1);
		free(cs->v[i].keys);
	}
	free(cs->v);
}

static void
qplan_free(struct qplan *p)
{
	qclauses_free(&p->must);
	qclauses_free(&p->should);
	free(p->not .keys);
	text_stem_free(p->stem);
	store_snap_end(p->sn);
}

struct qexpand {
	struct qplan *p;
	struct qclause *c;
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
qclause_expand(
    struct qplan *p, struct qclause *c, int fi, const char *pfx, size_t plen)
{
	struct qexpand x = { p, c, fi };
	char kb[QKEY_MAX];

	kb[0] = (char)query_fields[fi].field;
	memcpy(kb + 1, pfx, plen);
	return store_snap_terms(p->sn, kb, plen + 1, plen + 1, qexpand_cb, &x);
}

/* A scored clause for one word over the plan's text fields. */
static int
qplan_word(struct qplan *p, struct qclauses *into, int slot, unsigned fields,
    const char *tok, size_t len, int prefix)
{
	struct qclause *c;
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
	struct qplan *p;
	struct qclauses *into;
	int slot;
	unsigned fields;
	struct qphrase *phrase; /* collecting a phrase */
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
static int
qplan_text(struct qplan *p, struct qclauses *into, int slot, unsigned fields,
    const char *text, int syntax)
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

/* Cursor bytes: version 1, be64 score bits, then varints: doc, member
 * count, the text fields' token sums, the number of scored clauses and
 * each one's document frequency. Written as hex. */
struct qbuf {
	uint8_t b[QUERY_CURSOR_MAX / 2];
	size_t n, off;
	int bad;
};

static void
qbuf_varint(struct qbuf *q, uint64_t v)
{
	do {
		if (q->n == sizeof(q->b)) {
			q->bad = 1;
			return;
		}
		q->b[q->n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v != 0);
}

static uint64_t
qbuf_get(struct qbuf *q)
{
	uint64_t v = 0;
	int shift = 0;

	for (;;) {
		if (q->off == q->n || shift > 63) {
			q->bad = 1;
			return 0;
		}
		v |= (uint64_t)(q->b[q->off] & 0x7f) << shift;
		shift += 7;
		if (!(q->b[q->off++] & 0x80))
			return v;
	}
}

static void
query_cursor_put(const struct qplan *p, char *out, double score, uint64_t doc)
{
	struct qbuf q = { .n = 0 };
	uint64_t bits;
	size_t i;

	memcpy(&bits, &score, sizeof(bits));
	q.b[q.n++] = 1;
	for (i = 0; i < 8; i++)
		q.b[q.n++] = (uint8_t)(bits >> (56 - 8 * i));
	qbuf_varint(&q, doc);
	qbuf_varint(&q, p->snmembers);
	for (i = 0; i < QUERY_NFIELDS; i++)
		qbuf_varint(&q, p->stokens[i]);
	qbuf_varint(&q, p->nscored);
	for (i = 0; i < p->nscored; i++)
		qbuf_varint(&q, p->sdf[i]);
	if (q.bad) {
		out[0] = '\0';
		return;
	}
	hex_encode(q.b, q.n, out);
}

static int
query_cursor_get(struct qplan *p, const char *s)
{
	struct qbuf q = { .n = 0 };
	uint64_t bits = 0, n;
	size_t i, len = strlen(s);

	if (len < 2 * 10 || len % 2 != 0 || len > QUERY_CURSOR_MAX)
		goto bad;
	/* Lower case only, as written (hex_decode takes either case). */
	for (i = 0; i < len; i++)
		if (s[i] >= 'A' && s[i] <= 'F')
			goto bad;
	q.n = len / 2;
	if (hex_decode(s, len, q.b, q.n) != 0)
		goto bad;
	if (q.b[0] != 1)
		goto bad;
	for (i = 1; i <= 8; i++)
		bits = bits << 8 | q.b[i];
	q.off = 9;
	memcpy(&p->cscore, &bits, sizeof(p->cscore));
	p->cdoc = qbuf_get(&q);
	p->snmembers = qbuf_get(&q);
	for (i = 0; i < QUERY_NFIELDS; i++)
		p->stokens[i] = qbuf_get(&q);
	n = qbuf_get(&q);
	if (n > sizeof(p->sdf) / sizeof(p->sdf[0]))
		goto bad;
	for (i = 0; i < n; i++)
		p->sdf[i] = qbuf_get(&q);
	if (q.bad || q.off != q.n || !isfinite(p->cscore) || p->cscore < 0)
		goto bad;
	p->has_cursor = 1;
	p->frozen = 1;
	p->cnscored = (size_t)n; /* checked against the plan's later */
	return 0;
bad:
	return query_err(p,
	    "malformed cursor (expected the 'next' value of "
	    "a previous page of the same query)");
}

static int
qplan_values(struct qplan *p, const char *what, size_t n)
{
	if (n > QUERY_VALUES_MAX)
		return query_err(p,
		    "too many values in one filter (%s: at most %d)", what,
		    QUERY_VALUES_MAX);
	return 0;
}

static struct qclause *
qplan_filter(struct qplan *p)
{
	return qclauses_new(&p->must);
}

struct qemployees {
	struct qclause *c;
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

/* Filters: one unscored clause each, values OR-ed. */
static int
qplan_filters(struct qplan *p, const struct query *q)
{
	const struct codes *codes = store_codes(p->st);
	struct qclause *c;
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
			if (codes_country(codes, q->countries[i]) == NULL)
				return query_err(p, "unknown country '%.8s'",
				    q->countries[i]);
			if ((rc = qclause_add(c, STORE_F_COUNTRY, -1,
			         q->countries[i], 2)) != 0)
				return rc;
		}
	}
	for (i = 0; i < q->n_not_countries; i++) {
		if (codes_country(codes, q->not_countries[i]) == NULL)
			return query_err(
			    p, "unknown country '%.8s'", q->not_countries[i]);
		if ((rc = qclause_add(&p->not, STORE_F_COUNTRY, -1,
		         q->not_countries[i], 2)) != 0)
			return rc;
	}
	if (q->n_regions) {
		if ((c = qplan_filter(p)) == NULL)
			return -ENOMEM;
		for (i = 0; i < q->n_regions; i++) {
			const char *r = q->regions[i];
			if (strlen(r) == 2 && codes_country(codes, r) != NULL)
				rc = qclause_add(c, STORE_F_COUNTRY, -1, r, 2);
			else if (codes_nuts(codes, r, NULL, NULL) == 0)
				rc = qclause_add(
				    c, STORE_F_REGION, -1, r, strlen(r));
			else
				return query_err(
				    p, "unknown NUTS region '%.8s'", r);
			if (rc != 0)
				return rc;
		}
	}
	if (q->n_sectors) {
		char code[8];
		if ((c = qplan_filter(p)) == NULL)
			return -ENOMEM;
		for (i = 0; i < q->n_sectors; i++) {
			if (query_nace(
			        codes, q->sectors[i], code, sizeof(code)) != 0)
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
			if (strcmp(s, "micro") && strcmp(s, "small") &&
			    strcmp(s, "medium") && strcmp(s, "large"))
				return query_err(p,
				    "unknown size class '%.12s' (micro, small, "
				    "medium, large)",
				    s);
			if ((rc = qclause_add(
			         c, STORE_F_SIZE, -1, s, strlen(s))) != 0)
				return rc;
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

/* The doc number at the start of a posting (big-endian, unaligned). */
static inline uint64_t
qdoc(const uint8_t *e)
{
	uint64_t v;

	memcpy(&v, e, sizeof(v));
	return __builtin_bswap64(v);
}

/* 1 if qk is a filter key kept as bitmaps. */
static int
qkey_bitmap(const struct qkey *qk)
{
	return qk->fi < 0 && store_field_bitmap(qk->k[0]);
}

/* Calls fn for each chunk of bitmap key qk, in chunk order. */
static int
qkey_chunks(
    struct qplan *p, const struct qkey *qk, store_snap_chunk_cb fn, void *arg)
{
	return store_snap_chunks(p->sn, qk->k, qk->len, fn, arg);
}

static int
qchunk_count(void *arg, uint64_t chunk, const uint64_t *w)
{
	size_t i;

	(void)chunk;
	for (i = 0; i < STORE_CHUNK_WORDS; i++)
		*(uint64_t *)arg += (uint64_t)__builtin_popcountll(w[i]);
	return 0;
}

/* BM25 of a term with frequency tf in a field of len tokens, on a grid
 * of 2^-32: every sum of such values below 2^20 is exact, so a member's
 * score does not depend on the order its parts are added in (the list,
 * probe and bitmap paths add in different orders), and a cursor's score
 * compares equal on every page. */
static double
qbm25(const struct qplan *p, const struct qkey *qk, double tf, double len)
{
	double b = query_fields[qk->fi].b,
	       x = qk->idf * tf * (QUERY_K1 + 1) /
	    (tf + QUERY_K1 * (1 - b + b * len / p->avg[qk->fi]));

	return (double)(int64_t)(x * 4294967296.0 + 0.5) / 4294967296.0;
}

static inline double
qkey_bm25(const struct qplan *p, const struct qkey *qk, const uint8_t *val)
{
	if (qk->tf1 != NULL && val[8] == 1)
		return qk->tf1[val[9]];
	return qbm25(p, qk, val[8], val[9]);
}

/*
 * Counts every key's postings. A scored clause (one word, or the words of
 * one prefix) gets one idf, from its largest document frequency over its
 * keys (as in BM25F, a word is not worth more in a field where it happens
 * to be rare), times each key's field weight. With a cursor, the document
 * frequency of the first page is used.
 */
static int
qclause_size(struct qplan *p, struct qclause *c)
{
	size_t i;
	uint64_t cnt;
	double df = 0, n;
	int rc;

	c->count = 0;
	for (i = 0; i < c->n; i++) {
		struct qkey *qk = &c->keys[i];
		if (qkey_bitmap(qk)) {
			uint64_t bits = 0;
			if ((rc = qkey_chunks(p, qk, qchunk_count, &bits)) != 0)
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
		struct qkey *qk = &c->keys[i];
		qk->idf = query_fields[qk->fi].weight *
		    log(1.0 + (n - df + 0.5) / (df + 0.5));
		/* A long list: most postings have tf 1, so their scores
		 * are looked up by field length. */
		if (qk->cnt >= 1024 && qk->tf1 == NULL &&
		    (qk->tf1 = malloc(256 * sizeof(double))) != NULL) {
			size_t l;
			for (l = 0; l < 256; l++)
				qk->tf1[l] = qbm25(p, qk, 1, (double)l);
		}
	}
	return 0;
}

/* ---- evaluation ---- */

static int
qlist_grow(struct qlist *l, size_t need)
{
	struct qent *nv;
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
qlist_union(struct qlist *l, size_t *b, size_t nruns)
{
	struct qent *tmp, *src, *dst;
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
			struct qent *t = src;
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
	struct qlist *l = arg;
	size_t i, n = 0;
	int rc;

	for (i = 0; i < STORE_CHUNK_WORDS; i++)
		n += (size_t)__builtin_popcountll(w[i]);
	if ((rc = qlist_grow(l, n)) != 0)
		return rc;
	for (i = 0; i < STORE_CHUNK_WORDS; i++) {
		uint64_t x = w[i];
		while (x != 0) {
			struct qent *e = &l->v[l->n++];
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
qclause_read(struct qplan *p, const struct qclause *c, struct qlist *out)
{
	size_t *b = NULL, i, j, nv;
	const uint8_t *pg;
	int rc = 0, mrc;

	out->n = 0;
	if ((rc = qlist_grow(out, (size_t)c->count)) != 0)
		return rc;
	if ((b = malloc((c->n + 1) * sizeof(*b))) == NULL)
		return -ENOMEM;
	b[0] = 0;
	for (i = 0; i < c->n; i++) {
		const struct qkey *qk = &c->keys[i];
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
			if ((rc = qlist_grow(out, nv)) != 0)
				goto out;
			for (j = 0; j < nv; j++) {
				const uint8_t *e = pg + j * STORE_POSTING_VAL;
				struct qent *q = &out->v[out->n++];
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
static int
qclause_probe(
    struct qplan *p, const struct qclause *c, struct qent *e, unsigned *fmask)
{
	const uint8_t *val;
	size_t i;
	int found = 0;

	for (i = 0; i < c->n; i++) {
		const struct qkey *qk = &c->keys[i];
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
qlist_filter(
    struct qplan *p, struct qlist *cand, const struct qclause *c, int keep)
{
	struct qlist l = { 0 };
	size_t i, j, out = 0;
	int rc;

	if (c->n == 0 || cand->n == 0) {
		if (keep)
			cand->n = 0;
		return 0;
	}
	if ((uint64_t)cand->n * c->n * QUERY_PROBE_COST < c->count) {
		for (i = 0; i < cand->n; i++) {
			struct qent e = cand->v[i];
			if (qclause_probe(p, c, &e, NULL) == keep)
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
			struct qent e = cand->v[i];
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
	const struct qclause *x = a, *y = b;

	return x->count < y->count ? -1 : x->count > y->count;
}

/* ---- phrases ---- */

struct qseq {
	struct qplan *p;
	int stemmed;
	char (*toks)[TEXT_TOKEN_MAX + 1];
	size_t n;
};

static int
qseq_cb(void *arg, const char *tok, size_t len)
{
	struct qseq *s = arg;

	if (s->n == QUERY_PHRASE_TOKENS)
		return 1;
	if (s->stemmed)
		tok = text_stem(s->p->stem, tok, len, &len);
	memcpy(s->toks[s->n], tok, len);
	s->toks[s->n][len] = '\0';
	s->n++;
	return 0;
}

/* 1 if some phrase-searched string of the member holds phrase ph. */
static int
qphrase_in(struct qplan *p, const struct qphrase *ph, const char *text,
    int stemmed, char (*buf)[TEXT_TOKEN_MAX + 1])
{
	struct qseq s = { p, stemmed, buf, 0 };
	size_t i, j;

	if (text == NULL)
		return 0;
	if (text_tokens(text, qseq_cb, &s) < 0)
		return 0;
	for (i = 0; i + ph->n <= s.n; i++) {
		for (j = 0; j < ph->n; j++)
			if (strcmp(s.toks[i + j],
			        stemmed ? ph->toks[j] : ph->raw[j]) != 0)
				break;
		if (j == ph->n)
			return 1;
	}
	return 0;
}

static int
qphrase_member(struct qplan *p, const struct qphrase *ph, const Sd__Member *m,
    char (*buf)[TEXT_TOKEN_MAX + 1])
{
	size_t i;

	if ((p->fields & QUERY_F_NAME) && qphrase_in(p, ph, m->name, 1, buf))
		return 1;
	if ((p->fields & QUERY_F_DESCRIPTION) &&
	    qphrase_in(p, ph, m->description, 1, buf))
		return 1;
	for (i = 0; (p->fields & QUERY_F_CAPABILITIES) && i < m->n_capabilities;
	     i++)
		if (qphrase_in(p, ph, m->capabilities[i], 1, buf))
			return 1;
	for (i = 0; (p->fields & QUERY_F_OFFERS) && i < m->n_offers; i++)
		if (qphrase_in(p, ph, m->offers[i], 1, buf))
			return 1;
	for (i = 0; (p->fields & QUERY_F_SEEKS) && i < m->n_seeks; i++)
		if (qphrase_in(p, ph, m->seeks[i], 1, buf))
			return 1;
	return (p->fields & QUERY_F_CITY) && qphrase_in(p, ph, m->city, 0, buf);
}

/* Keeps the candidates whose record holds every phrase. */
static int
qlist_phrases(struct qplan *p, struct qlist *cand)
{
	char(*buf)[TEXT_TOKEN_MAX + 1];
	size_t i, j, out = 0;
	int rc = 0;

	if (p->nphrases == 0)
		return 0;
	if ((buf = malloc(QUERY_PHRASE_TOKENS * sizeof(*buf))) == NULL)
		return -ENOMEM;
	for (i = 0; i < cand->n; i++) {
		const uint8_t *key, *rec;
		size_t len;
		struct record r = { 0 };
		int ok = 0;
		if ((rc = store_snap_doc(p->sn, cand->v[i].doc, &key, &rec,
		         &len)) == SD_ENOTFOUND) {
			rc = 0; /* a stale index entry: drop it */
			continue;
		}
		if (rc != 0)
			break;
		if (record_decode(rec, len, &r) == 0 &&
		    r.body->kind_case == SD__RECORD_BODY__KIND_MEMBER) {
			for (j = 0, ok = 1; j < p->nphrases && ok; j++)
				ok = qphrase_member(
				    p, &p->phrases[j], r.body->member, buf);
		}
		record_close(&r);
		if (ok)
			cand->v[out++] = cand->v[i];
	}
	if (rc == 0)
		cand->n = out;
	free(buf);
	return rc;
}

/* ---- ranking ---- */

static double
qent_score(const struct qent *e)
{
	return e->part[0] + e->part[1];
}

/* 1 if a ranks before b: higher score, then lower doc. */
static int
qent_before(const struct qent *a, const struct qent *b)
{
	double x = qent_score(a), y = qent_score(b);

	if (x != y)
		return x > y;
	return a->doc < b->doc;
}

/* A bounded heap whose root is the worst of the best k so far. */
static void
qheap_push(struct qent *h, size_t *n, size_t k, const struct qent *e)
{
	size_t i, c;
	struct qent t;

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

static int
qent_rank_cmp(const void *a, const void *b)
{
	const struct qent *x = a, *y = b;

	if (qent_before(x, y))
		return -1;
	return qent_before(y, x);
}

/* 1 if e comes after the cursor. */
static int
qplan_after(const struct qplan *p, const struct qent *e)
{
	double s = qent_score(e);

	if (!p->has_cursor)
		return 1;
	return s < p->cscore || (s == p->cscore && e->doc > p->cdoc);
}

/* "field:word" for every scored clause and field the hit matched in. */
static void
query_why(struct qplan *p, uint64_t doc, char *out, size_t outlen)
{
	struct qclauses *sets[2] = { &p->must, &p->should };
	size_t s, i, f, used = 0;
	int n;

	out[0] = '\0';
	for (s = 0; s < 2; s++)
		for (i = 0; i < sets[s]->n; i++) {
			const struct qclause *c = &sets[s]->v[i];
			struct qent e = { doc, { 0, 0 } };
			unsigned fm = 0;
			if (!c->scored)
				continue;
			qclause_probe(p, c, &e, &fm);
			for (f = 0; f < QUERY_NFIELDS; f++) {
				if (!(fm & (1u << f)))
					continue;
				n = snprintf(out + used, outlen - used,
				    "%s%s:%s", used ? " " : "",
				    query_fields[f].name, c->label);
				if (n < 0 || (size_t)n >= outlen - used) {
					out[used] = '\0';
					return;
				}
				used += (size_t)n;
			}
		}
}

/* A clause every live member meets: each has exactly one kind, so the
 * kinds' postings together are every live member (read a page of
 * postings at a time, much faster than walking the docs). */
static int
qplan_all(struct qplan *p)
{
	struct qclause *c;
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
	return qclause_size(p, c);
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
qdense_read(
    struct qplan *p, struct qdense *d, const struct qclause *c, int filter)
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
		const struct qkey *qk = &c->keys[i];
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
qdense_and(struct qplan *p, struct qdense *d, const struct qclause *c)
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
qplan_dense(struct qplan *p, struct qlist *cand)
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
	if (rc == 0 && p->not .n > 0) {
		memset(d.tb, 0, d.nw * sizeof(*d.tb));
		if ((rc = qdense_read(p, &d, &p->not, 0)) == 0)
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
	if ((rc = qlist_grow(cand, n)) != 0)
		goto out;
	for (w = from >> 6; w < d.nw && (scored || cand->n < n); w++) {
		uint64_t x = d.cb[w];
		while (x != 0 && (scored || cand->n < n)) {
			uint64_t doc = (w << 6) | (uint64_t)__builtin_ctzll(x);
			struct qent e;
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
static int
qplan_candidates(struct qplan *p, struct qlist *cand)
{
	size_t i, out;
	int rc = 0;

	for (i = 0; i < p->must.n; i++)
		if ((rc = qclause_size(p, &p->must.v[i])) != 0)
			return rc;
	for (i = 0; i < p->should.n; i++)
		if ((rc = qclause_size(p, &p->should.v[i])) != 0)
			return rc;
	if ((rc = qclause_size(p, &p->not )) != 0)
		return rc;
	if (p->must.n == 0 && p->should.n == 0 && (rc = qplan_all(p)) != 0)
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
			return qlist_phrases(p, cand);
		}
	}
	if (p->should.n > 0) {
		/* Any of the optional words: the union of their lists. */
		size_t *b;
		if ((b = calloc(p->should.n + 1, sizeof(*b))) == NULL)
			return -ENOMEM;
		for (i = 0; i < p->should.n && rc == 0; i++) {
			struct qlist one = { 0 };
			if ((rc = qclause_read(p, &p->should.v[i], &one)) ==
			        0 &&
			    (rc = qlist_grow(cand, one.n)) == 0) {
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
	if (rc == 0 && p->not .n > 0)
		rc = qlist_filter(p, cand, &p->not, 0);
	if (rc == 0 && p->skip_doc != 0) {
		for (i = 0, out = 0; i < cand->n; i++)
			if (cand->v[i].doc != p->skip_doc)
				cand->v[out++] = cand->v[i];
		cand->n = out;
	}
	if (rc == 0)
		rc = qlist_phrases(p, cand);
	return rc;
}

/* The page of hits from the candidates, after the cursor. */
static int
qplan_page(
    struct qplan *p, struct qlist *cand, size_t limit, struct query_result *res)
{
	struct qent *heap = NULL;
	size_t i, nh = 0;
	int rc = 0;

	res->total = p->partial ? p->total : cand->n;
	if (limit > cand->n)
		limit = cand->n;
	if (limit == 0)
		return 0;
	if ((heap = malloc(limit * sizeof(*heap))) == NULL)
		return -ENOMEM;
	for (i = 0; i < cand->n; i++)
		if (qplan_after(p, &cand->v[i]))
			qheap_push(heap, &nh, limit, &cand->v[i]);
	qsort(heap, nh, sizeof(*heap), qent_rank_cmp);
	if (nh > 0 && (res->hits = calloc(nh, sizeof(*res->hits))) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nh; i++) {
		struct query_hit *h = &res->hits[res->n];
		const uint8_t *key, *rec;
		size_t len;
		if ((rc = store_snap_doc(p->sn, heap[i].doc, &key, &rec,
		         &len)) == SD_ENOTFOUND) {
			rc = 0; /* a stale index entry: no such member */
			continue;
		}
		if (rc != 0)
			goto out;
		if ((h->rec = malloc(len)) == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		memcpy(h->rec, rec, len);
		h->len = len;
		memcpy(h->key, key, STORE_KEY_BYTES);
		h->score = qent_score(&heap[i]);
		h->part[0] = heap[i].part[0];
		h->part[1] = heap[i].part[1];
		query_why(p, heap[i].doc, h->matched, sizeof(h->matched));
		res->n++;
	}
	/* More after this page? Then its last hit is the next cursor. */
	if (nh == limit) {
		size_t after = 0;
		for (i = 0; i < cand->n && after <= nh; i++)
			after += qplan_after(p, &cand->v[i]);
		if (after > nh)
			query_cursor_put(p, res->next,
			    qent_score(&heap[nh - 1]), heap[nh - 1].doc);
	}
out:
	free(heap);
	return rc;
}

/* Opens the read transaction. */
static int
qplan_open(struct qplan *p, struct store *st, char *err, size_t errlen)
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
static void
qplan_stats(struct qplan *p)
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

/* Text of a member profile for a match: one string per side. */
struct qmatch {
	char *seeks; /* the member's seeks */
	char *offers; /* its offers and capabilities */
};

static int
query_exec(struct store *st, const struct query *q, const struct qmatch *m,
    struct query_result *res, char *err, size_t errlen)
{
	struct qplan p;
	struct qlist cand = { 0 };
	size_t limit;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = qplan_open(&p, st, err, errlen)) != 0)
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
	if ((rc = qplan_filters(&p, q)) != 0)
		goto out;
	if (q->text != NULL) {
		if ((rc = qplan_text(&p, &p.must, 0, p.fields, q->text, 1)) !=
		    0)
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
		        (rc = qplan_text(&p, &p.should, 0,
		             QUERY_F_OFFERS | QUERY_F_CAPABILITIES, m->seeks,
		             0)) != 0) ||
		    (m->offers != NULL &&
		        (rc = qplan_text(&p, &p.should, 1, QUERY_F_SEEKS,
		             m->offers, 0)) != 0))
			goto out;
		if (p.should.n == 0) {
			rc = query_err(&p,
			    "the member lists no offers, capabilities or "
			    "seeks to match");
			goto out;
		}
	}
	if (p.frozen && p.cnscored != p.nscored) {
		rc = query_err(&p,
		    "malformed cursor (it belongs to another "
		    "query)");
		goto out;
	}
	qplan_stats(&p);
	if (q->skip_key != NULL)
		store_snap_doc_of(p.sn, q->skip_key, &p.skip_doc);
	if ((rc = qplan_candidates(&p, &cand)) != 0 ||
	    (rc = qplan_page(&p, &cand, limit, res)) != 0)
		goto out;
out:
	free(cand.v);
	qplan_free(&p);
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
