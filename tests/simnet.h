/*
 * simnet: a federation in one process, for tests of the sync layer. Each
 * node has a real key, a real LMDB store in a temporary directory and a
 * real sync hub (sync/sync.h); links between nodes carry the encoded
 * messages the sessions send, in order, and deliver them through the
 * same sync_prepare + sync_session_receive calls the daemon makes. The
 * clock is the net's, advanced by the test. Nothing here is a model of
 * the sync code: it is the sync code, without sockets and threads.
 *
 * Single-threaded; every pointer handed out lives until simnet_free.
 */
#ifndef SD_SIMNET_H
#define SD_SIMNET_H

#include <stddef.h>
#include <stdint.h>

#include "codes.h"
#include "key.h"
#include "store.h"
#include "sync.h"

#define SIMNET_LOG 8192 /* bytes of log kept per node */

struct simnet;
struct simlink;

struct simnode {
	struct simnet *net;
	char name[32];
	char country[3];
	char dir[512];
	struct key *key;
	struct store *st;
	struct sync_hub *hub;
	struct sync_ctx ctx;
	uint64_t seq; /* last seq this node published */
	uint64_t learned; /* the highest own seq a peer said it holds */
	uint64_t offences[SYNC_REJ_COUNT];
	uint64_t catch_ups;
	char log[SIMNET_LOG]; /* the node's log lines, oldest cut first */
	size_t loglen;
	void *user; /* the harness's (ctx.arg is the node) */
};

/* simnet_new(out): an empty net with a root key and a clock at the
 * present wall time. */
int simnet_new(struct simnet **out);

/* simnet_caps(net, caps): the SYNC_CAP_* nodes added from now on
 * announce (SYNC_CAPS at first; 0: as a node of an earlier release). */
void simnet_caps(struct simnet *net, unsigned caps);

/* simnet_cert_ms(net, ms): how long the certificates of nodes added from
 * now on are valid (a year at first). */
void simnet_cert_ms(struct simnet *net, uint64_t ms);

/* simnet_seed(net, seed): a net that replays exactly: the root's key
 * and those of nodes added from now on derived from seed, and the clock
 * set to SIMNET_EPOCH_MS (records signed then carry the same bytes in
 * every run). Called before the first node is added; 0 or -ENOMEM. */
#define SIMNET_EPOCH_MS 1767225600000ull /* 2026-01-01T00:00:00Z */
int simnet_seed(struct simnet *net, uint64_t seed);

/* simnet_store_flags(net, flags): store_open's flags for every store
 * opened from now on (STORE_NOSYNC for a simulator). */
void simnet_store_flags(struct simnet *net, int flags);

/* simnet_free(net): close every store and remove its directory. */
void simnet_free(struct simnet *net);

/* simnet_codes(net): the code lists the nodes validate with. */
const struct codes *simnet_codes(const struct simnet *net);

/* simnet_root(net): the federation root's key. */
const struct key *simnet_root(const struct simnet *net);

/* simnet_now(net), simnet_advance(net, ms): the clock. */
uint64_t simnet_now(const struct simnet *net);
void simnet_advance(struct simnet *net, uint64_t ms);

/*
 * simnet_node_add(net, name, country, out): a node allowed to publish
 * members of country; the root issues its certificate (the next root
 * seq) and it is added to the node's own store, as `stardust cert add`
 * does.
 */
int simnet_node_add(struct simnet *net, const char *name, const char *country,
    struct simnode **out);

/* simnet_node_close(n), simnet_node_reopen(n): close the node's hub and
 * store (its links are cut: their sessions go), so that the test can alter the
 * store behind its back; open them again, the node's seq read from the
 * store as a starting daemon does (reopen closes first if open). */
void simnet_node_close(struct simnode *n);
int simnet_node_reopen(struct simnode *n);

/* simnet_cert(net, n, seq, buf, len): the root record seq of the net's
 * issued records (certificates from 1), as bytes (borrowed). */
int
simnet_cert(struct simnet *net, uint64_t seq, const uint8_t **buf, size_t *len);

/* simnet_root_give(net, n, seq): the root record seq added to n's store
 * by hand (as `stardust cert add`), the hub told. */
int simnet_root_give(struct simnet *net, struct simnode *n, uint64_t seq);

/* simnet_revoke(net, who): the root revokes node who's key (the next
 * root seq); the record is not given to anyone yet. Its seq in *seq. */
int simnet_revoke(struct simnet *net, const struct simnode *who, uint64_t *seq);

/*
 * simnet_publish(n, count, first): n publishes count members with index
 * first.. (ids derived from n's name and the index: an index published
 * before gets a new version), in one store transaction, and tells its
 * hub, as the daemon does. Returns 0 or a negative error.
 */
int simnet_publish(struct simnode *n, size_t count, size_t first);

/* simnet_store_own(n, bodies, cnt): bodies[0..cnt) signed as n's next
 * seqs and stored in one transaction; the hub is told. */
int simnet_store_own(struct simnode *n, Sd__RecordBody *bodies, size_t cnt);

/* simnet_remove(n, index): a tombstone for member index of n. */
int simnet_remove(struct simnode *n, size_t index);

/* simnet_link(net, a, b, out): a connection between a (dialling) and b:
 * a session at each end, each having sent its certificate. */
int simnet_link(struct simnet *net, struct simnode *a, struct simnode *b,
    struct simlink **out);

/* simnet_unlink(l): both sessions closed, messages in flight dropped. */
void simnet_unlink(struct simlink *l);

/* simnet_link_session(l, a_side): the session at a's end (a_side 1) or
 * b's; NULL once closed. */
struct sync_session *simnet_link_session(const struct simlink *l, int a_side);

/* simnet_link_closed(l): NULL while open; else why it was closed (a
 * session refused a message: its error). */
const char *simnet_link_closed(const struct simlink *l);

/* simnet_link_sent(l, from_a): messages sent so far in one direction,
 * and how many of them were batches and records in batches. */
struct simnet_count {
	uint64_t msgs, bytes, batches, records, digests, wants;
};
void simnet_link_count(
    const struct simlink *l, int from_a, struct simnet_count *out);

/*
 * simnet_inject(l, from_a, msg, len): queue raw message bytes on the link
 * as if the dialling side (from_a) or the other had sent them.
 */
int
simnet_inject(struct simlink *l, int from_a, const uint8_t *msg, size_t len);

/* simnet_capture(l, from_a, kind, out, len): a copy (malloc'd) of the
 * first message of that PeerMsg kind (SD__PEER_MSG__M_*) with at least one
 * record, if kind is a batch, sent so far; SD_ENOTFOUND if none. */
int simnet_capture(
    const struct simlink *l, int from_a, int kind, uint8_t **out, size_t *len);

/* simnet_pump(net): deliver queued messages, one per link direction in
 * turn, until none is left (or max deliveries, 0: no limit). Returns
 * how many were delivered. */
size_t simnet_pump(struct simnet *net, size_t max);

/* simnet_tick(net): every node's gossip interval passes (digests), and
 * the looks due again are taken (sync_hub_poll), as the daemon does. */
int simnet_tick(struct simnet *net);

/* simnet_mark(n, origin): n's watermark of origin (store). */
uint64_t simnet_mark(struct simnode *n, const struct simnode *origin);

/* simnet_members(n, origin): live members of origin held by n. */
uint64_t simnet_members(struct simnode *n, const struct simnode *origin);

/* simnet_root_held(n): root records held by n (certificates in force
 * and revocations). */
uint64_t simnet_root_held(struct simnode *n);

/* simnet_records_digest(n, out): a hash of every record n holds (its
 * bytes, in key order): two nodes holding the same records agree. */
int simnet_records_digest(struct simnode *n, uint8_t out[32]);

/* simnet_logged(n, s): 1 if n logged a line containing s. */
int simnet_logged(const struct simnode *n, const char *s);

#endif
