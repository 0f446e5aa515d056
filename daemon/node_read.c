/*
 * node_read: member reads (one member, a page of members), search, match
 * and consortium, each in read transactions that never wait for writers.
 */
#include "node_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "consortium.h"
#include "err.h"
#include "query.h"

int
node_get(struct node *n, const Sd__GetMember *gm, struct resp *rs)
{
	int rc;

	if (gm->id.len != MEMBER_ID_BYTES ||
	    (gm->has_origin && gm->origin.len != 0 &&
	        gm->origin.len != KEY_PUBLIC_BYTES))
		return node_resp_fail(rs, SD_EINVAL, "malformed member key");
	if (gm->has_origin && gm->origin.len == KEY_PUBLIC_BYTES) {
		rc = store_member_get(
		    n->st, gm->origin.data, gm->id.data, node_resp_hit_cb, rs);
	} else {
		rc = store_member_get(
		    n->st, n->key->pk, gm->id.data, node_resp_hit_cb, rs);
		if (rc == SD_ENOTFOUND)
			rc = store_member_get(
			    n->st, NULL, gm->id.data, node_resp_hit_cb, rs);
	}
	if (rc == SD_ENOTFOUND)
		return node_resp_fail(rs, rc, "no such member");
	if (rc != 0)
		return node_resp_fail(rs, rc, "%s", sd_strerror(rc));
	return 0;
}

int
node_list(struct node *n, const Sd__ListMembers *lm, struct resp *rs)
{
	uint8_t next[STORE_KEY_BYTES];
	size_t limit =
	    lm->has_limit && lm->limit ? lm->limit : CTL_LIST_DEFAULT;
	int rc;

	if (limit > CTL_LIST_MAX)
		limit = CTL_LIST_MAX;
	if ((lm->has_origin && lm->origin.len != 0 &&
	        lm->origin.len != KEY_PUBLIC_BYTES) ||
	    (lm->has_after && lm->after.len != 0 &&
	        lm->after.len != STORE_KEY_BYTES))
		return node_resp_fail(
		    rs, SD_EINVAL, "malformed origin or resume key");
	rc = store_members_walk(n->st,
	    lm->has_origin && lm->origin.len ? lm->origin.data : NULL,
	    lm->has_after && lm->after.len ? lm->after.data : NULL, limit,
	    node_resp_hit_cb, rs, next);
	if (rc < 0)
		return node_resp_fail(rs, rc, "%s", sd_strerror(rc));
	if ((rc == 1 || rc == NODE_RESP_FULL) && rs->nhits > 0) {
		if ((rs->r.next.data = malloc(STORE_KEY_BYTES)) == NULL) {
			rs->oom = 1;
			return -ENOMEM;
		}
		memcpy(rs->r.next.data, next, STORE_KEY_BYTES);
		rs->r.next.len = STORE_KEY_BYTES;
		rs->r.has_next = 1;
	}
	return 0;
}

/*
 * The query a request asks for, in qq; owns *nc (excluded countries with
 * the node's own added for cross_border; free it after the query).
 */
static int
node_query_from(struct node *n, const Sd__Query *q, struct query *qq,
    char ***nc, struct record *own, struct resp *rs)
{
	size_t i;
	int rc;

	query_init(qq);
	*nc = NULL;
	if (q == NULL)
		return 0;
	qq->countries = q->countries;
	qq->n_countries = q->n_countries;
	qq->not_countries = q->not_countries;
	qq->n_not_countries = q->n_not_countries;
	qq->regions = q->regions;
	qq->n_regions = q->n_regions;
	qq->sectors = q->sectors;
	qq->n_sectors = q->n_sectors;
	qq->kinds = (int *)q->kinds;
	qq->n_kinds = q->n_kinds;
	qq->sizes = q->sizes;
	qq->n_sizes = q->n_sizes;
	qq->text = q->text;
	qq->limit = q->has_limit ? q->limit : 0;
	qq->cursor = q->cursor;
	if (q->has_employees_min)
		qq->employees_min = q->employees_min;
	if (q->has_employees_max)
		qq->employees_max = q->employees_max;
	if (q->n_member_of > QUERY_VALUES_MAX)
		return node_resp_fail(
		    rs, SD_EINVAL, "too many member-of values");
	if (q->n_member_of > 0) {
		uint8_t *ids = malloc(q->n_member_of * MEMBER_ID_BYTES);
		if (ids == NULL) {
			rs->oom = 1;
			return -ENOMEM;
		}
		for (i = 0; i < q->n_member_of; i++) {
			if (q->member_of[i].len != MEMBER_ID_BYTES) {
				free(ids);
				return node_resp_fail(rs, SD_EINVAL,
				    "a member-of id is %d bytes",
				    MEMBER_ID_BYTES);
			}
			memcpy(ids + i * MEMBER_ID_BYTES, q->member_of[i].data,
			    MEMBER_ID_BYTES);
		}
		qq->member_of = ids;
		qq->n_member_of = q->n_member_of;
	}
	if (q->has_cross_border && q->cross_border) {
		const Sd__NodeCert *c;
		if ((rc = node_cert_of(n, n->key->pk, own)) != 0)
			return node_resp_fail(rs, SD_EINVAL,
			    "--cross-border needs this node's own "
			    "certificate (its countries): %s",
			    sd_strerror(rc));
		c = own->body->node_cert;
		if (q->n_not_countries + c->n_countries > QUERY_VALUES_MAX)
			return node_resp_fail(
			    rs, SD_EINVAL, "too many excluded countries");
		if ((*nc = calloc(q->n_not_countries + c->n_countries + 1,
		         sizeof(**nc))) == NULL) {
			rs->oom = 1;
			return -ENOMEM;
		}
		for (i = 0; i < q->n_not_countries; i++)
			(*nc)[i] = q->not_countries[i];
		for (i = 0; i < c->n_countries; i++)
			(*nc)[q->n_not_countries + i] = c->countries[i];
		qq->not_countries = *nc;
		qq->n_not_countries = q->n_not_countries + c->n_countries;
	}
	return 0;
}

/* Hits of a search or match into the response. */
static int
node_hits(struct resp *rs, struct query_result *res, int parts)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < res->n; i++) {
		if ((rc = node_resp_hit(rs, res->hits[i].rec, res->hits[i].len,
		         res->hits[i].score, res->hits[i].matched)) != 0)
			break;
		if (parts) {
			Sd__Hit *h = rs->hits[rs->nhits - 1];
			h->has_score_offers = h->has_score_seeks = 1;
			h->score_offers = res->hits[i].part[0];
			h->score_seeks = res->hits[i].part[1];
		}
	}
	if (rc == NODE_RESP_FULL) {
		/* Fewer hits than asked: the next page starts after the
		 * last one sent (the cursor of a full page would skip). */
		rc = 0;
		res->next[0] = '\0';
	}
	rs->r.has_total = 1;
	rs->r.total = res->total;
	if (rc == 0 && res->next[0] != '\0' &&
	    (rs->r.next_cursor = strdup(res->next)) == NULL) {
		rs->oom = 1;
		rc = -ENOMEM;
	}
	return rc;
}

int
node_search(
    struct node *n, const Sd__Query *q, const Sd__Match *m, struct resp *rs)
{
	struct query qq;
	struct query_result res;
	struct record own = { 0 };
	char err[256], **nc = NULL;
	int rc;

	memset(&res, 0, sizeof(res));
	if (m != NULL &&
	    (m->member_id.len != MEMBER_ID_BYTES ||
	        (m->has_origin && m->origin.len != KEY_PUBLIC_BYTES)))
		return node_resp_fail(
		    rs, SD_EINVAL, "malformed member id or origin");
	if ((rc = node_query_from(
	         n, m != NULL ? m->filters : q, &qq, &nc, &own, rs)) != 0)
		goto out;
	if (m == NULL)
		rc = query_run(n->st, &qq, &res, err, sizeof(err));
	else
		rc = query_match(n->st, &qq,
		    m->has_origin ? m->origin.data : NULL, m->member_id.data,
		    !(m->has_anywhere && m->anywhere), &res, err, sizeof(err));
	if (rc == SD_ENOTFOUND && m != NULL)
		rc = node_resp_fail(rs, rc, "no such member");
	else if (rc != 0)
		rc = node_resp_fail(
		    rs, rc, "%s", rc == SD_EINVAL ? err : sd_strerror(rc));
	else
		rc = node_hits(rs, &res, m != NULL);
out:
	query_result_free(&res);
	free((void *)qq.member_of);
	free(nc);
	record_close(&own);
	return rc;
}

static int
node_groups(struct resp *rs, const struct consortium_result *cr, size_t nneeds)
{
	size_t i, j, k;

	if (cr->n == 0)
		return (rs->r.problem = strdup(cr->problem)) ? 0 : -ENOMEM;
	if ((rs->r.groups = calloc(cr->n, sizeof(*rs->r.groups))) == NULL)
		return -ENOMEM;
	for (i = 0; i < cr->n; i++) {
		const struct consortium_group *g = &cr->groups[i];
		Sd__Group *pg;
		if ((pg = calloc(1, sizeof(*pg))) == NULL)
			return -ENOMEM;
		sd__group__init(pg);
		rs->r.groups[rs->r.n_groups++] = pg;
		pg->score = g->score;
		pg->has_countries = 1;
		pg->countries = (uint32_t)g->countries;
		if ((pg->members = calloc(g->n, sizeof(*pg->members))) == NULL)
			return -ENOMEM;
		for (j = 0; j < g->n; j++) {
			const struct consortium_member *m = &g->members[j];
			Sd__GroupMember *gm;
			if ((gm = calloc(1, sizeof(*gm))) == NULL)
				return -ENOMEM;
			sd__group_member__init(gm);
			pg->members[pg->n_members++] = gm;
			if ((gm->record.data = malloc(m->len)) == NULL ||
			    (gm->covers = calloc(nneeds, sizeof(uint32_t))) ==
			        NULL ||
			    (gm->coverage = calloc(nneeds, sizeof(double))) ==
			        NULL)
				return -ENOMEM;
			memcpy(gm->record.data, m->rec, m->len);
			gm->record.len = m->len;
			for (k = 0; k < nneeds; k++) {
				gm->coverage[k] = m->cov[k];
				if (m->covers & (1u << k))
					gm->covers[gm->n_covers++] =
					    (uint32_t)k;
			}
			gm->n_coverage = nneeds;
		}
	}
	return 0;
}

int
node_consortium(struct node *n, const Sd__Consortium *c, struct resp *rs)
{
	struct consortium_request rq;
	struct consortium_result cr;
	struct query qq;
	struct record own = { 0 };
	char err[256], **nc = NULL;
	int rc;

	memset(&cr, 0, sizeof(cr));
	memset(&rq, 0, sizeof(rq));
	qq.member_of = NULL;
	if ((rc = node_query_from(n, c->filters, &qq, &nc, &own, rs)) != 0)
		goto out;
	rq.filters = &qq;
	rq.needs = (const char *const *)c->needs;
	rq.n_needs = c->n_needs;
	rq.min_members = c->has_min_members ? c->min_members : 0;
	rq.min_countries = c->has_min_countries ? c->min_countries : 0;
	rq.groups = c->has_groups ? c->groups : 0;
	if ((rc = consortium_build(n->st, &rq, &cr, err, sizeof(err))) != 0) {
		rc = node_resp_fail(
		    rs, rc, "%s", rc == SD_EINVAL ? err : sd_strerror(rc));
		goto out;
	}
	if ((rc = node_groups(rs, &cr, c->n_needs)) != 0)
		rs->oom = 1;
out:
	consortium_result_free(&cr);
	free((void *)qq.member_of);
	free(nc);
	record_close(&own);
	return rc;
}
