/*
 * peer_conn: one peer connection on the loop. The handshake (plain
 * frames, tight cap), then the encrypted channel; each message it
 * carries is prepared (decoded, its records verified) on the thread pool
 * and handed to the syncer in arrival order; what the syncer sends is
 * sealed and written here. Reading pauses while PEER_INFLIGHT messages
 * are on their way, so a fast peer cannot queue unbounded work.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hex.h"
#include "peer_int.h"

static void peer_next(struct peer *p);

void
peer_log_id(const struct peer *p, char out[17])
{
	hex_short(p->pk, out);
}

struct peer *
peer_find(struct peers *ps, uint64_t id)
{
	struct peer *p;

	for (p = ps->list; p != NULL; p = p->next)
		if (p->id == id)
			return p->closed ? NULL : p;
	return NULL;
}

static void
peer_work_free(struct peer_work *w)
{
	free(w->in);
	sync_msg_free(w->msg);
	free(w);
}

static void
peer_closed(struct stream *s)
{
	struct peer *p = (struct peer *)s;
	struct peers *ps = p->ps;
	struct peer_work *w, *next;
	int opened = p->state == PEER_OPEN;

	if (p->prev)
		p->prev->next = p->next;
	else
		ps->list = p->next;
	if (p->next)
		p->next->prev = p->prev;
	ps->nconns--;
	if (p->inbound)
		ps->nin--;
	if (p->hs_slot) /* closed before peer_close (uv_accept failed) */
		ps->npending--;
	for (w = p->queue; w != NULL; w = next) {
		next = w->next;
		peer_work_free(w);
	}
	hs_free(p->hs);
	chan_free(p->ch);
	frame_reader_free(&p->fr);
	free(p->mbuf);
	free(p);
	if (ps->stopping)
		peers_maybe_free(ps);
	else if (opened)
		peers_snapshot(ps);
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

void
peer_close(struct peer *p, const char *why)
{
	struct peers *ps = p->ps;
	int unauth = p->inbound && p->state == PEER_HANDSHAKE;
	char id[17];

	if (p->closed)
		return;
	p->closed = 1;
	peer_unpend(p);
	if (unauth && why != NULL && !ps->stopping)
		node_unauth_count(ps->node, 1, 0);
	if (why != NULL) {
		peer_log_id(p, id);
		node_log(ps->node, unauth ? peers_unauth_level(ps) : SDLOG_INFO,
		    "peer %s (%s): closed: %s", p->certified ? id : "?",
		    p->addr, why);
	}
	if (p->dialer != NULL) {
		dialer_closed(p->dialer,
		    uv_now(ps->loop) - p->start_ms < PEER_SHORT_MS, p->goodbye);
		p->dialer = NULL;
	}
	if (p->opened && ps->syncer != NULL)
		syncer_close(ps->syncer, p->id);
	p->opened = 0;
	/* Works on the pool come back first (the stream waits for them);
	 * a goodbye is written before. */
	if (p->quiet) {
		stream_read_stop(&p->s);
		stream_end(&p->s);
	} else {
		stream_close(&p->s);
	}
}

static void
peer_error(struct stream *s, int status)
{
	struct peer *p = (struct peer *)s;

	if (p->closed) {
		stream_close(s); /* a goodbye that could not be written */
		return;
	}
	peer_close(
	    p, status == UV_EOF ? "connection closed" : uv_strerror(status));
}

static void
peer_timer(struct stream *s)
{
	peer_close((struct peer *)s, "handshake timed out");
}

/* Queues len bytes (whole frames) for the peer; closes it if it is not
 * reading. */
static int
peer_write(struct peer *p, const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen)
{
	int rc = stream_write(&p->s, a, alen, b, blen);

	if (rc == SD_ETOOBIG)
		peer_close(p, "output queue full (peer not reading)");
	else if (rc != 0)
		peer_close(p, "write failed");
	return rc;
}

/* A handshake message in a plain frame. */
static int
peer_write_frame(struct peer *p, const uint8_t *m, size_t len)
{
	uint8_t hdr[FRAME_HEADER_BYTES];

	frame_header(len, hdr);
	return peer_write(p, hdr, sizeof(hdr), m, len);
}

void
peer_goodbye(struct peer *p, const char *why)
{
	uint8_t buf[CHAN_SEALED_BYTES(0)];
	size_t outlen;
	char id[17];

	if (p->closed)
		return;
	if (p->ch == NULL ||
	    chan_seal(p->ch, NULL, 0, 1, buf, sizeof(buf), &outlen) != 0 ||
	    stream_write(&p->s, buf, outlen, NULL, 0) != 0) {
		peer_close(p, why);
		return;
	}
	peer_log_id(p, id);
	node_log(p->ps->node, SDLOG_INFO, "peer %s (%s): closed: %s",
	    p->certified ? id : "?", p->addr, why);
	/* Closed like any other, once the goodbye is written. */
	p->quiet = 1;
	peer_close(p, NULL);
}

int
peer_send(struct peer *p, const uint8_t *m, size_t len)
{
	size_t cap = CHAN_SEALED_BYTES(len), outlen;
	uint8_t *buf;
	int rc;

	if (p->ch == NULL || p->closed)
		return SD_EPROTO;
	if ((buf = malloc(cap)) == NULL)
		return -ENOMEM;
	if ((rc = chan_seal(p->ch, m, len, 0, buf, cap, &outlen)) != 0) {
		free(buf);
		peer_close(p, "sealing failed");
		return rc;
	}
	rc = stream_write_take(&p->s, NULL, 0, buf, outlen);
	if (rc == SD_ETOOBIG)
		peer_close(p, "output queue full (peer not reading)");
	else if (rc != 0)
		peer_close(p, "write failed");
	return rc;
}

/* Hands the prepared messages at the head of the queue to the syncer. */
static void
peer_pump(struct peer *p)
{
	struct peer_work *w;

	while ((w = p->queue) != NULL && w->prepared && !p->closed) {
		p->queue = w->next;
		if (w->raw) {
			syncer_message_raw(
			    p->ps->syncer, p->id, w->certified, w->in, w->len);
			w->in = NULL;
		} else {
			syncer_message(p->ps->syncer, p->id, w->msg);
			w->msg = NULL;
		}
		peer_work_free(w);
	}
}

static void
peer_prepare_cb(uv_work_t *req)
{
	struct peer_work *w = (struct peer_work *)req;

	/* Only out of memory fails; the message is then dropped, as if
	 * lost: the peer asks again. */
	sync_prepare(&w->p->ps->ctx, w->certified, w->in, w->len, &w->msg);
}

static void
peer_prepared_cb(uv_work_t *req, int status)
{
	struct peer_work *w = (struct peer_work *)req;
	struct peer *p = w->p;

	(void)status;
	w->prepared = 1;
	if (w->msg == NULL && !p->closed)
		peer_close(p, "out of memory");
	if (!p->closed)
		peer_pump(p);
	stream_idle(&p->s);
}

void
peer_done(struct peer *p)
{
	p->inflight--;
	peer_next(p);
}

/* Whether another message may be read: one at a time until the peer is
 * certified (nothing is verified for a stranger). */
static int
peer_room(const struct peer *p)
{
	return p->inflight < (p->certified ? PEER_INFLIGHT : 1);
}

/* The handshake is complete: who is it, then the encrypted channel and
 * a session. */
static int
peer_opened(struct peer *p)
{
	uint8_t hello[CHAN_HELLO_BYTES];
	const uint8_t *tx, *rx;
	int rc;

	if (hs_peer(p->hs, p->pk) != 0 || hs_keys(p->hs, &tx, &rx) != 0 ||
	    memcmp(p->pk, node_public_key(p->ps->node), KEY_PUBLIC_BYTES) ==
	        0) {
		peer_close(p, "connected to itself");
		return SD_EPROTO;
	}
	if ((rc = chan_new(tx, rx, hello, &p->ch)) != 0) {
		peer_close(p, "out of memory");
		return rc;
	}
	hs_free(p->hs);
	p->hs = NULL;
	stream_timer_stop(&p->s);
	peer_unpend(p);
	p->state = PEER_OPEN;
	p->fr.max = CHAN_FRAME_MAX;
	if ((rc = peer_write(p, hello, sizeof(hello), NULL, 0)) != 0)
		return rc;
	syncer_open(p->ps->syncer, p->id, p->pk, p->addr);
	p->opened = 1;
	return 0;
}

/* A handshake step on the thread pool: its X25519 and ed25519 work
 * (the peer's signature checked) stays off the loop. Reading pauses
 * meanwhile (it counts as a message in flight). */
struct peer_hs_work {
	uv_work_t req;
	struct peer *p;
	uint8_t in[HS_FRAME_MAX];
	size_t inlen; /* 0 with no input: a client's first message */
	uint8_t out[HS_MSG_MAX];
	size_t outlen;
	int rc;
};

static void
peer_hs_cb(uv_work_t *req)
{
	struct peer_hs_work *w = (struct peer_hs_work *)req;

	w->rc = hs_step(w->p->hs, w->inlen ? w->in : NULL, w->inlen, w->out,
	    sizeof(w->out), &w->outlen);
}

/* The step's outcome, on the loop. */
static void
peer_hs_done(struct peer *p, struct peer_hs_work *w)
{
	int rc = w->rc;

	if (rc == SD_EVERSION && p->dialer == NULL) {
		uint8_t refusal[HS_REFUSAL_BYTES];
		hs_refusal(refusal);
		peer_write_frame(p, refusal, sizeof(refusal));
	}
	if (rc < 0) {
		peer_close(p,
		    rc == SD_ESIG       ? "handshake refused (wrong network "
		                          "key or identity)"
		        : w->inlen == 0 ? "handshake failed to start"
		                        : sd_strerror(rc));
		return;
	}
	if (w->outlen > 0 && peer_write_frame(p, w->out, w->outlen) != 0)
		return;
	if (rc == 1)
		peer_opened(p);
}

static void
peer_hs_after_cb(uv_work_t *req, int status)
{
	struct peer_hs_work *w = (struct peer_hs_work *)req;
	struct peer *p = w->p;

	p->inflight--;
	if (status != 0)
		w->rc = SD_EPROTO;
	if (!p->closed)
		peer_hs_done(p, w);
	free(w);
	if (!p->closed)
		peer_next(p);
	stream_idle(&p->s);
}

/* Hands in (NULL: the client's start) to a handshake step on the pool;
 * 1 (wait for it), or negative after closing p. */
static int
peer_handshake(struct peer *p, const uint8_t *in, size_t len)
{
	struct peer_hs_work *w;

	if (len > sizeof(w->in) || (w = calloc(1, sizeof(*w))) == NULL) {
		peer_close(p, "out of memory");
		return -ENOMEM;
	}
	w->p = p;
	if (in != NULL)
		memcpy(w->in, in, len);
	w->inlen = in != NULL ? len : 0;
	if (uv_queue_work(p->ps->loop, &w->req, peer_hs_cb, peer_hs_after_cb) !=
	    0) {
		free(w);
		peer_close(p, "cannot queue work");
		return SD_EPROTO;
	}
	stream_busy(&p->s);
	p->inflight++;
	return 1;
}

/* Handles one received frame payload; 1: wait for the pool. */
static int
peer_frame(struct peer *p, const uint8_t *in, size_t len)
{
	struct peer_work *w;
	size_t mlen = 0;
	int rc;

	p->last_rx = uv_now(p->ps->loop);
	if (p->state == PEER_HANDSHAKE)
		return peer_handshake(p, in, len);
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
		p->goodbye = 1;
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
	w->raw = w->prepared = mlen <= PEER_RAW_MAX;
	if (!w->raw) {
		if (uv_queue_work(p->ps->loop, &w->req, peer_prepare_cb,
		        peer_prepared_cb) != 0) {
			peer_work_free(w);
			peer_close(p, "cannot queue work");
			return SD_EPROTO;
		}
		stream_busy(&p->s);
	}
	/* Appended to the connection's queue: handed on in this order. */
	{
		struct peer_work **pp = &p->queue;
		while (*pp != NULL)
			pp = &(*pp)->next;
		*pp = w;
	}
	p->inflight++;
	if (w->raw)
		peer_pump(p);
	return peer_room(p) ? 0 : 1;
}

static void
peer_malformed(struct peer *p)
{
	if (p->certified)
		node_reject(p->ps->node, SYNC_REJ_MALFORMED, p->pk);
	peer_close(p, "frame above the maximum");
}

/* Handles buffered frames until one must wait for the pool. */
static void
peer_next(struct peer *p)
{
	const uint8_t *f;
	size_t len;
	int rc;

	while (!p->closed && peer_room(p)) {
		if ((rc = frame_reader_next(&p->fr, &f, &len)) < 0) {
			peer_malformed(p);
			return;
		}
		if (rc == 0) {
			stream_read_start(&p->s);
			return;
		}
		if (peer_frame(p, f, len) != 0)
			break;
	}
	if (!peer_room(p) && !p->closed)
		stream_read_stop(&p->s);
}

static void
peer_read(struct stream *s, const uint8_t *buf, size_t n)
{
	struct peer *p = (struct peer *)s;

	if (frame_reader_feed(&p->fr, buf, n) != 0) {
		peer_malformed(p);
		return;
	}
	peer_next(p);
}

static const struct stream_ops peer_ops = {
	.on_read = peer_read,
	.on_error = peer_error,
	.on_close = peer_closed,
	.on_timer = peer_timer,
	.wmax = PEER_WQUEUE_MAX,
};

struct peer *
peer_new(struct peers *ps, int role)
{
	struct peer *p;

	if ((role == HS_SERVER && ps->nin >= PEER_CONNS_MAX) ||
	    (p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->ps = ps;
	p->id = ++ps->next_id;
	frame_reader_init(&p->fr, HS_FRAME_MAX);
	if (hs_new(role, node_identity(ps->node),
	        node_config(ps->node)->root_key, &p->hs) != 0) {
		free(p);
		return NULL;
	}
	if (stream_init_tcp(ps->loop, &p->s, &peer_ops) != 0) {
		hs_free(p->hs);
		free(p);
		return NULL;
	}
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
	p->last_rx = p->start_ms = uv_now(ps->loop);
	stream_timer(&p->s, PEER_HS_TIMEOUT_MS);
	return p;
}

void
peer_start(struct peer *p)
{
	uv_tcp_nodelay(&p->s.u.tcp, 1);
	/* A client speaks first; a server reads. */
	if (!p->inbound)
		peer_handshake(p, NULL, 0);
	else
		peer_next(p);
}
