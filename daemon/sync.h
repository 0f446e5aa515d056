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
#define SYNC_BATCH_BYTES (256 * 1024) /* records in one RecordBatch */
#define SYNC_BATCH_RECORDS 4096
#define SYNC_OUT_MAX 256 /* replies to one message */

/* Encoded PeerMsgs to send, in order. */
struct sync_out {
	uint8_t *msg[SYNC_OUT_MAX];
	size_t len[SYNC_OUT_MAX];
	size_t n;
	int advanced; /* a watermark moved: tell every peer */
};

/* sync_out_free(o): free the messages; o may be reused. */
void sync_out_free(struct sync_out *o);

/* sync_hello(n, out): the first message to a new peer: this node's
 * certificate. SD_ENOCERT if it has none (it cannot take part). */
int sync_hello(struct node *n, struct sync_out *out);

/* sync_digest(n, out): a Digest of every watermark this node holds. */
int sync_digest(struct node *n, struct sync_out *out);

/*
 * sync_handle(n, peer, certified, in, inlen, out, err, errlen): handle one
 * PeerMsg from the authenticated peer identity `peer`. *certified is 0
 * until the peer's certificate was accepted (it must be the first
 * message) and is set to 1 then. Replies go to out. A negative return
 * means the peer misbehaved (bad frame, bad signature, record outside its
 * origin's scope, ...): err says how, nothing of that message was stored,
 * and the caller drops the connection.
 */
int sync_handle(struct node *n, const uint8_t peer[32], int *certified,
    const uint8_t *in, size_t inlen, struct sync_out *out, char *err,
    size_t errlen);

#endif
