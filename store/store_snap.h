/*
 * store_snap: a read snapshot of a store's index, for the search layer.
 *
 * A snapshot is one LMDB read transaction with a cursor on the postings
 * and one on the filter chunks. It sees the store as it was when it began
 * (a write committed later is not seen, a sync batch is seen whole or not
 * at all) and never blocks a writer. It hands out index entries as the
 * store keeps them (docs/STORAGE.md), so a search reads them at LMDB's
 * speed: postings a page of fixed-size values at a time, filter terms a
 * 4096-doc chunk at a time.
 *
 * Keys are index keys: field byte (STORE_F_*) || term, at most
 * STORE_SNAP_KEY_MAX bytes. A posting value is STORE_POSTING_VAL bytes:
 * be64(doc) || tf || field length; postings of one key are sorted by doc.
 *
 * Lifetimes: every pointer a snapshot hands out (pages of postings, keys,
 * member keys and record bytes) points into the store's map and is valid
 * until the snapshot ends, and must not be written to.
 *
 * Thread rules: a snapshot belongs to the thread that began it; begin
 * and end it within one call of the caller (a search), never keep it
 * across calls or event-loop callbacks (a long-lived reader keeps LMDB
 * from reusing pages). Any number of threads may hold snapshots of one
 * store at once. The postings walk (store_snap_postings_first/_next) and
 * the other postings functions share one cursor: a call to any
 * store_snap_postings_* or store_snap_terms function ends the walk in
 * progress.
 */
#ifndef SD_STORE_SNAP_H
#define SD_STORE_SNAP_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "text.h"

/* Filter terms (store_field_bitmap) are kept as sets of doc numbers in
 * chunks of STORE_CHUNK_DOCS docs: chunk c holds docs c << STORE_CHUNK_SHIFT
 * and up, as STORE_CHUNK_WORDS 64-bit words (bit b of word b / 64). */
#define STORE_CHUNK_SHIFT 12
#define STORE_CHUNK_DOCS (1u << STORE_CHUNK_SHIFT)
#define STORE_CHUNK_WORDS (STORE_CHUNK_DOCS / 64)

/* The longest index key: field byte and a token (a membership's hex id
 * is shorter). */
#define STORE_SNAP_KEY_MAX (1 + TEXT_TOKEN_MAX)

struct store_snap;

/*
 * store_snap_begin(st, out): begin a snapshot of st. 0 with *out set (end
 * it with store_snap_end), or a negative error (SD_ESTORE, -ENOMEM,
 * SD_EFULL when too many readers are open). Any thread.
 */
int store_snap_begin(struct store *st, struct store_snap **out);

/* store_snap_end(sn): end the snapshot; every pointer it handed out is
 * invalid from here. NULL is harmless. */
void store_snap_end(struct store_snap *sn);

/* The counters of the store that ranking needs, as of the snapshot. */
struct store_snap_counts {
	uint64_t members; /* live members */
	uint64_t last_doc; /* the highest doc number handed out (0: none) */
	/* tokens of each text field over all live members, in the order of
	 * STORE_TEXT_FIELDS */
	uint64_t tokens[STORE_NTEXT];
};

/* store_snap_counts(sn, out): the counters; a counter the store does not
 * hold yet is 0. */
int store_snap_counts(struct store_snap *sn, struct store_snap_counts *out);

/*
 * store_snap_postings_count(sn, key, klen, n): the number of postings
 * under key (its document frequency), 0 if none.
 */
int store_snap_postings_count(
    struct store_snap *sn, const void *key, size_t klen, uint64_t *n);

/*
 * store_snap_postings_first(sn, key, klen, page, n): begin a walk over
 * the postings of key; *page receives the first page of them, *n values
 * of STORE_POSTING_VAL bytes each, in doc order.
 * store_snap_postings_next(sn, page, n): the walk's next page. Both
 * return 0, SD_ENOTFOUND when the list (or the key) has no more, or a
 * negative error. A page is valid until the snapshot ends (not only until
 * the next call); values in it are not aligned.
 */
int store_snap_postings_first(struct store_snap *sn, const void *key,
    size_t klen, const uint8_t **page, size_t *n);
int store_snap_postings_next(
    struct store_snap *sn, const uint8_t **page, size_t *n);

/*
 * store_snap_postings_seek(sn, key, klen, doc, val): the first posting of
 * key whose doc is doc or above, in *val (STORE_POSTING_VAL bytes, valid
 * until the snapshot ends). 0, SD_ENOTFOUND if none (or no such key), or
 * a negative error.
 */
int store_snap_postings_seek(struct store_snap *sn, const void *key,
    size_t klen, uint64_t doc, const uint8_t **val);

/*
 * A term visitor: key (field || term, klen bytes, valid until the
 * snapshot ends). A non-zero return stops the walk and is returned.
 */
typedef int (*store_snap_term_cb)(void *arg, const uint8_t *key, size_t klen);

/*
 * store_snap_terms(sn, from, flen, plen, cb, arg): call cb for every
 * distinct postings key at or after from (flen bytes) that starts with
 * from's first plen bytes (plen <= flen), in key order. With plen == flen
 * these are the terms starting with a prefix; with a shorter plen, a
 * range from a term on (cb ends it). 0, cb's non-zero return, or a
 * negative error.
 */
int store_snap_terms(struct store_snap *sn, const void *from, size_t flen,
    size_t plen, store_snap_term_cb cb, void *arg);

/*
 * A chunk visitor: chunk number and its STORE_CHUNK_WORDS words (a copy,
 * aligned, valid during the call). A non-zero return stops the walk and
 * is returned.
 */
typedef int (*store_snap_chunk_cb)(
    void *arg, uint64_t chunk, const uint64_t *words);

/*
 * store_snap_chunks(sn, key, klen, cb, arg): call cb for each stored
 * chunk of filter key (a field for which store_field_bitmap is 1), in
 * chunk order (a key longer than any filter term has none). 0, cb's
 * non-zero return, SD_ESTORE for a malformed chunk, or a negative error.
 */
int store_snap_chunks(struct store_snap *sn, const void *key, size_t klen,
    store_snap_chunk_cb cb, void *arg);

/* store_snap_chunks_count(sn, key, klen, n): the number of docs in the
 * set of filter key (0 if none); errors as store_snap_chunks. */
int store_snap_chunks_count(
    struct store_snap *sn, const void *key, size_t klen, uint64_t *n);

/* store_snap_chunk_has(sn, key, klen, doc): 1 if doc is in the set of
 * filter key, 0 if not (or the chunk cannot be read). */
int store_snap_chunk_has(
    struct store_snap *sn, const void *key, size_t klen, uint64_t doc);

/*
 * store_snap_doc(sn, doc, key, rec, len): the live member of doc number
 * doc: *key its member key (origin || id, STORE_KEY_BYTES), *rec and *len
 * its SignedRecord bytes as stored, all valid until the snapshot ends.
 * SD_ENOTFOUND if no live member has that doc (a stale index entry),
 * SD_ESTORE if the tables disagree, or a negative error.
 */
int store_snap_doc(struct store_snap *sn, uint64_t doc, const uint8_t **key,
    const uint8_t **rec, size_t *len);

/* store_snap_doc_of(sn, key, doc): the doc number of member key
 * (STORE_KEY_BYTES); 0 if it is not held or is a tombstone. */
int store_snap_doc_of(struct store_snap *sn, const uint8_t *key, uint64_t *doc);

#endif
