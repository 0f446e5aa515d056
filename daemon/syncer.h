/*
 * syncer: the daemon's sync thread. It owns the node's sync hub and every
 * session (sync/sync.h), so all sync state lives on one thread and the
 * event loop does no store work: the loop posts what happened (a peer
 * authenticated, a message arrived prepared, a connection closed, this
 * node wrote records) and takes back events (messages to send, a peer
 * certified or to drop, status figures, addresses to dial), delivered on
 * the loop through a uv_async handle, in the order they were made.
 *
 * Connections are named by ids the loop chooses (never reused), not by
 * pointers, so neither side holds the other's memory: an event for a
 * connection the loop has closed is dropped, and so is a message for a
 * session the syncer has closed.
 *
 * syncer_start and syncer_stop on the loop thread; syncer_open,
 * syncer_message and syncer_close from the loop; syncer_written from any
 * thread.
 */
#ifndef SD_SYNCER_H
#define SD_SYNCER_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "node.h"
#include "sync.h"

enum {
	SYNCER_SEND, /* data: a message for the peer */
	SYNCER_CERTIFIED, /* the peer's certificate was taken */
	SYNCER_DROP, /* the peer misbehaved or failed: why (logged) */
	SYNCER_DONE, /* a message posted with syncer_message was handled */
	SYNCER_STATS, /* stats: what the session knows of its peer */
	SYNCER_NODES /* nodes: certified nodes with an address */
};

/* A certified node whose certificate names an address (to dial). */
struct syncer_node {
	uint8_t key[KEY_PUBLIC_BYTES];
	char addr[64]; /* its certificate's first address */
	char name[64];
	int in_force; /* not revoked, not expired */
	uint64_t rank; /* the order the loop tries it in (peer_dial.c) */
};

struct syncer_event {
	struct syncer_event *next;
	int type;
	uint64_t id;
	uint8_t *data; /* SYNCER_SEND */
	size_t len;
	char why[320]; /* SYNCER_DROP */
	struct sync_stats stats; /* SYNCER_STATS */
	struct syncer_node *nodes; /* SYNCER_NODES */
	size_t nnodes;
};

struct syncer;

/*
 * syncer_start(loop, n, ctx, on_event, arg, out): make the hub over ctx
 * (which must outlive the syncer and every sync_prepare on it) and start
 * the thread. on_event(arg, ev) is called on the loop for each event;
 * ev and what it holds are freed after the call.
 */
int syncer_start(uv_loop_t *loop, struct node *n, const struct sync_ctx *ctx,
    void (*on_event)(void *arg, const struct syncer_event *ev), void *arg,
    struct syncer **out);

/* syncer_stop(sy): stop the thread (after the job it runs), free the hub
 * and its sessions; events not yet delivered are dropped. The memory
 * goes when the async handle has closed. NULL harmless. */
void syncer_stop(struct syncer *sy);

/* syncer_open(sy, id, peer, label): connection id authenticated as
 * `peer`: a session starts (its certificate is sent) or, if this node
 * has no certificate in force, SYNCER_DROP comes back. */
void syncer_open(struct syncer *sy, uint64_t id,
    const uint8_t peer[KEY_PUBLIC_BYTES], const char *label);

/* syncer_message(sy, id, m): a message of connection id, prepared with
 * sync_prepare, in arrival order (takes m). SYNCER_DONE follows. */
void syncer_message(struct syncer *sy, uint64_t id, struct sync_msg *m);

/* syncer_message_raw(sy, id, certified, in, len): as syncer_message, a
 * message not yet prepared: the sync thread calls sync_prepare (with
 * certified as the connection was when it was read). Takes in. */
void syncer_message_raw(
    struct syncer *sy, uint64_t id, int certified, uint8_t *in, size_t len);

/* syncer_close(sy, id): connection id is gone: its session ends. */
void syncer_close(struct syncer *sy, uint64_t id);

/* syncer_written(sy, origin, from, to): this node wrote records (see
 * node_on_written). Any thread. */
void syncer_written(
    struct syncer *sy, const uint8_t *origin, uint64_t from, uint64_t to);

#endif
