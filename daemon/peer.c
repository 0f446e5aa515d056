#include "peer.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "stardust.pb-c.h"

#include "chan.h"
#include "err.h"
#include "frame.h"
#include "hs.h"
#include "sodium.h"
#include "sync.h"

struct peer;

struct dialer {
	uv_timer_t timer; /* first: reconnect timer */
	struct peers *ps;
	struct sockaddr_storage addr;
	char name[64];
	struct peer *conn;
	unsigned backoff_ms;
	int learned; /* from a certificate's address; key is the node's */
	int retired; /* its certificate is no longer in force: not dialled */
	uint8_t key[32];
};

/* This node's watermark of an origin as told to peers: the value now
 * (since t_cur) and an earlier one that every peer connected since has
 * been told. Watermarks only grow, so w_old <= w_cur. */
struct told {
	uint8_t origin[32];
	uint64_t w_old, w_cur, t_cur;
};

/* A change of this node's own records, from a request thread. */
struct pub_event {
	uint8_t origin[32];
	uint64_t from, to;
};

struct peers {
	uv_loop_t *loop;
	struct node *node;
	uv_tcp_t listener;
	int listening;
	uv_timer_t gossip;
	uv_async_t wake;
	struct peer *list;
	size_t nconns; /* all connections */
	size_t nin; /* inbound ones */
	size_t npending; /* inbound ones in their handshake */
	uint64_t shed_log_ms; /* when shedding was last logged */
	uint64_t shed_unlogged; /* shed since then */
	uint64_t unauth_window_ms; /* strangers' closes logged at info: */
	unsigned unauth_logged; /* how many in the window from then */
	struct dialer **dialers; /* configured first, then learned */
	size_t ndialers, capdialers;
	uint64_t root_w_scanned; /* root watermark at the last address scan */
	uint64_t snap_ms; /* when the last snapshot was taken */
	struct told *told; /* by origin; only origins whose watermark moved */
	size_t ntold, captold;
	unsigned ticks;
	pthread_mutex_t evlock; /* events, from request threads */
	struct pub_event *events;
	size_t nevents, capevents;
	int stopping;
	int open_handles; /* listener, gossip, wake, dialer timers */
};

enum { P_HANDSHAKE = 0, P_OPEN = 1 };

struct peer {
	uv_tcp_t tcp; /* first */
	uv_timer_t hs_timer;
	struct peers *ps;
	struct dialer *dialer; /* NULL for an inbound connection */
	struct peer *prev, *next;
	struct hs *hs;
	struct chan *ch;
	struct frame_reader fr;
	uint8_t id[32];
	char addr[64];
	int state;
	int certified;
	int inbound;
	int hs_slot; /* inbound, in its handshake: counted in npending */
	int inflight; /* messages on the thread pool (at most PEER_INFLIGHT) */
	int committing; /* the oldest of them is being committed */
	struct pwork *queue; /* those messages, oldest first */
	int closing;
	int handles; /* open libuv handles: tcp, hs_timer */
	size_t wqueue;
	uint64_t last_rx;
	uint64_t certified_ms; /* loop time when its certificate was taken */
	uint64_t behind_ms; /* loop time its digest first showed a lag; 0 */
	uint64_t synced_ms; /* epoch ms its digest last showed no lag; 0 */
	uint64_t bytes_in, bytes_out;
	uint64_t records_in, records_out;
	struct sync_pending pending; /* our Wants in flight; used by the work */
	struct sync_mark *known; /* the peer's watermarks: last digest, pushes */
	size_t nknown;
	int has_digest;
	uint8_t *mbuf; /* opened message */
	size_t mcap;
};

struct pwrite {
	uv_write_t req;
	struct peer *p;
	size_t len;
	uint8_t data[];
};

/* A received message: prepared (decoded, verified) on the thread pool,
 * then committed there, in arrival order, one at a time. */
struct pwork {
	uv_work_t req;
	struct peer *p;
	struct pwork *next;
	uint8_t *in;
	size_t len;
	int certified;
	int prepared;
	int rc;
	struct sync_msg *msg;
	struct sync_out out;
	char err[256];
};

/* While a batch is committed, the next one is verified. */
#define PEER_INFLIGHT 2

static void peer_close(struct peer *p, const char *why);
static void peer_drain(struct peer *p);
static void peers_maybe_free(struct peers *ps);
static void dialer_cb(uv_timer_t *t);
static void peer_next(struct peer *p);
static void peers_broadcast_digest(struct peers *ps);
static void peers_snapshot(struct peers *ps);
static void peers_advanced(struct peers *ps, const uint8_t origin[32],
    uint64_t from, uint64_t to, struct peer *src);

/* What the peer holds of origin, as far as this node knows. */
static struct sync_mark *
peer_known(struct peer *p, const uint8_t origin[32])
{
	size_t i;

	for (i = 0; i < p->nknown; i++)
		if (memcmp(p->known[i].origin, origin, 32) == 0)
			return &p->known[i];
	return NULL;
}

static void
peer_known_raise(struct peer *p, const uint8_t origin[32], uint64_t w)
{
	struct sync_mark *k = peer_known(p, origin), *nv;

	if (k != NULL) {
		if (w > k->w)
			k->w = w;
		return;
	}
	if ((nv = realloc(p->known, (p->nknown + 1) * sizeof(*nv))) == NULL)
		return; /* the next digest says it again */
	p->known = nv;
	memcpy(nv[p->nknown].origin, origin, 32);
	nv[p->nknown++].w = w;
}

/* Takes what handling a message learned about the peer. */
static void
peer_absorb(struct peer *p, struct sync_out *o)
{
	if (o->digest) {
		free(p->known);
		p->known = o->marks;
		p->nknown = o->nmarks;
		o->marks = NULL;
		o->nmarks = 0;
		p->has_digest = 1;
	}
	p->records_in += o->records_in;
	p->records_out += o->records_out;
	if (o->advanced)
		peer_known_raise(p, o->adv_origin, o->peer_to);
}

static void
peer_log_id(const struct peer *p, char out[17])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 8; i++) {
		out[2 * i] = hex[p->id[i] >> 4];
		out[2 * i + 1] = hex[p->id[i] & 15];
	}
	out[16] = '\0';
}

static void
peer_freed_cb(uv_handle_t *h)
{
	struct peer *p = h->data;
	struct peers *ps = p->ps;
	int opened;

	if (--p->handles > 0)
		return;
	if (p->prev)
		p->prev->next = p->next;
	else
		ps->list = p->next;
	if (p->next)
		p->next->prev = p->prev;
	ps->nconns--;
	if (p->inbound)
		ps->nin--;
	hs_free(p->hs);
	chan_free(p->ch);
	frame_reader_free(&p->fr);
	free(p->mbuf);
	free(p->known);
	sync_pending_free(&p->pending);
	opened = p->state == P_OPEN;
	free(p);
	if (ps->stopping)
		peers_maybe_free(ps);
	else if (opened)
		peers_snapshot(ps);
}

static void
dialer_schedule(struct dialer *d)
{
	unsigned jitter, delay;

	if (d->ps->stopping || d->retired)
		return;
	jitter = randombytes_uniform(d->backoff_ms / 2 + 1);
	delay = d->backoff_ms * 3 / 4 + jitter;
	uv_timer_start(&d->timer, dialer_cb, delay, 0);
	d->backoff_ms *= 2;
	if (d->backoff_ms > PEER_BACKOFF_MAX_MS)
		d->backoff_ms = PEER_BACKOFF_MAX_MS;
}

/* The level for closing a stranger that never authenticated: info for
 * the first PEER_UNAUTH_LOG_MAX in a PEER_SHED_LOG_MS window, then debug
 * (a flood would drown the log; status counts them all). */
static int
peers_unauth_level(struct peers *ps)
{
	uint64_t now = uv_now(ps->loop);

	if (now - ps->unauth_window_ms >= PEER_SHED_LOG_MS) {
		ps->unauth_window_ms = now;
		ps->unauth_logged = 0;
	}
	if (ps->unauth_logged >= PEER_UNAUTH_LOG_MAX)
		return SDLOG_DEBUG;
	if (++ps->unauth_logged == PEER_UNAUTH_LOG_MAX)
		node_log(ps->node, SDLOG_INFO,
		    "peer: more unauthenticated connections closed in this "
		    "%d s are logged at debug level only",
		    PEER_SHED_LOG_MS / 1000);
	return SDLOG_INFO;
}

/* An inbound connection leaves the handshake slots (done or closed). */
static void
peer_unpend(struct peer *p)
{
	if (p->hs_slot) {
		p->hs_slot = 0;
		p->ps->npending--;
	}
}

static void
peer_close(struct peer *p, const char *why)
{
	int unauth = p->inbound && p->state == P_HANDSHAKE;

	if (p->closing)
		return;
	p->closing = 1;
	peer_unpend(p);
	if (unauth && why != NULL && !p->ps->stopping)
		node_unauth_count(p->ps->node, 1, 0);
	if (why != NULL) {
		char id[17];
		peer_log_id(p, id);
		node_log(p->ps->node, unauth ? peers_unauth_level(p->ps)
		                             : SDLOG_INFO,
		    "peer %s (%s): closed: %s", p->certified ? id : "?",
		    p->addr, why);
	}
	if (p->dialer != NULL) {
		p->dialer->conn = NULL;
		dialer_schedule(p->dialer);
		p->dialer = NULL;
	}
	if (p->inflight > 0) {
		peer_drain(p); /* closed when the last work comes back */
		return;
	}
	uv_close((uv_handle_t *)&p->hs_timer, peer_freed_cb);
	uv_close((uv_handle_t *)&p->tcp, peer_freed_cb);
}

/* Frees a work that came back to a closing connection; the last one
 * closes it. */
static void
peer_work_drop(struct peer *p, struct pwork *w)
{
	struct pwork **pp;

	for (pp = &p->queue; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	free(w->in);
	sync_msg_free(w->msg);
	sync_out_free(&w->out);
	free(w);
	if (--p->inflight == 0) {
		uv_close((uv_handle_t *)&p->hs_timer, peer_freed_cb);
		uv_close((uv_handle_t *)&p->tcp, peer_freed_cb);
	}
}

/* On a closing connection: drops every work that is back from the pool
 * (prepared, and not the one being committed). */
static void
peer_drain(struct peer *p)
{
	struct pwork *w, *next;

	for (w = p->queue; w != NULL; w = next) {
		next = w->next;
		if (w->prepared && !(p->committing && w == p->queue))
			peer_work_drop(p, w);
	}
}

static void
peer_write_cb(uv_write_t *req, int status)
{
	struct pwrite *w = (struct pwrite *)req;
	struct peer *p = w->p;

	p->wqueue -= w->len;
	free(w);
	if (status != 0)
		peer_close(p, "write failed");
}

/* Whether len more bytes may be queued for the peer; if not, the peer
 * (which is not reading) is dropped. */
static int
peer_fits(struct peer *p, size_t len)
{
	if (p->closing)
		return SD_EPROTO;
	if (p->wqueue + len > PEER_WQUEUE_MAX) {
		peer_close(p, "output queue full (peer not reading)");
		return SD_ETOOBIG;
	}
	return 0;
}

/* Writes w->data[0, len) to the peer; takes w. */
static int
peer_submit(struct peer *p, struct pwrite *w, size_t len)
{
	uv_buf_t buf;

	w->p = p;
	w->len = len;
	buf = uv_buf_init((char *)w->data, (unsigned int)len);
	if (uv_write(&w->req, (uv_stream_t *)&p->tcp, &buf, 1, peer_write_cb) !=
	    0) {
		free(w);
		peer_close(p, "write failed");
		return SD_EPROTO;
	}
	p->wqueue += len;
	p->bytes_out += len;
	return 0;
}

/* Queues len bytes (a whole frame) for the peer. */
static int
peer_write_raw(struct peer *p, const uint8_t *data, size_t len)
{
	struct pwrite *w;
	int rc;

	if ((rc = peer_fits(p, len)) != 0)
		return rc;
	if ((w = malloc(sizeof(*w) + len)) == NULL)
		return -ENOMEM;
	memcpy(w->data, data, len);
	return peer_submit(p, w, len);
}

/* A handshake message in a plain frame. */
static int
peer_write_frame(struct peer *p, const uint8_t *m, size_t len)
{
	uint8_t buf[FRAME_HEADER_BYTES + HS_MSG_MAX];

	if (len > HS_MSG_MAX)
		return SD_ETOOBIG;
	frame_header(len, buf);
	memcpy(buf + FRAME_HEADER_BYTES, m, len);
	return peer_write_raw(p, buf, FRAME_HEADER_BYTES + len);
}

/* A sync message, sealed. */
static int
peer_send(struct peer *p, const uint8_t *m, size_t len)
{
	struct pwrite *w;
	size_t outlen;
	int rc;

	if (p->ch == NULL)
		return SD_EPROTO;
	if ((rc = peer_fits(p, CHAN_SEALED_BYTES(len))) != 0)
		return rc;
	if ((w = malloc(sizeof(*w) + CHAN_SEALED_BYTES(len))) == NULL)
		return -ENOMEM;
	if ((rc = chan_seal(p->ch, m, len, 0, w->data, CHAN_SEALED_BYTES(len),
	         &outlen)) != 0) {
		free(w);
		peer_close(p, "sealing failed");
		return rc;
	}
	return peer_submit(p, w, outlen);
}

static void
peer_send_out(struct peer *p, struct sync_out *o)
{
	size_t i;

	for (i = 0; i < o->n && !p->closing; i++)
		peer_send(p, o->msg[i], o->len[i]);
}

static void
pwork_prepare_cb(uv_work_t *req)
{
	struct pwork *w = (struct pwork *)req;

	w->rc = sync_prepare(w->p->ps->node, w->certified, w->in, w->len,
	    &w->msg, w->err, sizeof(w->err));
}

static void
pwork_commit_cb(uv_work_t *req)
{
	struct pwork *w = (struct pwork *)req;

	if (w->rc == 0)
		w->rc = sync_commit(w->p->ps->node, w->p->id, &w->certified,
		    &w->p->pending, w->msg, &w->out, w->err, sizeof(w->err));
}

static void pwork_commit_after_cb(uv_work_t *req, int status);

/* Commits the oldest message once it is prepared. */
static void
peer_pump(struct peer *p)
{
	struct pwork *w = p->queue;

	if (p->closing || p->committing || w == NULL || !w->prepared)
		return;
	/* Committed with what is known now: the messages before it may
	 * have certified the peer. */
	w->certified = p->certified;
	p->committing = 1;
	if (uv_queue_work(p->ps->loop, &w->req, pwork_commit_cb,
	        pwork_commit_after_cb) != 0) {
		peer_close(p, "cannot queue work"); /* drains the others */
		p->committing = 0;
		peer_work_drop(p, w);
	}
}

static void
pwork_prepare_after_cb(uv_work_t *req, int status)
{
	struct pwork *w = (struct pwork *)req;
	struct peer *p = w->p;

	if (status != 0 && w->rc == 0)
		w->rc = SD_EPROTO;
	w->prepared = 1;
	if (p->closing) {
		peer_work_drop(p, w);
		return;
	}
	peer_pump(p);
}

/* How long a watermark must have been held before a peer is taken to
 * know it: every peer is sent a digest each gossip_ms, and a push it
 * made before reading it may cross it on the way. */
static uint64_t
peers_replay_grace(const struct peers *ps)
{
	uint64_t g = (uint64_t)ps->node->cfg->gossip_ms * 5u;

	return g > PEER_REPLAY_GRACE_MS ? g : PEER_REPLAY_GRACE_MS;
}

static struct told *
peers_told_find(const struct peers *ps, const uint8_t origin[32], size_t *at)
{
	size_t lo = 0, hi = ps->ntold;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(ps->told[mid].origin, origin, 32);
		if (c == 0) {
			*at = mid;
			return &ps->told[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return NULL;
}

/* origin's watermark here moved from `from` to `to`. */
static void
peers_told_moved(struct peers *ps, const uint8_t origin[32], uint64_t from,
    uint64_t to)
{
	uint64_t now = uv_now(ps->loop);
	struct told *t;
	size_t at;

	if ((t = peers_told_find(ps, origin, &at)) == NULL) {
		if (ps->ntold == ps->captold) {
			size_t ncap = ps->captold ? ps->captold * 2 : 16;
			struct told *nv = realloc(ps->told, ncap * sizeof(*nv));
			if (nv == NULL)
				return; /* replays of it go uncounted */
			ps->told = nv;
			ps->captold = ncap;
		}
		memmove(&ps->told[at + 1], &ps->told[at],
		    (ps->ntold - at) * sizeof(*t));
		ps->ntold++;
		t = &ps->told[at];
		memcpy(t->origin, origin, 32);
		/* Held since before the start, or at least since this call. */
		t->w_old = t->w_cur = from;
		t->t_cur = 0;
	}
	if (now - t->t_cur >= peers_replay_grace(ps))
		t->w_old = t->w_cur;
	t->w_cur = to;
	t->t_cur = now;
}

/* Whether the stale batch in o (records all held here, not asked for)
 * started below a watermark this peer had long been told: a replay. An
 * honest peer pushes from the watermark it last heard of. */
static int
peer_replayed(const struct peer *p, const struct sync_out *o)
{
	const struct peers *ps = p->ps;
	uint64_t now = uv_now(ps->loop), grace = peers_replay_grace(ps), w;
	const struct told *t;
	size_t at;

	if (!o->stale || now - p->certified_ms < grace)
		return 0;
	if ((t = peers_told_find(ps, o->stale_origin, &at)) == NULL)
		w = o->stale_mark; /* unmoved since the start */
	else
		w = now - t->t_cur >= grace ? t->w_cur : t->w_old;
	return o->stale_from < w;
}

/* Catch-ups: a digest naming records this node lacks starts one, the
 * first naming none ends it (counted with its duration); a digest naming
 * none means this node is in sync with p now. */
static void
peer_catch_up(struct peer *p, const struct sync_out *o)
{
	uint64_t now = uv_now(p->ps->loop);

	if (!o->digest)
		return;
	if (o->lagging) {
		if (p->behind_ms == 0)
			p->behind_ms = now;
		return;
	}
	if (p->behind_ms != 0) {
		node_sync_done(p->ps->node, now - p->behind_ms);
		p->behind_ms = 0;
	}
	p->synced_ms = record_now_ms();
}

static void
pwork_commit_after_cb(uv_work_t *req, int status)
{
	struct pwork *w = (struct pwork *)req;
	struct peer *p = w->p;
	struct peers *ps = p->ps;
	int advanced = status == 0 && w->rc == 0 && w->out.advanced;
	uint8_t origin[32];
	uint64_t from = w->out.adv_from, to = w->out.adv_to;
	int replay = 0;

	memcpy(origin, w->out.adv_origin, 32);
	/* w stays "being committed" until it is unlinked, so that a close
	 * meanwhile (a failed write) does not free it under us. */
	if (p->closing) {
		p->committing = 0;
		peer_work_drop(p, w);
		peer_drain(p);
		return;
	}
	if (status == 0 && w->rc == 0 && p->certified &&
	    peer_replayed(p, &w->out)) {
		const uint8_t *o = w->out.stale_origin;
		replay = 1;
		w->rc = SD_EEXIST;
		snprintf(w->err, sizeof(w->err),
		    "replay: a batch of origin %02x%02x%02x%02x%02x%02x%02x%02x "
		    "seqs (%llu, %llu], all held here and told to it (watermark "
		    "%llu)",
		    o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7],
		    (unsigned long long)w->out.stale_from,
		    (unsigned long long)w->out.stale_to,
		    (unsigned long long)w->out.stale_mark);
	}
	if (status != 0 || w->rc != 0) {
		char why[300], id[17];
		snprintf(why, sizeof(why), "refused: %s",
		    w->err[0] ? w->err : sd_strerror(w->rc));
		if (p->certified) {
			peer_log_id(p, id);
			node_log(ps->node, SDLOG_WARN, "peer %s (%s): %s", id,
			    p->addr, why);
			node_reject(ps->node,
			    replay ? NODE_REJ_REPLAY
			           : node_reject_reason(w->rc),
			    p->id);
		} else {
			node_log(ps->node, SDLOG_WARN, "peer %s: %s", p->addr,
			    why);
		}
		peer_close(p, why); /* drains the others */
		p->committing = 0;
		peer_work_drop(p, w);
		return;
	}
	if (!p->certified && w->certified) {
		char id[17];
		peer_log_id(p, id);
		node_log(ps->node, SDLOG_INFO, "peer %s (%s): certified", id,
		    p->addr);
		if (p->dialer != NULL)
			p->dialer->backoff_ms = PEER_BACKOFF_MIN_MS;
		p->certified = 1;
		p->certified_ms = uv_now(ps->loop);
		peers_snapshot(ps);
	}
	if (w->out.equivocations > 0) {
		char id[17];
		const uint8_t *o = w->out.equiv_origin;
		peer_log_id(p, id);
		node_log(ps->node, SDLOG_WARN,
		    "peer %s (%s): equivocation: origin "
		    "%02x%02x%02x%02x%02x%02x%02x%02x seq %llu has another "
		    "record here; the first is kept (%llu in this batch)",
		    id, p->addr, o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7],
		    (unsigned long long)w->out.equiv_seq,
		    (unsigned long long)w->out.equivocations);
		node_reject(ps->node, NODE_REJ_EQUIVOCATION, p->id);
	}
	peer_catch_up(p, &w->out);
	peer_absorb(p, &w->out);
	peer_send_out(p, &w->out);
	p->committing = 0;
	p->queue = w->next;
	p->inflight--;
	free(w->in);
	sync_msg_free(w->msg);
	sync_out_free(&w->out);
	free(w);
	if (advanced)
		peers_advanced(ps, origin, from, to, p);
	/* During a sync, status shows progress four times a second. */
	if (uv_now(ps->loop) - ps->snap_ms >= 250)
		peers_snapshot(ps);
	if (p->closing) {
		if (p->inflight == 0) {
			p->closing = 0;
			peer_close(p, NULL);
		} else {
			peer_drain(p);
		}
		return;
	}
	peer_pump(p);
	peer_next(p);
}

/* Whether another message may go to the thread pool: one at a time
 * until the peer is certified (nothing is verified for a stranger). */
static int
peer_room(const struct peer *p)
{
	return p->inflight < (p->certified ? PEER_INFLIGHT : 1);
}

/* Handles one received frame payload. */
static int
peer_frame(struct peer *p, const uint8_t *in, size_t len)
{
	uint8_t out[HS_MSG_MAX], hello[CHAN_HELLO_BYTES];
	const uint8_t *tx, *rx;
	struct sync_out o = { 0 };
	struct pwork *w;
	size_t outlen = 0, mlen = 0;
	int rc;

	p->last_rx = uv_now(p->ps->loop);
	if (p->state == P_HANDSHAKE) {
		rc = hs_step(p->hs, in, len, out, sizeof(out), &outlen);
		if (rc == SD_EVERSION && p->dialer == NULL) {
			uint8_t refusal[HS_REFUSAL_BYTES];
			hs_refusal(refusal);
			peer_write_frame(p, refusal, sizeof(refusal));
		}
		if (rc < 0) {
			peer_close(p,
			    rc == SD_ESIG ? "handshake refused (wrong network "
			                    "key or identity)"
			                  : sd_strerror(rc));
			return rc;
		}
		if (outlen > 0 && peer_write_frame(p, out, outlen) != 0)
			return SD_EPROTO;
		if (rc == 0)
			return 0;
		/* Complete: who is it, then the encrypted channel. */
		if (hs_peer(p->hs, p->id) != 0 ||
		    hs_keys(p->hs, &tx, &rx) != 0 ||
		    memcmp(p->id, p->ps->node->key->pk, 32) == 0) {
			peer_close(p, "connected to itself");
			return SD_EPROTO;
		}
		if ((rc = chan_new(tx, rx, hello, &p->ch)) != 0) {
			peer_close(p, "out of memory");
			return rc;
		}
		hs_free(p->hs);
		p->hs = NULL;
		uv_timer_stop(&p->hs_timer);
		peer_unpend(p);
		p->state = P_OPEN;
		p->fr.max = CHAN_FRAME_MAX;
		if (peer_write_raw(p, hello, sizeof(hello)) != 0)
			return SD_EPROTO;
		if ((rc = sync_hello(p->ps->node, &o)) != 0) {
			peer_close(p, "this node has no valid certificate");
			return rc;
		}
		peer_send_out(p, &o);
		sync_out_free(&o);
		return 0;
	}
	if (len > p->mcap) {
		uint8_t *nb = realloc(p->mbuf, len);
		if (nb == NULL) {
			peer_close(p, "out of memory");
			return -ENOMEM;
		}
		p->mbuf = nb;
		p->mcap = len;
	}
	rc = chan_open(p->ch, in, len, p->mbuf, p->mcap, &mlen);
	if (rc == CHAN_HELLO)
		return 0;
	if (rc == CHAN_FINAL) {
		peer_close(p, "peer said goodbye");
		return 1;
	}
	if (rc != CHAN_MESSAGE) {
		peer_close(p,
		    rc == SD_ESIG ? "frame does not authenticate"
		                  : "bad frame");
		return rc;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->in = malloc(mlen ? mlen : 1)) == NULL) {
		free(w);
		peer_close(p, "out of memory");
		return -ENOMEM;
	}
	memcpy(w->in, p->mbuf, mlen);
	w->len = mlen;
	w->p = p;
	w->certified = p->certified;
	if (uv_queue_work(p->ps->loop, &w->req, pwork_prepare_cb,
	        pwork_prepare_after_cb) != 0) {
		free(w->in);
		free(w);
		peer_close(p, "cannot queue work");
		return SD_EPROTO;
	}
	/* Appended to the connection's queue: committed in this order. */
	{
		struct pwork **pp = &p->queue;
		while (*pp != NULL)
			pp = &(*pp)->next;
		*pp = w;
	}
	p->inflight++;
	return peer_room(p) ? 0 : 1; /* 1: wait for the work */
}

static void peer_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void peer_read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

/* Handles buffered frames until one goes to the thread pool. */
static void
peer_next(struct peer *p)
{
	const uint8_t *f;
	size_t len;
	int rc;

	while (!p->closing && peer_room(p)) {
		rc = frame_reader_next(&p->fr, &f, &len);
		if (rc < 0) {
			if (p->certified)
				node_reject(p->ps->node, NODE_REJ_MALFORMED,
				    p->id);
			peer_close(p, "frame above the maximum");
			return;
		}
		if (rc == 0) {
			uv_read_start((uv_stream_t *)&p->tcp, peer_alloc_cb,
			    peer_read_cb);
			return;
		}
		if (peer_frame(p, f, len) != 0)
			break;
	}
	if (!peer_room(p) && !p->closing)
		uv_read_stop((uv_stream_t *)&p->tcp);
}

static void
peer_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)h;
	(void)suggested;
	buf->base = malloc(65536);
	buf->len = buf->base ? 65536 : 0;
}

static void
peer_read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct peer *p = (struct peer *)s;

	if (n < 0) {
		free(buf->base);
		peer_close(
		    p, n == UV_EOF ? "connection closed" : uv_strerror((int)n));
		return;
	}
	p->bytes_in += (uint64_t)(n > 0 ? n : 0);
	if (n > 0 &&
	    frame_reader_feed(&p->fr, (uint8_t *)buf->base, (size_t)n) != 0) {
		free(buf->base);
		if (p->certified)
			node_reject(p->ps->node, NODE_REJ_MALFORMED, p->id);
		peer_close(p, "frame above the maximum");
		return;
	}
	free(buf->base);
	peer_next(p);
}

static void
peer_hs_timeout_cb(uv_timer_t *t)
{
	struct peer *p = t->data;

	peer_close(p, "handshake timed out");
}

static struct peer *
peer_new(struct peers *ps, int role)
{
	struct peer *p;

	if ((role == HS_SERVER && ps->nin >= PEER_CONNS_MAX) ||
	    (p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->ps = ps;
	p->tcp.data = p;
	p->hs_timer.data = p;
	frame_reader_init(&p->fr, HS_FRAME_MAX);
	if (hs_new(role, ps->node->key, ps->node->cfg->root_key, &p->hs) != 0) {
		free(p);
		return NULL;
	}
	uv_tcp_init(ps->loop, &p->tcp);
	uv_timer_init(ps->loop, &p->hs_timer);
	p->handles = 2;
	p->next = ps->list;
	if (ps->list)
		ps->list->prev = p;
	ps->list = p;
	ps->nconns++;
	if (role == HS_SERVER) {
		p->inbound = p->hs_slot = 1;
		ps->nin++;
		ps->npending++;
	}
	p->last_rx = uv_now(ps->loop);
	uv_timer_start(&p->hs_timer, peer_hs_timeout_cb, PEER_HS_TIMEOUT_MS, 0);
	return p;
}

static void
peers_free_handle_cb(uv_handle_t *h)
{
	free(h);
}

/* Every handshake slot is taken: closes the oldest inbound connection
 * still in its handshake (the list is newest first), so a newcomer that
 * authenticates promptly always gets in. */
static void
peers_shed(struct peers *ps)
{
	struct peer *p, *oldest = NULL;
	uint64_t now = uv_now(ps->loop);

	for (p = ps->list; p != NULL; p = p->next)
		if (p->hs_slot && !p->closing)
			oldest = p;
	if (oldest == NULL)
		return;
	peer_close(oldest, NULL);
	node_unauth_count(ps->node, 0, 1);
	ps->shed_unlogged++;
	if (ps->shed_log_ms == 0 || now - ps->shed_log_ms >= PEER_SHED_LOG_MS) {
		node_log(ps->node, SDLOG_WARN,
		    "peer: every handshake slot (%d) taken: %" PRIu64
		    " unauthenticated connection%s shed since the last "
		    "report",
		    PEER_PENDING_MAX, ps->shed_unlogged,
		    ps->shed_unlogged == 1 ? "" : "s");
		ps->shed_log_ms = now;
		ps->shed_unlogged = 0;
	}
}

static void
peers_accept_cb(uv_stream_t *server, int status)
{
	struct peers *ps = server->data;
	struct sockaddr_storage ss;
	int sl = sizeof(ss);
	struct peer *p;

	if (status != 0 || ps->stopping)
		return;
	if (ps->npending >= PEER_PENDING_MAX)
		peers_shed(ps);
	if ((p = peer_new(ps, HS_SERVER)) == NULL) {
		uv_tcp_t *tmp = malloc(sizeof(*tmp));
		/* Over the connection cap: accept and drop at once. */
		if (tmp == NULL)
			return;
		uv_tcp_init(ps->loop, tmp);
		if (uv_accept(server, (uv_stream_t *)tmp) == 0)
			node_log(
			    ps->node, SDLOG_WARN, "peer: too many connections");
		uv_close((uv_handle_t *)tmp, peers_free_handle_cb);
		return;
	}
	if (uv_accept(server, (uv_stream_t *)&p->tcp) != 0) {
		peer_close(p, NULL);
		return;
	}
	if (uv_tcp_getpeername(&p->tcp, (struct sockaddr *)&ss, &sl) == 0) {
		char ip[48];
		int port = 0;
		if (ss.ss_family == AF_INET) {
			uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof(ip));
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		} else {
			uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof(ip));
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		}
		snprintf(p->addr, sizeof(p->addr), "%s:%d", ip, port);
	}
	uv_tcp_nodelay(&p->tcp, 1);
	peer_next(p);
}

struct pconnect {
	uv_connect_t req;
	struct peer *p;
};

static void
peer_connect_cb(uv_connect_t *req, int status)
{
	struct pconnect *c = (struct pconnect *)req;
	struct peer *p = c->p;
	uint8_t out[HS_MSG_MAX];
	size_t outlen = 0;

	free(c);
	if (p->closing)
		return;
	if (status != 0) {
		peer_close(p, NULL);
		return;
	}
	uv_tcp_nodelay(&p->tcp, 1);
	if (hs_step(p->hs, NULL, 0, out, sizeof(out), &outlen) != 0 ||
	    peer_write_frame(p, out, outlen) != 0) {
		peer_close(p, "handshake failed to start");
		return;
	}
	peer_next(p);
}

static void
dialer_cb(uv_timer_t *t)
{
	struct dialer *d = (struct dialer *)t;
	struct peers *ps = d->ps;
	struct pconnect *c;
	struct peer *p;

	if (ps->stopping || d->conn != NULL || d->retired)
		return;
	if (d->learned) {
		/* Already connected to that node (it dialled us): not twice. */
		for (p = ps->list; p != NULL; p = p->next)
			if (p->state == P_OPEN && !p->closing &&
			    memcmp(p->id, d->key, 32) == 0) {
				dialer_schedule(d);
				return;
			}
	}
	if ((p = peer_new(ps, HS_CLIENT)) == NULL) {
		dialer_schedule(d);
		return;
	}
	snprintf(p->addr, sizeof(p->addr), "%s", d->name);
	p->dialer = d;
	d->conn = p;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		peer_close(p, NULL);
		return;
	}
	c->p = p;
	if (uv_tcp_connect(&c->req, &p->tcp, (struct sockaddr *)&d->addr,
	        peer_connect_cb) != 0) {
		free(c);
		peer_close(p, NULL);
	}
}

static void
peers_broadcast_digest(struct peers *ps)
{
	struct sync_out o = { 0 };
	struct peer *p;

	if (ps->stopping || sync_digest(ps->node, &o) != 0 || o.n == 0)
		goto out;
	for (p = ps->list; p != NULL; p = p->next)
		if (p->certified && !p->closing)
			peer_send(p, o.msg[0], o.len[0]);
out:
	sync_out_free(&o);
}

/*
 * origin's watermark moved from `from` to `to` here (a batch from src, or
 * this node's own records when src is NULL). Peers known to hold exactly
 * `from` get the records at once (a small change); others that may lack
 * them get a digest, and ask.
 */
static void
peers_advanced(struct peers *ps, const uint8_t origin[32], uint64_t from,
    uint64_t to, struct peer *src)
{
	struct sync_out push = { 0 }, dig = { 0 };
	struct peer *p;
	int pushable = -1;

	if (ps->stopping)
		return;
	peers_told_moved(ps, origin, from, to);
	for (p = ps->list; p != NULL; p = p->next) {
		struct sync_mark *k;
		uint64_t w;
		if (!p->certified || p->closing || p == src)
			continue;
		k = peer_known(p, origin);
		w = k != NULL ? k->w : p->has_digest ? 0 : UINT64_MAX;
		if (w != UINT64_MAX && w >= to)
			continue; /* it has them */
		if (w == from) {
			if (pushable < 0)
				pushable =
				    sync_push(ps->node, origin, from, to,
				        &push) == 1;
			if (pushable == 1 &&
			    peer_send(p, push.msg[0], push.len[0]) == 0) {
				p->records_out += push.records_out;
				peer_known_raise(p, origin, to);
				continue;
			}
		}
		if (dig.n == 0 && sync_digest(ps->node, &dig) != 0)
			continue;
		peer_send(p, dig.msg[0], dig.len[0]);
	}
	sync_out_free(&push);
	sync_out_free(&dig);
}

struct own_marks {
	struct sync_mark *v;
	size_t n, cap;
};

static int
peers_mark_cb(void *arg, const uint8_t *origin, uint64_t w)
{
	struct own_marks *om = arg;

	if (om->n == om->cap) {
		size_t ncap = om->cap ? om->cap * 2 : 32;
		struct sync_mark *nv = realloc(om->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return -ENOMEM;
		om->v = nv;
		om->cap = ncap;
	}
	memcpy(om->v[om->n].origin, origin, 32);
	om->v[om->n++].w = w;
	return 0;
}

/* This node's watermark of origin in om (in origin order), 0 if none. */
static uint64_t
peers_own_w(const struct own_marks *om, const uint8_t origin[32])
{
	size_t lo = 0, hi = om->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(om->v[mid].origin, origin, 32);
		if (c == 0)
			return om->v[mid].w;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* How far apart this node and peer p are, from p's last digest. */
static void
peers_lag(struct peers *ps, const struct own_marks *om, struct peer *p,
    struct node_peer *np)
{
	size_t i;

	np->has_lag = p->has_digest;
	for (i = 0; i < p->nknown; i++) {
		uint64_t mine = peers_own_w(om, p->known[i].origin);
		/* Nobody is ahead of a node on its own records; the root's
		 * seqs may have gaps (it is synced as a set). */
		if (memcmp(p->known[i].origin, ps->node->key->pk, 32) == 0 ||
		    memcmp(p->known[i].origin, ps->node->cfg->root_key, 32) ==
		        0)
			continue;
		if (p->known[i].w > mine)
			np->lag += p->known[i].w - mine;
	}
	for (i = 0; i < om->n; i++) {
		struct sync_mark *k = peer_known(p, om->v[i].origin);
		uint64_t theirs = k != NULL ? k->w : 0;
		if (memcmp(om->v[i].origin, p->id, 32) == 0 ||
		    memcmp(om->v[i].origin, ps->node->cfg->root_key, 32) == 0)
			continue;
		if (om->v[i].w > theirs)
			np->peer_lag += om->v[i].w - theirs;
	}
}

/* Publishes who is connected, for `stardust status` and `peers`. */
static void
peers_snapshot(struct peers *ps)
{
	struct own_marks om = { 0 };
	struct node_peer *v;
	struct peer *p;
	size_t cnt = ps->nconns + ps->ndialers, i = 0, d;
	uint64_t now = uv_now(ps->loop);

	if (ps->stopping)
		return;
	if ((v = calloc(cnt + 1, sizeof(*v))) == NULL)
		return;
	ps->snap_ms = now;
	if (store_marks(ps->node->st, peers_mark_cb, &om) != 0)
		om.n = 0;
	for (p = ps->list; p != NULL && i < cnt; p = p->next, i++) {
		snprintf(v[i].addr, sizeof(v[i].addr), "%s", p->addr);
		snprintf(v[i].state, sizeof(v[i].state), "%s",
		    p->closing               ? "closing"
		        : p->certified       ? "certified"
		        : p->state == P_OPEN ? "open"
		                             : "handshake");
		if (p->state == P_OPEN) {
			memcpy(v[i].key, p->id, 32);
			v[i].has_key = 1;
		}
		v[i].idle_ms = now - p->last_rx;
		v[i].bytes_in = p->bytes_in;
		v[i].bytes_out = p->bytes_out;
		v[i].records_in = p->records_in;
		v[i].records_out = p->records_out;
		v[i].outbound = p->dialer != NULL;
		v[i].learned = p->dialer != NULL && p->dialer->learned;
		if (p->certified)
			peers_lag(ps, &om, p, &v[i]);
		v[i].synced_ms = p->synced_ms;
	}
	for (d = 0; d < ps->ndialers && i < cnt; d++) {
		const struct dialer *dl = ps->dialers[d];
		if (dl->conn != NULL)
			continue;
		snprintf(v[i].addr, sizeof(v[i].addr), "%s", dl->name);
		snprintf(v[i].state, sizeof(v[i].state), "%s",
		    dl->retired ? "retired" : "down");
		v[i].outbound = 1;
		v[i].learned = dl->learned;
		if (dl->learned) {
			memcpy(v[i].key, dl->key, 32);
			v[i].has_key = 1;
		}
		i++;
	}
	free(om.v);
	node_peers_set(ps->node, v, i);
}

/* A dialer for addr (numeric ip:port), started at once. */
static struct dialer *
peers_dialer_add(struct peers *ps, const char *addr, const uint8_t *key)
{
	struct dialer *d;

	if (ps->ndialers == ps->capdialers) {
		size_t ncap = ps->capdialers ? ps->capdialers * 2 : 8;
		struct dialer **nv =
		    realloc(ps->dialers, ncap * sizeof(*nv));
		if (nv == NULL)
			return NULL;
		ps->dialers = nv;
		ps->capdialers = ncap;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if (config_addr_parse(addr, &d->addr) != 0) {
		free(d);
		return NULL;
	}
	d->ps = ps;
	snprintf(d->name, sizeof(d->name), "%s", addr);
	d->backoff_ms = PEER_BACKOFF_MIN_MS;
	if (key != NULL) {
		d->learned = 1;
		memcpy(d->key, key, 32);
	}
	uv_timer_init(ps->loop, &d->timer);
	ps->dialers[ps->ndialers++] = d;
	ps->open_handles++;
	uv_timer_start(&d->timer, dialer_cb, 0, 0);
	return d;
}

struct learn {
	uint8_t (*keys)[32];
	size_t n, cap;
};

static int
peers_learn_cb(void *arg, const uint8_t *rec, size_t len)
{
	struct learn *l = arg;
	Sd__SignedRecord *sr;
	Sd__RecordBody *b = NULL;
	size_t i;
	int rc = 0;

	if ((sr = sd__signed_record__unpack(NULL, len, rec)) == NULL)
		return 0;
	b = sd__record_body__unpack(NULL, sr->body.len, sr->body.data);
	if (b == NULL || b->kind_case != SD__RECORD_BODY__KIND_NODE_CERT ||
	    b->node_cert->node_key.len != 32)
		goto out;
	for (i = 0; i < l->n; i++)
		if (memcmp(l->keys[i], b->node_cert->node_key.data, 32) == 0)
			goto out;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		void *nv = realloc(l->keys, ncap * sizeof(*l->keys));
		if (nv == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		l->keys = nv;
		l->cap = ncap;
	}
	memcpy(l->keys[l->n++], b->node_cert->node_key.data, 32);
out:
	if (b != NULL)
		sd__record_body__free_unpacked(b, NULL);
	sd__signed_record__free_unpacked(sr, NULL);
	return rc;
}

/*
 * Dials nodes whose certificates (held here) name an address, while this
 * node has fewer than max_outbound outbound peers; retires learned
 * dialers whose certificate is revoked or expired. Runs when the root's
 * watermark moved, and every fifth gossip tick (root records may arrive
 * above a gap, without moving the watermark).
 */
static void
peers_learn(struct peers *ps)
{
	struct node *n = ps->node;
	struct learn l = { 0 };
	uint64_t rw;
	size_t i, d, active = 0;

	if (store_mark(n->st, n->cfg->root_key, &rw) != 0 ||
	    (rw == ps->root_w_scanned && ps->ticks % 5 != 0))
		return;
	ps->root_w_scanned = rw;
	/* Every root record held, gaps or not. */
	if (store_range(n->st, n->cfg->root_key, 0, UINT64_MAX, peers_learn_cb,
	        &l) < 0)
		goto out;
	for (d = 0; d < ps->ndialers; d++)
		active += !ps->dialers[d]->retired;
	for (i = 0; i < l.n; i++) {
		struct record cert = { 0 };
		struct dialer *dl = NULL;
		const Sd__NodeCert *nc;
		struct peer *p;
		int ok;
		if (memcmp(l.keys[i], n->key->pk, 32) == 0)
			continue;
		ok = node_cert_of(n, l.keys[i], &cert) == 0;
		for (d = 0; d < ps->ndialers; d++)
			if (ps->dialers[d]->learned &&
			    memcmp(ps->dialers[d]->key, l.keys[i], 32) == 0)
				dl = ps->dialers[d];
		if (dl != NULL) {
			if (dl->retired && ok && active < n->cfg->max_outbound) {
				dl->retired = 0;
				active++;
				dl->backoff_ms = PEER_BACKOFF_MIN_MS;
				uv_timer_start(&dl->timer, dialer_cb, 0, 0);
			} else if (!dl->retired && !ok) {
				dl->retired = 1;
				active--;
				uv_timer_stop(&dl->timer);
				if (dl->conn != NULL)
					peer_close(dl->conn,
					    "certificate no longer in force");
			}
			record_close(&cert);
			continue;
		}
		if (!ok || active >= n->cfg->max_outbound ||
		    (nc = cert.body->node_cert)->n_addresses == 0) {
			record_close(&cert);
			continue;
		}
		/* Connected already (it dialled us), or configured. */
		for (p = ps->list; p != NULL; p = p->next)
			if (p->state == P_OPEN &&
			    memcmp(p->id, l.keys[i], 32) == 0)
				break;
		for (d = 0; p == NULL && d < ps->ndialers; d++)
			if (strcmp(ps->dialers[d]->name, nc->addresses[0]) == 0)
				break;
		if (p == NULL && d == ps->ndialers) {
			if (peers_dialer_add(ps, nc->addresses[0], l.keys[i]) !=
			    NULL) {
				active++;
				node_log(n, SDLOG_INFO,
				    "peer %s: dialling, learned from the "
				    "certificate of %s",
				    nc->addresses[0], nc->name);
			} else {
				node_log(n, SDLOG_DEBUG,
				    "peer address '%s' in the certificate of "
				    "%s is not a numeric ip:port",
				    nc->addresses[0], nc->name);
			}
		}
		record_close(&cert);
	}
out:
	free(l.keys);
}

static void
peers_gossip_cb(uv_timer_t *t)
{
	struct peers *ps = t->data;
	uint64_t now = uv_now(ps->loop), idle = ps->node->cfg->gossip_ms * 10u;
	struct peer *p, *next;

	if (idle < 30000)
		idle = 30000;
	for (p = ps->list; p != NULL; p = next) {
		next = p->next;
		if (p->state == P_OPEN && p->inflight == 0 &&
		    now - p->last_rx > idle)
			peer_close(p, "idle timeout");
	}
	peers_broadcast_digest(ps);
	ps->ticks++;
	peers_learn(ps);
	peers_snapshot(ps);
}

static void
peers_wake_cb(uv_async_t *a)
{
	struct peers *ps = a->data;
	struct pub_event *ev;
	size_t i, cnt;

	pthread_mutex_lock(&ps->evlock);
	ev = ps->events;
	cnt = ps->nevents;
	ps->events = NULL;
	ps->nevents = ps->capevents = 0;
	pthread_mutex_unlock(&ps->evlock);
	for (i = 0; i < cnt; i++)
		peers_advanced(ps, ev[i].origin, ev[i].from, ev[i].to, NULL);
	free(ev);
}

/* From any thread: this node published its records (from, to]. */
static void
peers_published(void *arg, const uint8_t *origin, uint64_t from, uint64_t to)
{
	struct peers *ps = arg;
	struct pub_event *last;

	pthread_mutex_lock(&ps->evlock);
	last = ps->nevents ? &ps->events[ps->nevents - 1] : NULL;
	if (last != NULL && last->to == from &&
	    memcmp(last->origin, origin, 32) == 0) {
		last->to = to;
	} else {
		if (ps->nevents == ps->capevents) {
			size_t ncap = ps->capevents ? ps->capevents * 2 : 16;
			struct pub_event *nv =
			    realloc(ps->events, ncap * sizeof(*nv));
			if (nv == NULL) {
				/* The next gossip tick's digest tells. */
				pthread_mutex_unlock(&ps->evlock);
				return;
			}
			ps->events = nv;
			ps->capevents = ncap;
		}
		memcpy(ps->events[ps->nevents].origin, origin, 32);
		ps->events[ps->nevents].from = from;
		ps->events[ps->nevents++].to = to;
	}
	pthread_mutex_unlock(&ps->evlock);
	uv_async_send(&ps->wake);
}

int
peers_start(uv_loop_t *loop, struct node *n, struct peers **out)
{
	struct peers *ps;
	struct sockaddr_storage ss;
	size_t i;
	int rc;

	if ((ps = calloc(1, sizeof(*ps))) == NULL)
		return -ENOMEM;
	ps->loop = loop;
	ps->node = n;
	pthread_mutex_init(&ps->evlock, NULL);
	uv_timer_init(loop, &ps->gossip);
	ps->gossip.data = ps;
	uv_async_init(loop, &ps->wake, peers_wake_cb);
	ps->wake.data = ps;
	ps->open_handles = 2;
	if (n->cfg->listen != NULL) {
		config_addr_parse(n->cfg->listen, &ss);
		uv_tcp_init(loop, &ps->listener);
		ps->listener.data = ps;
		ps->open_handles++;
		ps->listening = 1;
		if ((rc = uv_tcp_bind(
		         &ps->listener, (struct sockaddr *)&ss, 0)) != 0 ||
		    (rc = uv_listen((uv_stream_t *)&ps->listener,
		         PEER_LISTEN_BACKLOG,
		         peers_accept_cb)) != 0) {
			node_log(n, SDLOG_ERROR, "listen on %s: %s",
			    n->cfg->listen, uv_strerror(rc));
			*out = ps;
			return rc;
		}
		node_log(
		    n, SDLOG_INFO, "listening for peers on %s", n->cfg->listen);
	}
	for (i = 0; i < n->cfg->npeers; i++)
		if (peers_dialer_add(ps, n->cfg->peers[i], NULL) == NULL) {
			*out = ps;
			return -ENOMEM;
		}
	uv_timer_start(
	    &ps->gossip, peers_gossip_cb, n->cfg->gossip_ms, n->cfg->gossip_ms);
	n->published_arg = ps;
	n->published = peers_published;
	*out = ps;
	return 0;
}

/* Frees ps once stopping and every handle and connection is closed
 * (connections close when their work comes back from the pool). */
static void
peers_maybe_free(struct peers *ps)
{
	size_t i;

	if (!ps->stopping || ps->open_handles > 0 || ps->nconns > 0)
		return;
	for (i = 0; i < ps->ndialers; i++)
		free(ps->dialers[i]);
	free(ps->dialers);
	free(ps->told);
	free(ps->events);
	pthread_mutex_destroy(&ps->evlock);
	free(ps);
}

static void
peers_handle_closed(uv_handle_t *h)
{
	struct peers *ps = h->data;

	ps->open_handles--;
	peers_maybe_free(ps);
}

void
peers_stop(struct peers *ps)
{
	struct peer *p, *next;
	size_t i;

	if (ps == NULL || ps->stopping)
		return;
	ps->stopping = 1;
	ps->node->published = NULL;
	for (p = ps->list; p != NULL; p = next) {
		next = p->next;
		peer_close(p, NULL);
	}
	uv_timer_stop(&ps->gossip);
	ps->gossip.data = ps;
	uv_close((uv_handle_t *)&ps->gossip, peers_handle_closed);
	ps->wake.data = ps;
	uv_close((uv_handle_t *)&ps->wake, peers_handle_closed);
	if (ps->listening) {
		ps->listener.data = ps;
		uv_close((uv_handle_t *)&ps->listener, peers_handle_closed);
	}
	for (i = 0; i < ps->ndialers; i++) {
		ps->dialers[i]->timer.data = ps;
		uv_close(
		    (uv_handle_t *)&ps->dialers[i]->timer, peers_handle_closed);
	}
}
