/*
 * query_rank: the page: the best hits after the cursor (a bounded heap,
 * query_int.h), their records copied out of the snapshot, why each
 * matched ("field:word"), and the next page's cursor. (BM25 itself is
 * inline in query_int.h: the evaluation calls it per posting.)
 */
#include "query_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

static int
qent_rank_cmp(const void *a, const void *b)
{
	const struct query_ent *x = a, *y = b;

	if (qent_before(x, y))
		return -1;
	return qent_before(y, x);
}

/* "field:word" for every scored clause and field the hit matched in. */
static void
query_why(struct query_plan *p, uint64_t doc, char *out, size_t outlen)
{
	struct query_clauses *sets[2] = { &p->must, &p->should };
	size_t s, i, f, used = 0;
	int n;

	out[0] = '\0';
	for (s = 0; s < 2; s++)
		for (i = 0; i < sets[s]->n; i++) {
			const struct query_clause *c = &sets[s]->v[i];
			struct query_ent e = { doc, { 0, 0 } };
			unsigned fm = 0;
			if (!c->scored)
				continue;
			query_clause_probe(p, c, &e, &fm);
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

/* The page of hits from the candidates, after the cursor. */
int
query_plan_page(struct query_plan *p, struct query_list *cand, size_t limit,
    struct query_result *res)
{
	struct query_ent *heap = NULL;
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
