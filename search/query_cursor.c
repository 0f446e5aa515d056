/*
 * query_cursor: a page's cursor, encoded and decoded: the last hit's
 * (score, doc) and the ranking statistics of the first page, as varints
 * written in hex (docs/SEARCH.md, "Pages").
 */
#include "query_int.h"

#include <math.h>
#include <sodium.h>
#include <string.h>

#include "err.h"
#include "hex.h"

/* Cursor bytes: version 2, the query's digest (QUERY_DIGEST_BYTES), be64
 * score bits, then varints: doc, member count, the text fields' token
 * sums, the number of scored clauses and each one's document frequency.
 * Written as hex. (Version 1, before 0.2.0, had no digest: refused.) */
#define QCURSOR_VERSION 2
#define QCURSOR_HEAD (1 + QUERY_DIGEST_BYTES + 8)
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

/* ---- the query's digest ---- */

/* Items are tagged and length-prefixed: no two queries hash the same
 * bytes. */
enum {
	QD_FIELDS = 1,
	QD_COUNTRIES,
	QD_NOT_COUNTRIES,
	QD_REGIONS,
	QD_SECTORS,
	QD_KINDS,
	QD_SIZES,
	QD_EMPLOYEES,
	QD_MEMBER_OF,
	QD_WORD,
	QD_PHRASE,
	QD_SKIP,
};

static void
qd_bytes(crypto_generichash_state *h, int tag, const void *b, size_t n)
{
	uint8_t head[9];
	size_t i;

	head[0] = (uint8_t)tag;
	for (i = 0; i < 8; i++)
		head[1 + i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
	crypto_generichash_update(h, head, sizeof(head));
	if (n > 0)
		crypto_generichash_update(h, b, n);
}

static void
qd_u64(crypto_generichash_state *h, int tag, uint64_t v)
{
	uint8_t b[8];
	size_t i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (56 - 8 * i));
	qd_bytes(h, tag, b, sizeof(b));
}

static void
qd_strv(crypto_generichash_state *h, int tag, char *const *v, size_t n)
{
	size_t i;

	qd_u64(h, tag, n);
	for (i = 0; i < n; i++)
		qd_bytes(h, tag, v[i], strlen(v[i]));
}

static void
qd_words(crypto_generichash_state *h, const struct query_clauses *cs)
{
	size_t i;
	char b[sizeof(cs->v[0].label) + 1];

	for (i = 0; i < cs->n; i++) {
		if (!cs->v[i].scored)
			continue;
		b[0] = (char)('0' + cs->v[i].slot);
		memcpy(b + 1, cs->v[i].label, sizeof(cs->v[i].label));
		qd_bytes(h, QD_WORD, b, 1 + strlen(cs->v[i].label));
	}
}

void
query_cursor_digest(const struct query_plan *p, const struct query *q,
    uint8_t out[QUERY_DIGEST_BYTES])
{
	crypto_generichash_state h;
	size_t i, j;

	crypto_generichash_init(&h, NULL, 0, QUERY_DIGEST_BYTES);
	qd_u64(&h, QD_FIELDS, p->fields);
	qd_strv(&h, QD_COUNTRIES, q->countries, q->n_countries);
	qd_strv(&h, QD_NOT_COUNTRIES, q->not_countries, q->n_not_countries);
	qd_strv(&h, QD_REGIONS, q->regions, q->n_regions);
	qd_strv(&h, QD_SECTORS, q->sectors, q->n_sectors);
	qd_u64(&h, QD_KINDS, q->n_kinds);
	for (i = 0; i < q->n_kinds; i++)
		qd_u64(&h, QD_KINDS, (uint64_t)(int64_t)q->kinds[i]);
	qd_strv(&h, QD_SIZES, q->sizes, q->n_sizes);
	qd_u64(&h, QD_EMPLOYEES, (uint64_t)q->employees_min);
	qd_u64(&h, QD_EMPLOYEES, (uint64_t)q->employees_max);
	qd_bytes(&h, QD_MEMBER_OF, q->member_of,
	    q->member_of != NULL ? q->n_member_of * MEMBER_ID_BYTES : 0);
	qd_words(&h, &p->must);
	qd_words(&h, &p->should);
	for (i = 0; i < p->nphrases; i++) {
		qd_u64(&h, QD_PHRASE, p->phrases[i].n);
		for (j = 0; j < p->phrases[i].n; j++)
			qd_bytes(&h, QD_PHRASE, p->phrases[i].toks[j],
			    strlen(p->phrases[i].toks[j]));
	}
	qd_bytes(&h, QD_SKIP, q->skip_key,
	    q->skip_key != NULL ? STORE_KEY_BYTES : 0);
	crypto_generichash_final(&h, out, QUERY_DIGEST_BYTES);
}

/* ---- the cursor ---- */

void
query_cursor_put(
    const struct query_plan *p, char *out, double score, uint64_t doc)
{
	struct qbuf q = { .n = 0 };
	uint64_t bits;
	size_t i;

	memcpy(&bits, &score, sizeof(bits));
	q.b[q.n++] = QCURSOR_VERSION;
	memcpy(q.b + q.n, p->qdigest, QUERY_DIGEST_BYTES);
	q.n += QUERY_DIGEST_BYTES;
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

int
query_cursor_get(struct query_plan *p, const char *s)
{
	struct qbuf q = { .n = 0 };
	uint64_t bits = 0, n;
	size_t i, len = strlen(s);

	if (len < 2 * (QCURSOR_HEAD + 1) || len % 2 != 0 ||
	    len > QUERY_CURSOR_MAX)
		goto bad;
	/* Lower case only, as written (hex_decode takes either case). */
	for (i = 0; i < len; i++)
		if (s[i] >= 'A' && s[i] <= 'F')
			goto bad;
	q.n = len / 2;
	if (hex_decode(s, len, q.b, q.n) != 0)
		goto bad;
	if (q.b[0] != QCURSOR_VERSION)
		goto bad;
	memcpy(p->cdigest, q.b + 1, QUERY_DIGEST_BYTES);
	for (i = 1 + QUERY_DIGEST_BYTES; i < QCURSOR_HEAD; i++)
		bits = bits << 8 | q.b[i];
	q.off = QCURSOR_HEAD;
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
