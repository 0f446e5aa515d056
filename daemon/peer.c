#include "peer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
};

struct peers {
	uv_loop_t *loop;
	struct node *node;
	uv_tcp_t listener;
	int listening;
	uv_timer_t gossip;
	uv_async_t wake;
	struct peer *list;
	size_t nconns;
	struct dialer *dialers;
	size_t ndialers;
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
	int busy;
	int closing;
	int handles; /* open libuv handles: tcp, hs_timer */
	size_t wqueue;
	uint64_t last_rx;
	uint64_t bytes_in, bytes_out;
	uint8_t *mbuf; /* opened message */
	size_t mcap;
};

struct pwrite {
	uv_write_t req;
	struct peer *p;
	size_t len;
	uint8_t data[];
};

struct pwork {
	uv_work_t req;
	struct peer *p;
	uint8_t *in;
	size_t len;
	int certified;
	int rc;
	struct sync_out out;
	char err[256];
};

static void peer_close(struct peer *p, const char *why);
static void dialer_cb(uv_timer_t *t);
static void peer_next(struct peer *p);
static void peers_broadcast_digest(struct peers *ps);
static void peers_snapshot(struct peers *ps);

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

	if (--p->handles > 0)
		return;
	if (p->prev)
		p->prev->next = p->next;
	else
		ps->list = p->next;
	if (p->next)
		p->next->prev = p->prev;
	ps->nconns--;
	hs_free(p->hs);
	chan_free(p->ch);
	frame_reader_free(&p->fr);
	free(p->mbuf);
	free(p);
	peers_snapshot(ps);
}

static void
dialer_schedule(struct dialer *d)
{
	unsigned jitter, delay;

	if (d->ps->stopping)
		return;
	jitter = randombytes_uniform(d->backoff_ms / 2 + 1);
	delay = d->backoff_ms * 3 / 4 + jitter;
	uv_timer_start(&d->timer, dialer_cb, delay, 0);
	d->backoff_ms *= 2;
	if (d->backoff_ms > PEER_BACKOFF_MAX_MS)
		d->backoff_ms = PEER_BACKOFF_MAX_MS;
}

static void
peer_close(struct peer *p, const char *why)
{
	if (p->closing)
		return;
	p->closing = 1;
	if (why != NULL) {
		char id[17];
		peer_log_id(p, id);
		node_log(p->ps->node, LOG_INFO, "peer %s (%s): closed: %s",
		    p->certified ? id : "?", p->addr, why);
	}
	if (p->dialer != NULL) {
		p->dialer->conn = NULL;
		dialer_schedule(p->dialer);
		p->dialer = NULL;
	}
	if (p->busy)
		return; /* closed when the work comes back */
	uv_close((uv_handle_t *)&p->hs_timer, peer_freed_cb);
	uv_close((uv_handle_t *)&p->tcp, peer_freed_cb);
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

/* Queues len bytes (a whole frame) for the peer. */
static int
peer_write_raw(struct peer *p, const uint8_t *data, size_t len)
{
	struct pwrite *w;
	uv_buf_t buf;

	if (p->closing)
		return SD_EPROTO;
	if (p->wqueue + len > PEER_WQUEUE_MAX) {
		peer_close(p, "output queue full (peer not reading)");
		return SD_ETOOBIG;
	}
	if ((w = malloc(sizeof(*w) + len)) == NULL)
		return -ENOMEM;
	w->p = p;
	w->len = len;
	memcpy(w->data, data, len);
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
	uv_buf_t buf;
	int rc;

	if (p->closing || p->ch == NULL)
		return SD_EPROTO;
	if (p->wqueue + CHAN_SEALED_BYTES(len) > PEER_WQUEUE_MAX) {
		peer_close(p, "output queue full (peer not reading)");
		return SD_ETOOBIG;
	}
	if ((w = malloc(sizeof(*w) + CHAN_SEALED_BYTES(len))) == NULL)
		return -ENOMEM;
	if ((rc = chan_seal(p->ch, m, len, 0, w->data, CHAN_SEALED_BYTES(len),
	         &outlen)) != 0) {
		free(w);
		peer_close(p, "sealing failed");
		return rc;
	}
	w->p = p;
	w->len = outlen;
	buf = uv_buf_init((char *)w->data, (unsigned int)outlen);
	if (uv_write(&w->req, (uv_stream_t *)&p->tcp, &buf, 1, peer_write_cb) !=
	    0) {
		free(w);
		peer_close(p, "write failed");
		return SD_EPROTO;
	}
	p->wqueue += outlen;
	p->bytes_out += outlen;
	return 0;
}

static void
peer_send_out(struct peer *p, struct sync_out *o)
{
	size_t i;

	for (i = 0; i < o->n && !p->closing; i++)
		peer_send(p, o->msg[i], o->len[i]);
}

static void
pwork_cb(uv_work_t *req)
{
	struct pwork *w = (struct pwork *)req;

	w->rc = sync_handle(w->p->ps->node, w->p->id, &w->certified, w->in,
	    w->len, &w->out, w->err, sizeof(w->err));
}

static void
pwork_after_cb(uv_work_t *req, int status)
{
	struct pwork *w = (struct pwork *)req;
	struct peer *p = w->p;
	struct peers *ps = p->ps;
	int advanced = w->out.advanced;

	p->busy = 0;
	free(w->in);
	if (p->closing) {
		p->closing = 0;
		peer_close(p, NULL);
	} else if (status != 0 || w->rc != 0) {
		char why[300];
		snprintf(why, sizeof(why), "refused: %s",
		    w->err[0] ? w->err : sd_strerror(w->rc));
		node_log(ps->node, LOG_WARN, "peer %s: %s", p->addr, why);
		peer_close(p, why);
	} else {
		if (!p->certified && w->certified) {
			char id[17];
			peer_log_id(p, id);
			node_log(ps->node, LOG_INFO, "peer %s (%s): certified",
			    id, p->addr);
			if (p->dialer != NULL)
				p->dialer->backoff_ms = PEER_BACKOFF_MIN_MS;
		}
		if (!p->certified && w->certified) {
			p->certified = 1;
			peers_snapshot(ps);
		}
		peer_send_out(p, &w->out);
		peer_next(p);
	}
	sync_out_free(&w->out);
	free(w);
	if (advanced)
		peers_broadcast_digest(ps);
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
	p->busy = 1;
	if (uv_queue_work(p->ps->loop, &w->req, pwork_cb, pwork_after_cb) !=
	    0) {
		p->busy = 0;
		free(w->in);
		free(w);
		peer_close(p, "cannot queue work");
		return SD_EPROTO;
	}
	return 1; /* wait for the work */
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

	while (!p->closing && !p->busy) {
		rc = frame_reader_next(&p->fr, &f, &len);
		if (rc < 0) {
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
	if (p->busy && !p->closing)
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
	if (n > 0 &&
	    frame_reader_feed(&p->fr, (uint8_t *)buf->base, (size_t)n) != 0) {
		free(buf->base);
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

	if (ps->nconns >= PEER_CONNS_MAX || (p = calloc(1, sizeof(*p))) == NULL)
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
	p->last_rx = uv_now(ps->loop);
	uv_timer_start(&p->hs_timer, peer_hs_timeout_cb, PEER_HS_TIMEOUT_MS, 0);
	return p;
}

static void
peers_free_handle_cb(uv_handle_t *h)
{
	free(h);
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
	if ((p = peer_new(ps, HS_SERVER)) == NULL) {
		uv_tcp_t *tmp = malloc(sizeof(*tmp));
		/* Over the connection cap: accept and drop at once. */
		if (tmp == NULL)
			return;
		uv_tcp_init(ps->loop, tmp);
		if (uv_accept(server, (uv_stream_t *)tmp) == 0)
			node_log(
			    ps->node, LOG_WARN, "peer: too many connections");
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

	if (ps->stopping || d->conn != NULL)
		return;
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

/* Publishes who is connected, for `stardust status` and `peers`. */
static void
peers_snapshot(struct peers *ps)
{
	struct node_peer *v;
	struct peer *p;
	size_t cnt = ps->nconns + ps->ndialers, i = 0, d;
	uint64_t now = uv_now(ps->loop);

	if (ps->stopping)
		return;
	if ((v = calloc(cnt + 1, sizeof(*v))) == NULL)
		return;
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
		v[i].outbound = p->dialer != NULL;
	}
	for (d = 0; d < ps->ndialers && i < cnt; d++) {
		if (ps->dialers[d].conn != NULL)
			continue;
		snprintf(
		    v[i].addr, sizeof(v[i].addr), "%s", ps->dialers[d].name);
		snprintf(v[i].state, sizeof(v[i].state), "down");
		v[i].outbound = 1;
		i++;
	}
	node_peers_set(ps->node, v, i);
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
		if (p->state == P_OPEN && !p->busy && now - p->last_rx > idle)
			peer_close(p, "idle timeout");
	}
	peers_broadcast_digest(ps);
	peers_snapshot(ps);
}

static void
peers_wake_cb(uv_async_t *a)
{
	peers_broadcast_digest(a->data);
}

/* From any thread: this node published records. */
static void
peers_published(void *arg)
{
	struct peers *ps = arg;

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
		    (rc = uv_listen((uv_stream_t *)&ps->listener, 128,
		         peers_accept_cb)) != 0) {
			node_log(n, LOG_ERROR, "listen on %s: %s",
			    n->cfg->listen, uv_strerror(rc));
			*out = ps;
			return rc;
		}
		node_log(
		    n, LOG_INFO, "listening for peers on %s", n->cfg->listen);
	}
	if (n->cfg->npeers > 0 &&
	    (ps->dialers = calloc(n->cfg->npeers, sizeof(*ps->dialers))) ==
	        NULL) {
		*out = ps;
		return -ENOMEM;
	}
	for (i = 0; i < n->cfg->npeers; i++) {
		struct dialer *d = &ps->dialers[i];
		d->ps = ps;
		config_addr_parse(n->cfg->peers[i], &d->addr);
		snprintf(d->name, sizeof(d->name), "%s", n->cfg->peers[i]);
		d->backoff_ms = PEER_BACKOFF_MIN_MS;
		uv_timer_init(loop, &d->timer);
		ps->ndialers++;
		ps->open_handles++;
		uv_timer_start(&d->timer, dialer_cb, 0, 0);
	}
	uv_timer_start(
	    &ps->gossip, peers_gossip_cb, n->cfg->gossip_ms, n->cfg->gossip_ms);
	n->published_arg = ps;
	n->published = peers_published;
	*out = ps;
	return 0;
}

static void
peers_handle_closed(uv_handle_t *h)
{
	struct peers *ps = h->data;

	if (--ps->open_handles == 0) {
		free(ps->dialers);
		free(ps);
	}
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
		ps->dialers[i].timer.data = ps;
		uv_close(
		    (uv_handle_t *)&ps->dialers[i].timer, peers_handle_closed);
	}
}
