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
	if (p->closed)
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
			if (p->state == PEER_OPEN && !p->closed &&
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
dialer_timer_closed(uv_handle_t *h)
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
		uv_close(
		    (uv_handle_t *)&ps->dialers[i]->timer, dialer_timer_closed);
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

/* The order in which this node tries learned addresses: a hash of its
 * key and the other node's, so different nodes try different ones. */
static uint64_t
peers_rank(const struct peers *ps, const uint8_t *key)
{
	uint8_t out[crypto_shorthash_BYTES];
	uint64_t v = 0;
	int i;

	crypto_shorthash(out, key, KEY_PUBLIC_BYTES, node_public_key(ps->node));
	for (i = 0; i < 8; i++)
		v = v << 8 | out[i];
	return v;
}

static int
peers_rank_cmp(const void *a, const void *b)
{
	const struct syncer_node *x = a, *y = b;

	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

static struct dialer *
peers_learned(struct peers *ps, const uint8_t *key)
{
	size_t d;

	for (d = 0; d < ps->ndialers; d++)
		if (ps->dialers[d]->learned &&
		    memcmp(ps->dialers[d]->key, key, KEY_PUBLIC_BYTES) == 0)
			return ps->dialers[d];
	return NULL;
}

static int
peers_connected(struct peers *ps, const uint8_t *key)
{
	struct peer *p;

	for (p = ps->list; p != NULL; p = p->next)
		if (p->state == PEER_OPEN && !p->closed &&
		    memcmp(p->pk, key, KEY_PUBLIC_BYTES) == 0)
			return 1;
	return 0;
}

static void
dialer_retire(struct dialer *d, const char *why)
{
	d->retired = 1;
	uv_timer_stop(&d->timer);
	if (d->conn != NULL)
		peer_close(d->conn, why);
}

/*
 * Learned dialers: one for each node in force while this node has fewer
 * than max_outbound dialers not retired, tried in this node's order;
 * those whose certificate is no longer in force retired; one resting
 * (failed twice in a row) skipped until its rest is over.
 */
static void
peers_fill(struct peers *ps)
{
	unsigned max = node_config(ps->node)->max_outbound;
	uint64_t now = uv_now(ps->loop);
	size_t i, d, active = 0;
	struct dialer *dl;

	for (i = 0; i < ps->nnodes; i++) {
		const struct syncer_node *nd = &ps->nodes[i];
		if ((dl = peers_learned(ps, nd->key)) != NULL && !dl->retired &&
		    !nd->in_force)
			dialer_retire(dl, "certificate no longer in force");
	}
	for (d = 0; d < ps->ndialers; d++)
		active += !ps->dialers[d]->retired;
	for (i = 0; i < ps->nnodes && active < max; i++) {
		const struct syncer_node *nd = &ps->nodes[i];
		if (!nd->in_force || nd->addr[0] == '\0')
			continue;
		if ((dl = peers_learned(ps, nd->key)) != NULL) {
			if (!dl->retired || now < dl->rest_until)
				continue;
			dl->retired = 0;
			dl->fails = 0;
			dl->backoff_ms = PEER_BACKOFF_MIN_MS;
			uv_timer_start(&dl->timer, dialer_cb, 0, 0);
			active++;
			continue;
		}
		/* Connected already (it dialled us), or configured. */
		if (peers_connected(ps, nd->key))
			continue;
		for (d = 0; d < ps->ndialers; d++)
			if (strcmp(ps->dialers[d]->name, nd->addr) == 0)
				break;
		if (d < ps->ndialers)
			continue;
		if (peers_dialer_add(ps, nd->addr, nd->key) != NULL) {
			active++;
			node_log(ps->node, SDLOG_INFO,
			    "peer %s: dialling, learned from the certificate "
			    "of %s",
			    nd->addr, nd->name);
		} else {
			node_log(ps->node, SDLOG_DEBUG,
			    "peer address '%s' in the certificate of %s is "
			    "not a numeric ip:port",
			    nd->addr, nd->name);
		}
	}
}

void
peers_nodes(struct peers *ps, const struct syncer_node *v, size_t n)
{
	struct syncer_node *nv;
	size_t i;

	if (ps->stopping)
		return;
	if ((nv = malloc((n ? n : 1) * sizeof(*nv))) == NULL)
		return;
	if (n > 0)
		memcpy(nv, v, n * sizeof(*nv));
	for (i = 0; i < n; i++)
		nv[i].rank = peers_rank(ps, nv[i].key);
	qsort(nv, n, sizeof(*nv), peers_rank_cmp);
	free(ps->nodes);
	ps->nodes = nv;
	ps->nnodes = n;
	peers_fill(ps);
}

void
dialer_closed(struct dialer *d, int short_lived, int goodbye)
{
	struct peers *ps = d->ps;

	d->conn = NULL;
	d->fails = short_lived ? d->fails + 1 : 0;
	if (ps->stopping)
		return;
	/* A learned address that said goodbye (full) or keeps failing
	 * rests, and another is tried. */
	if (d->learned && (goodbye || d->fails >= PEER_LEARNED_FAILS)) {
		d->retired = 1;
		d->rest_until = uv_now(ps->loop) +
		    (goodbye ? PEER_GOODBYE_REST_MS : PEER_LEARNED_REST_MS);
		peers_fill(ps);
		return;
	}
	/* A configured one is dialled again, after a rest if it said
	 * goodbye. */
	if (goodbye) {
		uv_timer_start(&d->timer, dialer_cb, PEER_GOODBYE_REST_MS, 0);
		return;
	}
	dialer_schedule(d);
}
