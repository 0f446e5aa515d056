/*
 * The node file family's private header (node.c, node_ctl.c,
 * node_write.c, node_read.c, node_status.c); nothing else includes it.
 */
#ifndef SD_NODE_INT_H
#define SD_NODE_INT_H

#include <pthread.h>
#include <time.h>

#include "node.h"
#include "sync.h"

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
	/* node_on_written's callback (called under wlock). */
	void (*written)(
	    void *arg, const uint8_t *origin, uint64_t from, uint64_t to);
	void *written_arg;
	/* Peers as last reported by the federation layer, read by status
	 * requests (any thread); under plock. */
	pthread_mutex_t plock;
	struct node_peer *peers;
	size_t npeers;
	/* Records refused from certified peers, by reason (SYNC_REJ_*),
	 * and the last offence; under plock. */
	uint64_t rejected[SYNC_REJ_COUNT];
	uint8_t last_rejected_peer[KEY_PUBLIC_BYTES];
	int last_rejected_reason; /* -1: none yet */
	uint64_t last_rejected_ms;
	/* Inbound connections dropped before they authenticated: failed
	 * handshakes (timeouts, bad or wrong-network messages) and those
	 * shed to make room when every handshake slot was taken; under
	 * plock. */
	uint64_t hs_failed, hs_shed;
	/* Catch-ups with certified peers (node_sync_done); under plock. */
	uint64_t sync_bucket[NODE_SYNC_BUCKETS], sync_count, sync_sum_ms;
	/* node_records_count's; under plock. */
	uint64_t records_in, records_dup;
};

/* A control Response being built. */
struct resp {
	Sd__Response r;
	Sd__Hit **hits;
	size_t nhits, caphits;
	Sd__RowError **rows;
	size_t nrows, caprows;
	size_t bytes; /* record bytes in hits so far */
	char msg[512];
	int oom;
};

/* Record bytes one response may carry, well under the control frame cap
 * (FRAME_CONTROL_MAX); a list stops early with a resume key, a search
 * returns fewer hits than asked (its total still says how many match). */
#define NODE_RESP_BYTES (24u * 1024 * 1024)
#define NODE_RESP_FULL 2

/* ---- node_ctl.c ---- */

/* node_resp_fail(rs, code, fmt, ...): the answer is an error; returns code. */
int node_resp_fail(struct resp *rs, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* node_resp_hit(rs, rec, len, score, matched): a hit (record copied);
 * NODE_RESP_FULL when the response has no room left. */
int node_resp_hit(struct resp *rs, const uint8_t *rec, size_t len, double score,
    const char *matched);

/* node_resp_hit_cb: a store_record_cb adding each record as a hit. */
int node_resp_hit_cb(void *arg, const uint8_t *rec, size_t len);

/* node_resp_row(rs, index, msg): a row error of a put. */
int node_resp_row(struct resp *rs, uint32_t index, const char *msg);

/* ---- node.c ---- */

/* node_lock_publish(n): takes wlock for a publication; first, until
 * this node's own seq is known to be current (node_seq_learn) or
 * publish_wait_ms has passed since the start, waits. */
void node_lock_publish(struct node *n);

/* node_own_cert(n, cert, err, errlen): this node's certificate in force,
 * or a sentence in err saying why there is none. */
int
node_own_cert(struct node *n, struct record *cert, char *err, size_t errlen);

/* ---- node_write.c, node_read.c, node_status.c: the requests ---- */

int node_put(struct node *n, const Sd__PutMembers *pm, struct resp *rs);
int node_remove(struct node *n, const Sd__RemoveMember *rm, struct resp *rs);
int node_add_cert(struct node *n, const Sd__AddCert *ac, struct resp *rs);
int node_get(struct node *n, const Sd__GetMember *gm, struct resp *rs);
int node_list(struct node *n, const Sd__ListMembers *lm, struct resp *rs);
/* A search (m NULL) or a match (q NULL). */
int node_search(
    struct node *n, const Sd__Query *q, const Sd__Match *m, struct resp *rs);
int node_consortium(struct node *n, const Sd__Consortium *c, struct resp *rs);
int node_status(struct node *n, struct resp *rs);

#endif
