/*
 * peer: the federation's connections, started and stopped together; the
 * syncer's events delivered to them; idle timeouts; the snapshot of
 * peers that `stardust status` and `peers` show.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "peer_int.h"

/* ---- the sync layer's context: this node ---- */

static uint64_t
peers_ctx_now(void *arg)
{
	(void)arg;
	return record_now_ms();
}

static void
peers_ctx_log(void *arg, int level, const char *msg)
{
	struct peers *ps = arg;

	node_log(ps->node, level, "%s", msg);
}

static void
peers_ctx_seq_learn(void *arg, uint64_t w)
{
	struct peers *ps = arg;

	node_seq_learn(ps->node, w);
}

static void
peers_ctx_offence(void *arg, int reason, const uint8_t *peer)
{
	struct peers *ps = arg;

	node_reject(ps->node, reason, peer);
}

static void
peers_ctx_caught_up(void *arg, uint64_t ms)
{
	struct peers *ps = arg;

	node_sync_done(ps->node, ms);
}

/* From a request thread, under the node's write lock. */
static void
peers_written(void *arg, const uint8_t *origin, uint64_t from, uint64_t to)
{
	struct peers *ps = arg;

	syncer_written(ps->syncer, origin, from, to);
}

/* ---- the syncer's events ---- */

/* An inbound peer certified over max_inbound is served a grace (it
 * learns every node's address from the root's records), then closed. */
static void
peers_inbound_cap(struct peer *p)
{
	struct peers *ps = p->ps;
	unsigned max = node_config(ps->node)->max_inbound, n = 0;
	struct peer *q;
	char id[17];

	for (q = ps->list; q != NULL; q = q->next)
		n += q->inbound && q->certified && !q->closed && !q->full_at;
	if (n <= max)
		return;
	p->full_at = uv_now(ps->loop) + PEER_FULL_GRACE_MS;
	peer_log_id(p, id);
	node_log(ps->node, SDLOG_INFO,
	    "peer %s (%s): inbound peers full (max_inbound %u): served %d s, "
	    "then closed",
	    id, p->addr, max, PEER_FULL_GRACE_MS / 1000);
}

static void
peers_certified(struct peer *p)
{
	char id[17];

	peer_log_id(p, id);
	node_log(
	    p->ps->node, SDLOG_INFO, "peer %s (%s): certified", id, p->addr);
	if (p->dialer != NULL)
		p->dialer->backoff_ms = PEER_BACKOFF_MIN_MS;
	p->certified = 1;
	if (p->inbound)
		peers_inbound_cap(p);
	peers_snapshot(p->ps);
}

static void
peers_dropped(struct peer *p, const char *why)
{
	char id[17];

	/* A refused message is logged as a warning; the close as info. */
	if (strncmp(why, "refused: ", 9) == 0) {
		if (p->certified) {
			peer_log_id(p, id);
			node_log(p->ps->node, SDLOG_WARN, "peer %s (%s): %s",
			    id, p->addr, why);
		} else {
			node_log(p->ps->node, SDLOG_WARN, "peer %s: %s",
			    p->addr, why);
		}
	}
	peer_close(p, why[0] ? why : "out of memory");
}

static void peers_snap_cb(uv_timer_t *t);

static void
peers_event(void *arg, const struct syncer_event *ev)
{
	struct peers *ps = arg;
	struct peer *p;

	if (ps->stopping)
		return;
	if (ev->type == SYNCER_NODES) {
		peers_nodes(ps, ev->nodes, ev->nnodes);
		return;
	}
	if ((p = peer_find(ps, ev->id)) == NULL)
		return;
	switch (ev->type) {
	case SYNCER_SEND: peer_send(p, ev->data, ev->len); break;
	case SYNCER_CERTIFIED: peers_certified(p); break;
	case SYNCER_DROP: peers_dropped(p, ev->why); break;
	case SYNCER_DONE: peer_done(p); break;
	case SYNCER_STATS:
		p->stats = ev->stats;
		/* During a sync, status shows progress four times a second;
		 * the last figures at most 250 ms late. */
		if (uv_now(ps->loop) - ps->snap_ms >= PEERS_SNAP_MS)
			peers_snapshot(ps);
		else if (!uv_is_active((uv_handle_t *)&ps->snap_timer))
			uv_timer_start(&ps->snap_timer, peers_snap_cb,
			    ps->snap_ms + PEERS_SNAP_MS - uv_now(ps->loop), 0);
		break;
	}
}

/* ---- status ---- */

static void
peers_snap_cb(uv_timer_t *t)
{
	peers_snapshot(t->data);
}

void
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
	ps->snap_ms = now;
	for (p = ps->list; p != NULL && i < cnt; p = p->next, i++) {
		snprintf(v[i].addr, sizeof(v[i].addr), "%s", p->addr);
		snprintf(v[i].state, sizeof(v[i].state), "%s",
		    p->closed                   ? "closing"
		        : p->certified          ? "certified"
		        : p->state == PEER_OPEN ? "open"
		                                : "handshake");
		if (p->state == PEER_OPEN) {
			memcpy(v[i].key, p->pk, KEY_PUBLIC_BYTES);
			v[i].has_key = 1;
		}
		v[i].idle_ms = now - p->last_rx;
		v[i].bytes_in = p->s.bytes_in;
		v[i].bytes_out = p->s.bytes_out;
		v[i].records_in = p->stats.records_in;
		v[i].records_out = p->stats.records_out;
		v[i].outbound = p->dialer != NULL;
		v[i].learned = p->dialer != NULL && p->dialer->learned;
		if (p->certified) {
			v[i].has_lag = p->stats.has_lag;
			v[i].lag = p->stats.lag;
			v[i].peer_lag = p->stats.peer_lag;
		}
		v[i].synced_ms = p->stats.synced_ms;
		v[i].caps = p->stats.caps;
		v[i].records_dup = p->stats.records_dup;
		memcpy(v[i].software, p->stats.software, sizeof(v[i].software));
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
			memcpy(v[i].key, dl->key, KEY_PUBLIC_BYTES);
			v[i].has_key = 1;
		}
		i++;
	}
	node_peers_set(ps->node, v, i);
}

/* Every gossip interval: connections silent for ten of them (30 s at
 * least) are closed; the snapshot is refreshed. Digests are the
 * syncer's. */
static void
peers_timer_cb(uv_timer_t *t)
{
	struct peers *ps = t->data;
	uint64_t now = uv_now(ps->loop),
	         idle = node_config(ps->node)->gossip_ms * 10u;
	struct peer *p, *next;
	char id[17];

	if (idle < 30000)
		idle = 30000;
	for (p = ps->list; p != NULL; p = next) {
		next = p->next;
		if (p->full_at != 0 && now >= p->full_at &&
		    p->stats.certified && p->stats.caps == 0) {
			/* A node of the earlier release does not rest after a
			 * goodbye: it would be back at once. Kept. */
			p->full_at = 0;
			peer_log_id(p, id);
			node_log(ps->node, SDLOG_INFO,
			    "peer %s (%s): of an earlier release (no "
			    "capabilities): kept over max_inbound",
			    id, p->addr);
		} else if (p->full_at != 0 && now >= p->full_at)
			peer_goodbye(p, "inbound peers full (max_inbound)");
		else if (p->state == PEER_OPEN && p->inflight == 0 &&
		    now - p->last_rx > idle)
			peer_close(p, "idle timeout");
	}
	peers_snapshot(ps);
}

/* ---- start and stop ---- */

int
peers_start(uv_loop_t *loop, struct node *n, struct peers **out)
{
	const struct config *cfg = node_config(n);
	struct peers *ps;
	size_t i;
	int rc;

	if ((ps = calloc(1, sizeof(*ps))) == NULL)
		return -ENOMEM;
	ps->loop = loop;
	ps->node = n;
	ps->ctx.st = node_store(n);
	ps->ctx.codes = node_codes(n);
	ps->ctx.root = cfg->root_key;
	ps->ctx.self = node_public_key(n);
	ps->ctx.gossip_ms = cfg->gossip_ms;
	ps->ctx.caps = SYNC_CAPS;
	ps->ctx.software = "stardustd " SD_VERSION;
	ps->ctx.arg = ps;
	ps->ctx.now_ms = peers_ctx_now;
	ps->ctx.log = peers_ctx_log;
	ps->ctx.seq_learn = peers_ctx_seq_learn;
	ps->ctx.offence = peers_ctx_offence;
	ps->ctx.caught_up = peers_ctx_caught_up;
	*out = ps;
	uv_timer_init(loop, &ps->timer);
	ps->timer.data = ps;
	uv_timer_init(loop, &ps->snap_timer);
	ps->snap_timer.data = ps;
	ps->open_handles = 2;
	if ((rc = syncer_start(
	         loop, n, &ps->ctx, peers_event, ps, &ps->syncer)) != 0) {
		node_log(n, SDLOG_ERROR, "sync: %s", sd_strerror(rc));
		return rc;
	}
	ps->open_handles++;
	node_on_written(n, peers_written, ps);
	if ((rc = peers_listen(ps)) != 0)
		return rc;
	for (i = 0; i < cfg->npeers; i++)
		if (peers_dialer_add(ps, cfg->peers[i], NULL) == NULL)
			return -ENOMEM;
	uv_timer_start(
	    &ps->timer, peers_timer_cb, cfg->gossip_ms, cfg->gossip_ms);
	return 0;
}

/* Frees ps once stopping and every handle and connection is closed
 * (connections close when their works come back from the pool). */
void
peers_maybe_free(struct peers *ps)
{
	size_t i;

	if (!ps->stopping || ps->open_handles > 0 || ps->nconns > 0)
		return;
	for (i = 0; i < ps->ndialers; i++)
		free(ps->dialers[i]);
	free(ps->dialers);
	free(ps->nodes);
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

	if (ps == NULL || ps->stopping)
		return;
	ps->stopping = 1;
	/* No writer may call into the syncer from now on (the node's write
	 * lock is taken to clear the hook). */
	node_on_written(ps->node, NULL, NULL);
	for (p = ps->list; p != NULL; p = next) {
		next = p->next;
		peer_close(p, NULL);
	}
	if (ps->syncer != NULL) {
		syncer_stop(ps->syncer);
		ps->syncer = NULL;
		ps->open_handles--; /* its handle is its own */
	}
	uv_timer_stop(&ps->timer);
	uv_close((uv_handle_t *)&ps->timer, peers_handle_closed);
	uv_timer_stop(&ps->snap_timer);
	uv_close((uv_handle_t *)&ps->snap_timer, peers_handle_closed);
	if (ps->listening)
		stream_server_stop(&ps->srv);
	peers_dialers_close(ps);
}
