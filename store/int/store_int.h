/*
 * store_int: what the files of the store family share; nothing outside
 * store/ includes this (the build keeps store/int private).
 *
 *   store.c          the environment: open (schema check, upgrade),
 *                    close, errors, big-endian helpers, meta keys and
 *                    counters, the record count checked at open
 *   store_terms.c    index derivation: the index keys of a member, with
 *                    term frequency and field length
 *   store_index.c    the index tables: filter chunk format, index changes
 *                    collected in a write and written in key order
 *   store_apply.c    the write path: store_apply, one record at a time
 *                    (members, tombstones, certificates, revocations),
 *                    per-origin counters
 *   store_reindex.c  the index rebuilt from the members (older schemas)
 *   store_read.c     reads in their own transaction: marks, ranges,
 *                    members, certificates, counts, stats, df
 *   store_snap.c     read snapshots for the search layer (store_snap.h)
 *   store_fsck.c     the consistency check
 *
 * Thread rules as in store.h: every function here runs inside a
 * transaction its caller began and ends, on the caller's thread.
 */
#ifndef SD_STORE_INT_H
#define SD_STORE_INT_H

#include <lmdb.h>

#include "store.h"
#include "store_snap.h"
#include "text.h"

struct store {
	MDB_env *env;
	MDB_dbi records, members, docs, marks, postings, bitmaps, certs, meta;
	/* Records of kinds of a later release (store_skey): origin || 's' ||
	 * subject, or origin || 'n' || be64(seq) for one without a subject,
	 * -> be64 seq. A read-only open of a store no 0.2.0 daemon has
	 * opened yet has none: has_others is 0. */
	MDB_dbi others;
	int has_others;
	const struct codes *codes;
	int rdonly;
	/* At open, LMDB counted a different number of records than the
	 * store's own counter: records were deleted or added behind the
	 * daemon's back (the counters were rebuilt). */
	int altered;
	uint64_t altered_expected, altered_found;
};

#define STORE_MEMBER_VAL 17 /* be64 seq || state || be64 doc */
#define STORE_CERT_VAL 48 /* root(32) || be64 cert seq || be64 rev seq */
#define STORE_RKEY_BYTES (KEY_PUBLIC_BYTES + 8) /* origin || be64(seq) */
#define STORE_OKEY_BYTES (4 + KEY_PUBLIC_BYTES) /* "live"/"held" || origin */
#define STORE_SKEY_MAX (KEY_PUBLIC_BYTES + 1 + RECORD_SUBJECT_MAX) /* others */

/* The longest index key a member implies: field byte and a token, or a
 * membership's hex id. */
#define STORE_PKEY_MAX (1 + 2 * MEMBER_ID_BYTES + TEXT_TOKEN_MAX)

/* The stored form of a filter chunk (STORE_CHUNK_* in store_snap.h): key
 * field || term || 0x00 || be32(chunk). A chunk with more than
 * STORE_CHUNK_ARRAY_MAX docs is a 512-byte bitmap (words in host order);
 * a sparser one is its offsets in the chunk, as ascending big-endian
 * 16-bit values (2 to 510 bytes). An empty chunk is deleted. */
#define STORE_CHUNK_BYTES (STORE_CHUNK_DOCS / 8)
#define STORE_BKEY_MAX (1 + 64 + 1 + 4)
#define STORE_CHUNK_ARRAY_MAX 255 /* offsets in an array chunk */

/* ---- store.c ---- */

/* store_err(mdb_rc): an LMDB return code as one of ours (err.h). */
int store_err(int mdb_rc);
uint64_t store_be64_get(const uint8_t *p);
void store_be64_put(uint8_t *p, uint64_t v);

/* store_rkey(key, origin, seq): the records key origin || be64(seq). */
void
store_rkey(uint8_t key[STORE_RKEY_BYTES], const uint8_t *origin, uint64_t seq);

/* store_skey(key, origin, seq, b): the `others` key of record (origin,
 * seq) of a later kind with body b; returns its length. */
size_t store_skey(uint8_t key[STORE_SKEY_MAX], const uint8_t *origin,
    uint64_t seq, const Sd__RecordBody *b);

/* store_live_key(key, origin), store_held_key(key, origin): the meta keys
 * of an origin's live member count ("live" || origin) and record count
 * ("held" || origin). */
void store_live_key(uint8_t key[STORE_OKEY_BYTES], const uint8_t *origin);
void store_held_key(uint8_t key[STORE_OKEY_BYTES], const uint8_t *origin);

/* store_tokens_name(name, ti): the meta name of text field ti's token
 * sum, "tokens_" and the field byte. */
void store_tokens_name(char name[16], int ti);

/* store_meta_get(st, txn, name, out): the be64 counter name (0 if
 * absent); store_meta_put: set it. */
int
store_meta_get(struct store *st, MDB_txn *txn, const char *name, uint64_t *out);
int
store_meta_put(struct store *st, MDB_txn *txn, const char *name, uint64_t val);

/* store_meta_drop_prefix(st, txn, prefix): delete every meta key that
 * starts with prefix. */
int store_meta_drop_prefix(struct store *st, MDB_txn *txn, const char *prefix);

/* ---- store_terms.c ---- */

/* One index key of a member. */
struct store_pkey {
	uint16_t len;
	uint8_t tf; /* occurrences in the field, capped at 255 */
	uint8_t flen; /* the field's length in tokens, capped at 255 */
	char k[STORE_PKEY_MAX];
};

struct store_pkeys {
	struct store_pkey *v; /* malloc'd; the caller frees */
	size_t n, cap;
	struct text_stem *stem;
	uint32_t ntok[STORE_NTEXT]; /* tokens per text field */
	int err;
};

/*
 * store_pkeys_of_member(codes, stem, m, ks): the index keys of m into ks,
 * sorted, each once with its frequency; ks->ntok holds the text fields'
 * lengths. stem may be NULL (no stemming). 0 (free ks->v), or a negative
 * error with nothing to free.
 */
int store_pkeys_of_member(const struct codes *codes, struct text_stem *stem,
    const Sd__Member *m, struct store_pkeys *ks);

/* ---- store_index.c ---- */

/* store_bkey(out, key, klen, chunk): the chunk key of index key (field
 * || term) for a chunk; returns its length. klen must be below 66. */
size_t store_bkey(uint8_t *out, const char *key, size_t klen, uint64_t chunk);

/* store_chunk_decode(v, len, words): a stored chunk into
 * STORE_CHUNK_WORDS words; SD_ESTORE if malformed. */
int store_chunk_decode(const void *v, size_t len, uint64_t *words);

/* store_chunk_bits(len): docs in a stored chunk of len bytes, if it is an
 * array; 0 for a bitmap (count its bits). */
size_t store_chunk_bits(size_t len);

struct store_pop; /* one collected index change (store_index.c) */

/*
 * A write transaction in progress. Index changes are not written one by
 * one: they are collected and written at the end, sorted by key, so each
 * postings page is visited once per batch rather than once per member
 * (the postings table is by far the largest part of a write).
 */
struct store_wtx {
	struct store *st;
	MDB_txn *txn;
	struct store_pop *ops;
	size_t nops, capops;
	uint32_t order;
	int64_t members_delta; /* change of the live member count */
	struct {
		uint8_t origin[KEY_PUBLIC_BYTES];
		int64_t delta; /* live members */
		int64_t held; /* records */
	} odelta[4]; /* changes per origin, not yet written */
	size_t nodelta;
	int64_t tokens_delta[STORE_NTEXT]; /* change of per-field token sums */
	uint64_t next_doc; /* last doc number handed out */
	struct text_stem *stem;
};

/* store_postings_update(w, m, doc, add): collect the index changes of
 * adding (add) or removing member m as doc, and its token counts. */
int store_postings_update(
    struct store_wtx *w, const Sd__Member *m, uint64_t doc, int add);

/* store_postings_flush(w): write the collected index changes in key
 * order (for each (key, doc) only the last counts) and forget them. */
int store_postings_flush(struct store_wtx *w);

/* ---- store_apply.c ---- */

/* store_live_add(w, origin, delta): count a change of origin's live
 * members (and of all members). */
int store_live_add(struct store_wtx *w, const uint8_t *origin, int64_t delta);

/* store_wtx_finish(w, members): write the index changes and the counters
 * of w; members is the live member count before it. */
int store_wtx_finish(struct store_wtx *w, uint64_t members);

/* ---- store_reindex.c ---- */

/* store_reindex(st, txn): rebuild the index and counters of an older
 * schema from the stored members, in txn, and set the schema. */
int store_reindex(struct store *st, MDB_txn *txn);

/* ---- store_read.c ---- */

/* store_stats_txn(st, txn, out): store_stats in the caller's txn. */
int store_stats_txn(struct store *st, MDB_txn *txn, struct store_stats *out);

#endif
