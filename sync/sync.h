/*
 * sync: what a node says to its peers and does with what they say
 * (docs/PROTOCOL.md, "Sync"), as objects that are fed bytes and a clock
 * and hand back bytes to send: no sockets, no event loop, no threads of
 * their own. The daemon runs them on its sync thread (daemon/syncer.c);
 * tests/test_sync.c runs several nodes' hubs against each other in one
 * process.
 *
 * A hub is one node's side of the federation: its store, code lists,
 * keys and clock (struct sync_ctx), a cache of its watermarks (so a
 * digest costs no store reads), what it told its peers (replay
 * detection), and its sessions. A session is one authenticated peer
 * connection: the peer's certificate, its last known watermarks, the
 * Wants in flight, catch-up timing. A watermark that moves on one
 * session (or by a local write, sync_hub_moved) is announced to the
 * others: pushed at once to peers known to hold exactly where it moved
 * from, otherwise told in a digest.
 *
 * Thread rules: a hub and its sessions are used by one thread at a time
 * (the caller serialises); sync_prepare is the exception, it only reads
 * the context and the store and may run on any thread at once, so the
 * next batch is verified while the previous one is committed.
 */
#ifndef SD_SYNC_H
#define SD_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "codes.h"
#include "key.h"
#include "store.h"

#define SYNC_VERSION 1
#define SYNC_BATCH_BYTES (768 * 1024) /* records in one RecordBatch */
#define SYNC_BATCH_RECORDS 4096
#define SYNC_WANT_BATCHES 8 /* batches sent back to back for one Want */
#define SYNC_PUSH_RECORDS 64 /* a change this small is pushed eagerly */
/* A Want whose answer has not ended is not repeated for this long. */
#define SYNC_WANT_TIMEOUT_MS 30000
/* An origin fetched again from the start because a peer holds more of
 * it at the same watermark (this store lost records): not again on the
 * same session for this long. */
#define SYNC_REPAIR_MS 60000
/* A certified peer sending a batch that starts below a watermark this
 * node has held (and told it in digests) for max(this, 5 gossip_ms), all
 * of whose records are held, replays: refused, counted, disconnected. */
#define SYNC_REPLAY_GRACE_MS 5000

/* Optional behaviours a node announces on its first message (PeerMsg.caps),
 * used on a connection only when both ends announced them; a node of an
 * earlier release announces none and is spoken to as before. */
#define SYNC_CAP_DELTA 1u /* digests of what changed, with a fingerprint */
#define SYNC_CAP_LAZY 2u /* a receiver may ask not to be pushed an origin */
/* Relays records of kinds it does not know (0.2.0 on). A peer without it
 * (0.1.0) refuses such a record and drops the link that brought it: it
 * is neither sent them nor told of them (docs/PROTOCOL.md). */
#define SYNC_CAP_LATER 4u
#define SYNC_CAPS (SYNC_CAP_DELTA | SYNC_CAP_LAZY | SYNC_CAP_LATER)

/* PeerMsg.software: bytes kept of what a peer announces (printable ASCII;
 * anything else shown as '?'). */
#define SYNC_SOFTWARE_MAX 64

/* Why a certified peer's message was refused (counted in status). */
enum {
	SYNC_REJ_SIGNATURE, /* a record's signature does not verify */
	SYNC_REJ_SCOPE, /* a member outside its origin's certificate */
	SYNC_REJ_EQUIVOCATION, /* a second record under a seq already used */
	SYNC_REJ_MALFORMED, /* bad frame, protobuf, batch or record */
	SYNC_REJ_VERSION, /* a sync version not spoken here */
	SYNC_REJ_REPLAY, /* a batch of records the peer knew were held */
	SYNC_REJ_COUNT
};

/* sync_reject_name(reason): "signature", "scope", ...; "?" if unknown. */
const char *sync_reject_name(int reason);

/* sync_reject_reason(rc): the SYNC_REJ_* an error of a peer's message
 * counts as, or -1 if it is not an offence (a full store, say). */
int sync_reject_reason(int rc);

/*
 * What a node gives its sync layer. The pointers must outlive the hub.
 * Every callback is called on the thread using the hub, with arg.
 */
struct sync_ctx {
	struct store *st;
	const struct codes *codes;
	const uint8_t *root; /* the federation root's key */
	const uint8_t *self; /* this node's key */
	unsigned gossip_ms; /* digest interval: replay grace is 5 of them */
	unsigned caps; /* SYNC_CAP_* this node announces (SYNC_CAPS) */
	/* This node's software and release, announced on the first message
	 * ("stardustd 0.2.0"); NULL announces none (as before 0.2.0). */
	const char *software;
	void *arg;
	/* Wall-clock milliseconds since the epoch (record validity, replay
	 * grace, catch-up durations). */
	uint64_t (*now_ms)(void *arg);
	/* A line for the node's log (level: sdlog.h's SDLOG_*). */
	void (*log)(void *arg, int level, const char *msg);
	/* A certified peer holds this node's own records up to seq w: what
	 * this node publishes next must come after it (a store restored from
	 * an older backup is behind the federation). May be NULL. */
	void (*seq_learn)(void *arg, uint64_t w);
	/* An offence of certified peer `peer` (SYNC_REJ_*). May be NULL. */
	void (*offence)(void *arg, int reason, const uint8_t *peer);
	/* A catch-up with a peer (a digest naming records this node lacked,
	 * up to the first naming none) took ms. May be NULL. */
	void (*caught_up)(void *arg, uint64_t ms);
	/* For a simulator of many nodes in one process (tests/sim.c), which
	 * verifies each record's exact bytes once: with remember 0, 1 if
	 * these bytes were opened (verified, validated) before in the
	 * process, and are then only decoded; with remember 1, they just
	 * were. NULL (the daemon): every record is verified. Any thread. */
	int (*trust)(void *arg, const uint8_t *rec, size_t len, int remember);
};

struct sync_hub;
struct sync_session;

/*
 * sync_cert_bytes(st, who, buf, len, revoked): a copy (*buf, malloc'd)
 * of the current certificate record of node key `who` as stored, and
 * whether a revocation of it is held. SD_ENOCERT if no certificate is
 * held. Any thread.
 */
int sync_cert_bytes(struct store *st, const uint8_t who[KEY_PUBLIC_BYTES],
    uint8_t **buf, size_t *len, int *revoked);

/*
 * sync_cert_of(st, codes, who, now_ms, out): open (verify, validate) the
 * certificate of node key `who` that is in force at now_ms (free with
 * record_close): 0, SD_ENOCERT (none held), SD_EREVOKED or SD_EEXPIRED.
 * A node accepts records of an origin only while this says 0. Any
 * thread.
 */
int sync_cert_of(struct store *st, const struct codes *codes,
    const uint8_t who[KEY_PUBLIC_BYTES], uint64_t now_ms, struct record *out);

/*
 * sync_hub_new(ctx, out): a hub over ctx (copied; what it points to is
 * not), its watermark cache read from the store. Free with sync_hub_free
 * after every session.
 */
int sync_hub_new(const struct sync_ctx *ctx, struct sync_hub **out);

/* sync_hub_free(h): NULL harmless; frees any session left. */
void sync_hub_free(struct sync_hub *h);

/*
 * sync_hub_tick(h): the gossip interval passed: every certified session
 * is sent a digest of every watermark (from the cache). Returns 0 or a
 * negative error (out of memory).
 */
int sync_hub_tick(struct sync_hub *h);

/*
 * sync_hub_poll(h): Wants put off for a moment (a change a peer told of
 * while another peer's push of it was expected) are asked now if still
 * due. Returns when (the context's clock) to call again, 0 if there is
 * nothing to wait for. Call it at that time or after, and after each
 * message received.
 */
uint64_t sync_hub_poll(struct sync_hub *h);

/*
 * sync_hub_moved(h, origin, from, to): records of origin were written to
 * the store outside the hub (this node published seqs (from, to], or a
 * root record was added by hand): the cache is refreshed and the change
 * announced to the sessions (pushed where a peer holds exactly `from`,
 * else a digest). For a root record, from and to may be 0.
 */
int sync_hub_moved(struct sync_hub *h, const uint8_t origin[KEY_PUBLIC_BYTES],
    uint64_t from, uint64_t to);

/* sync_hub_fingerprint(h, origins): the fingerprint of the node's whole
 * watermark vector (as in delta digests; equal vectors, equal
 * fingerprints), and how many origins it holds. */
uint64_t sync_hub_fingerprint(const struct sync_hub *h, size_t *origins);

/* sync_hub_totals(h, in, dup): records received on every session since
 * the hub was made: that moved a watermark, and that were held already. */
void sync_hub_totals(const struct sync_hub *h, uint64_t *in, uint64_t *dup);

/* sync_hub_mark(h, origin, w): this node's watermark of origin from the
 * cache (the root: the highest root seq held); 0 if none. */
uint64_t
sync_hub_mark(const struct sync_hub *h, const uint8_t origin[KEY_PUBLIC_BYTES]);

/*
 * sync_session_new(h, peer, label, send, arg, out): a session with the
 * peer whose handshake proved identity `peer`; label names it in log
 * lines (its address). send(arg, msg, len) is called for every message
 * to the peer, in order (the caller frames and seals it; msg is valid
 * only during the call). The first, this node's certificate, is sent
 * here: SD_ENOCERT (nothing sent, no session) if this node has no
 * certificate in force, as it cannot take part.
 */
int sync_session_new(struct sync_hub *h, const uint8_t peer[KEY_PUBLIC_BYTES],
    const char *label, void (*send)(void *arg, const uint8_t *msg, size_t len),
    void *arg, struct sync_session **out);

/* sync_session_free(s): remove the session from its hub; NULL harmless. */
void sync_session_free(struct sync_session *s);

/* sync_session_certified(s): 1 once the peer's certificate was taken. */
int sync_session_certified(const struct sync_session *s);

/* A received message, decoded (and, for a batch from a certified peer,
 * every record opened and checked) but not yet acted on. */
struct sync_msg;

/*
 * sync_prepare(ctx, certified, in, inlen, out): decode one PeerMsg and,
 * if certified (the session's sync_session_certified when the message
 * was read) and it is a RecordBatch, open every record (signatures on
 * two threads) and check it against the batch and its origin's
 * certificate. Writes nothing. *out is set whatever the bytes were: a
 * message that fails (malformed, unknown version, a bad record) carries
 * its error, which sync_session_receive reports. 0, or -ENOMEM (nothing
 * set). Any thread, concurrently with the hub's.
 */
int sync_prepare(const struct sync_ctx *ctx, int certified, const uint8_t *in,
    size_t inlen, struct sync_msg **out);

/* sync_msg_free(m): NULL harmless. */
void sync_msg_free(struct sync_msg *m);

/*
 * sync_session_receive(s, m, err, errlen): act on a prepared message of
 * the session's peer, in the order messages arrived (takes m): the
 * first must be its certificate; a batch is applied in one LMDB
 * transaction; replies go out through send, moved watermarks to the
 * other sessions. A negative return means the peer misbehaved (a
 * message that failed in sync_prepare, a bad certificate, a replay:
 * err says how, and an offence was reported if the peer was
 * certified) or the store failed: drop the connection.
 */
int sync_session_receive(
    struct sync_session *s, struct sync_msg *m, char *err, size_t errlen);

/* What a session knows about its peer, for status. (The daemon posts
 * them to its loop only when a field changed: syncer_stats_same in
 * daemon/syncer.c compares each; a new field goes there too.) */
struct sync_stats {
	int certified;
	int has_lag; /* the peer sent a digest */
	unsigned caps; /* SYNC_CAP_* in use on the connection */
	uint64_t lag; /* seqs this node lacks that the peer holds */
	uint64_t peer_lag; /* seqs the peer lacks that this node holds */
	uint64_t records_in; /* records it sent that moved a watermark */
	uint64_t records_dup; /* records it sent that were held already */
	uint64_t records_out;
	uint64_t synced_ms; /* when last in sync with it (epoch ms), 0: never */
	uint64_t origins; /* origins of its vector kept (SYNC_KNOWN_MAX) */
	/* What it announced on its first message ("" before 0.2.0). */
	char software[SYNC_SOFTWARE_MAX + 1];
};

/* sync_session_stats(s, out): fill out (from the cache; no store read). */
void sync_session_stats(const struct sync_session *s, struct sync_stats *out);

#endif
