#include "sync.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "gossip.pb-c.h"
#include "par.h"
#include "record.h"

static int
sync_err(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return code;
}

void
sync_out_free(struct sync_out *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		free(o->msg[i]);
	free(o->marks);
	memset(o, 0, sizeof(*o));
}

void
sync_pending_free(struct sync_pending *sp)
{
	free(sp->v);
	sp->v = NULL;
	sp->n = 0;
	free(sp->r);
	sp->r = NULL;
	sp->nr = 0;
}

/* Whether origin may be asked for again from the start now (then it is
 * noted); 0 if it was within SYNC_REPAIR_MS on this connection. */
static int
sync_repair_due(struct sync_pending *sp, const uint8_t origin[32])
{
	uint64_t now = record_now_ms();
	struct sync_repair *nr;
	size_t i;

	for (i = 0; i < sp->nr; i++)
		if (memcmp(sp->r[i].origin, origin, 32) == 0) {
			if (now - sp->r[i].at_ms < SYNC_REPAIR_MS)
				return 0;
			sp->r[i].at_ms = now;
			return 1;
		}
	if ((nr = realloc(sp->r, (sp->nr + 1) * sizeof(*nr))) == NULL)
		return 0;
	sp->r = nr;
	memcpy(sp->r[sp->nr].origin, origin, 32);
	sp->r[sp->nr++].at_ms = now;
	return 1;
}

/* Whether the peer's mark mk shows records of its origin this node
 * lacks, given its own watermark mine: 1 with *after set for the Want
 * (mine; or 0 when the peer holds more records at the same watermark,
 * so this store lost some), or 0. */
static int
sync_behind(struct node *n, struct sync_pending *sp, const Sd__Mark *mk,
    uint64_t mine, uint64_t *after)
{
	uint64_t held;

	*after = mine;
	if (mk->w > mine)
		return 1;
	if (mk->w < mine || !mk->has_held || mine == 0 ||
	    store_held(n->st, mk->origin.data, mine, &held) != 0 ||
	    held >= mk->held || !sync_repair_due(sp, mk->origin.data))
		return 0;
	node_log(n, SDLOG_WARN,
	    "origin %02x%02x%02x%02x: a peer holds %llu records up to seq "
	    "%llu, this store %llu: records were lost here; fetching the "
	    "origin again",
	    mk->origin.data[0], mk->origin.data[1], mk->origin.data[2],
	    mk->origin.data[3], (unsigned long long)mk->held,
	    (unsigned long long)mine, (unsigned long long)held);
	*after = 0;
	return 1;
}

static struct sync_want_state *
sync_pending_find(struct sync_pending *sp, const uint8_t origin[32])
{
	size_t i;

	for (i = 0; i < sp->n; i++)
		if (memcmp(sp->v[i].origin, origin, 32) == 0)
			return &sp->v[i];
	return NULL;
}

/* A Want(origin, after) goes out: its answer starts at after. */
static int
sync_pending_set(
    struct sync_pending *sp, const uint8_t origin[32], uint64_t after)
{
	struct sync_want_state *ws = sync_pending_find(sp, origin), *nv;

	if (ws == NULL) {
		if ((nv = realloc(sp->v, (sp->n + 1) * sizeof(*nv))) == NULL)
			return -ENOMEM;
		sp->v = nv;
		ws = &sp->v[sp->n++];
		memcpy(ws->origin, origin, 32);
	}
	ws->next = after;
	ws->at_ms = record_now_ms();
	return 0;
}

static void
sync_pending_clear(struct sync_pending *sp, const uint8_t origin[32])
{
	struct sync_want_state *ws = sync_pending_find(sp, origin);

	if (ws != NULL)
		*ws = sp->v[--sp->n];
}

/* Encodes m (its version set here) onto out. */
static int
sync_emit(struct sync_out *out, Sd__PeerMsg *m)
{
	size_t len;
	uint8_t *buf;

	if (out->n == SYNC_OUT_MAX)
		return SD_ETOOBIG;
	m->version = SYNC_VERSION;
	len = sd__peer_msg__get_packed_size(m);
	if ((buf = malloc(len ? len : 1)) == NULL)
		return -ENOMEM;
	sd__peer_msg__pack(m, buf);
	out->msg[out->n] = buf;
	out->len[out->n++] = len;
	return 0;
}

/* Queues Want(origin, after) and remembers it as in flight. */
static int
sync_want(struct sync_out *out, struct sync_pending *pending,
    const ProtobufCBinaryData *origin, uint64_t after)
{
	Sd__PeerMsg m;
	Sd__Want w;
	int rc;

	sd__want__init(&w);
	w.origin = *origin;
	w.after = after;
	sd__peer_msg__init(&m);
	m.m_case = SD__PEER_MSG__M_WANT;
	m.want = &w;
	if ((rc = sync_emit(out, &m)) != 0)
		return rc;
	return sync_pending_set(pending, origin->data, after);
}

int
sync_hello(struct node *n, struct sync_out *out)
{
	struct record own = { 0 };
	uint8_t *buf = NULL;
	size_t len = 0;
	Sd__PeerMsg m;
	int revoked = 0, rc;

	/* Only a certificate in force is worth presenting. */
	if ((rc = node_cert_of(n, n->key->pk, &own)) != 0)
		return rc;
	record_close(&own);
	if ((rc = node_cert_bytes(n, n->key->pk, &buf, &len, &revoked)) != 0)
		return rc;
	sd__peer_msg__init(&m);
	m.m_case = SD__PEER_MSG__M_CERT;
	m.cert.data = buf;
	m.cert.len = len;
	rc = sync_emit(out, &m);
	free(buf);
	return rc;
}

struct marks {
	Sd__Mark *v;
	Sd__Mark **p;
	uint8_t (*origins)[32];
	size_t n, cap;
};

static int
sync_mark_cb(void *arg, const uint8_t *origin, uint64_t w)
{
	struct marks *ms = arg;

	if (ms->n == ms->cap) {
		size_t ncap = ms->cap ? ms->cap * 2 : 64;
		void *a = realloc(ms->v, ncap * sizeof(*ms->v));
		if (a == NULL)
			return -ENOMEM;
		ms->v = a;
		a = realloc(ms->origins, ncap * sizeof(*ms->origins));
		if (a == NULL)
			return -ENOMEM;
		ms->origins = a;
		ms->cap = ncap;
	}
	memcpy(ms->origins[ms->n], origin, 32);
	sd__mark__init(&ms->v[ms->n]);
	ms->v[ms->n].w = w;
	ms->n++;
	return 0;
}

struct root_sum {
	uint64_t max, held;
};

static int
sync_root_cb(void *arg, const uint8_t *rec, size_t len)
{
	struct root_sum *rs = arg;
	Sd__SignedRecord *sr;

	if ((sr = sd__signed_record__unpack(NULL, len, rec)) == NULL)
		return SD_ESTORE;
	if (sr->seq > rs->max)
		rs->max = sr->seq;
	rs->held++;
	sd__signed_record__free_unpacked(sr, NULL);
	return 0;
}

/* The root records held: the highest seq and how many. They are few (a
 * certificate per node, a revocation per revoked node). */
static int
sync_root_summary(struct node *n, struct root_sum *rs)
{
	memset(rs, 0, sizeof(*rs));
	return store_range(
	    n->st, n->cfg->root_key, 0, UINT64_MAX, sync_root_cb, rs);
}

int
sync_digest(struct node *n, struct sync_out *out)
{
	struct marks ms = { 0 };
	struct root_sum root;
	Sd__PeerMsg m;
	Sd__Digest d;
	size_t i;
	int rc;

	if ((rc = store_marks(n->st, sync_mark_cb, &ms)) != 0 ||
	    (rc = sync_root_summary(n, &root)) != 0)
		goto out;
	/* The root's entry says what is held, gaps or not. */
	for (i = 0; i < ms.n; i++)
		if (memcmp(ms.origins[i], n->cfg->root_key, 32) == 0)
			break;
	if (i == ms.n && root.held > 0 &&
	    (rc = sync_mark_cb(&ms, n->cfg->root_key, root.max)) != 0)
		goto out;
	if (i < ms.n) {
		ms.v[i].w = root.max;
		ms.v[i].has_held = 1;
		ms.v[i].held = root.held;
	}
	/* A node origin's entry says how many of its records up to W are
	 * held: a peer at the same W holding more shows what was lost. */
	for (i = 0; i < ms.n; i++) {
		if (memcmp(ms.origins[i], n->cfg->root_key, 32) == 0)
			continue;
		if ((rc = store_held(n->st, ms.origins[i], ms.v[i].w,
		         &ms.v[i].held)) != 0)
			goto out;
		ms.v[i].has_held = 1;
	}
	if (ms.n > 0 && (ms.p = calloc(ms.n, sizeof(*ms.p))) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < ms.n; i++) {
		ms.v[i].origin.data = ms.origins[i];
		ms.v[i].origin.len = 32;
		ms.p[i] = &ms.v[i];
	}
	sd__digest__init(&d);
	d.marks = ms.p;
	d.n_marks = ms.n;
	sd__peer_msg__init(&m);
	m.m_case = SD__PEER_MSG__M_DIGEST;
	m.digest = &d;
	rc = sync_emit(out, &m);
out:
	free(ms.v);
	free(ms.p);
	free(ms.origins);
	return rc;
}

/* The peer's certificate: signed by our root, for the peer's identity,
 * valid now, not revoked here. Stored, so its members can be accepted. */
static int
sync_peer_cert(struct node *n, const uint8_t peer[32], const uint8_t *rec,
    size_t len, char *err, size_t errlen)
{
	struct record r = { 0 }, known = { 0 };
	struct store_item item;
	char why[256];
	int rc;

	if ((rc = record_open(n->codes, rec, len, record_now_ms(), &r, why,
	         sizeof(why))) != 0)
		return sync_err(err, errlen, rc, "peer certificate: %s", why);
	if (memcmp(r.rec->origin.data, n->cfg->root_key, 32) != 0 ||
	    r.body->kind_case != SD__RECORD_BODY__KIND_NODE_CERT ||
	    memcmp(r.body->node_cert->node_key.data, peer, 32) != 0) {
		rc = sync_err(err, errlen, SD_ENOCERT,
		    "peer certificate is not our root's certificate for the "
		    "peer's key");
		goto out;
	}
	if (r.body->node_cert->not_after_ms < record_now_ms()) {
		rc = sync_err(
		    err, errlen, SD_ENOCERT, "peer certificate has expired");
		goto out;
	}
	memset(&item, 0, sizeof(item));
	item.bytes = rec;
	item.len = len;
	item.r = &r;
	if ((rc = store_apply(n->st, &item, 1, n->cfg->root_key, r.rec->seq - 1,
	         r.rec->seq)) != 0) {
		rc = sync_err(err, errlen, rc, "storing peer certificate: %s",
		    sd_strerror(rc));
		goto out;
	}
	/* Whatever we hold now decides: revoked, or superseded by a newer
	 * certificate that is what counts. */
	rc = node_cert_of(n, peer, &known);
	if (rc == SD_EREVOKED)
		sync_err(err, errlen, rc, "peer's certificate is revoked");
	else if (rc != 0)
		sync_err(err, errlen, rc, "peer has no valid certificate");
	record_close(&known);
out:
	record_close(&r);
	return rc;
}

static int
sync_nop_cb(void *arg, const uint8_t *rec, size_t len)
{
	(void)arg;
	(void)rec;
	(void)len;
	return 0;
}

static int
sync_on_digest(struct node *n, const Sd__Digest *d,
    struct sync_pending *pending, struct sync_out *out)
{
	struct sync_want_state *ws;
	struct root_sum root;
	uint64_t mine, after = 0, own_w = 0;
	size_t i, pass;
	int rc;

	/* Kept by the connection: what the peer holds, for lag and pushes. */
	if (d->n_marks > 0 &&
	    (out->marks = calloc(d->n_marks, sizeof(*out->marks))) == NULL)
		return -ENOMEM;
	for (i = 0; i < d->n_marks; i++) {
		if (d->marks[i]->origin.len != 32)
			return SD_EPROTO;
		memcpy(out->marks[i].origin, d->marks[i]->origin.data, 32);
		out->marks[i].w = d->marks[i]->w;
	}
	out->nmarks = d->n_marks;
	out->digest = 1;
	/* What the federation holds of our own records, before anything
	 * this node publishes from now on is numbered. */
	for (i = 0; i < d->n_marks; i++)
		if (memcmp(d->marks[i]->origin.data, n->key->pk, 32) == 0)
			own_w = d->marks[i]->w;
	node_seq_learn(n, own_w);
	/* Root records first: certificates decide what else is accepted. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < d->n_marks; i++) {
			const Sd__Mark *mk = d->marks[i];
			int is_root, own;
			if (mk->origin.len != 32)
				return SD_EPROTO;
			is_root =
			    memcmp(mk->origin.data, n->cfg->root_key, 32) == 0;
			if ((pass == 0) != is_root)
				continue;
			own = memcmp(mk->origin.data, n->key->pk, 32) == 0;
			if (!is_root &&
			    (rc = store_mark(n->st, mk->origin.data, &mine)) != 0)
				return rc;
			/* The peer holds records of a node origin this node
			 * lacks: its lag in status (the root's set and our own
			 * origin left out, as there). */
			if (!is_root && !own && mk->w > mine)
				out->lagging = 1;
			/* Our own records: the peer may hold more of them
			 * than this store (restored from an older backup):
			 * publish after them and fetch them back. */
			if (own && !sync_behind(n, pending, mk, mine, &after))
				continue;
			/* Asked already; the answer is on its way. */
			ws = sync_pending_find(pending, mk->origin.data);
			if (ws != NULL &&
			    record_now_ms() - ws->at_ms < SYNC_WANT_TIMEOUT_MS)
				continue;
			if (is_root) {
				/* A set, not a watermark: ask for all of it
				 * when the peer holds more or newer. */
				if ((rc = sync_root_summary(n, &root)) != 0)
					return rc;
				if (mk->w <= root.max &&
				    !(mk->has_held && mk->held > root.held))
					continue;
				after = 0;
			} else if (!own) {
				int revoked = 0;
				if (!sync_behind(n, pending, mk, mine, &after))
					continue;
				/* Only origins whose certificate is held: their
				 * records could not be stored otherwise (and a
				 * peer cannot make us track made-up origins). */
				if (store_cert(n->st, mk->origin.data,
				        sync_nop_cb, NULL, &revoked) != 0 ||
				    revoked)
					continue;
			}
			if ((rc = sync_want(out, pending, &mk->origin, after)) !=
			    0) {
				/* Out of room for Wants: the rest waits for the
				 * next digest, and this node is behind. */
				out->lagging |= rc == SD_ETOOBIG;
				return rc == SD_ETOOBIG ? 0 : rc;
			}
		}
	return 0;
}

struct batch_fill {
	ProtobufCBinaryData *recs;
	size_t n, bytes, max;
	uint64_t last_seq;
	int full;
};

static int
sync_fill_cb(void *arg, const uint8_t *rec, size_t len)
{
	struct batch_fill *f = arg;
	Sd__SignedRecord *sr;

	if (f->n == f->max || (f->n > 0 && f->bytes + len > SYNC_BATCH_BYTES)) {
		f->full = 1;
		return 1;
	}
	if ((sr = sd__signed_record__unpack(NULL, len, rec)) == NULL)
		return SD_ESTORE;
	f->last_seq = sr->seq;
	sd__signed_record__free_unpacked(sr, NULL);
	if ((f->recs[f->n].data = malloc(len)) == NULL)
		return -ENOMEM;
	memcpy(f->recs[f->n].data, rec, len);
	f->recs[f->n].len = len;
	f->n++;
	f->bytes += len;
	return 0;
}

static void
sync_fill_reset(struct batch_fill *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->recs[i].data);
	f->n = 0;
	f->bytes = 0;
	f->full = 0;
}

/*
 * Queues one RecordBatch of origin from `from`: every record up to `to`,
 * or as many as fit (then the batch ends at the last one in it). *end is
 * where the batch ends; *full says it was cut short.
 */
static int
sync_one_batch(struct node *n, const ProtobufCBinaryData *origin,
    uint64_t from, uint64_t to, size_t max, int more, struct batch_fill *f,
    struct sync_out *out, uint64_t *end)
{
	Sd__RecordBatch b;
	Sd__PeerMsg m;
	int rc;

	sync_fill_reset(f);
	f->max = max;
	rc = store_range(n->st, origin->data, from, to, sync_fill_cb, f);
	if (rc < 0)
		return rc;
	sd__record_batch__init(&b);
	b.origin = *origin;
	b.from = from;
	/* Every live record in (from, to] is in the batch. */
	b.to = f->full ? f->last_seq : to;
	b.records = f->recs;
	b.n_records = f->n;
	b.has_more = more && f->full && b.to < to;
	b.more = b.has_more;
	sd__peer_msg__init(&m);
	m.m_case = SD__PEER_MSG__M_BATCH;
	m.batch = &b;
	if ((rc = sync_emit(out, &m)) != 0)
		return rc;
	out->records_out += f->n;
	*end = b.to;
	return 0;
}

static int
sync_on_want(struct node *n, const Sd__Want *w, struct sync_out *out)
{
	struct batch_fill f = { 0 };
	uint64_t mine, from, end;
	size_t i;
	int rc = 0;

	if (w->origin.len != 32)
		return SD_EPROTO;
	if (memcmp(w->origin.data, n->cfg->root_key, 32) == 0) {
		struct root_sum root;
		if ((rc = sync_root_summary(n, &root)) != 0)
			return rc;
		mine = root.max; /* everything held, gaps or not */
	} else if ((rc = store_mark(n->st, w->origin.data, &mine)) != 0) {
		return rc;
	}
	if (w->after >= mine) {
		/* Nothing newer: an empty batch ends the asker's wait. */
		Sd__RecordBatch b;
		Sd__PeerMsg m;
		sd__record_batch__init(&b);
		b.origin = w->origin;
		b.from = b.to = w->after;
		sd__peer_msg__init(&m);
		m.m_case = SD__PEER_MSG__M_BATCH;
		m.batch = &b;
		return sync_emit(out, &m);
	}
	if ((f.recs = calloc(SYNC_BATCH_RECORDS, sizeof(*f.recs))) == NULL)
		return -ENOMEM;
	/* Back to back, so the peer verifies one batch while the next is
	 * on the way; all but the last say more are coming. */
	from = w->after;
	for (i = 0; i < SYNC_WANT_BATCHES && from < mine; i++) {
		if ((rc = sync_one_batch(n, &w->origin, from, mine,
		         SYNC_BATCH_RECORDS, i + 1 < SYNC_WANT_BATCHES, &f, out,
		         &end)) != 0)
			break;
		if (!f.full)
			break;
		from = end;
	}
	sync_fill_reset(&f);
	free(f.recs);
	return rc;
}

int
sync_push(struct node *n, const uint8_t origin[32], uint64_t from,
    uint64_t to, struct sync_out *out)
{
	ProtobufCBinaryData o = { 32, (uint8_t *)origin };
	struct batch_fill f = { 0 };
	uint64_t end;
	int rc;

	if (to <= from)
		return 0;
	if ((f.recs = calloc(SYNC_PUSH_RECORDS, sizeof(*f.recs))) == NULL)
		return -ENOMEM;
	rc = sync_one_batch(n, &o, from, to, SYNC_PUSH_RECORDS, 0, &f, out,
	    &end);
	if (rc == 0 && f.full) {
		/* Too big to push: taken back, a digest tells the peers. */
		out->n--;
		free(out->msg[out->n]);
		out->records_out -= f.n;
	}
	if (rc == 0)
		rc = f.full ? 0 : 1;
	sync_fill_reset(&f);
	free(f.recs);
	return rc;
}

/* Records [from, to) of a batch, opened (signature, validation) by one
 * of two threads. */
struct open_job {
	struct node *n;
	const Sd__RecordBatch *b;
	struct record *rs;
	size_t from, to, bad;
	int rc;
	char why[256];
};

static void *
sync_open_range(void *arg)
{
	struct open_job *j = arg;
	uint64_t now = record_now_ms();
	size_t i;

	for (i = j->from; i < j->to; i++) {
		const ProtobufCBinaryData *d = &j->b->records[i];
		if ((j->rc = record_open(j->n->codes, d->data, d->len, now,
		         &j->rs[i], j->why, sizeof(j->why))) != 0) {
			j->bad = i;
			break;
		}
	}
	return NULL;
}

/* Opens every record of b into rs, on two threads when it is worth it. */
static int
sync_open_batch(struct node *n, const Sd__RecordBatch *b, struct record *rs,
    char *err, size_t errlen)
{
	struct open_job j[2];
	size_t cnt = b->n_records, half = cnt >= 32 ? cnt / 2 : cnt, k;

	for (k = 0; k < 2; k++) {
		memset(&j[k], 0, sizeof(j[k]));
		j[k].n = n;
		j[k].b = b;
		j[k].rs = rs;
	}
	j[0].to = half;
	j[1].from = half;
	j[1].to = cnt;
	if (half < cnt)
		par_run2(sync_open_range, &j[0], &j[1]);
	else
		sync_open_range(&j[0]);
	for (k = 0; k < 2; k++)
		if (j[k].rc != 0)
			return sync_err(err, errlen, j[k].rc, "record %zu: %s",
			    j[k].bad, j[k].why);
	return 0;
}

/* A message between sync_prepare and sync_commit. */
struct sync_msg {
	Sd__PeerMsg *m;
	/* A batch, prepared: its records opened and checked. */
	struct record *rs;
	struct store_item *items;
	int ready; /* rs/items hold every record of the batch */
};

void
sync_msg_free(struct sync_msg *sm)
{
	size_t i;

	if (sm == NULL)
		return;
	if (sm->rs != NULL)
		for (i = 0; i < sm->m->batch->n_records; i++)
			record_close(&sm->rs[i]);
	free(sm->rs);
	free(sm->items);
	if (sm->m != NULL)
		sd__peer_msg__free_unpacked(sm->m, NULL);
	free(sm);
}

/*
 * The part of a batch that needs no write: every record opened (two
 * threads) and checked against the batch and its origin's certificate.
 * A batch of an origin whose certificate is not held is left unprepared:
 * commit ignores it. (This node's own records come back this way after
 * its store was restored from an older backup.)
 */
static int
sync_batch_prepare(
    struct node *n, struct sync_msg *sm, char *err, size_t errlen)
{
	const Sd__RecordBatch *b = sm->m->batch;
	struct record cert = { 0 };
	uint64_t prev;
	char why[256];
	size_t i;
	int rc = 0, is_root, have_cert = 0;

	if (b->origin.len != 32 || b->to < b->from ||
	    b->n_records > SYNC_BATCH_RECORDS)
		return sync_err(err, errlen, SD_EPROTO, "malformed batch");
	if (b->n_records == 0)
		return 0;
	is_root = memcmp(b->origin.data, n->cfg->root_key, 32) == 0;
	if (!is_root) {
		if (node_cert_of(n, b->origin.data, &cert) != 0) {
			/* Not an offence: the certificate may not have reached
			 * us yet. Nothing is stored; the records come again. */
			return 0;
		}
		have_cert = 1;
	}
	if ((sm->rs = calloc(b->n_records, sizeof(*sm->rs))) == NULL ||
	    (sm->items = calloc(b->n_records, sizeof(*sm->items))) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = sync_open_batch(n, b, sm->rs, err, errlen)) != 0)
		goto out;
	prev = b->from;
	for (i = 0; i < b->n_records; i++) {
		const struct record *r = &sm->rs[i];
		const Sd__RecordBody *body = r->body;
		if (memcmp(r->rec->origin.data, b->origin.data, 32) != 0 ||
		    r->rec->seq <= prev || r->rec->seq > b->to) {
			rc = sync_err(err, errlen, SD_EPROTO,
			    "record %zu: origin or seq outside the batch", i);
			goto out;
		}
		prev = r->rec->seq;
		if (is_root !=
		    (body->kind_case == SD__RECORD_BODY__KIND_NODE_CERT ||
		        body->kind_case == SD__RECORD_BODY__KIND_REVOCATION)) {
			rc = sync_err(err, errlen, SD_EPROTO,
			    "record %zu: a %s record from a %s origin", i,
			    is_root ? "node's" : "root's",
			    is_root ? "root" : "node");
			goto out;
		}
		if (have_cert &&
		    body->kind_case == SD__RECORD_BODY__KIND_MEMBER &&
		    (rc = record_scope_check(cert.body->node_cert, body->member,
		         why, sizeof(why))) != 0) {
			rc =
			    sync_err(err, errlen, rc, "record %zu: %s", i, why);
			goto out;
		}
		sm->items[i].bytes = b->records[i].data;
		sm->items[i].len = b->records[i].len;
		sm->items[i].r = &sm->rs[i];
	}
	sm->ready = 1;
out:
	record_close(&cert);
	return rc;
}

/* A prepared batch stored, in one transaction, in arrival order. */
static int
sync_batch_commit(struct node *n, struct sync_msg *sm,
    struct sync_pending *pending, struct sync_out *out, char *err,
    size_t errlen)
{
	const Sd__RecordBatch *b = sm->m->batch;
	struct sync_want_state *ws;
	uint64_t before, after, own = 0;
	size_t i, restored = 0, held = 0;
	int rc, asked;

	/* The answer to our Want goes on, or ends here. */
	ws = sync_pending_find(pending, b->origin.data);
	asked = ws != NULL && b->from == ws->next;
	if (asked) {
		if (b->has_more && b->more) {
			ws->next = b->to;
			ws->at_ms = record_now_ms();
		} else {
			sync_pending_clear(pending, b->origin.data);
		}
	}
	if (b->n_records > 0 && !sm->ready)
		return 0; /* its certificate is not held */
	if ((rc = store_mark(n->st, b->origin.data, &before)) != 0)
		return rc;
	rc = store_apply(n->st, sm->items, b->n_records, b->origin.data,
	    b->from, b->to);
	if (rc == SD_EREVOKED)
		return 0; /* revoked since it was sent: nothing stored */
	if (rc != 0)
		return sync_err(
		    err, errlen, rc, "storing: %s", sd_strerror(rc));
	if ((rc = store_mark(n->st, b->origin.data, &after)) != 0)
		return rc;
	for (i = 0; i < b->n_records; i++)
		if (sm->items[i].result == 0 && sm->rs[i].rec->seq <= before)
			restored++;
	if (restored > 0)
		node_log(n, SDLOG_WARN,
		    "origin %02x%02x%02x%02x: %zu lost records restored from "
		    "a peer",
		    b->origin.data[0], b->origin.data[1], b->origin.data[2],
		    b->origin.data[3], restored);
	for (i = 0; i < b->n_records; i++)
		held += sm->items[i].result == SD_ESTALE;
	if (!asked && b->n_records > 0 && held == b->n_records &&
	    b->to <= before &&
	    memcmp(b->origin.data, n->cfg->root_key, 32) != 0) {
		out->stale = 1;
		memcpy(out->stale_origin, b->origin.data, 32);
		out->stale_from = b->from;
		out->stale_to = b->to;
		out->stale_mark = before;
	}
	for (i = 0; i < b->n_records; i++)
		if (sm->items[i].result == SD_EEXIST) {
			/* Equivocation: the first record stays. */
			out->equivocations++;
			memcpy(out->equiv_origin, b->origin.data, 32);
			out->equiv_seq = sm->rs[i].rec->seq;
		}
	out->peer_to = b->to;
	/* Our own records fetched back (a restored store): publish after
	 * the highest now held. */
	if (memcmp(b->origin.data, n->key->pk, 32) == 0 &&
	    (rc = store_last_seq(n->st, n->key->pk, &own)) == 0)
		node_seq_learn(n, own);
	if (after > before) {
		out->records_in += b->n_records;
		out->advanced = 1;
		memcpy(out->adv_origin, b->origin.data, 32);
		out->adv_from = before;
		out->adv_to = after;
		node_log(n, SDLOG_DEBUG,
		    "origin %02x%02x%02x%02x: watermark %llu -> %llu "
		    "(%zu records)",
		    b->origin.data[0], b->origin.data[1], b->origin.data[2],
		    b->origin.data[3], (unsigned long long)before,
		    (unsigned long long)after, b->n_records);
	}
	/* Ask for the rest; the answer ends with an empty batch if there is
	 * none. */
	if (after > before && !(b->has_more && b->more))
		rc = sync_want(out, pending, &b->origin, after);
	return rc;
}

int
sync_prepare(struct node *n, int certified, const uint8_t *in, size_t inlen,
    struct sync_msg **out, char *err, size_t errlen)
{
	struct sync_msg *sm;
	int rc = 0;

	*out = NULL;
	if ((sm = calloc(1, sizeof(*sm))) == NULL)
		return -ENOMEM;
	if ((sm->m = sd__peer_msg__unpack(NULL, inlen, in)) == NULL) {
		rc = sync_err(err, errlen, SD_EDECODE, "malformed message");
		goto out;
	}
	if (sm->m->version != SYNC_VERSION) {
		rc = sync_err(err, errlen, SD_EVERSION,
		    "sync version %u is not spoken here", sm->m->version);
		goto out;
	}
	/* Records are verified only for a certified peer. */
	if (certified && sm->m->m_case == SD__PEER_MSG__M_BATCH)
		rc = sync_batch_prepare(n, sm, err, errlen);
out:
	if (rc != 0) {
		if (err[0] == '\0')
			sync_err(err, errlen, rc, "%s", sd_strerror(rc));
		sync_msg_free(sm);
		return rc;
	}
	*out = sm;
	return 0;
}

int
sync_commit(struct node *n, const uint8_t peer[32], int *certified,
    struct sync_pending *pending, struct sync_msg *sm, struct sync_out *out,
    char *err, size_t errlen)
{
	const Sd__PeerMsg *m = sm->m;
	int rc;

	if (!*certified) {
		if (m->m_case != SD__PEER_MSG__M_CERT)
			return sync_err(err, errlen, SD_EPROTO,
			    "the first message must be a certificate");
		if ((rc = sync_peer_cert(n, peer, m->cert.data, m->cert.len,
		         err, errlen)) != 0)
			return rc;
		*certified = 1;
		return sync_digest(n, out);
	}
	switch (m->m_case) {
	case SD__PEER_MSG__M_DIGEST:
		rc = sync_on_digest(n, m->digest, pending, out);
		break;
	case SD__PEER_MSG__M_WANT: rc = sync_on_want(n, m->want, out); break;
	case SD__PEER_MSG__M_BATCH:
		/* Prepared only if the peer was certified then; it is now. */
		if (m->batch->n_records > 0 && !sm->ready &&
		    sm->rs == NULL &&
		    (rc = sync_batch_prepare(n, sm, err, errlen)) != 0)
			break;
		rc = sync_batch_commit(n, sm, pending, out, err, errlen);
		break;
	default:
		rc = sync_err(err, errlen, SD_EPROTO, "unexpected message");
		break;
	}
	if (rc != 0 && err[0] == '\0')
		sync_err(err, errlen, rc, "%s", sd_strerror(rc));
	return rc;
}
