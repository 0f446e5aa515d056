/*
 * store: a node's LMDB environment. Only store/ includes lmdb.h; the
 * search layer reads the index through store_snap.h. The store's files
 * (one job each) are listed in store/int/store_int.h.
 *
 * Sub-databases (see docs/STORAGE.md):
 *   records   origin(32) || be64(seq) -> SignedRecord bytes, as received
 *   members   origin || member id(16) -> be64(seq) || state(1) || be64(doc)
 *   docs      be64(doc)                -> origin || member id
 *   marks     origin                   -> be64(watermark)
 *   postings  field(1) || term         -> be64(doc) || tf(1) || len(1)
 *                                          (DUPSORT|DUPFIXED; text and
 *                                          employee counts)
 *   bitmaps   field || term || 0 || be32(chunk) -> 4096-doc bitmap
 *                                          (filter fields)
 *   certs     node key(32)             -> root(32) || be64(cert seq) ||
 *                                          be64(revocation seq)
 *   meta      name                     -> value (schema, counters;
 *                                          "live" || origin -> live
 *                                          members of origin)
 * (A store written by an earlier version may also hold an empty "peers"
 * sub-database, reserved and never used: it is not opened, and left.)
 *
 * Thread rules: a struct store may be used from any number of threads at
 * once (the environment is opened with MDB_NOTLS); LMDB serialises writers
 * and readers never block them. Every transaction begins and ends inside
 * one store_* or query_* call.
 */
#ifndef SD_STORE_H
#define SD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "codes.h"
#include "record.h"

#define STORE_KEY_BYTES (KEY_PUBLIC_BYTES + MEMBER_ID_BYTES)
#define STORE_SCHEMA                                                           \
	3 /* 3: postings with frequency and length, stems,
                          filter chunks, per-origin counters */

struct store;

/* store_open's flags. STORE_NOSYNC: commits are not flushed to disk
 * (tests/sim.c only: a crash there is simulated, not real). */
enum { STORE_RDONLY = 1, STORE_NOSYNC = 2 };

/* Index fields: the first byte of a postings key. */
enum {
	STORE_F_COUNTRY = 'c',
	STORE_F_REGION = 'r',
	STORE_F_SECTOR = 's',
	STORE_F_KIND = 'k',
	STORE_F_SIZE = 'z',
	STORE_F_MEMBERSHIP = 'm',
	STORE_F_NAME = 'n',
	STORE_F_CAPABILITY = 'a',
	STORE_F_OFFER = 'o',
	STORE_F_SEEK = 'e',
	STORE_F_DESCRIPTION = 'd',
	STORE_F_CITY = 'l',
	STORE_F_EMPLOYEES = 'E', /* term: be32(employees) */
};

/* A posting's value: doc number, the term's frequency in the field and
 * the field's length in tokens (both capped at 255). */
#define STORE_POSTING_VAL 10

/* Text fields, in the order of the per-field token sums (meta "tokens"). */
#define STORE_TEXT_FIELDS "naoedl"
#define STORE_NTEXT 6

/* store_field_stemmed(field): 1 if the field's terms are English stems
 * (every text field but the city). */
int store_field_stemmed(int field);

/* store_field_bitmap(field): 1 if the field's terms are kept as bitmaps
 * of members (country, region, sector, kind, size, membership), not as
 * postings with frequencies. */
int store_field_bitmap(int field);

/*
 * store_open(dir, codes, map_mb, flags, out): open (creating if needed and
 * not STORE_RDONLY) the environment in directory dir with a map of map_mb
 * MiB. codes must outlive the store. Returns 0 or a negative error.
 */
int store_open(const char *dir, const struct codes *codes, size_t map_mb,
    int flags, struct store **out);

/* store_close(st): close. No call may be in progress. NULL is harmless. */
void store_close(struct store *st);

/* store_codes(st): the code lists st was opened with. Any thread. */
const struct codes *store_codes(const struct store *st);

/* One record to apply; the caller has opened (verified, validated) it. */
struct store_item {
	const uint8_t *bytes; /* the encoded SignedRecord exactly as received */
	size_t len;
	const struct record *r;
	int result; /* out: 0 stored, SD_ESTALE superseded, duplicate or a
	               seq at or below the watermark no longer held,
	               SD_EEXIST same seq with other bytes (equivocation) */
};

/*
 * store_apply(st, items, n, origin, from, to): apply items in one write
 * transaction, in order. A member or tombstone replaces an older version
 * of the same (origin, id) and its index entries and record bytes; an
 * older or equal seq is ignored. A NodeCert replaces an older cert of the
 * same node; a Revocation marks the node revoked and drops every record
 * and member of that origin; a member or tombstone of a revoked origin
 * fails the whole call with SD_EREVOKED. A record of a kind of a later
 * release (record_kind_known 0) is stored, never indexed, and replaces
 * the origin's older record of the same subject (RecordBody.subject); a
 * node's follows a member's rules (watermark, revocation), the root's a
 * certificate's. If origin is not NULL and the watermark of
 * origin equals from, it becomes to. Returns 0 (see each item's result)
 * or a negative error, in which case nothing was written.
 */
int store_apply(struct store *st, struct store_item *items, size_t n,
    const uint8_t *origin, uint64_t from, uint64_t to);

/* store_mark(st, origin, w): the watermark of origin (0 if none). */
int store_mark(
    struct store *st, const uint8_t origin[KEY_PUBLIC_BYTES], uint64_t *w);

/* store_held(st, origin, w, held): how many records of origin with seq
 * <= w the store holds. Two stores at the same watermark of an origin
 * hold the same records of it (the latest of each member up to it), so a
 * peer that holds more at the same watermark shows this store lost some. */
int store_held(struct store *st, const uint8_t origin[KEY_PUBLIC_BYTES],
    uint64_t w, uint64_t *held);

/*
 * store_held_v1(st, origin, w, held_w, kw, kheld): what a node of 0.1.0 (which
 * refuses records of kinds it does not know) holds of origin when this
 * store is at watermark w: its watermark kw (w, or below it the newest
 * seq held that is not of a later kind when the newest are; 0 if none
 * is) and how many records up to kw it holds (kheld: those not of a
 * later kind). held_w is store_held's count at w (not read again unless
 * kw < w). One seek when the origin has no record of a later kind.
 */
int store_held_v1(struct store *st, const uint8_t origin[KEY_PUBLIC_BYTES],
    uint64_t w, uint64_t held_w, uint64_t *kw, uint64_t *kheld);

/* store_altered(st, expected, found): 1 if, when the store was opened,
 * it held another number of records (found) than its own counter said
 * (expected): altered behind the daemon's back; 0 otherwise. */
int store_altered(const struct store *st, uint64_t *expected, uint64_t *found);

/* store_last_seq(st, origin, seq): the highest seq of a record of origin
 * held (0 if none); above the watermark when records arrived out of
 * order. */
int store_last_seq(
    struct store *st, const uint8_t origin[KEY_PUBLIC_BYTES], uint64_t *seq);

/*
 * A record visitor: rec/len point into the store and are valid only for the
 * duration of the call. A non-zero return stops the walk and is returned.
 */
typedef int (*store_record_cb)(void *arg, const uint8_t *rec, size_t len);

/*
 * store_member_get(st, origin, id, cb, arg): call cb once with the live
 * record of member (origin, id); with origin NULL, of the first origin
 * holding a live member with that id. SD_ENOTFOUND if none.
 */
int store_member_get(struct store *st, const uint8_t *origin,
    const uint8_t id[MEMBER_ID_BYTES], store_record_cb cb, void *arg);

/*
 * store_member_state(st, origin, id, seq, live): the latest seq known for
 * (origin, id) and whether it is live (1) or a tombstone (0).
 * SD_ENOTFOUND if the member was never seen.
 */
int store_member_state(struct store *st, const uint8_t origin[KEY_PUBLIC_BYTES],
    const uint8_t id[MEMBER_ID_BYTES], uint64_t *seq, int *live);

/*
 * store_members_walk(st, origin, after, limit, cb, arg, next): call cb for
 * live members in key order, of one origin (or all if origin is NULL),
 * starting after key `after` (STORE_KEY_BYTES, or NULL for the start), at
 * most limit of them (0: no limit). If the walk stopped at the limit with
 * more to come, next receives the last key visited and 1 is returned.
 */
int store_members_walk(struct store *st, const uint8_t *origin,
    const uint8_t *after, size_t limit, store_record_cb cb, void *arg,
    uint8_t next[STORE_KEY_BYTES]);

/* store_range(st, origin, from, to, cb, arg): every stored record of origin
 * with from < seq <= to, in seq order. */
int store_range(struct store *st, const uint8_t origin[KEY_PUBLIC_BYTES],
    uint64_t from, uint64_t to, store_record_cb cb, void *arg);

/* store_cert(st, node, cb, arg, revoked): cb with the node's current
 * certificate record; *revoked set to 1 if a revocation is stored.
 * SD_ENOTFOUND if no certificate. */
int store_cert(struct store *st, const uint8_t node[KEY_PUBLIC_BYTES],
    store_record_cb cb, void *arg, int *revoked);

/* A watermark visitor: origin and its watermark. */
typedef int (*store_mark_cb)(void *arg, const uint8_t *origin, uint64_t w);

/* store_marks(st, cb, arg): every origin's watermark, in origin order, in
 * one read transaction. A non-zero return of cb stops and is returned. */
int store_marks(struct store *st, store_mark_cb cb, void *arg);

struct store_stats {
	uint64_t members; /* live members, all origins */
	uint64_t
	    records; /* stored records (live versions, tombstones, certs) */
	uint64_t postings; /* index entries */
	uint64_t terms; /* distinct index keys */
};

/* store_stats(st, out): counts, read in one transaction. Walks the whole
 * index (for tests and tools; status uses store_counts). */
int store_stats(struct store *st, struct store_stats *out);

/* A problem found by store_fsck, as a sentence. */
typedef void (*store_fsck_cb)(void *arg, const char *problem);

struct store_fsck_stats {
	uint64_t records; /* stored records checked */
	uint64_t members; /* member entries (live and tombstones) */
	uint64_t live; /* live members */
	uint64_t index; /* index entries expected and found */
	uint64_t problems; /* problems reported */
	uint64_t others; /* with verify: records of kinds of a later release */
};

/*
 * store_fsck(st, verify, cb, arg, out): check the store's consistency in
 * one read transaction (the daemon may run): every record decodes (and,
 * with verify, its signature verifies and its body validates) under its
 * own origin and seq; every member entry points at a stored record of
 * the right kind and id; live members and doc numbers map both ways;
 * every index entry a live member implies is present (tf and length
 * included) and no other exists; the member, per-origin and token
 * counters match; no watermark is above its origin's highest stored
 * seq. cb is called for each problem (at most 100 are described). 0 if
 * the check ran (see out->problems), or a negative error.
 */
int store_fsck(struct store *st, int verify, store_fsck_cb cb, void *arg,
    struct store_fsck_stats *out);

struct store_counts {
	uint64_t members; /* live members, all origins */
	uint64_t records; /* stored records */
	uint64_t origin_members; /* live members of the origin asked for */
};

/* store_counts(st, origin, out): counts kept as counters (constant time),
 * with origin's live members if origin is not NULL. */
int
store_counts(struct store *st, const uint8_t *origin, struct store_counts *out);

/* store_df(st, field, term, len, df): how many members have the folded
 * word term in field (stemmed like the index in a stemmed field). */
int store_df(
    struct store *st, int field, const char *term, size_t len, uint64_t *df);

#endif
