/*
 * sync_session: one authenticated peer. Its certificate (the first
 * message), its known watermarks, catch-up timing, replay detection, and
 * acting on what it sends, in order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hex.h"
#include "sdlog.h"
#include "sync_int.h"

int
sync_send(struct sync_session *s, Sd__PeerMsg *m)
{
	size_t len;
	uint8_t *buf;

	m->version = SYNC_VERSION;
	len = sd__peer_msg__get_packed_size(m);
	if ((buf = malloc(len ? len : 1)) == NULL)
		return -ENOMEM;
	sd__peer_msg__pack(m, buf);
	s->send(s->arg, buf, len);
	free(buf);
	return 0;
}

/* The index of origin in s->known, or where it would go (*found 0). */
static size_t
sync_known_at(const struct sync_session *s, const uint8_t *origin, int *found)
{
	size_t lo = 0, hi = s->nknown;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(s->known[mid].origin, origin, KEY_PUBLIC_BYTES);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct sync_mark *
sync_known(const struct sync_session *s, const uint8_t origin[KEY_PUBLIC_BYTES])
{
	int found;
	size_t at = sync_known_at(s, origin, &found);

	return found ? &s->known[at] : NULL;
}

struct sync_mark *
sync_known_get(struct sync_session *s, const uint8_t origin[KEY_PUBLIC_BYTES])
{
	int found;
	size_t at = sync_known_at(s, origin, &found);

	if (found)
		return &s->known[at];
	if (s->nknown == s->capknown) {
		size_t ncap = s->capknown ? s->capknown * 2 : 16;
		struct sync_mark *nv = realloc(s->known, ncap * sizeof(*nv));
		if (nv == NULL)
			return NULL;
		s->known = nv;
		s->capknown = ncap;
	}
	memmove(&s->known[at + 1], &s->known[at],
	    (s->nknown - at) * sizeof(*s->known));
	memset(&s->known[at], 0, sizeof(s->known[at]));
	memcpy(s->known[at].origin, origin, KEY_PUBLIC_BYTES);
	s->nknown++;
	return &s->known[at];
}

void
sync_known_raise(
    struct sync_session *s, const uint8_t origin[KEY_PUBLIC_BYTES], uint64_t w)
{
	struct sync_mark *k = sync_known_get(s, origin);

	/* Out of memory: the next digest says it again. */
	if (k != NULL && w > k->w)
		k->w = w;
}

int
sync_mode_send(
    struct sync_session *s, const uint8_t origin[KEY_PUBLIC_BYTES], int lazy)
{
	ProtobufCBinaryData o = { KEY_PUBLIC_BYTES, (uint8_t *)origin };
	Sd__PeerMsg m;
	Sd__Mode md;

	sd__mode__init(&md);
	if (lazy) {
		md.lazy = &o;
		md.n_lazy = 1;
	} else {
		md.eager = &o;
		md.n_eager = 1;
	}
	sd__peer_msg__init(&m);
	m.m_case = SD__PEER_MSG__M_MODE;
	m.mode = &md;
	return sync_send(s, &m);
}

/* The peer's Mode: origins it no longer wants pushed, or again. */
static int
sync_on_mode(struct sync_session *s, const Sd__Mode *md)
{
	struct sync_mark *k;
	size_t i;

	if (!(s->caps & SYNC_CAP_LAZY) ||
	    md->n_lazy + md->n_eager > SYNC_MODE_MAX)
		return SD_EPROTO;
	for (i = 0; i < md->n_lazy + md->n_eager; i++) {
		const ProtobufCBinaryData *o =
		    i < md->n_lazy ? &md->lazy[i] : &md->eager[i - md->n_lazy];
		if (o->len != KEY_PUBLIC_BYTES)
			return SD_EPROTO;
		/* Only origins this node holds: a peer cannot make it track
		 * made-up ones. */
		if (sync_entry_find(s->hub, o->data) == NULL)
			continue;
		if ((k = sync_known_get(s, o->data)) == NULL)
			return -ENOMEM;
		k->mode = i < md->n_lazy ? -1 : 1;
	}
	return 0;
}

int
sync_session_new(struct sync_hub *h, const uint8_t peer[KEY_PUBLIC_BYTES],
    const char *label, void (*send)(void *arg, const uint8_t *msg, size_t len),
    void *arg, struct sync_session **out)
{
	struct sync_session *s = NULL;
	struct record own = { 0 };
	uint8_t *cert = NULL;
	size_t len = 0;
	Sd__PeerMsg m;
	int revoked = 0, rc;

	*out = NULL;
	/* Only a certificate in force is worth presenting. */
	if ((rc = sync_ctx_cert_of(&h->ctx, h->ctx.self, sync_now(h), &own)) !=
	        0 ||
	    (rc = sync_cert_bytes(
	         h->ctx.st, h->ctx.self, &cert, &len, &revoked)) != 0)
		goto out;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	s->hub = h;
	memcpy(s->peer, peer, KEY_PUBLIC_BYTES);
	snprintf(s->label, sizeof(s->label), "%s", label ? label : "");
	s->send = send;
	s->arg = arg;
	s->next = h->sessions;
	if (h->sessions != NULL)
		h->sessions->prev = s;
	h->sessions = s;
	sd__peer_msg__init(&m);
	m.m_case = SD__PEER_MSG__M_CERT;
	m.cert.data = cert;
	m.cert.len = len;
	/* A node announcing nothing looks like one of an earlier release. */
	m.has_caps = h->ctx.caps != 0;
	m.caps = h->ctx.caps;
	m.software = (char *)h->ctx.software;
	s->full_next = 1; /* the first digest is whole */
	if ((rc = sync_send(s, &m)) != 0) {
		sync_session_free(s);
		goto out;
	}
	*out = s;
out:
	free(cert);
	record_close(&own);
	return rc;
}

void
sync_session_free(struct sync_session *s)
{
	if (s == NULL)
		return;
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		s->hub->sessions = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	free(s->known);
	free(s->wants);
	free(s->repairs);
	free(s);
}

int
sync_session_certified(const struct sync_session *s)
{
	return s->certified;
}

/* The peer's certificate: signed by our root, for the peer's identity,
 * valid now, not revoked here. Stored, so its members can be accepted. */
int
sync_cert_check(struct sync_session *s, const uint8_t *rec, size_t len,
    char *err, size_t errlen)
{
	struct sync_hub *h = s->hub;
	struct record r = { 0 }, known = { 0 };
	struct store_item item;
	uint64_t now = sync_now(h);
	char why[256];
	int rc;

	if ((rc = sync_record_open(
	         &h->ctx, rec, len, now, &r, why, sizeof(why))) != 0)
		return sync_err(err, errlen, rc, "peer certificate: %s", why);
	if (!sync_is_root(h, r.rec->origin.data) ||
	    r.body->kind_case != SD__RECORD_BODY__KIND_NODE_CERT ||
	    memcmp(r.body->node_cert->node_key.data, s->peer,
	        KEY_PUBLIC_BYTES) != 0) {
		rc = sync_err(err, errlen, SD_ENOCERT,
		    "peer certificate is not our root's certificate for the "
		    "peer's key");
		goto out;
	}
	if (r.body->node_cert->not_after_ms < now) {
		rc = sync_err(
		    err, errlen, SD_ENOCERT, "peer certificate has expired");
		goto out;
	}
	memset(&item, 0, sizeof(item));
	item.bytes = rec;
	item.len = len;
	item.r = &r;
	if ((rc = store_apply(h->ctx.st, &item, 1, h->ctx.root, r.rec->seq - 1,
	         r.rec->seq)) != 0) {
		rc = sync_err(err, errlen, rc, "storing peer certificate: %s",
		    sd_strerror(rc));
		goto out;
	}
	if (item.result == 0 && (rc = sync_hub_refresh(h, h->ctx.root)) != 0)
		goto out;
	/* Whatever we hold now decides: revoked, or superseded by a newer
	 * certificate that is what counts. */
	rc = sync_ctx_cert_of(&h->ctx, s->peer, now, &known);
	if (rc == SD_EREVOKED)
		sync_err(err, errlen, rc, "peer's certificate is revoked");
	else if (rc != 0)
		sync_err(err, errlen, rc, "peer has no valid certificate");
	record_close(&known);
out:
	record_close(&r);
	return rc;
}

/*
 * Whether a batch all of whose records were held here, that no Want of
 * ours asked for, replays: it starts below a watermark this node has long
 * told the peer (an honest peer pushes from the watermark it last heard
 * of, and a push made before reading a digest may cross it).
 */
static int
sync_replayed(struct sync_session *s, const Sd__RecordBatch *b, uint64_t mark)
{
	struct sync_hub *h = s->hub;
	uint64_t now = sync_now(h), grace = sync_replay_grace(h), w;
	const struct sync_entry *e;

	if (now - s->certified_ms < grace)
		return 0;
	if ((e = sync_entry_find(h, b->origin.data)) == NULL)
		w = mark;
	else
		w = now - e->t_cur >= grace ? e->w : e->w_old;
	return b->from < w;
}

/* Catch-ups: a digest naming records this node lacks starts one, the
 * first digest naming none, or the batch after which none is lacking,
 * ends it (counted with its duration); a digest naming none means this
 * node is in sync with the peer now. */
static void
sync_catch_up(struct sync_session *s, int lagging)
{
	struct sync_hub *h = s->hub;
	uint64_t now = sync_now(h);

	if (lagging) {
		if (s->behind_ms == 0)
			s->behind_ms = now;
		return;
	}
	if (s->behind_ms != 0) {
		if (h->ctx.caught_up != NULL)
			h->ctx.caught_up(h->ctx.arg, now - s->behind_ms);
		s->behind_ms = 0;
	}
	s->synced_ms = now;
}

/* What a peer says it runs, kept for status: at most SYNC_SOFTWARE_MAX
 * bytes, printable ASCII (anything else '?'); NULL is "". */
static void
sync_software_copy(char *out, const char *in)
{
	size_t i;

	for (i = 0; in != NULL && in[i] != '\0' && i < SYNC_SOFTWARE_MAX; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
	out[i] = '\0';
}

/* Acts on m; 1 from a digest that names records this node lacks. */
static int
sync_dispatch(
    struct sync_session *s, struct sync_msg *m, char *err, size_t errlen)
{
	const Sd__PeerMsg *pm = m->m;
	int rc;

	if (!s->certified) {
		if (pm->m_case != SD__PEER_MSG__M_CERT)
			return sync_err(err, errlen, SD_EPROTO,
			    "the first message must be a certificate");
		if ((rc = sync_cert_check(
		         s, pm->cert.data, pm->cert.len, err, errlen)) != 0)
			return rc;
		s->certified = 1;
		/* What both ends speak. */
		s->caps = s->hub->ctx.caps & (pm->has_caps ? pm->caps : 0);
		sync_software_copy(s->software, pm->software);
		s->certified_ms = sync_now(s->hub);
		return sync_digest_send(s);
	}
	switch (pm->m_case) {
	case SD__PEER_MSG__M_DIGEST: return sync_on_digest(s, pm->digest);
	case SD__PEER_MSG__M_WANT: return sync_on_want(s, pm->want);
	case SD__PEER_MSG__M_MODE: return sync_on_mode(s, pm->mode);
	case SD__PEER_MSG__M_BATCH:
		/* Prepared only if the peer was certified then; it is now. */
		if (pm->batch->n_records > 0 && !m->ready && m->rs == NULL &&
		    (rc = sync_batch_prepare(&s->hub->ctx, m, err, errlen)) !=
		        0)
			return rc;
		return sync_batch_commit(s, m, err, errlen);
	default:
		/* A message of a later release (a field of the oneof this
		 * build has no name for): ignored, the peer kept. */
		return 0;
	}
}

int
sync_session_receive(
    struct sync_session *s, struct sync_msg *m, char *err, size_t errlen)
{
	struct sync_hub *h = s->hub;
	int rc, reason;

	err[0] = '\0';
	if (m->rc != 0)
		rc = sync_err(err, errlen, m->rc, "%s", m->err);
	else
		rc = sync_dispatch(s, m, err, errlen);
	if (rc == 1) {
		sync_catch_up(s, 1);
		rc = 0;
	} else if (rc == 0 && m->m->m_case == SD__PEER_MSG__M_DIGEST) {
		sync_catch_up(s, 0);
	} else if (rc == 0 && m->m->m_case == SD__PEER_MSG__M_BATCH &&
	    s->behind_ms != 0) {
		/* A catch-up ends with the batch that ends the lag, not at
		 * the next digest (a delta peer in sync sends one only every
		 * SYNC_IDLE_TICKS). */
		if ((rc = sync_wants_pass(s, NULL)) == 0)
			sync_catch_up(s, 0);
		rc = rc < 0 ? rc : 0;
	}
	if (rc == SYNC_STALE) {
		/* A batch of records all held already, not asked for. */
		const Sd__RecordBatch *b = m->m->batch;
		char o[HEX_SHORT + 1];
		rc = 0;
		if (sync_replayed(s, b, m->stale_mark)) {
			hex_short(b->origin.data, o);
			rc = sync_err(err, errlen, SD_EEXIST,
			    "replay: a batch of origin %s seqs (%llu, %llu], "
			    "all held here and told to it (watermark %llu)",
			    o, (unsigned long long)b->from,
			    (unsigned long long)b->to,
			    (unsigned long long)m->stale_mark);
			if (h->ctx.offence != NULL)
				h->ctx.offence(
				    h->ctx.arg, SYNC_REJ_REPLAY, s->peer);
			goto out;
		}
	}
	if (rc != 0) {
		if (err[0] == '\0')
			sync_err(err, errlen, rc, "%s", sd_strerror(rc));
		reason = sync_reject_reason(rc);
		if (s->certified && reason >= 0 && h->ctx.offence != NULL)
			h->ctx.offence(h->ctx.arg, reason, s->peer);
	}
out:
	sync_msg_free(m);
	return rc;
}

void
sync_session_stats(const struct sync_session *s, struct sync_stats *out)
{
	const struct sync_hub *h = s->hub;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->certified = s->certified;
	out->has_lag = s->has_digest;
	out->caps = s->caps;
	out->records_in = s->records_in;
	out->records_dup = s->records_dup;
	out->records_out = s->records_out;
	out->synced_ms = s->synced_ms;
	out->origins = s->nknown;
	memcpy(out->software, s->software, sizeof(out->software));
	if (!s->certified)
		return;
	/* Nobody is ahead of a node on its own records; the root's seqs
	 * may have gaps (it is synced as a set). */
	for (i = 0; i < s->nknown; i++) {
		const struct sync_mark *k = &s->known[i];
		uint64_t mine;
		if (sync_is_self(h, k->origin) || sync_is_root(h, k->origin))
			continue;
		mine = sync_hub_mark(h, k->origin);
		/* k->lag: its certificate is in force, so it can be had. */
		if (k->lag && k->w > mine)
			out->lag += k->w - mine;
	}
	for (i = 0; i < h->n; i++) {
		const struct sync_entry *e = &h->v[i];
		const struct sync_mark *k;
		uint64_t w = sync_mine_w(s, e); /* what it can have */
		if (memcmp(e->origin, s->peer, KEY_PUBLIC_BYTES) == 0 ||
		    sync_is_root(h, e->origin))
			continue;
		k = sync_known(s, e->origin);
		if (w > (k != NULL ? k->w : 0))
			out->peer_lag += w - (k != NULL ? k->w : 0);
	}
}
