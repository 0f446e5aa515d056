/*
 * node: what a running stardustd is: its configuration, code lists, store,
 * identity key and seq counter. It answers control requests.
 *
 * node_handle() may be called from any thread at once (the daemon calls
 * it from libuv's thread pool): reads run in parallel; writes take the
 * node's write lock, under which seqs are assigned, records signed and
 * applied in one LMDB transaction, so seqs never repeat or skip.
 */
#ifndef SD_NODE_H
#define SD_NODE_H

#include <pthread.h>
#include <time.h>
#include <stddef.h>
#include <stdint.h>

#include "codes.h"
#include "config.h"
#include "ctl.h"
#include "key.h"
#include "record.h"
#include "store.h"

/* Less free space than this on the store's disk after a failed write: the
 * disk is full. */
#define NODE_DISK_LOW (16u * 1024 * 1024)

/* What the federation layer last said about one peer (for status). */
struct node_peer {
	uint8_t key[32];
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
};

/* Upper bounds (ms) of the catch-up duration histogram in status. */
#define NODE_SYNC_BUCKETS 8
extern const uint64_t node_sync_le_ms[NODE_SYNC_BUCKETS];

/* Why a certified peer's message was refused (counted in status). */
enum {
	NODE_REJ_SIGNATURE,   /* a record's signature does not verify */
	NODE_REJ_SCOPE,       /* a member outside its origin's certificate */
	NODE_REJ_EQUIVOCATION, /* a second record under a seq already used */
	NODE_REJ_MALFORMED,   /* bad frame, protobuf, batch or record */
	NODE_REJ_VERSION,     /* a sync version not spoken here */
	NODE_REJ_REPLAY,      /* a batch of records the peer knew were held */
	NODE_REJ_COUNT
};

struct node {
	struct config *cfg; /* owned */
	struct codes *codes; /* owned */
	struct store *st; /* owned */
	struct key *key; /* owned; only key.c reads the secret */
	pthread_mutex_t wlock;
	uint64_t seq; /* last seq published; under wlock */
	/* Whether seq is known to be current: a certified peer's digest
	 * (the federation's watermark of this node's own records) said so,
	 * or publish_wait_ms passed since the start. A store restored from
	 * an older backup is behind what the federation has seen, so
	 * publications wait for it (under wlock; seq_cv signalled). */
	int seq_learned;
	pthread_cond_t seq_cv;
	struct timespec seq_deadline; /* CLOCK_MONOTONIC */
	/* Called (from the thread that published, under wlock) after this
	 * node stored records of its own, seqs (from, to], so the federation
	 * layer can push them at once. Set before requests are served; must
	 * be thread-safe. */
	void (*published)(
	    void *arg, const uint8_t *origin, uint64_t from, uint64_t to);
	void *published_arg;
	/* Peers as last reported by the federation layer (loop thread), read
	 * by status requests (any thread); under plock. */
	pthread_mutex_t plock;
	struct node_peer *peers;
	size_t npeers;
	/* Records refused from certified peers, by reason (NODE_REJ_*),
	 * and the last offence; under plock. */
	uint64_t rejected[NODE_REJ_COUNT];
	uint8_t last_rejected_peer[32];
	int last_rejected_reason; /* -1: none yet */
	uint64_t last_rejected_ms;
	/* Inbound connections dropped before they authenticated: failed
	 * handshakes (timeouts, bad or wrong-network messages) and those
	 * shed to make room when every handshake slot was taken; under
	 * plock. */
	uint64_t hs_failed, hs_shed;
	/* Catch-ups with certified peers (node_sync_done); under plock. */
	uint64_t sync_bucket[NODE_SYNC_BUCKETS], sync_count, sync_sum_ms;
};


/* node_unauth_count(n, failed, shed): add to the counts of dropped
 * unauthenticated connections. Any thread. */
void node_unauth_count(struct node *n, uint64_t failed, uint64_t shed);

/* node_sync_done(n, ms): count a catch-up with a peer that took ms. Any
 * thread. */
void node_sync_done(struct node *n, uint64_t ms);

/* node_seq_learn(n, w): a certified peer holds this node's own records
 * up to seq w (0: none): publications may go on, after w. Any thread. */
void node_seq_learn(struct node *n, uint64_t w);

/* node_reject_name(reason): "signature", "scope", ... */
const char *node_reject_name(int reason);

/* node_reject(n, reason, peer): count an offence of peer (32 bytes, or
 * NULL if not known). Any thread. */
void node_reject(struct node *n, int reason, const uint8_t *peer);

/* node_reject_reason(rc): the NODE_REJ_* an error of a peer's message
 * counts as, or -1 if it is not an offence (a full store, say). */
int node_reject_reason(int rc);

/*
 * node_cert_bytes(n, who, buf, len, revoked): a copy (*buf, malloc'd) of
 * the current certificate record of node key `who`, and whether a
 * revocation of it is held. SD_ENOCERT if no certificate is held. Any
 * thread.
 */
int node_cert_bytes(struct node *n, const uint8_t who[KEY_PUBLIC_BYTES],
    uint8_t **buf, size_t *len, int *revoked);

/*
 * node_cert_of(n, who, cert): open the certificate of `who` that is in
 * force (free with record_close): 0, SD_ENOCERT (none held), SD_EREVOKED
 * or SD_EEXPIRED. Any thread.
 */
int node_cert_of(
    struct node *n, const uint8_t who[KEY_PUBLIC_BYTES], struct record *cert);

/* node_peers_set(n, v, cnt): replace the peer snapshot (takes v). */
void node_peers_set(struct node *n, struct node_peer *v, size_t cnt);

/* node_open(cfg, out, err, errlen): load the key, open the store. Takes
 * ownership of cfg, also on failure. */
int node_open(struct config *cfg, struct node **out, char *err, size_t errlen);

/* node_close(n): close the store and wipe the key. NULL harmless. */
void node_close(struct node *n);

/*
 * node_handle(n, req, len, resp, resplen): decode a control Request,
 * execute it and encode the Response into *resp (malloc'd, caller frees).
 * Always produces a response (errors are reported inside it) unless out of
 * memory, when it returns -ENOMEM. Any thread.
 */
int node_handle(struct node *n, const uint8_t *req, size_t len, uint8_t **resp,
    size_t *resplen);

/* node_log(n, level, fmt, ...): a line (at most 2047 bytes) if level is
 * at or below the configured level: to syslog with `log = syslog` (see
 * slog.h), else a timestamped line on stderr. Any thread. */
void node_log(const struct node *n, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
