/*
 * sync_batch: record batches. Answering a Want (up to SYNC_WANT_BATCHES
 * batches back to back), the eager push of a small change, and a
 * received batch: opened and checked (sync_prepare, any thread; the
 * signatures on two threads), then stored in one transaction in arrival
 * order (sync_batch_commit).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hex.h"
#include "par.h"
#include "sdlog.h"
#include "sync_int.h"

struct batch_fill {
	ProtobufCBinaryData *recs;
	size_t n, bytes, max;
	uint64_t last_seq;
	int full;
	/* Seqs the asker holds (Want.held): bit i for seq skip_after + 1 + i. */
	const uint8_t *skip;
	size_t nskip;
	uint64_t skip_after;
	/* For a peer without SYNC_CAP_LATER: records of later kinds are
	 * left out (v1); counted either way (nlater). */
	int v1, look;
	size_t nlater;
};

/* Whether the asker said it holds seq. */
static int
sync_fill_skips(const struct batch_fill *f, uint64_t seq)
{
	uint64_t i;

	if (f->skip == NULL || seq <= f->skip_after)
		return 0;
	i = seq - f->skip_after - 1;
	return i / 8 < f->nskip && (f->skip[i / 8] >> (i % 8) & 1);
}

static int
sync_fill_cb(void *arg, const uint8_t *rec, size_t len)
{
	struct batch_fill *f = arg;
	Sd__SignedRecord *sr;
	int later = 0;

	if (f->n == f->max || (f->n > 0 && f->bytes + len > SYNC_BATCH_BYTES)) {
		f->full = 1;
		return 1;
	}
	if (f->look) {
		/* The seq and the kind: one decode of both parts. */
		struct record r;
		if (record_decode(rec, len, &r) != 0)
			return SD_ESTORE;
		f->last_seq = r.rec->seq;
		later = !record_kind_known(r.body);
		record_close(&r);
	} else {
		/* The seq only: the rest of a stored record is not needed. */
		if ((sr = sd__signed_record__unpack(NULL, len, rec)) == NULL)
			return SD_ESTORE;
		f->last_seq = sr->seq;
		sd__signed_record__free_unpacked(sr, NULL);
	}
	if (sync_fill_skips(f, f->last_seq))
		return 0;
	f->nlater += later;
	if (later && f->v1)
		return 0;
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
 * Encodes one RecordBatch of origin from `from` into *msg: every record
 * up to `to`, or as many as fit in max (then the batch ends at the last
 * one in it, and f->full says so). *end is where the batch ends.
 */
static int
sync_batch_encode(struct sync_hub *h, const uint8_t *origin, uint64_t from,
    uint64_t to, size_t max, int more, struct batch_fill *f, uint8_t **msg,
    size_t *len, uint64_t *end)
{
	Sd__RecordBatch b;
	Sd__PeerMsg m;
	int rc;

	sync_fill_reset(f);
	f->max = max;
	rc = store_range(h->ctx.st, origin, from, to, sync_fill_cb, f);
	if (rc < 0)
		return rc;
	sd__record_batch__init(&b);
	b.origin.data = (uint8_t *)origin;
	b.origin.len = KEY_PUBLIC_BYTES;
	b.from = from;
	/* Every live record in (from, to] is in the batch. */
	b.to = f->full ? f->last_seq : to;
	b.records = f->recs;
	b.n_records = f->n;
	b.has_more = more && f->full && b.to < to;
	b.more = b.has_more;
	sd__peer_msg__init(&m);
	m.version = SYNC_VERSION;
	m.m_case = SD__PEER_MSG__M_BATCH;
	m.batch = &b;
	*len = sd__peer_msg__get_packed_size(&m);
	if ((*msg = malloc(*len ? *len : 1)) == NULL)
		return -ENOMEM;
	sd__peer_msg__pack(&m, *msg);
	*end = b.to;
	return 0;
}

int
sync_on_want(struct sync_session *s, const Sd__Want *w)
{
	struct sync_hub *h = s->hub;
	struct batch_fill f = { 0 };
	uint64_t mine, from, end;
	uint8_t *msg;
	size_t i, len;
	int rc = 0;

	if (w->origin.len != KEY_PUBLIC_BYTES)
		return SD_EPROTO;
	/* The root: everything held, gaps or not (the cache's entry). */
	if (sync_is_root(h, w->origin.data))
		mine = sync_hub_mark(h, w->origin.data);
	else if ((rc = store_mark(h->ctx.st, w->origin.data, &mine)) != 0)
		return rc;
	/* A peer without SYNC_CAP_LATER is sent no record of a later kind,
	 * and no watermark past the newest record it keeps (its fsck would
	 * find one above its highest seq). */
	if (!(s->caps & SYNC_CAP_LATER)) {
		uint64_t kw =
		    sync_mine_w(s, sync_entry_find(h, w->origin.data));
		if (kw < mine)
			mine = kw;
		f.v1 = f.look = 1;
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
		return sync_send(s, &m);
	}
	if ((f.recs = calloc(SYNC_BATCH_RECORDS, sizeof(*f.recs))) == NULL)
		return -ENOMEM;
	if (w->has_held && sync_is_root(h, w->origin.data) &&
	    w->held.len <= SYNC_HELD_MAX) {
		f.skip = w->held.data;
		f.nskip = w->held.len;
		f.skip_after = w->after;
	}
	/* Back to back, so the peer verifies one batch while the next is
	 * on the way; all but the last say more are coming. */
	from = w->after;
	for (i = 0; i < SYNC_WANT_BATCHES && from < mine; i++) {
		if ((rc = sync_batch_encode(h, w->origin.data, from, mine,
		         SYNC_BATCH_RECORDS, i + 1 < SYNC_WANT_BATCHES, &f,
		         &msg, &len, &end)) != 0)
			break;
		s->send(s->arg, msg, len);
		free(msg);
		s->records_out += f.n;
		if (!f.full)
			break;
		from = end;
	}
	sync_fill_reset(&f);
	free(f.recs);
	return rc;
}

int
sync_push_encode(struct sync_hub *h, const uint8_t *origin, uint64_t from,
    uint64_t to, uint8_t **msg, size_t *len, size_t *nrec, size_t *nlater)
{
	struct batch_fill f = { 0 };
	uint64_t end;
	int rc;

	*msg = NULL;
	f.look = 1;
	if (to <= from)
		return 0;
	if ((f.recs = calloc(SYNC_PUSH_RECORDS, sizeof(*f.recs))) == NULL)
		return -ENOMEM;
	rc = sync_batch_encode(
	    h, origin, from, to, SYNC_PUSH_RECORDS, 0, &f, msg, len, &end);
	if (rc == 0 && f.full) {
		/* Too big to push: a digest tells the peers. */
		free(*msg);
		*msg = NULL;
	}
	*nrec = f.n;
	*nlater = f.nlater;
	if (rc == 0)
		rc = f.full ? 0 : 1;
	sync_fill_reset(&f);
	free(f.recs);
	return rc;
}

/* Records [from, to) of a batch, opened (signature, validation) by one
 * of two threads. */
struct open_job {
	const struct sync_ctx *ctx;
	const Sd__RecordBatch *b;
	struct record *rs;
	size_t from, to, bad;
	uint64_t now;
	int rc;
	char why[256];
};

static void *
sync_open_range(void *arg)
{
	struct open_job *j = arg;
	size_t i;

	for (i = j->from; i < j->to; i++) {
		const ProtobufCBinaryData *d = &j->b->records[i];
		if ((j->rc = sync_record_open(j->ctx, d->data, d->len, j->now,
		         &j->rs[i], j->why, sizeof(j->why))) != 0) {
			j->bad = i;
			break;
		}
	}
	return NULL;
}

/* Opens every record of b into rs, on two threads when it is worth it. */
static int
sync_open_batch(const struct sync_ctx *ctx, const Sd__RecordBatch *b,
    struct record *rs, char *err, size_t errlen)
{
	struct open_job j[2];
	size_t cnt = b->n_records, half = cnt >= 32 ? cnt / 2 : cnt, k;
	uint64_t now = ctx->now_ms(ctx->arg);

	for (k = 0; k < 2; k++) {
		memset(&j[k], 0, sizeof(j[k]));
		j[k].ctx = ctx;
		j[k].b = b;
		j[k].rs = rs;
		j[k].now = now;
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

/*
 * A batch of an origin whose certificate is not held is left
 * unprepared: commit ignores it (not an offence: the certificate may not
 * have reached us yet; the records come again). This node's own records
 * come back this way after its store was restored from an older backup.
 */
int
sync_batch_prepare(
    const struct sync_ctx *ctx, struct sync_msg *sm, char *err, size_t errlen)
{
	const Sd__RecordBatch *b = sm->m->batch;
	struct record cert = { 0 };
	uint64_t prev;
	char why[256];
	size_t i;
	int rc = 0, is_root, have_cert = 0;

	if (b->origin.len != KEY_PUBLIC_BYTES || b->to < b->from ||
	    b->n_records > SYNC_BATCH_RECORDS)
		return sync_err(err, errlen, SD_EPROTO, "malformed batch");
	if (b->n_records == 0)
		return 0;
	is_root = memcmp(b->origin.data, ctx->root, KEY_PUBLIC_BYTES) == 0;
	if (!is_root) {
		if (sync_ctx_cert_of(
		        ctx, b->origin.data, ctx->now_ms(ctx->arg), &cert) != 0)
			return 0;
		have_cert = 1;
	}
	if ((sm->rs = calloc(b->n_records, sizeof(*sm->rs))) == NULL ||
	    (sm->items = calloc(b->n_records, sizeof(*sm->items))) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = sync_open_batch(ctx, b, sm->rs, err, errlen)) != 0)
		goto out;
	prev = b->from;
	for (i = 0; i < b->n_records; i++) {
		const struct record *r = &sm->rs[i];
		const Sd__RecordBody *body = r->body;
		if (memcmp(r->rec->origin.data, b->origin.data,
		        KEY_PUBLIC_BYTES) != 0 ||
		    r->rec->seq <= prev || r->rec->seq > b->to) {
			rc = sync_err(err, errlen, SD_EPROTO,
			    "record %zu: origin or seq outside the batch", i);
			goto out;
		}
		prev = r->rec->seq;
		/* A kind of a later release may come from either (a node's
		 * needs its certificate in force, checked above). */
		if (record_kind_known(body) &&
		    is_root !=
		        (body->kind_case == SD__RECORD_BODY__KIND_NODE_CERT ||
		            body->kind_case ==
		                SD__RECORD_BODY__KIND_REVOCATION)) {
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

int
sync_prepare(const struct sync_ctx *ctx, int certified, const uint8_t *in,
    size_t inlen, struct sync_msg **out)
{
	struct sync_msg *sm;

	*out = NULL;
	if ((sm = calloc(1, sizeof(*sm))) == NULL)
		return -ENOMEM;
	if ((sm->m = sd__peer_msg__unpack(NULL, inlen, in)) == NULL)
		sm->rc = sync_err(
		    sm->err, sizeof(sm->err), SD_EDECODE, "malformed message");
	/* Later releases keep version 1 and announce new behaviour as
	 * capabilities; a higher number is read as 1 all the same (its
	 * fields this build does not know are ignored), never refused. */
	else if (sm->m->version < SYNC_VERSION)
		sm->rc = sync_err(sm->err, sizeof(sm->err), SD_EVERSION,
		    "sync version %u is not spoken here", sm->m->version);
	/* Records are verified only for a certified peer. */
	else if (certified && sm->m->m_case == SD__PEER_MSG__M_BATCH)
		sm->rc = sync_batch_prepare(ctx, sm, sm->err, sizeof(sm->err));
	if (sm->rc == -ENOMEM) {
		sync_msg_free(sm);
		return -ENOMEM;
	}
	if (sm->rc != 0 && sm->err[0] == '\0')
		sync_err(sm->err, sizeof(sm->err), sm->rc, "%s",
		    sd_strerror(sm->rc));
	*out = sm;
	return 0;
}

void
sync_msg_free(struct sync_msg *sm)
{
	size_t i;

	if (sm == NULL)
		return;
	if (sm->rs != NULL && sm->m != NULL)
		for (i = 0; i < sm->m->batch->n_records; i++)
			record_close(&sm->rs[i]);
	free(sm->rs);
	free(sm->items);
	if (sm->m != NULL)
		sd__peer_msg__free_unpacked(sm->m, NULL);
	free(sm);
}

/* Equivocations in a committed batch (same origin and seq, other bytes:
 * the first record stays): logged and reported. */
static void
sync_equivocations(struct sync_session *s, const struct sync_msg *sm)
{
	struct sync_hub *h = s->hub;
	const Sd__RecordBatch *b = sm->m->batch;
	char id[HEX_SHORT + 1], o[HEX_SHORT + 1];
	uint64_t n = 0, seq = 0;
	size_t i;

	for (i = 0; i < b->n_records; i++)
		if (sm->items[i].result == SD_EEXIST) {
			n++;
			seq = sm->rs[i].rec->seq;
		}
	if (n == 0)
		return;
	hex_short(s->peer, id);
	hex_short(b->origin.data, o);
	sync_log(h, SDLOG_WARN,
	    "peer %s (%s): equivocation: origin %s seq %llu has another "
	    "record here; the first is kept (%llu in this batch)",
	    id, s->label, o, (unsigned long long)seq, (unsigned long long)n);
	if (h->ctx.offence != NULL)
		h->ctx.offence(h->ctx.arg, SYNC_REJ_EQUIVOCATION, s->peer);
}

/*
 * Eager or lazy (SYNC_CAP_LAZY; see sync_pushes): records of an origin
 * this node had to fetch from a peer make it ask that peer to push the
 * origin from now on; a push of records all held already means another
 * path is faster: that peer is asked to stop (it still tells of the
 * origin in digests).
 */
static int
sync_batch_mode(struct sync_session *s, const Sd__RecordBatch *b, int asked,
    int moved, int all_held)
{
	struct sync_mark *k;

	if (!(s->caps & SYNC_CAP_LAZY) || sync_is_root(s->hub, b->origin.data))
		return 0;
	if ((k = sync_known_get(s, b->origin.data)) == NULL)
		return -ENOMEM;
	if (!asked && all_held && k->asked >= 0) {
		k->asked = -1;
		return sync_mode_send(s, b->origin.data, 1);
	}
	if (asked && moved && k->asked <= 0 &&
	    !(k->asked == 0 &&
	        memcmp(b->origin.data, s->peer, KEY_PUBLIC_BYTES) == 0)) {
		k->asked = 1;
		return sync_mode_send(s, b->origin.data, 0);
	}
	return 0;
}

int
sync_batch_commit(
    struct sync_session *s, struct sync_msg *sm, char *err, size_t errlen)
{
	struct sync_hub *h = s->hub;
	const Sd__RecordBatch *b = sm->m->batch;
	struct sync_want *ws;
	uint64_t before, after, own = 0;
	size_t i, restored = 0, held = 0;
	char o[HEX_SHORT + 1];
	int rc, asked, repair = 0, is_root = sync_is_root(h, b->origin.data);

	/* The answer to our Want goes on, or ends here. */
	ws = sync_want_find(s, b->origin.data);
	asked = ws != NULL && b->from == ws->next;
	if (asked) {
		if (b->has_more && b->more) {
			ws->next = b->to;
			ws->at_ms = sync_now(h);
		} else {
			repair = ws->repair && b->to > b->from;
			sync_want_clear(s, b->origin.data);
		}
	}
	if (b->n_records > 0 && !sm->ready)
		return 0; /* its certificate is not held */
	/* An empty batch (the records in its range were replaced since)
	 * moves a watermark too: only of an origin in force, as a batch
	 * with records (a peer cannot make up origins with it). */
	if (b->n_records == 0 && !is_root &&
	    (rc = sync_cert_in_force(
	         h, sync_entry_find(h, b->origin.data), b->origin.data)) <= 0)
		return rc;
	if ((rc = store_mark(h->ctx.st, b->origin.data, &before)) != 0)
		return rc;
	/* A repair goes on from where this answer ended, up to the
	 * watermark (the watermark does not move to ask for more). */
	if (repair && b->to < before &&
	    (rc = sync_want_send(s, b->origin.data, b->to)) != 0)
		return rc;
	rc = store_apply(
	    h->ctx.st, sm->items, b->n_records, b->origin.data, b->from, b->to);
	if (rc == SD_EREVOKED)
		return 0; /* revoked since it was sent: nothing stored */
	if (rc != 0)
		return sync_err(
		    err, errlen, rc, "storing: %s", sd_strerror(rc));
	if ((rc = store_mark(h->ctx.st, b->origin.data, &after)) != 0)
		return rc;
	if ((b->n_records > 0 || after != before) &&
	    (rc = is_root ? sync_hub_refresh_all(h)
	                  : sync_hub_refresh(h, b->origin.data)) != 0)
		return rc;
	hex_short(b->origin.data, o);
	/* Lost records put back: only a node origin's (the root's set has
	 * gaps that any node may fill). */
	for (i = 0; i < b->n_records && !is_root; i++)
		if (sm->items[i].result == 0 && sm->rs[i].rec->seq <= before)
			restored++;
	if (restored > 0)
		sync_log(h, SDLOG_WARN,
		    "origin %.8s: %zu lost records restored from a peer", o,
		    restored);
	for (i = 0; i < b->n_records; i++)
		held += sm->items[i].result == SD_ESTALE;
	s->records_dup += held;
	h->records_dup += held;
	sync_equivocations(s, sm);
	/* Our own records fetched back (a restored store): publish after
	 * the highest now held. */
	if (sync_is_self(h, b->origin.data) &&
	    (rc = store_last_seq(h->ctx.st, h->ctx.self, &own)) == 0 &&
	    h->ctx.seq_learn != NULL)
		h->ctx.seq_learn(h->ctx.arg, own);
	if (after > before) {
		s->records_in += b->n_records;
		h->records_in += b->n_records;
		sync_known_raise(s, b->origin.data, b->to);
		sync_log(h, SDLOG_DEBUG,
		    "origin %.8s: watermark %llu -> %llu (%zu records)", o,
		    (unsigned long long)before, (unsigned long long)after,
		    b->n_records);
		/* Ask for the rest; the answer ends with an empty batch if
		 * there is none. */
		if (!(b->has_more && b->more) &&
		    (rc = sync_want_send(s, b->origin.data, after)) != 0)
			return rc;
		if ((rc = sync_hub_announce(
		         h, b->origin.data, before, after, s)) != 0)
			return rc;
	}
	if ((rc = sync_batch_mode(s, b, asked, after > before,
	         b->n_records > 0 && held == b->n_records)) != 0)
		return rc;
	if (!asked && b->n_records > 0 && held == b->n_records &&
	    b->to <= before && !is_root) {
		sm->stale_mark = before;
		return SYNC_STALE;
	}
	return 0;
}
