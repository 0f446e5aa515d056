/*
 * node: what a running stardustd is: its configuration, code lists,
 * store, identity key and own seq, and the answers to control requests.
 * The node file family (node_int.h joins them):
 *   node.c         lifecycle, the own seq, logging, counters for status
 *   node_ctl.c     the control dispatcher (node_handle) and responses
 *   node_write.c   publishing: members, removals, root records
 *   node_read.c    member reads, search, match, consortium
 *   node_status.c  the status answer
 *
 * node_handle() may be called from any thread at once (the daemon calls
 * it from libuv's thread pool): reads run in parallel; writes take the
 * node's write lock, under which seqs are assigned, records signed and
 * applied in one LMDB transaction, so seqs never repeat or skip.
 */
#ifndef SD_NODE_H
#define SD_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "codes.h"
#include "config.h"
#include "ctl.h"
#include "key.h"
#include "record.h"
#include "store.h"
#include "sync.h"

/* Less free space than this on the store's disk after a failed write: the
 * disk is full. */
#define NODE_DISK_LOW (16u * 1024 * 1024)

struct node;

/* What the federation layer last said about one peer (for status). */
struct node_peer {
	uint8_t key[KEY_PUBLIC_BYTES];
	int has_key;
	char addr[64];
	char state[16];
	uint64_t idle_ms, bytes_in, bytes_out;
	uint64_t records_in, records_out;
	uint64_t lag; /* seqs this node lacks that the peer holds */
	uint64_t peer_lag; /* seqs the peer lacks that this node holds */
	int has_lag; /* the peer sent a digest */
	int outbound;
	int learned; /* dialled from an address in the peer's certificate */
	uint64_t synced_ms; /* when last in sync with it (epoch ms), 0: never */
	unsigned caps; /* sync capabilities in use (SYNC_CAP_*) */
	uint64_t records_dup; /* records it sent that were held already */
	char software[SYNC_SOFTWARE_MAX + 1]; /* what it announced; "" none */
};

/* Upper bounds (ms) of the catch-up duration histogram in status. */
#define NODE_SYNC_BUCKETS 8
extern const uint64_t node_sync_le_ms[NODE_SYNC_BUCKETS];

/* node_open(cfg, out, err, errlen): load the key, open the store. Takes
 * ownership of cfg, also on failure. */
int node_open(struct config *cfg, struct node **out, char *err, size_t errlen);

/* node_close(n): close the store and wipe the key. NULL harmless. */
void node_close(struct node *n);

/* The node's parts, valid until node_close. Any thread. */
const struct config *node_config(const struct node *n);
const struct codes *node_codes(const struct node *n);
struct store *node_store(const struct node *n);
const uint8_t *node_public_key(const struct node *n);

/* node_identity(n): the node's key, for the handshake to prove it (only
 * base/key.c reads its secret). */
const struct key *node_identity(const struct node *n);

/* node_seq(n): the last seq this node published. Any thread. */
uint64_t node_seq(struct node *n);

/*
 * node_handle(n, req, len, resp, resplen): decode a control Request,
 * execute it and encode the Response into *resp (malloc'd, caller frees).
 * Always produces a response (errors are reported inside it) unless out of
 * memory, when it returns -ENOMEM. Any thread.
 */
int node_handle(struct node *n, const uint8_t *req, size_t len, uint8_t **resp,
    size_t *resplen);

/*
 * node_on_written(n, fn, arg): fn(arg, origin, from, to) is called after
 * this node stored records of its own, seqs (from, to], or a root record
 * by hand (origin the root's, from and to 0), from the thread that wrote
 * them and in the order they were written, so that the federation layer
 * tells its peers at once. Set before requests are served; fn must be
 * thread-safe and must not call back into the node. fn NULL: none.
 */
void node_on_written(struct node *n,
    void (*fn)(void *arg, const uint8_t *origin, uint64_t from, uint64_t to),
    void *arg);

/* node_seq_learn(n, w): a certified peer holds this node's own records
 * up to seq w (0: none): publications may go on, after w. A claim more
 * than NODE_SEQ_JUMP_MAX beyond this store's is not believed (logged).
 * Any thread. */
#define NODE_SEQ_JUMP_MAX (1ull << 32)
void node_seq_learn(struct node *n, uint64_t w);

/* node_unauth_count(n, failed, shed): add to the counts of dropped
 * unauthenticated connections. Any thread. */
void node_unauth_count(struct node *n, uint64_t failed, uint64_t shed);

/* node_sync_done(n, ms): count a catch-up with a peer that took ms. Any
 * thread. */
void node_sync_done(struct node *n, uint64_t ms);

/* node_reject(n, reason, peer): count an offence (sync.h's SYNC_REJ_*)
 * of peer (32 bytes, or NULL if not known). Any thread. */
void node_reject(struct node *n, int reason, const uint8_t *peer);

/* node_records_count(n, in, dup): records received from peers since the
 * start, that moved a watermark and that were held already (the sync
 * thread's totals). Any thread. */
void node_records_count(struct node *n, uint64_t in, uint64_t dup);

/* node_peers_set(n, v, cnt): replace the peer snapshot (takes v). Any
 * thread. */
void node_peers_set(struct node *n, struct node_peer *v, size_t cnt);

/*
 * node_cert_of(n, who, cert): open the certificate of `who` that is in
 * force now (free with record_close): 0, SD_ENOCERT (none held),
 * SD_EREVOKED or SD_EEXPIRED. Any thread.
 */
int node_cert_of(
    struct node *n, const uint8_t who[KEY_PUBLIC_BYTES], struct record *cert);

/* node_log(n, level, fmt, ...): a line (at most 2047 bytes) if level is
 * at or below the configured level: to syslog with `log = syslog` (see
 * slog.h), else a timestamped line on stderr. n may be NULL. Any
 * thread. */
void node_log(const struct node *n, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
