/*
 * store_apply: the write path. store_apply applies a batch of opened
 * records in one write transaction: a member or tombstone replaces an
 * older version (its record bytes and index entries), a certificate an
 * older one, a revocation purges its origin, a record of a later kind
 * an older one of its subject (stored, never indexed); the live,
 * per-origin and record counters follow; the batch's watermark moves.
 */
#include "store_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "text.h"

static int
store_held_add(struct store_wtx *w, const uint8_t *origin, int64_t delta);

/* Removes the stored record origin/seq; if it is a live member, also its
 * index entries (the record's own body tells which). */
static int
store_drop_record(struct store_wtx *w, const uint8_t *origin, uint64_t seq,
    uint64_t doc, int live)
{
	uint8_t rkey[STORE_RKEY_BYTES];
	MDB_val k = { sizeof(rkey), rkey }, v;
	struct record r = { 0 };
	int rc;

	store_rkey(rkey, origin, seq);
	rc = mdb_get(w->txn, w->st->records, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_err(rc);
	if (live) {
		if (record_decode(v.mv_data, v.mv_size, &r) != 0 ||
		    r.body->kind_case != SD__RECORD_BODY__KIND_MEMBER) {
			rc = SD_ESTORE;
			goto out;
		}
		if ((rc = store_postings_update(w, r.body->member, doc, 0)) !=
		    0)
			goto out;
	}
	if ((rc = store_err(mdb_del(w->txn, w->st->records, &k, NULL))) == 0)
		rc = store_held_add(w, origin, -1);
out:
	record_close(&r);
	return rc;
}

/* Adds delta to the counter under key in meta (deleted at 0). */
static int
store_meta_add(
    struct store_wtx *w, const uint8_t *key, size_t klen, int64_t delta)
{
	MDB_val k = { klen, (void *)key }, v;
	uint8_t buf[8];
	int64_t n = 0;
	int rc;

	if (delta == 0)
		return 0;
	rc = mdb_get(w->txn, w->st->meta, &k, &v);
	if (rc == 0 && v.mv_size == 8)
		n = (int64_t)store_be64_get(v.mv_data);
	else if (rc != 0 && rc != MDB_NOTFOUND)
		return store_err(rc);
	n += delta;
	if (n <= 0) {
		rc = mdb_del(w->txn, w->st->meta, &k, NULL);
		return rc != 0 && rc != MDB_NOTFOUND ? store_err(rc) : 0;
	}
	store_be64_put(buf, (uint64_t)n);
	v.mv_size = 8;
	v.mv_data = buf;
	return store_err(mdb_put(w->txn, w->st->meta, &k, &v, 0));
}

/* Writes the pending per-origin counts: live members, records held, and
 * the total of records ("records": checked against LMDB's own count when
 * the store opens, which reveals records deleted behind our back). */
static int
store_odelta_flush(struct store_wtx *w)
{
	uint8_t key[4 + KEY_PUBLIC_BYTES];
	int64_t total = 0;
	size_t i;
	int rc;

	for (i = 0; i < w->nodelta; i++) {
		store_live_key(key, w->odelta[i].origin);
		if ((rc = store_meta_add(
		         w, key, sizeof(key), w->odelta[i].delta)) != 0)
			return rc;
		store_held_key(key, w->odelta[i].origin);
		if ((rc = store_meta_add(
		         w, key, sizeof(key), w->odelta[i].held)) != 0)
			return rc;
		total += w->odelta[i].held;
	}
	w->nodelta = 0;
	return store_meta_add(w, (const uint8_t *)"records", 7, total);
}

/* The pending counts of origin (flushing others to make room). */
static int
store_odelta_at(struct store_wtx *w, const uint8_t *origin, size_t *at)
{
	size_t i;
	int rc;

	for (i = 0; i < w->nodelta; i++)
		if (memcmp(w->odelta[i].origin, origin, KEY_PUBLIC_BYTES) ==
		    0) {
			*at = i;
			return 0;
		}
	if (w->nodelta == sizeof(w->odelta) / sizeof(w->odelta[0]) &&
	    (rc = store_odelta_flush(w)) != 0)
		return rc;
	memcpy(w->odelta[w->nodelta].origin, origin, KEY_PUBLIC_BYTES);
	w->odelta[w->nodelta].delta = 0;
	w->odelta[w->nodelta].held = 0;
	*at = w->nodelta++;
	return 0;
}

/* Counts records of origin stored (delta > 0) or deleted. */
static int
store_held_add(struct store_wtx *w, const uint8_t *origin, int64_t delta)
{
	size_t at;
	int rc;

	if ((rc = store_odelta_at(w, origin, &at)) != 0)
		return rc;
	w->odelta[at].held += delta;
	return 0;
}

/* Counts a change of origin's live members (and of all members). */
int
store_live_add(struct store_wtx *w, const uint8_t *origin, int64_t delta)
{
	size_t at;
	int rc;

	w->members_delta += delta;
	if (delta == 0)
		return 0;
	if ((rc = store_odelta_at(w, origin, &at)) != 0)
		return rc;
	w->odelta[at].delta += delta;
	return 0;
}

/* Stores the record of item it under its (origin, seq) and counts it. */
static int
store_record_put(struct store_wtx *w, const struct store_item *it)
{
	const Sd__SignedRecord *sr = it->r->rec;
	uint8_t rkey[STORE_RKEY_BYTES];
	MDB_val rk = { sizeof(rkey), rkey },
	        rv = { it->len, (void *)it->bytes };
	int rc;

	store_rkey(rkey, sr->origin.data, sr->seq);
	if ((rc = store_err(mdb_put(w->txn, w->st->records, &rk, &rv, 0))) != 0)
		return rc;
	return store_held_add(w, sr->origin.data, 1);
}

/* Applies one member or tombstone record (origin, seq) for member id. */
static int
store_apply_member(struct store_wtx *w, const struct store_item *it,
    const uint8_t *id, const Sd__Member *m)
{
	const Sd__SignedRecord *sr = it->r->rec;
	uint8_t mkey[STORE_KEY_BYTES], mval[STORE_MEMBER_VAL], dkey[8];
	MDB_val k = { sizeof(mkey), mkey }, v, dk = { 8, dkey }, dv;
	uint64_t old_seq = 0, doc = 0;
	int old_live = 0, exists = 0, rc;

	memcpy(mkey, sr->origin.data, KEY_PUBLIC_BYTES);
	memcpy(mkey + KEY_PUBLIC_BYTES, id, MEMBER_ID_BYTES);
	rc = mdb_get(w->txn, w->st->members, &k, &v);
	if (rc == 0) {
		if (v.mv_size != STORE_MEMBER_VAL)
			return SD_ESTORE;
		exists = 1;
		old_seq = store_be64_get(v.mv_data);
		old_live = ((uint8_t *)v.mv_data)[8] == 1;
		doc = store_be64_get((uint8_t *)v.mv_data + 9);
	} else if (rc != MDB_NOTFOUND) {
		return store_err(rc);
	}
	if (exists && old_seq >= sr->seq)
		return SD_ESTALE;
	if (exists &&
	    (rc = store_drop_record(
	         w, sr->origin.data, old_seq, doc, old_live)) != 0)
		return rc;
	if (m != NULL && doc == 0) {
		doc = ++w->next_doc;
		store_be64_put(dkey, doc);
		dv.mv_size = STORE_KEY_BYTES;
		dv.mv_data = mkey;
		if ((rc = store_err(
		         mdb_put(w->txn, w->st->docs, &dk, &dv, 0))) != 0)
			return rc;
	} else if (m == NULL && doc != 0) {
		store_be64_put(dkey, doc);
		if ((rc = store_err(mdb_del(w->txn, w->st->docs, &dk, NULL))) !=
		    0)
			return rc;
		doc = 0;
	}
	if ((rc = store_record_put(w, it)) != 0)
		return rc;
	if (m != NULL && (rc = store_postings_update(w, m, doc, 1)) != 0)
		return rc;
	store_be64_put(mval, sr->seq);
	mval[8] = m != NULL ? 1 : 0;
	store_be64_put(mval + 9, doc);
	v.mv_size = sizeof(mval);
	v.mv_data = mval;
	if ((rc = store_err(mdb_put(w->txn, w->st->members, &k, &v, 0))) != 0)
		return rc;
	return store_live_add(
	    w, sr->origin.data, (m != NULL ? 1 : 0) - (old_live ? 1 : 0));
}

/*
 * Applies a record of a kind of a later release: stored and counted, not
 * indexed, and filed in `others`. With a subject it supersedes the
 * origin's older record of that subject (deleted) and is ignored if one
 * as new is held; without one it is simply kept.
 */
static int
store_apply_other(struct store_wtx *w, const struct store_item *it)
{
	const Sd__SignedRecord *sr = it->r->rec;
	uint8_t skey[STORE_SKEY_MAX], sval[8];
	MDB_val k = { 0, skey }, v;
	uint64_t old_seq;
	int rc;

	k.mv_size = store_skey(skey, sr->origin.data, sr->seq, it->r->body);
	rc = mdb_get(w->txn, w->st->others, &k, &v);
	if (rc == 0) {
		if (v.mv_size != 8)
			return SD_ESTORE;
		old_seq = store_be64_get(v.mv_data);
		if (old_seq >= sr->seq)
			return SD_ESTALE;
		if ((rc = store_drop_record(
		         w, sr->origin.data, old_seq, 0, 0)) != 0)
			return rc;
	} else if (rc != MDB_NOTFOUND) {
		return store_err(rc);
	}
	if ((rc = store_record_put(w, it)) != 0)
		return rc;
	store_be64_put(sval, sr->seq);
	v.mv_size = sizeof(sval);
	v.mv_data = sval;
	return store_err(mdb_put(w->txn, w->st->others, &k, &v, 0));
}

/* Drops the `others` entries of origin's records of later kinds. */
static int
store_purge_others(struct store_wtx *w, const uint8_t *origin)
{
	MDB_cursor *cur;
	MDB_val k = { KEY_PUBLIC_BYTES, (void *)origin }, v;
	int rc = 0, mrc;

	if ((rc = store_err(mdb_cursor_open(w->txn, w->st->others, &cur))) != 0)
		return rc;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < KEY_PUBLIC_BYTES ||
		    memcmp(k.mv_data, origin, KEY_PUBLIC_BYTES) != 0)
			break;
		if ((rc = store_err(mdb_cursor_del(cur, 0))) != 0)
			break;
	}
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = store_err(mrc);
	mdb_cursor_close(cur);
	return rc;
}

/* Drops every record and member of origin (after its revocation). */
static int
store_purge_origin(struct store_wtx *w, const uint8_t *origin)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t start[STORE_KEY_BYTES] = { 0 };
	int rc, mrc;
	int64_t live = 0;

	memcpy(start, origin, KEY_PUBLIC_BYTES);
	if ((rc = store_err(mdb_cursor_open(w->txn, w->st->members, &cur))) !=
	    0)
		return rc;
	k.mv_size = sizeof(start);
	k.mv_data = start;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		uint64_t seq, doc;
		uint8_t dkey[8];
		MDB_val dk = { 8, dkey };
		int is_live;
		if (k.mv_size != STORE_KEY_BYTES ||
		    memcmp(k.mv_data, origin, KEY_PUBLIC_BYTES) != 0)
			break;
		if (v.mv_size != STORE_MEMBER_VAL) {
			rc = SD_ESTORE;
			goto out;
		}
		seq = store_be64_get(v.mv_data);
		is_live = ((uint8_t *)v.mv_data)[8] == 1;
		doc = store_be64_get((uint8_t *)v.mv_data + 9);
		if ((rc = store_drop_record(w, origin, seq, doc, is_live)) != 0)
			goto out;
		if (doc != 0) {
			store_be64_put(dkey, doc);
			mdb_del(w->txn, w->st->docs, &dk, NULL);
		}
		live += is_live;
		if ((rc = store_err(mdb_cursor_del(cur, 0))) != 0)
			goto out;
	}
	if (mrc != 0 && mrc != MDB_NOTFOUND) {
		rc = store_err(mrc);
		goto out;
	}
	/* Any other records of the origin (superseded leftovers). */
	mdb_cursor_close(cur);
	if ((rc = store_err(mdb_cursor_open(w->txn, w->st->records, &cur))) !=
	    0)
		return rc;
	memset(start, 0, sizeof(start));
	memcpy(start, origin, KEY_PUBLIC_BYTES);
	k.mv_size = KEY_PUBLIC_BYTES + 8;
	k.mv_data = start;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (memcmp(k.mv_data, origin, KEY_PUBLIC_BYTES) != 0)
			break;
		if ((rc = store_err(mdb_cursor_del(cur, 0))) != 0 ||
		    (rc = store_held_add(w, origin, -1)) != 0)
			goto out;
	}
	if (mrc != 0 && mrc != MDB_NOTFOUND) {
		rc = store_err(mrc);
		goto out;
	}
	if ((rc = store_purge_others(w, origin)) != 0)
		goto out;
	k.mv_size = KEY_PUBLIC_BYTES;
	k.mv_data = (void *)origin;
	mrc = mdb_del(w->txn, w->st->marks, &k, NULL);
	if (mrc != 0 && mrc != MDB_NOTFOUND) {
		rc = store_err(mrc);
		goto out;
	}
	rc = store_live_add(w, origin, -live);
out:
	mdb_cursor_close(cur);
	return rc;
}

static int
store_apply_cert(struct store_wtx *w, const struct store_item *it,
    const uint8_t *node, int revocation)
{
	const Sd__SignedRecord *sr = it->r->rec;
	uint8_t cval[STORE_CERT_VAL];
	MDB_val k = { KEY_PUBLIC_BYTES, (void *)node }, v;
	uint64_t cert_seq = 0, rev_seq = 0;
	int rc;

	rc = mdb_get(w->txn, w->st->certs, &k, &v);
	if (rc == 0 && v.mv_size == sizeof(cval)) {
		cert_seq =
		    store_be64_get((uint8_t *)v.mv_data + KEY_PUBLIC_BYTES);
		rev_seq =
		    store_be64_get((uint8_t *)v.mv_data + KEY_PUBLIC_BYTES + 8);
	} else if (rc != MDB_NOTFOUND && rc != 0) {
		return store_err(rc);
	}
	if (revocation) {
		if (rev_seq != 0)
			return SD_ESTALE;
		rev_seq = sr->seq;
	} else {
		if (cert_seq >= sr->seq)
			return SD_ESTALE;
		if (cert_seq != 0 &&
		    (rc = store_drop_record(
		         w, sr->origin.data, cert_seq, 0, 0)) != 0)
			return rc;
		cert_seq = sr->seq;
	}
	if ((rc = store_record_put(w, it)) != 0)
		return rc;
	memcpy(cval, sr->origin.data, KEY_PUBLIC_BYTES);
	store_be64_put(cval + KEY_PUBLIC_BYTES, cert_seq);
	store_be64_put(cval + KEY_PUBLIC_BYTES + 8, rev_seq);
	v.mv_size = sizeof(cval);
	v.mv_data = cval;
	if ((rc = store_err(mdb_put(w->txn, w->st->certs, &k, &v, 0))) != 0)
		return rc;
	if (revocation)
		rc = store_purge_origin(w, node);
	return rc;
}

/* *node = 1 if it follows a node's rules (a member or tombstone, or a
 * record of a later kind whose origin has a certificate here), 0 for the
 * root's (certificates, revocations, a later kind of an uncertified
 * origin: the root's; the sync layer refuses any other). */
static int
store_node_rules(struct store_wtx *w, const struct store_item *it, int *node)
{
	const Sd__RecordBody *b = it->r->body;
	MDB_val k = { KEY_PUBLIC_BYTES, it->r->rec->origin.data }, v;
	int rc;

	*node = b->kind_case == SD__RECORD_BODY__KIND_MEMBER ||
	    b->kind_case == SD__RECORD_BODY__KIND_TOMBSTONE;
	if (record_kind_known(b))
		return 0;
	rc = mdb_get(w->txn, w->st->certs, &k, &v);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_err(rc);
	*node = rc == 0;
	return 0;
}

/* store_apply_lost for a record of a later kind: put back only if its
 * `others` entry names exactly this seq (the store held it). */
static int
store_apply_lost_other(struct store_wtx *w, const struct store_item *it)
{
	uint8_t skey[STORE_SKEY_MAX];
	MDB_val k = { 0, skey }, v;
	int rc;

	k.mv_size = store_skey(
	    skey, it->r->rec->origin.data, it->r->rec->seq, it->r->body);
	rc = mdb_get(w->txn, w->st->others, &k, &v);
	if (rc == MDB_NOTFOUND)
		return SD_ESTALE;
	if (rc != 0)
		return store_err(rc);
	if (v.mv_size != 8 || store_be64_get(v.mv_data) != it->r->rec->seq)
		return SD_ESTALE;
	return store_record_put(w, it);
}

/*
 * A member or tombstone record at or below its origin's watermark that is
 * not held. Normally superseded (its member holds a later seq): a replay,
 * SD_ESTALE. But if its member holds exactly this seq, the store lost the
 * record (deleted behind the daemon's back): the record (signed,
 * verified) is put back, 0. A record of a member not held at all is
 * SD_ESTALE too: it cannot be told from an origin reusing a superseded
 * seq for another member (equivocation), so a member lost with its
 * record is not healed this way (docs/OPERATIONS.md).
 */
static int
store_apply_lost(struct store_wtx *w, const struct store_item *it)
{
	const Sd__SignedRecord *sr = it->r->rec;
	const Sd__RecordBody *b = it->r->body;
	uint8_t mkey[STORE_KEY_BYTES];
	MDB_val k = { sizeof(mkey), mkey }, v;
	int rc;

	if (!record_kind_known(b))
		return store_apply_lost_other(w, it);
	memcpy(mkey, sr->origin.data, KEY_PUBLIC_BYTES);
	memcpy(mkey + KEY_PUBLIC_BYTES,
	    b->kind_case == SD__RECORD_BODY__KIND_MEMBER
	        ? b->member->id.data
	        : b->tombstone->member_id.data,
	    MEMBER_ID_BYTES);
	rc = mdb_get(w->txn, w->st->members, &k, &v);
	if (rc == MDB_NOTFOUND)
		return SD_ESTALE;
	if (rc != 0)
		return store_err(rc);
	if (v.mv_size != STORE_MEMBER_VAL ||
	    store_be64_get(v.mv_data) != sr->seq)
		return SD_ESTALE;
	return store_record_put(w, it);
}

static int
store_apply_one(struct store_wtx *w, const struct store_item *it)
{
	const Sd__SignedRecord *sr = it->r->rec;
	const Sd__RecordBody *b = it->r->body;
	uint8_t rkey[STORE_RKEY_BYTES];
	MDB_val k = { sizeof(rkey), rkey }, v;
	int rc, node;

	/* The same (origin, seq) twice: a duplicate if the bytes match,
	 * equivocation if not. The first one stays. */
	store_rkey(rkey, sr->origin.data, sr->seq);
	rc = mdb_get(w->txn, w->st->records, &k, &v);
	if (rc == 0)
		return v.mv_size == it->len &&
		        memcmp(v.mv_data, it->bytes, it->len) == 0
		    ? SD_ESTALE
		    : SD_EEXIST;
	if (rc != MDB_NOTFOUND)
		return store_err(rc);
	/* A member seq at or below the watermark that is not held was
	 * superseded (its bytes purged): a replay, or a different record
	 * under a seq already used. Either way the first one stays — unless
	 * the store lost it (store_apply_lost). Root
	 * records are exempt: the root set is synced as a set, so the
	 * watermark may pass a certificate a peer did not hold yet; a replay
	 * of an old certificate is refused by its node's newer one. A record
	 * of a later kind follows the rules of its origin: a node's (it has a
	 * certificate here) like a member, the root's like a certificate. */
	if ((rc = store_node_rules(w, it, &node)) != 0)
		return rc;
	k.mv_size = KEY_PUBLIC_BYTES;
	k.mv_data = sr->origin.data;
	rc = node ? mdb_get(w->txn, w->st->marks, &k, &v) : MDB_NOTFOUND;
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_err(rc);
	if (rc == 0 && v.mv_size == 8 && sr->seq <= store_be64_get(v.mv_data))
		return store_apply_lost(w, it);
	/* Nothing more from an origin the root has revoked, whatever raced
	 * with the revocation (a request validated before it, a relay). */
	if (node) {
		k.mv_size = KEY_PUBLIC_BYTES;
		k.mv_data = sr->origin.data;
		rc = mdb_get(w->txn, w->st->certs, &k, &v);
		if (rc == 0 && v.mv_size == STORE_CERT_VAL &&
		    store_be64_get(
		        (uint8_t *)v.mv_data + KEY_PUBLIC_BYTES + 8) != 0)
			return SD_EREVOKED;
		if (rc != 0 && rc != MDB_NOTFOUND)
			return store_err(rc);
	}
	if (!record_kind_known(b))
		return b->base.n_unknown_fields > 0 ? store_apply_other(w, it)
		                                    : SD_EINVAL;
	switch (b->kind_case) {
	case SD__RECORD_BODY__KIND_MEMBER:
		return store_apply_member(w, it, b->member->id.data, b->member);
	case SD__RECORD_BODY__KIND_TOMBSTONE:
		return store_apply_member(
		    w, it, b->tombstone->member_id.data, NULL);
	case SD__RECORD_BODY__KIND_NODE_CERT:
		return store_apply_cert(w, it, b->node_cert->node_key.data, 0);
	case SD__RECORD_BODY__KIND_REVOCATION:
		return store_apply_cert(w, it, b->revocation->node_key.data, 1);
	default: return SD_EINVAL;
	}
}

/* Writes the index changes and the counters of a write transaction;
 * members is the live member count before it. */
int
store_wtx_finish(struct store_wtx *w, uint64_t members)
{
	uint64_t sum;
	char name[16];
	int i, rc;

	if ((rc = store_postings_flush(w)) != 0 ||
	    (rc = store_odelta_flush(w)) != 0 ||
	    (rc = store_meta_put(w->st, w->txn, "next_doc", w->next_doc)) !=
	        0 ||
	    (rc = store_meta_put(w->st, w->txn, "members",
	         (uint64_t)((int64_t)members + w->members_delta))) != 0)
		return rc;
	for (i = 0; i < STORE_NTEXT; i++) {
		if (w->tokens_delta[i] == 0)
			continue;
		store_tokens_name(name, i);
		if ((rc = store_meta_get(w->st, w->txn, name, &sum)) != 0 ||
		    (rc = store_meta_put(w->st, w->txn, name,
		         (uint64_t)((int64_t)sum + w->tokens_delta[i]))) != 0)
			return rc;
		w->tokens_delta[i] = 0;
	}
	w->members_delta = 0;
	return 0;
}

int
store_apply(struct store *st, struct store_item *items, size_t n,
    const uint8_t *origin, uint64_t from, uint64_t to)
{
	struct store_wtx w;
	MDB_val k, v;
	uint8_t wbuf[8];
	uint64_t members = 0;
	size_t i;
	int rc;

	if (st->rdonly)
		return -EROFS;
	memset(&w, 0, sizeof(w));
	w.st = st;
	if ((rc = text_stem_new(&w.stem)) != 0)
		return rc;
	if ((rc = store_err(mdb_txn_begin(st->env, NULL, 0, &w.txn))) != 0) {
		text_stem_free(w.stem);
		return rc;
	}
	if ((rc = store_meta_get(st, w.txn, "next_doc", &w.next_doc)) != 0 ||
	    (rc = store_meta_get(st, w.txn, "members", &members)) != 0)
		goto out_abort;
	for (i = 0; i < n; i++) {
		rc = store_apply_one(&w, &items[i]);
		items[i].result = rc;
		if (rc == SD_ESTALE || rc == SD_EEXIST)
			rc = 0;
		if (rc != 0)
			goto out_abort;
	}
	if ((rc = store_wtx_finish(&w, members)) != 0)
		goto out_abort;
	if (origin != NULL) {
		uint64_t wm = 0;
		k.mv_size = KEY_PUBLIC_BYTES;
		k.mv_data = (void *)origin;
		rc = mdb_get(w.txn, st->marks, &k, &v);
		if (rc == 0 && v.mv_size == 8)
			wm = store_be64_get(v.mv_data);
		else if (rc != 0 && rc != MDB_NOTFOUND) {
			rc = store_err(rc);
			goto out_abort;
		}
		uint64_t nw = wm == from && to > from ? to : wm;
		/* Records already held just above the watermark (applied
		 * out of order earlier) extend it: everything up to them is
		 * held. */
		for (;;) {
			uint8_t rkey[STORE_RKEY_BYTES];
			MDB_val rk = { sizeof(rkey), rkey }, rv;
			store_rkey(rkey, origin, nw + 1);
			rc = mdb_get(w.txn, st->records, &rk, &rv);
			if (rc == MDB_NOTFOUND)
				break;
			if (rc != 0) {
				rc = store_err(rc);
				goto out_abort;
			}
			nw++;
		}
		if (nw != wm) {
			store_be64_put(wbuf, nw);
			v.mv_size = 8;
			v.mv_data = wbuf;
			if ((rc = store_err(
			         mdb_put(w.txn, st->marks, &k, &v, 0))) != 0)
				goto out_abort;
		}
	}
	rc = store_err(mdb_txn_commit(w.txn));
	free(w.ops);
	text_stem_free(w.stem);
	return rc;
out_abort:
	mdb_txn_abort(w.txn);
	free(w.ops);
	text_stem_free(w.stem);
	return rc;
}
