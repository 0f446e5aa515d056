/*
 * peer_listen: the peer listener. At most PEER_CONNS_MAX inbound
 * connections; at most PEER_PENDING_MAX of them still in their
 * handshake, the oldest shed for a newcomer, so junk connections cannot
 * keep an honest peer out (and cost at most that many); strangers'
 * closes logged sparingly (status counts them all).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "peer_int.h"

int
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

/* Every handshake slot is taken: closes the oldest inbound connection
 * still in its handshake (the list is newest first), so a newcomer that
 * authenticates promptly always gets in. */
static void
peers_shed(struct peers *ps)
{
	struct peer *p, *oldest = NULL;
	uint64_t now = uv_now(ps->loop);

	for (p = ps->list; p != NULL; p = p->next)
		if (p->hs_slot && !p->closed)
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
peers_connection(struct stream_server *srv, int status)
{
	struct peers *ps = srv->data;
	struct peer *p;

	if (status != 0 || ps->stopping)
		return;
	if (ps->npending >= PEER_PENDING_MAX)
		peers_shed(ps);
	if ((p = peer_new(ps, HS_SERVER)) == NULL) {
		/* Over the connection cap: accepted and dropped at once. */
		node_log(ps->node, SDLOG_WARN, "peer: too many connections");
		stream_refuse(srv);
		return;
	}
	if (stream_accept(srv, &p->s) != 0)
		return;
	stream_peer_name(&p->s, p->addr, sizeof(p->addr));
	peer_start(p);
}

static void
peers_listener_stopped(struct stream_server *srv)
{
	struct peers *ps = srv->data;

	ps->open_handles--;
	peers_maybe_free(ps);
}

int
peers_listen(struct peers *ps)
{
	const char *addr = node_config(ps->node)->listen;
	struct sockaddr_storage ss;
	int rc;

	if (addr == NULL)
		return 0;
	config_addr_parse(addr, &ss);
	ps->srv.data = ps;
	ps->srv.on_connection = peers_connection;
	ps->srv.on_stopped = peers_listener_stopped;
	ps->open_handles++;
	ps->listening = 1;
	if ((rc = stream_server_tcp(ps->loop, &ps->srv, (struct sockaddr *)&ss,
	         PEER_LISTEN_BACKLOG)) != 0) {
		node_log(ps->node, SDLOG_ERROR, "listen on %s: %s", addr,
		    uv_strerror(rc));
		ps->listening = 0;
		return rc;
	}
	node_log(ps->node, SDLOG_INFO, "listening for peers on %s", addr);
	return 0;
}
