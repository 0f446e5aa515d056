/*
 * node_status: the status answer: counts, the own seq, watermarks, the
 * federation layer's peer snapshot, offences and catch-ups, and this
 * node's certificate if in force.
 */
#include "node_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

struct mark_list {
	Sd__OriginMark **v;
	size_t n, cap;
};

static int
node_mark_cb(void *arg, const uint8_t *origin, uint64_t w)
{
	struct mark_list *ml = arg;
	Sd__OriginMark *m, **nv;

	if (ml->n == ml->cap) {
		size_t ncap = ml->cap ? ml->cap * 2 : 16;
		if ((nv = realloc(ml->v, ncap * sizeof(*nv))) == NULL)
			return -ENOMEM;
		ml->v = nv;
		ml->cap = ncap;
	}
	if ((m = calloc(1, sizeof(*m) + KEY_PUBLIC_BYTES)) == NULL)
		return -ENOMEM;
	sd__origin_mark__init(m);
	m->origin.data = (uint8_t *)(m + 1);
	memcpy(m->origin.data, origin, KEY_PUBLIC_BYTES);
	m->origin.len = KEY_PUBLIC_BYTES;
	m->w = w;
	ml->v[ml->n++] = m;
	return 0;
}

/* Fills s's peers (from the snapshot) and origins (from the store). */
static int
node_status_peers(struct node *n, Sd__Status *s)
{
	struct mark_list ml = { 0 };
	size_t i;
	int rc;

	if ((rc = store_marks(n->st, node_mark_cb, &ml)) != 0) {
		for (i = 0; i < ml.n; i++)
			free(ml.v[i]);
		free(ml.v);
		return rc;
	}
	s->origins = ml.v;
	s->n_origins = ml.n;
	pthread_mutex_lock(&n->plock);
	if (n->npeers > 0 &&
	    (s->peers = calloc(n->npeers, sizeof(*s->peers))) != NULL) {
		for (i = 0; i < n->npeers; i++) {
			const struct node_peer *np = &n->peers[i];
			Sd__PeerInfo *pi = calloc(1, sizeof(*pi) + sizeof(*np));
			struct node_peer *copy;
			if (pi == NULL)
				break;
			sd__peer_info__init(pi);
			copy = (struct node_peer *)(pi + 1);
			*copy = *np;
			pi->address = copy->addr;
			pi->state = copy->state;
			if (copy->has_key) {
				pi->has_key = 1;
				pi->key.data = copy->key;
				pi->key.len = KEY_PUBLIC_BYTES;
			}
			pi->has_idle_ms = copy->has_key;
			pi->idle_ms = copy->idle_ms;
			pi->bytes_in = copy->bytes_in;
			pi->bytes_out = copy->bytes_out;
			pi->outbound = copy->outbound;
			pi->has_records_in = pi->has_records_out = 1;
			pi->records_in = copy->records_in;
			pi->records_out = copy->records_out;
			pi->has_lag = pi->has_peer_lag = copy->has_lag;
			pi->lag = copy->lag;
			pi->peer_lag = copy->peer_lag;
			pi->has_learned = 1;
			pi->learned = copy->learned;
			pi->has_caps = pi->has_records_dup = copy->has_key;
			pi->caps = copy->caps;
			pi->records_dup = copy->records_dup;
			if (copy->software[0] != '\0')
				pi->software = copy->software;
			pi->has_synced_ms = copy->synced_ms != 0;
			pi->synced_ms = copy->synced_ms;
			s->peers[s->n_peers++] = pi;
		}
	}
	pthread_mutex_unlock(&n->plock);
	return 0;
}

/* The counts of refused records into the status (allocated; freed with
 * the response). */
static int
node_status_rejected(struct node *n, Sd__Status *s)
{
	size_t i;
	int rc = 0;

	if ((s->rejected = calloc(SYNC_REJ_COUNT, sizeof(*s->rejected))) ==
	    NULL)
		return -ENOMEM;
	pthread_mutex_lock(&n->plock);
	for (i = 0; i < SYNC_REJ_COUNT; i++) {
		Sd__Rejected *r = calloc(1, sizeof(*r));
		if (r == NULL) {
			rc = -ENOMEM;
			break;
		}
		sd__rejected__init(r);
		r->reason = (char *)sync_reject_name((int)i);
		r->count = n->rejected[i];
		s->rejected[s->n_rejected++] = r;
	}
	s->has_handshakes_failed = s->has_handshakes_shed = 1;
	s->handshakes_failed = n->hs_failed;
	s->handshakes_shed = n->hs_shed;
	if ((s->sync_buckets = calloc(
	         NODE_SYNC_BUCKETS, sizeof(*s->sync_buckets))) == NULL) {
		rc = -ENOMEM;
	} else {
		memcpy(s->sync_buckets, n->sync_bucket, sizeof(n->sync_bucket));
		s->n_sync_buckets = NODE_SYNC_BUCKETS;
	}
	s->has_records_received = s->has_records_duplicate = 1;
	s->records_received = n->records_in;
	s->records_duplicate = n->records_dup;
	s->has_sync_count = s->has_sync_sum_ms = 1;
	s->sync_count = n->sync_count;
	s->sync_sum_ms = n->sync_sum_ms;
	if (rc == 0 && n->last_rejected_reason >= 0) {
		s->last_rejected_reason =
		    (char *)sync_reject_name(n->last_rejected_reason);
		s->has_last_rejected_ms = 1;
		s->last_rejected_ms = n->last_rejected_ms;
		if ((s->last_rejected_peer.data = malloc(KEY_PUBLIC_BYTES)) ==
		    NULL) {
			rc = -ENOMEM;
		} else {
			memcpy(s->last_rejected_peer.data,
			    n->last_rejected_peer, KEY_PUBLIC_BYTES);
			s->last_rejected_peer.len = KEY_PUBLIC_BYTES;
			s->has_last_rejected_peer = 1;
		}
	}
	pthread_mutex_unlock(&n->plock);
	return rc;
}

int
node_status(struct node *n, struct resp *rs)
{
	struct store_counts ss;
	uint8_t *cert = NULL;
	size_t len = 0;
	Sd__Status *s;
	uint64_t seq, own = 0;
	int revoked = 0, rc;

	if ((rc = store_counts(n->st, n->key->pk, &ss)) != 0)
		return node_resp_fail(rs, rc, "%s", sd_strerror(rc));
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		rs->oom = 1;
		return -ENOMEM;
	}
	sd__status__init(s);
	rs->r.status = s;
	seq = node_seq(n);
	own = ss.origin_members;
	if ((rc = node_status_rejected(n, s)) != 0) {
		rs->oom = 1;
		return rc;
	}
	s->node_key.data = n->key->pk;
	s->node_key.len = KEY_PUBLIC_BYTES;
	s->version = (char *)SD_VERSION;
	s->has_sync_protocol = 1;
	s->sync_protocol = SYNC_VERSION;
	s->own_seq = seq;
	s->members = ss.members;
	s->own_members = own;
	s->records = ss.records;
	if ((rc = node_status_peers(n, s)) != 0) {
		rs->oom = 1;
		return rc;
	}
	/* Only a certificate that is in force is reported. */
	if (sync_cert_bytes(n->st, n->key->pk, &cert, &len, &revoked) == 0 &&
	    revoked) {
		free(cert);
		s->has_revoked = 1;
		s->revoked = 1;
	} else if (cert != NULL) {
		s->has_cert = 1;
		s->cert.data = cert;
		s->cert.len = len;
	}
	return 0;
}
