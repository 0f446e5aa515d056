/*
 * peer_dial: outbound connections. A dialer per configured peer, and
 * one per node whose certificate names an address (learned from the
 * syncer's scan of the root's records) while this node has fewer than
 * max_outbound outbound peers; reconnects with exponential backoff and
 * jitter; a learned dialer is retired when its node's certificate is no
 * longer in force.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "peer_int.h"

static void dialer_cb(uv_timer_t *t);

void
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

struct peer_connect {
	uv_connect_t req;
	struct peer *p;
};

static void
dialer_connected(uv_connect_t *req, int status)
{
	struct peer_connect *c = (struct peer_connect *)req;
	struct peer *p = c->p;

	free(c);
	/* Closed meanwhile: libuv calls this (UV_ECANCELED) before the
	 * handle's close callback, so p is still there. */
	if (p->s.closing)
		return;
	if (status != 0) {
		peer_close(p, NULL);
		return;
	}
	peer_start(p);
}

static void
dialer_cb(uv_timer_t *t)
{
	struct dialer *d = (struct dialer *)t;
	struct peers *ps = d->ps;
	struct peer_connect *c;
	struct peer *p;

	if (ps->stopping || d->conn != NULL || d->retired)
		return;
	if (d->learned) {
		/* Already connected to that node (it dialled us): not twice. */
		for (p = ps->list; p != NULL; p = p->next)
			if (p->state == PEER_OPEN && !p->s.closing &&
			    memcmp(p->pk, d->key, KEY_PUBLIC_BYTES) == 0) {
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
	if (uv_tcp_connect(&c->req, &p->s.u.tcp, (struct sockaddr *)&d->addr,
	        dialer_connected) != 0) {
		free(c);
		peer_close(p, NULL);
	}
}

static void
dialer_closed(uv_handle_t *h)
{
	struct dialer *d = (struct dialer *)h;
	struct peers *ps = d->ps;

	ps->open_handles--;
	peers_maybe_free(ps);
}

void
peers_dialers_close(struct peers *ps)
{
	size_t i;

	for (i = 0; i < ps->ndialers; i++)
		uv_close((uv_handle_t *)&ps->dialers[i]->timer, dialer_closed);
}

struct dialer *
peers_dialer_add(struct peers *ps, const char *addr, const uint8_t *key)
{
	struct dialer *d;

	if (ps->ndialers == ps->capdialers) {
		size_t ncap = ps->capdialers ? ps->capdialers * 2 : 8;
		struct dialer **nv = realloc(ps->dialers, ncap * sizeof(*nv));
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
		memcpy(d->key, key, KEY_PUBLIC_BYTES);
	}
	uv_timer_init(ps->loop, &d->timer);
	ps->dialers[ps->ndialers++] = d;
	ps->open_handles++;
	uv_timer_start(&d->timer, dialer_cb, 0, 0);
	return d;
}

/* A node from the scan: its learned dialer revived or retired, or a new
 * one if there is room; *active counts the dialers not retired. */
static void
peers_node(struct peers *ps, const struct syncer_node *nd, size_t *active)
{
	unsigned max = node_config(ps->node)->max_outbound;
	struct dialer *dl = NULL;
	struct peer *p;
	size_t d;

	for (d = 0; d < ps->ndialers; d++)
		if (ps->dialers[d]->learned &&
		    memcmp(ps->dialers[d]->key, nd->key, KEY_PUBLIC_BYTES) == 0)
			dl = ps->dialers[d];
	if (dl != NULL) {
		if (dl->retired && nd->in_force && *active < max) {
			dl->retired = 0;
			(*active)++;
			dl->backoff_ms = PEER_BACKOFF_MIN_MS;
			uv_timer_start(&dl->timer, dialer_cb, 0, 0);
		} else if (!dl->retired && !nd->in_force) {
			dl->retired = 1;
			(*active)--;
			uv_timer_stop(&dl->timer);
			if (dl->conn != NULL)
				peer_close(
				    dl->conn, "certificate no longer in force");
		}
		return;
	}
	if (!nd->in_force || *active >= max || nd->addr[0] == '\0')
		return;
	/* Connected already (it dialled us), or configured. */
	for (p = ps->list; p != NULL; p = p->next)
		if (p->state == PEER_OPEN &&
		    memcmp(p->pk, nd->key, KEY_PUBLIC_BYTES) == 0)
			return;
	for (d = 0; d < ps->ndialers; d++)
		if (strcmp(ps->dialers[d]->name, nd->addr) == 0)
			return;
	if (peers_dialer_add(ps, nd->addr, nd->key) != NULL) {
		(*active)++;
		node_log(ps->node, SDLOG_INFO,
		    "peer %s: dialling, learned from the certificate of %s",
		    nd->addr, nd->name);
	} else {
		node_log(ps->node, SDLOG_DEBUG,
		    "peer address '%s' in the certificate of %s is not a "
		    "numeric ip:port",
		    nd->addr, nd->name);
	}
}

void
peers_nodes(struct peers *ps, const struct syncer_node *v, size_t n)
{
	size_t i, d, active = 0;

	if (ps->stopping)
		return;
	for (d = 0; d < ps->ndialers; d++)
		active += !ps->dialers[d]->retired;
	for (i = 0; i < n; i++)
		peers_node(ps, &v[i], &active);
}
