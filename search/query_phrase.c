/*
 * query_phrase: phrases ("waste recycling") checked on the candidates'
 * records, tokenised and stemmed as the index is: the one part of a
 * search that reads records for every candidate.
 */
#include "query_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "record.h"

#define QUERY_PHRASE_TOKENS 4096 /* tokens of one field value read */

struct qseq {
	struct query_plan *p;
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
qphrase_in(struct query_plan *p, const struct query_phrase *ph,
    const char *text, int stemmed, char (*buf)[TEXT_TOKEN_MAX + 1])
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
qphrase_member(struct query_plan *p, const struct query_phrase *ph,
    const Sd__Member *m, char (*buf)[TEXT_TOKEN_MAX + 1])
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
int
query_list_phrases(struct query_plan *p, struct query_list *cand)
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
