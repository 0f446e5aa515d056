/*
 * The peer file family's private header; nothing else includes it.
 *   peer.c         start and stop, the syncer's events, idle timeouts,
 *                  the status snapshot
 *   peer_conn.c    one connection: handshake, encrypted channel, frames,
 *                  messages verified on the thread pool and handed to
 *                  the syncer in order, what the syncer sends
 *   peer_listen.c  the listener: caps, shedding unauthenticated
 *                  connections
 *   peer_dial.c    dialers: configured and learned addresses, backoff
 */
#ifndef SD_PEER_INT_H
#define SD_PEER_INT_H

#include <stdint.h>
#include <uv.h>

#include "chan.h"
#include "frame.h"
#include "hs.h"
#include "peer.h"
#include "stream.h"
#include "sync.h"
#include "syncer.h"

struct peer;

/* An address this node keeps a connection to. */
struct dialer {
	uv_timer_t timer; /* first: reconnect timer */
	struct peers *ps;
	struct sockaddr_storage addr;
	char name[64];
	struct peer *conn;
	unsigned backoff_ms;
	int learned; /* from a certificate's address; key is the node's */
	int retired; /* not dialled: not in force, or resting */
	unsigned fails; /* connections in a row that did not last */
	uint64_t rest_until; /* loop time a retired one may be revived */
	uint8_t key[KEY_PUBLIC_BYTES];
};

struct peers {
	uv_loop_t *loop;
	struct node *node;
	struct sync_ctx ctx; /* the syncer's, and sync_prepare's */
	struct syncer *syncer;
	struct stream_server srv; /* the listener */
	int listening;
	uv_timer_t timer; /* every gossip_ms: idle timeouts, snapshot */
	/* A snapshot held back by the 250 ms limit, taken when it is up (not
	 * at the next tick: a gossip interval may be minutes). */
	uv_timer_t snap_timer;
	struct peer *list; /* every connection, newest first */
	size_t nconns; /* all connections */
	size_t nin; /* inbound ones */
	size_t npending; /* inbound ones in their handshake */
	uint64_t next_id; /* connection ids, from 1 */
	uint64_t shed_log_ms; /* when shedding was last logged */
	uint64_t shed_unlogged; /* shed since then */
	uint64_t unauth_window_ms; /* strangers' closes logged at info: */
	unsigned unauth_logged; /* how many in the window from then */
	struct dialer **dialers; /* configured first, then learned */
	size_t ndialers, capdialers;
	struct syncer_node *nodes; /* the last scan, in this node's order */
	size_t nnodes;
	uint64_t snap_ms; /* when the last snapshot was taken */
	int stopping;
	int open_handles; /* listener, timers, syncer, dialer timers */
};

enum { PEER_HANDSHAKE = 0, PEER_OPEN = 1 };

/* A received message on the thread pool: prepared (decoded, verified),
 * then handed to the syncer, in arrival order. */
struct peer_work {
	uv_work_t req;
	struct peer *p;
	struct peer_work *next;
	uint8_t *in;
	size_t len;
	int certified; /* the peer's, when it was read */
	int prepared;
	/* Small (PEER_RAW_MAX): handed to the syncer as bytes and decoded
	 * there, not on the pool (no thread hop for a digest). */
	int raw;
	struct sync_msg *msg;
};

struct peer {
	struct stream s; /* first */
	struct peers *ps;
	struct peer *prev, *next;
	uint64_t id; /* the syncer's name for it */
	struct dialer *dialer; /* NULL for an inbound connection */
	struct hs *hs;
	struct chan *ch;
	struct frame_reader fr;
	uint8_t pk[KEY_PUBLIC_BYTES]; /* proved by the handshake */
	char addr[64];
	int state;
	int opened; /* the syncer has a session for it */
	int certified;
	int inbound;
	int hs_slot; /* inbound, in its handshake: counted in npending */
	int goodbye; /* it closed on purpose (a final message): rest */
	int quiet; /* this end said goodbye: close once it is written */
	int closed; /* peer_close was called (the stream may still write) */
	/* Messages read and not yet handled by the syncer (at most
	 * PEER_INFLIGHT: reading pauses). */
	int inflight;
	struct peer_work *queue; /* those not yet handed on, oldest first */
	uint64_t last_rx; /* loop time */
	uint64_t start_ms; /* loop time it was made */
	uint64_t full_at; /* loop time it is closed (inbound over the cap) */
	struct sync_stats stats; /* as the syncer last said */
	uint8_t *mbuf; /* opened message */
	size_t mcap;
};

/* While a batch is committed, the next one is verified. */
#define PEER_INFLIGHT 2
/* Status snapshots of the peers at most this often (ms). */
#define PEERS_SNAP_MS 250
/* A message this small (a digest, a Want, a push of a record or two) is
 * decoded, and its few records checked, on the sync thread: a trip
 * through the pool costs two thread wake-ups, which is most of what an
 * idle node spends (bench/scale.sh). */
#define PEER_RAW_MAX 2048
/* A connection closed sooner than this after it was made did not last;
 * a learned address whose connections do not last this many times in a
 * row rests this long while others are tried. */
#define PEER_SHORT_MS 30000
#define PEER_LEARNED_FAILS 2
#define PEER_LEARNED_REST_MS 60000
/* A peer that said goodbye (full) is not dialled again for this long. */
#define PEER_GOODBYE_REST_MS 60000
/* An inbound peer over max_inbound is served this long, then closed. */
#define PEER_FULL_GRACE_MS 10000

/* ---- peer.c ---- */
void peers_snapshot(struct peers *ps);
void peers_maybe_free(struct peers *ps);

/* ---- peer_conn.c ---- */

/* peer_new(ps, role): a connection in its handshake (HS_CLIENT: to be
 * dialled; HS_SERVER: to be accepted), linked in ps->list; NULL if out
 * of memory or, inbound, over PEER_CONNS_MAX. */
struct peer *peer_new(struct peers *ps, int role);

/* peer_start(p): read (and, dialling, send the first handshake
 * message). */
void peer_start(struct peer *p);

/* peer_close(p, why): close (why logged; NULL: quietly). */
void peer_close(struct peer *p, const char *why);

/* peer_find(ps, id): the open connection with that id, or NULL. */
struct peer *peer_find(struct peers *ps, uint64_t id);

/* peer_goodbye(p, why): a final message (the peer then rests before it
 * dials again), then close (why logged). */
void peer_goodbye(struct peer *p, const char *why);

/* peer_send(p, m, len): a sync message, sealed, to the peer. */
int peer_send(struct peer *p, const uint8_t *m, size_t len);

/* peer_done(p): the syncer handled one of p's messages. */
void peer_done(struct peer *p);

/* peer_log_id(p, out): the first 16 hex digits of p's key. */
void peer_log_id(const struct peer *p, char out[17]);

/* ---- peer_listen.c ---- */
int peers_listen(struct peers *ps);

/* peers_unauth_level(ps): the log level for closing a stranger that
 * never authenticated (info for the first few in a window, then debug). */
int peers_unauth_level(struct peers *ps);

/* ---- peer_dial.c ---- */

/* peers_dialer_add(ps, addr, key): a dialer for addr (numeric ip:port)
 * started at once; key: learned from that node's certificate. */
struct dialer *
peers_dialer_add(struct peers *ps, const char *addr, const uint8_t *key);

/* dialer_schedule(d): dial again after the backoff. */
void dialer_schedule(struct dialer *d);

/* dialer_closed(d, short_lived, goodbye): d's connection closed
 * (short_lived: within PEER_SHORT_MS; goodbye: the peer ended it on
 * purpose): dial again after the backoff, or let the address rest (a
 * goodbye, or a learned address failing again and again) and try
 * others. */
void dialer_closed(struct dialer *d, int short_lived, int goodbye);

/* peers_nodes(ps, v, n): the nodes certificates name (the syncer's
 * scan): learned dialers added, retired or revived. */
void peers_nodes(struct peers *ps, const struct syncer_node *v, size_t n);

/* peers_dialers_close(ps): close every dialer's timer (stopping). */
void peers_dialers_close(struct peers *ps);

#endif
