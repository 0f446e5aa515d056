/*
 * sync: what a node says to its peers and does with what they say
 * (docs/PROTOCOL.md, "Sync"). Pure protocol logic over the node's store:
 * no sockets, no event loop. Every function may run on any thread (the
 * daemon calls them from libuv's thread pool); writes go through LMDB's
 * single writer.
 */
#ifndef SD_SYNC_H
#define SD_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "node.h"

#define SYNC_VERSION 1
#define SYNC_BATCH_BYTES (768 * 1024) /* records in one RecordBatch */
#define SYNC_BATCH_RECORDS 4096
#define SYNC_OUT_MAX 256 /* replies to one message */
#define SYNC_WANT_BATCHES 8 /* batches sent back to back for one Want */
#define SYNC_PUSH_RECORDS 64 /* a change this small is pushed eagerly */

/* One origin's watermark as a peer reported it. */
struct sync_mark {
	uint8_t origin[32];
	uint64_t w;
};

/* Encoded PeerMsgs to send, in order, and what handling the message
 * learned. */
struct sync_out {
	uint8_t *msg[SYNC_OUT_MAX];
	size_t len[SYNC_OUT_MAX];
	size_t n;
	int advanced; /* a watermark moved: adv_origin from adv_from to adv_to */
	uint8_t adv_origin[32];
	uint64_t adv_from, adv_to;
	int digest; /* the message was a digest: marks[nmarks] is a copy */
	int lagging; /* and it names records this node lacks */
	struct sync_mark *marks;
	size_t nmarks;
	uint64_t records_in; /* records of a batch received and stored */
	uint64_t records_out; /* records in batches queued in msg */
	uint64_t peer_to; /* a batch received: the sender holds up to here */
	uint64_t equivocations; /* records under a seq already used, refused */
	uint8_t equiv_origin[32]; /* the last one's origin and seq */
	uint64_t equiv_seq;
	/* A batch that answered no Want of ours and brought nothing: every
	 * record was held here already (a node origin's; the caller decides
	 * whether the peer could have known: a replay). */
	int stale;
	uint8_t stale_origin[32];
	uint64_t stale_from, stale_to;
	uint64_t stale_mark; /* this node's watermark of it */
};

/* Wants sent on one connection whose answer has not ended yet: a digest
 * does not ask for the same origin again meanwhile (the answer is on its
 * way), unless it is older than SYNC_WANT_TIMEOUT_MS. Per connection,
 * used by one sync_commit at a time. */
#define SYNC_WANT_TIMEOUT_MS 30000
struct sync_pending {
	struct sync_want_state {
		uint8_t origin[32];
		uint64_t next; /* the `from` of the batch expected next */
		uint64_t at_ms;
	} *v;
	size_t n;
	/* Origins asked for again from the start because the peer held more
	 * of them at the same watermark (a store that lost records): not
	 * again on this connection for SYNC_REPAIR_MS. */
	struct sync_repair {
		uint8_t origin[32];
		uint64_t at_ms;
	} *r;
	size_t nr;
};
#define SYNC_REPAIR_MS 60000

/* sync_pending_free(sp): release; sp may be reused. */
void sync_pending_free(struct sync_pending *sp);

/* sync_out_free(o): free the messages; o may be reused. */
void sync_out_free(struct sync_out *o);

/* sync_hello(n, out): the first message to a new peer: this node's
 * certificate. SD_ENOCERT if it has none (it cannot take part). */
int sync_hello(struct node *n, struct sync_out *out);

/*
 * sync_push(n, origin, from, to, out): a RecordBatch of origin's records
 * in (from, to] for peers known to hold exactly `from` (the eager push of
 * a change). 1 if queued; 0 if the range holds more than
 * SYNC_PUSH_RECORDS records or bytes for one batch (the peers then learn
 * of it from a digest); negative on error.
 */
int sync_push(struct node *n, const uint8_t origin[32], uint64_t from,
    uint64_t to, struct sync_out *out);

/* sync_digest(n, out): a Digest of every watermark this node holds. */
int sync_digest(struct node *n, struct sync_out *out);

/* A received message, decoded (and, for a batch, verified) but not yet
 * acted on. */
struct sync_msg;

/*
 * sync_prepare(n, certified, in, inlen, out, err, errlen): decode one
 * PeerMsg and, if the peer is certified and it is a RecordBatch, open
 * every record (signatures on two threads) and check it against the
 * batch and its origin's certificate. Writes nothing, so the next
 * message can be prepared while the previous one is committed. A
 * negative return means the peer misbehaved (err says how); nothing was
 * stored and the caller drops the connection. Any thread.
 */
int sync_prepare(struct node *n, int certified, const uint8_t *in,
    size_t inlen, struct sync_msg **out, char *err, size_t errlen);

/*
 * sync_commit(n, peer, certified, pending, m, out, err, errlen): act on a
 * prepared message from the authenticated peer identity `peer`, in the
 * order messages arrived on the connection. *certified is 0 until the
 * peer's certificate was accepted (it must be the first message) and is
 * set to 1 then; pending is the connection's outstanding Wants. A batch
 * is applied in one LMDB transaction. Replies go to out. A negative
 * return means the peer misbehaved, as for sync_prepare.
 */
int sync_commit(struct node *n, const uint8_t peer[32], int *certified,
    struct sync_pending *pending, struct sync_msg *m, struct sync_out *out,
    char *err, size_t errlen);

/* sync_msg_free(m): NULL harmless. */
void sync_msg_free(struct sync_msg *m);

#endif
