/*
 * query_cursor: a page's cursor, encoded and decoded: the last hit's
 * (score, doc) and the ranking statistics of the first page, as varints
 * written in hex (docs/SEARCH.md, "Pages").
 */
#include "query_int.h"

#include <math.h>
#include <string.h>

#include "err.h"
#include "hex.h"

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

void
query_cursor_put(
    const struct query_plan *p, char *out, double score, uint64_t doc)
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

int
query_cursor_get(struct query_plan *p, const char *s)
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
