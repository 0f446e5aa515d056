/*
 * peer: the federation's connections on the daemon's libuv loop. A TCP
 * listener (config `listen`) and outbound connections to the configured
 * peers (config `peers`) and to addresses in certificates, each running
 * the handshake (proto/hs.h), then the encrypted channel (proto/chan.h)
 * carrying sync messages. Messages are decoded and verified on libuv's
 * thread pool and acted on by the sync thread (daemon/syncer.h, over
 * sync/sync.h), so the loop never verifies signatures or reads the
 * store. Loop thread only. The family: see peer_int.h.
 */
#ifndef SD_PEER_H
#define SD_PEER_H

#include <uv.h>

#include "node.h"

#define PEER_HS_TIMEOUT_MS 5000
#define PEER_WQUEUE_MAX (16u * 1024 * 1024) /* queued output per peer */
#define PEER_BACKOFF_MIN_MS 200
#define PEER_BACKOFF_MAX_MS 10000
#define PEER_CONNS_MAX 256 /* inbound connections (dialled: one a dialer) */
/* Inbound connections still in their handshake: when all are taken, the
 * oldest is closed for the newcomer, so a flood of junk connections
 * cannot keep an honest peer out (and costs at most this many). */
#define PEER_PENDING_MAX 64
#define PEER_SHED_LOG_MS 10000 /* at most one "shedding" line this often */
#define PEER_UNAUTH_LOG_MAX 10 /* strangers' closes at info in that time */
#define PEER_LISTEN_BACKLOG 1024

struct peers;

/* peers_start(loop, n, out): start the sync thread, listen and dial as
 * configured; local writes are told to peers at once (node_on_written).
 * On failure *out is still set, for peers_stop. */
int peers_start(uv_loop_t *loop, struct node *n, struct peers **out);

/* peers_stop(ps): close everything; memory goes from close callbacks.
 * NULL harmless. */
void peers_stop(struct peers *ps);

#endif
