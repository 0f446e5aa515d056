/*
 * node_ctl: the control dispatcher: a Request decoded and checked for
 * its version, handed to its handler, the Response built and encoded.
 */
#include "node_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

static void
resp_init(struct resp *rs)
{
	memset(rs, 0, sizeof(*rs));
	sd__response__init(&rs->r);
	rs->r.version = CTL_VERSION;
}

int
node_resp_fail(struct resp *rs, int code, const char *fmt, ...)
{
	va_list ap;

	rs->r.code = code;
	va_start(ap, fmt);
	vsnprintf(rs->msg, sizeof(rs->msg), fmt, ap);
	va_end(ap);
	rs->r.message = rs->msg;
	return code;
}

int
node_resp_hit(struct resp *rs, const uint8_t *rec, size_t len, double score,
    const char *matched)
{
	Sd__Hit *h, **nv;

	if (rs->bytes + len > NODE_RESP_BYTES)
		return NODE_RESP_FULL;
	rs->bytes += len;
	if (rs->nhits == rs->caphits) {
		size_t ncap = rs->caphits ? rs->caphits * 2 : 64;
		if ((nv = realloc(rs->hits, ncap * sizeof(*nv))) == NULL)
			goto oom;
		rs->hits = nv;
		rs->caphits = ncap;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL)
		goto oom;
	sd__hit__init(h);
	if ((h->record.data = malloc(len ? len : 1)) == NULL) {
		free(h);
		goto oom;
	}
	memcpy(h->record.data, rec, len);
	h->record.len = len;
	h->has_score = score != 0;
	h->score = score;
	if (matched != NULL && matched[0] != '\0') {
		if ((h->matched = malloc(sizeof(char *))) == NULL ||
		    (h->matched[0] = strdup(matched)) == NULL) {
			free(h->matched);
			free(h->record.data);
			free(h);
			goto oom;
		}
		h->n_matched = 1;
	}
	rs->hits[rs->nhits++] = h;
	return 0;
oom:
	rs->oom = 1;
	return -ENOMEM;
}

int
node_resp_row(struct resp *rs, uint32_t index, const char *msg)
{
	Sd__RowError *e, **nv;

	if (rs->nrows == rs->caprows) {
		size_t ncap = rs->caprows ? rs->caprows * 2 : 16;
		if ((nv = realloc(rs->rows, ncap * sizeof(*nv))) == NULL)
			goto oom;
		rs->rows = nv;
		rs->caprows = ncap;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		goto oom;
	sd__row_error__init(e);
	e->index = index;
	if ((e->message = strdup(msg)) == NULL) {
		free(e);
		goto oom;
	}
	rs->rows[rs->nrows++] = e;
	return 0;
oom:
	rs->oom = 1;
	return -ENOMEM;
}

int
node_resp_hit_cb(void *arg, const uint8_t *rec, size_t len)
{
	return node_resp_hit(arg, rec, len, 0, NULL);
}

static void
node_groups_free(Sd__Response *r)
{
	size_t i, j;

	for (i = 0; i < r->n_groups; i++) {
		for (j = 0; j < r->groups[i]->n_members; j++) {
			Sd__GroupMember *gm = r->groups[i]->members[j];
			free(gm->record.data);
			free(gm->covers);
			free(gm->coverage);
			free(gm);
		}
		free(r->groups[i]->members);
		free(r->groups[i]);
	}
	free(r->groups);
	free(r->problem);
	r->groups = NULL;
	r->n_groups = 0;
}

static void
resp_free(struct resp *rs)
{
	size_t i;

	for (i = 0; i < rs->nhits; i++) {
		if (rs->hits[i]->n_matched)
			free(rs->hits[i]->matched[0]);
		free(rs->hits[i]->matched);
		free(rs->hits[i]->record.data);
		free(rs->hits[i]);
	}
	free(rs->hits);
	for (i = 0; i < rs->nrows; i++) {
		free(rs->rows[i]->message);
		free(rs->rows[i]);
	}
	free(rs->rows);
	if (rs->r.status) {
		for (i = 0; i < rs->r.status->n_peers; i++)
			free(rs->r.status->peers[i]);
		free(rs->r.status->peers);
		for (i = 0; i < rs->r.status->n_origins; i++)
			free(rs->r.status->origins[i]);
		free(rs->r.status->origins);
		for (i = 0; i < rs->r.status->n_rejected; i++)
			free(rs->r.status->rejected[i]);
		free(rs->r.status->rejected);
		free(rs->r.status->sync_buckets);
		free(rs->r.status->last_rejected_peer.data);
		free(rs->r.status->cert.data);
		free(rs->r.status);
	}
	free(rs->r.next.data);
	free(rs->r.next_cursor);
	node_groups_free(&rs->r);
}

int
node_handle(struct node *n, const uint8_t *req, size_t len, uint8_t **resp,
    size_t *resplen)
{
	Sd__Request *rq;
	struct resp rs;
	size_t plen;
	uint8_t *buf;

	resp_init(&rs);
	rq = sd__request__unpack(NULL, len, req);
	if (rq == NULL) {
		node_resp_fail(&rs, SD_EDECODE, "malformed request");
	} else if (rq->version != CTL_VERSION) {
		node_resp_fail(&rs, SD_EVERSION,
		    "control protocol version %u is not "
		    "spoken here (this daemon speaks %d)",
		    rq->version, CTL_VERSION);
	} else {
		switch (rq->op_case) {
		case SD__REQUEST__OP_PUT: node_put(n, rq->put, &rs); break;
		case SD__REQUEST__OP_REMOVE:
			node_remove(n, rq->remove, &rs);
			break;
		case SD__REQUEST__OP_GET: node_get(n, rq->get, &rs); break;
		case SD__REQUEST__OP_LIST: node_list(n, rq->list, &rs); break;
		case SD__REQUEST__OP_SEARCH:
			node_search(n, rq->search, NULL, &rs);
			break;
		case SD__REQUEST__OP_ADD_CERT:
			node_add_cert(n, rq->add_cert, &rs);
			break;
		case SD__REQUEST__OP_STATUS: node_status(n, &rs); break;
		case SD__REQUEST__OP_MATCH:
			node_search(n, NULL, rq->match, &rs);
			break;
		case SD__REQUEST__OP_CONSORTIUM:
			node_consortium(n, rq->consortium, &rs);
			break;
		default:
			node_resp_fail(&rs, SD_EPROTO, "unknown request");
			break;
		}
	}
	rs.r.n_hits = rs.nhits;
	rs.r.hits = rs.hits;
	rs.r.n_row_errors = rs.nrows;
	rs.r.row_errors = rs.rows;
	plen = sd__response__get_packed_size(&rs.r);
	buf = rs.oom ? NULL : malloc(plen ? plen : 1);
	if (buf != NULL)
		sd__response__pack(&rs.r, buf);
	if (rq != NULL)
		sd__request__free_unpacked(rq, NULL);
	resp_free(&rs);
	if (buf == NULL)
		return -ENOMEM;
	*resp = buf;
	*resplen = plen;
	return 0;
}
