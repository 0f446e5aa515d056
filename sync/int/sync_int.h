/*
 * The sync file family's private header (sync_hub.c, sync_session.c,
 * sync_digest.c, sync_batch.c); nothing outside sync/ includes it.
 */
#ifndef SD_SYNC_INT_H
#define SD_SYNC_INT_H

#include "gossip.pb-c.h"
#include "record.h"
#include "sync.h"

/* One origin in a hub's cache of its own watermarks. */
struct sync_entry {
	uint8_t origin[KEY_PUBLIC_BYTES];
	uint64_t w; /* watermark; the root: the highest root seq held */
	/* Records held with seq <= w (the root: root records held). Two
	 * stores at the same watermark hold the same records of a node
	 * origin, so a peer holding more shows this store lost some. */
	uint64_t held;
	/* The same for a peer without SYNC_CAP_LATER (store_held_v1): the
	 * watermark and count over the kinds 0.1.0 knows. kw <= w. */
	uint64_t kw, kheld;
	/* Replay detection: w as told to peers since t_cur (when it last
	 * moved, 0: not since the start), and w_old, an earlier watermark
	 * every peer connected since has been told. w_old <= w. */
	uint64_t w_old, t_cur;
	uint64_t gen; /* the hub's gen when (w, held) last changed */
	/* Its certificate was found in force until cert_until while the
	 * root set stood at cert_gen - 1 (0: not looked at). */
	uint64_t cert_gen, cert_until;
};

/* An origin whose entry changed, at gen (the hub's recent changes). */
struct sync_change {
	uint64_t gen;
	uint8_t origin[KEY_PUBLIC_BYTES];
};

/* Changes kept for sessions to look at only what moved. */
#define SYNC_RING 4096

struct sync_hub {
	struct sync_ctx ctx;
	struct sync_change ring[SYNC_RING];
	uint64_t nring; /* changes ever recorded (ring[nring % SYNC_RING]) */
	uint64_t root_gen; /* gen of the root entry's last change */
	struct sync_entry *v; /* sorted by origin */
	size_t n, cap;
	struct sync_session *sessions;
	/* gen counts changes of the cache; fp is the fingerprint of the
	 * whole vector (see sync_fp), kfp of the vector a peer without
	 * SYNC_CAP_LATER is told (kw, kheld). */
	uint64_t gen, fp, kfp;
	uint64_t now_max; /* the latest time sync_now returned */
	/* Records received on every session since the start: that moved a
	 * watermark, and that were held already. */
	uint64_t records_in, records_dup;
	/* The encoded full digest, valid while gen == digest_gen, for peers
	 * with SYNC_CAP_LATER if digest_later (else the kinds of 0.1.0). */
	uint64_t digest_gen;
	int digest_later;
	uint8_t *digest;
	size_t digest_len;
};

/* What this node knows of a peer's hold on an origin. */
struct sync_mark {
	uint8_t origin[KEY_PUBLIC_BYTES];
	uint64_t w; /* its watermark: as digested, raised by what it was sent */
	uint64_t dw, dheld; /* as its digests said (dheld 0 if not told) */
	uint64_t dw_at; /* when dw last grew (this node's clock) */
	int behind; /* the last look found the peer ahead of this node */
	int lag; /* ... on a node origin not this node's (status's lag) */
	int has_dheld;
	/* SYNC_CAP_LAZY: what the peer asked of this node for the origin
	 * (mode), and what this node asked of the peer (asked): 1 push it,
	 * -1 only tell of it, 0 not said (push only a node's own records). */
	int mode, asked;
};

/* A Want in flight: the `from` of the batch expected next. */
struct sync_want {
	uint8_t origin[KEY_PUBLIC_BYTES];
	uint64_t next, at_ms;
	/* Asked below this node's watermark (records lost here): the
	 * answer's end is asked again until it passes the watermark. */
	int repair;
};

/* An origin fetched again from the start, and when. */
struct sync_repair {
	uint8_t origin[KEY_PUBLIC_BYTES];
	uint64_t at_ms;
};

struct sync_session {
	struct sync_hub *hub;
	struct sync_session *prev, *next;
	uint8_t peer[KEY_PUBLIC_BYTES];
	char label[64];
	char software[SYNC_SOFTWARE_MAX + 1]; /* the peer's PeerMsg.software */
	void (*send)(void *arg, const uint8_t *msg, size_t len);
	void *arg;
	int certified;
	uint64_t certified_ms;
	unsigned caps; /* SYNC_CAP_* both ends announced */
	/* The peer's watermarks: its digests, raised by what it was pushed
	 * or sent since; sorted by origin. pfp: the fingerprint of its
	 * vector as digested (dw, dheld). */
	struct sync_mark *known;
	size_t nknown, capknown;
	int has_digest;
	uint64_t pfp;
	/* Delta digests: the hub's gen at the last digest sent; whether the
	 * next must be whole; whether to ask the peer for a whole one. */
	uint64_t told_gen;
	int full_next, ask_resend;
	unsigned idle_ticks; /* ticks since the last digest, in sync */
	/* Wants are looked for in what changed since the last look (the
	 * hub's gen then), and in the entries found behind (nbehind, of
	 * which nlag on others' node origins), again at recheck_at (0: no
	 * need) though nothing changes. passed: a first look happened. */
	uint64_t pass_gen, recheck_at;
	size_t nbehind, nlag;
	int passed;
	int look_behind; /* Wants left for the next look (a cap reached) */
	/* What the peer's digests said of this node's own origin, as last
	 * told to ctx.seq_learn (self_told: told once). */
	uint64_t self_w;
	int self_told;
	struct sync_want *wants;
	size_t nwants;
	struct sync_repair *repairs;
	size_t nrepairs;
	uint64_t behind_ms; /* when its digest first showed a lag; 0 */
	uint64_t synced_ms; /* when its digest last showed none; 0 */
	uint64_t records_in, records_dup, records_out;
};

struct sync_msg {
	Sd__PeerMsg *m;
	int rc; /* sync_prepare failed: why, in err */
	char err[256];
	/* A batch, prepared: its records opened and checked. */
	struct record *rs;
	struct store_item *items;
	int ready; /* rs/items hold every record of the batch */
	/* Committed, it brought nothing (see SYNC_STALE): this node's
	 * watermark of its origin then. */
	uint64_t stale_mark;
};

/* A Want in flight on another connection holds back asking the same
 * origin here while its answer made progress within this long (a loaded
 * node may take seconds to answer one batch: at 5 s, 40 daemons on two
 * cores fetched most records twice; bench/scale.sh). */
#define SYNC_WANT_ELSEWHERE_MS 15000

/* A change a peer tells of is fetched from it only after this long if
 * another peer is expected to push it (sync_digest.c). */
#define SYNC_PUSH_WAIT_MS 50

/* In sync with a peer of SYNC_CAP_DELTA, a digest (the fingerprint
 * alone) goes every this many gossip ticks, not every tick. */
#define SYNC_IDLE_TICKS 5

/* Bytes of a root Want's bitmap of held seqs, at most. */
#define SYNC_HELD_MAX 65536

/* Origins in one Mode message, at most. */
#define SYNC_MODE_MAX 1024

/* Origins a session keeps of the peer's vector, at most: twice what a
 * whole digest can carry (CHAN_MSG_MAX). A peer that names more is
 * refused (its vector holds made-up origins). */
#define SYNC_KNOWN_MAX 65536

/* sync_batch_commit's answer for a batch that answered no Want of ours
 * and whose records were all held here already (of a node origin): the
 * session decides whether the peer could have known (a replay). */
#define SYNC_STALE 2

/* What s's peer is told of this node's hold on an entry e (NULL: none):
 * the watermark and held count over every kind, or over the kinds of
 * 0.1.0 for a peer without SYNC_CAP_LATER. */
static inline uint64_t
sync_mine_w(const struct sync_session *s, const struct sync_entry *e)
{
	return e == NULL ? 0 : (s->caps & SYNC_CAP_LATER) ? e->w : e->kw;
}

static inline uint64_t
sync_mine_held(const struct sync_session *s, const struct sync_entry *e)
{
	return e == NULL ? 0 : (s->caps & SYNC_CAP_LATER) ? e->held : e->kheld;
}

/* ---- sync_hub.c ---- */

/* sync_log(h, level, fmt, ...): a log line through the context. */
void sync_log(const struct sync_hub *h, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* sync_now(h): the context's clock, never going back: a wall clock set
 * back (NTP) stands still until it catches up, so waits and intervals
 * measured on it (replay grace, Want timeouts, catch-ups) never wrap. */
uint64_t sync_now(struct sync_hub *h);

/* sync_record_open(ctx, rec, len, now, out, err, errlen): record_open,
 * or record_decode of bytes ctx->trust says were opened before. */
int sync_record_open(const struct sync_ctx *ctx, const uint8_t *rec, size_t len,
    uint64_t now, struct record *out, char *err, size_t errlen);

/* sync_ctx_cert_of(ctx, who, now, out): sync_cert_of through
 * sync_record_open. */
int sync_ctx_cert_of(const struct sync_ctx *ctx,
    const uint8_t who[KEY_PUBLIC_BYTES], uint64_t now, struct record *out);

/* sync_is_root(h, o), sync_is_self(h, o): whose origin o is. */
int sync_is_root(const struct sync_hub *h, const uint8_t *o);
int sync_is_self(const struct sync_hub *h, const uint8_t *o);

/* sync_entry_find(h, origin): the cache's entry, or NULL. */
struct sync_entry *sync_entry_find(
    const struct sync_hub *h, const uint8_t origin[KEY_PUBLIC_BYTES]);

/* sync_hub_refresh(h, origin): read origin's entry from the store again
 * (after a write); a moved watermark is noted for replay detection. */
int
sync_hub_refresh(struct sync_hub *h, const uint8_t origin[KEY_PUBLIC_BYTES]);

/* sync_hub_refresh_all(h): every entry again (after a revocation, which
 * drops a whole origin). */
int sync_hub_refresh_all(struct sync_hub *h);

/* sync_hub_announce(h, origin, from, to, src): origin's watermark moved
 * from `from` to `to` here; tell every certified session but src. */
int sync_hub_announce(struct sync_hub *h, const uint8_t *origin, uint64_t from,
    uint64_t to, struct sync_session *src);

/* sync_fp(origin, w, held): an origin's share of a vector's fingerprint
 * (XORed over every origin with w > 0). */
uint64_t sync_fp(const uint8_t *origin, uint64_t w, uint64_t held);

/* sync_cert_in_force(h, e, origin): 1 if origin's certificate is held,
 * not revoked, and not expired now; 0 if not; < 0 on error. Decoded, not
 * verified again: the store verified it when it took it. e, origin's
 * entry or NULL, caches the answer until the root set changes. */
int sync_cert_in_force(
    struct sync_hub *h, struct sync_entry *e, const uint8_t *origin);

/* sync_replay_grace(h): how long a watermark must have been told before
 * a peer is taken to know it. */
uint64_t sync_replay_grace(const struct sync_hub *h);

/* ---- sync_session.c ---- */

/* sync_send(s, m): encode m (its version set here) and send it. */
int sync_send(struct sync_session *s, Sd__PeerMsg *m);

/* sync_known(s, origin): the peer's known watermark entry, or NULL. */
struct sync_mark *sync_known(
    const struct sync_session *s, const uint8_t origin[KEY_PUBLIC_BYTES]);

/* sync_known_raise(s, origin, w): the peer holds origin up to w now. */
void sync_known_raise(
    struct sync_session *s, const uint8_t origin[KEY_PUBLIC_BYTES], uint64_t w);

/* sync_known_get(s, origin): the entry of origin, added (zeroed) if
 * new; NULL if out of memory. */
struct sync_mark *
sync_known_get(struct sync_session *s, const uint8_t origin[KEY_PUBLIC_BYTES]);

/* sync_mode_send(s, origin, lazy): ask the peer (with SYNC_CAP_LAZY) not
 * to push origin (lazy), or to push it again. */
int sync_mode_send(
    struct sync_session *s, const uint8_t origin[KEY_PUBLIC_BYTES], int lazy);

/* sync_cert_check(ctx, peer, rec, len, err, errlen): the peer's
 * certificate record as its first message: checked and stored. */
int sync_cert_check(struct sync_session *s, const uint8_t *rec, size_t len,
    char *err, size_t errlen);

/* ---- sync_digest.c ---- */

/* sync_digest_send(s): a digest for the peer: with SYNC_CAP_DELTA what
 * changed since the last one (whole when asked or the first), with the
 * fingerprint; without, every watermark (encoded once per change). */
int sync_digest_send(struct sync_session *s);

/* sync_on_digest(s, d): the peer's watermarks: Wants for what it holds
 * and this node lacks; its known marks replaced. 1 if it holds records
 * of a node origin this node lacks (for catch-up timing), else 0. */
int sync_on_digest(struct sync_session *s, const Sd__Digest *d);

/* sync_wants_pass(s, d): Wants for what the peer's vector shows this
 * node lacks, looking at what changed since the last pass (the hub's
 * changes, the digest d if not NULL, the entries found behind), or at
 * all of it when needed; 1 if it shows records of a node origin this
 * node lacks. Sets s->recheck_at when to look again though nothing
 * changes. */
int sync_wants_pass(struct sync_session *s, const Sd__Digest *d);

/* sync_want_send(s, origin, after): a Want, remembered as in flight; for
 * the root, with the bitmap of the root seqs above after held here. */
int sync_want_send(struct sync_session *s,
    const uint8_t origin[KEY_PUBLIC_BYTES], uint64_t after);

/* sync_want_find(s, origin), sync_want_clear(s, origin): the Want in
 * flight for origin. */
struct sync_want *
sync_want_find(struct sync_session *s, const uint8_t origin[KEY_PUBLIC_BYTES]);
void
sync_want_clear(struct sync_session *s, const uint8_t origin[KEY_PUBLIC_BYTES]);

/* ---- sync_batch.c ---- */

/* sync_on_want(s, w): the answer: up to SYNC_WANT_BATCHES batches. */
int sync_on_want(struct sync_session *s, const Sd__Want *w);

/*
 * sync_push_encode(h, origin, from, to, msg, len, nrec, nlater): a PeerMsg
 * with a RecordBatch of origin's records in (from, to] into *msg
 * (malloc'd), if they are at most SYNC_PUSH_RECORDS and fit one batch: 1;
 * 0 if too big to push (a digest tells instead); negative on error.
 * *nlater: how many are of a later kind (not for a peer without
 * SYNC_CAP_LATER).
 */
int sync_push_encode(struct sync_hub *h, const uint8_t *origin, uint64_t from,
    uint64_t to, uint8_t **msg, size_t *len, size_t *nrec, size_t *nlater);

/* sync_batch_prepare(ctx, m, err, errlen): open and check a batch's
 * records (see sync_prepare). */
int sync_batch_prepare(
    const struct sync_ctx *ctx, struct sync_msg *m, char *err, size_t errlen);

/* sync_batch_commit(s, m, err, errlen): store a prepared batch, note
 * what moved and announce it. */
int sync_batch_commit(
    struct sync_session *s, struct sync_msg *m, char *err, size_t errlen);

/* sync_err(err, errlen, code, fmt, ...): code, with a message in err. */
int sync_err(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
