/*
 * store_snap: read snapshots for the search layer (store_snap.h): one
 * read transaction, a cursor on the postings and one on the filter
 * chunks, and the reads a search makes through them. Nothing here
 * copies an index entry that LMDB can hand out in place.
 */
#include "store_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

struct store_snap {
	struct store *st;
	MDB_txn *txn;
	MDB_cursor *cur; /* on postings */
	MDB_cursor *bcur; /* on bitmaps */
};

int
store_snap_begin(struct store *st, struct store_snap **out)
{
	struct store_snap *sn;
	int rc;

	if ((sn = calloc(1, sizeof(*sn))) == NULL)
		return -ENOMEM;
	sn->st = st;
	if ((rc = store_err(
	         mdb_txn_begin(st->env, NULL, MDB_RDONLY, &sn->txn))) != 0)
		goto out_free;
	if ((rc = store_err(
	         mdb_cursor_open(sn->txn, st->postings, &sn->cur))) != 0 ||
	    (rc = store_err(
	         mdb_cursor_open(sn->txn, st->bitmaps, &sn->bcur))) != 0)
		goto out_end;
	*out = sn;
	return 0;
out_end:
	store_snap_end(sn);
	return rc;
out_free:
	free(sn);
	return rc;
}

void
store_snap_end(struct store_snap *sn)
{
	if (sn == NULL)
		return;
	if (sn->cur)
		mdb_cursor_close(sn->cur);
	if (sn->bcur)
		mdb_cursor_close(sn->bcur);
	mdb_txn_abort(sn->txn);
	free(sn);
}

/* The be64 value of meta name in the snapshot; *out untouched if absent
 * or malformed. */
static void
store_snap_meta(struct store_snap *sn, const char *name, uint64_t *out)
{
	MDB_val k = { strlen(name), (void *)name }, v;

	if (mdb_get(sn->txn, sn->st->meta, &k, &v) == 0 && v.mv_size == 8)
		*out = store_be64_get(v.mv_data);
}

int
store_snap_counts(struct store_snap *sn, struct store_snap_counts *out)
{
	char name[16];
	int i;

	memset(out, 0, sizeof(*out));
	store_snap_meta(sn, "members", &out->members);
	store_snap_meta(sn, "next_doc", &out->last_doc);
	for (i = 0; i < STORE_NTEXT; i++) {
		store_tokens_name(name, i);
		store_snap_meta(sn, name, &out->tokens[i]);
	}
	return 0;
}

int
store_snap_postings_count(
    struct store_snap *sn, const void *key, size_t klen, uint64_t *n)
{
	MDB_val k = { klen, (void *)key }, v;
	size_t cnt = 0;
	int mrc;

	*n = 0;
	mrc = mdb_cursor_get(sn->cur, &k, &v, MDB_SET);
	if (mrc == 0)
		mrc = mdb_cursor_count(sn->cur, &cnt);
	if (mrc != 0 && mrc != MDB_NOTFOUND)
		return store_err(mrc);
	*n = cnt;
	return 0;
}

int
store_snap_postings_first(struct store_snap *sn, const void *key, size_t klen,
    const uint8_t **page, size_t *n)
{
	MDB_val k = { klen, (void *)key }, v;
	int mrc;

	/* A key with one posting has no page of duplicates: GET_MULTIPLE
	 * then leaves v as MDB_SET set it, on that one value. */
	if ((mrc = mdb_cursor_get(sn->cur, &k, &v, MDB_SET)) != 0 ||
	    (mrc = mdb_cursor_get(sn->cur, &k, &v, MDB_GET_MULTIPLE)) != 0)
		return store_err(mrc);
	*page = v.mv_data;
	*n = v.mv_size / STORE_POSTING_VAL;
	return 0;
}

int
store_snap_postings_next(struct store_snap *sn, const uint8_t **page, size_t *n)
{
	MDB_val k, v;
	int mrc;

	if ((mrc = mdb_cursor_get(sn->cur, &k, &v, MDB_NEXT_MULTIPLE)) != 0)
		return store_err(mrc);
	*page = v.mv_data;
	*n = v.mv_size / STORE_POSTING_VAL;
	return 0;
}

int
store_snap_postings_seek(struct store_snap *sn, const void *key, size_t klen,
    uint64_t doc, const uint8_t **val)
{
	uint8_t vb[STORE_POSTING_VAL] = { 0 };
	MDB_val k = { klen, (void *)key }, v = { sizeof(vb), vb };
	int mrc;

	/* doc || 00 00 sorts before every posting of doc. */
	store_be64_put(vb, doc);
	if ((mrc = mdb_cursor_get(sn->cur, &k, &v, MDB_GET_BOTH_RANGE)) != 0)
		return store_err(mrc);
	if (v.mv_size != STORE_POSTING_VAL)
		return SD_ESTORE;
	*val = v.mv_data;
	return 0;
}

int
store_snap_terms(struct store_snap *sn, const void *from, size_t flen,
    size_t plen, store_snap_term_cb cb, void *arg)
{
	MDB_val k = { flen, (void *)from }, v;
	int rc, mrc;

	/* Keys of a field run contiguously: one range scan, a key (not each
	 * of its postings) at a time. */
	for (mrc = mdb_cursor_get(sn->cur, &k, &v, MDB_SET_RANGE); mrc == 0;
	     mrc = mdb_cursor_get(sn->cur, &k, &v, MDB_NEXT_NODUP)) {
		if (k.mv_size < plen || memcmp(k.mv_data, from, plen) != 0)
			break;
		if ((rc = cb(arg, k.mv_data, k.mv_size)) != 0)
			return rc;
	}
	return mrc == 0 || mrc == MDB_NOTFOUND ? 0 : store_err(mrc);
}

int
store_snap_chunks(struct store_snap *sn, const void *key, size_t klen,
    store_snap_chunk_cb cb, void *arg)
{
	uint8_t b0[STORE_BKEY_MAX];
	uint64_t words[STORE_CHUNK_WORDS];
	size_t bl;
	MDB_val k, v;
	int rc, mrc;

	if (klen > STORE_BKEY_MAX - 5)
		return 0; /* too long to be a filter term: no chunks */
	bl = store_bkey(b0, key, klen, 0);
	k.mv_size = bl;
	k.mv_data = b0;
	for (mrc = mdb_cursor_get(sn->bcur, &k, &v, MDB_SET_RANGE); mrc == 0;
	     mrc = mdb_cursor_get(sn->bcur, &k, &v, MDB_NEXT)) {
		const uint8_t *kb = k.mv_data;
		if (k.mv_size != bl || memcmp(kb, b0, bl - 4) != 0)
			break;
		/* Copied: LMDB values need not be aligned. */
		if (store_chunk_decode(v.mv_data, v.mv_size, words) != 0)
			return SD_ESTORE;
		if ((rc = cb(arg,
		         (uint64_t)kb[bl - 4] << 24 |
		             (uint64_t)kb[bl - 3] << 16 |
		             (uint64_t)kb[bl - 2] << 8 | kb[bl - 1],
		         words)) != 0)
			return rc;
	}
	return mrc == 0 || mrc == MDB_NOTFOUND ? 0 : store_err(mrc);
}

/* Adds a chunk's docs to *(uint64_t *)arg. */
static int
store_snap_chunk_count(void *arg, uint64_t chunk, const uint64_t *words)
{
	size_t i;

	(void)chunk;
	for (i = 0; i < STORE_CHUNK_WORDS; i++)
		*(uint64_t *)arg += (uint64_t)__builtin_popcountll(words[i]);
	return 0;
}

int
store_snap_chunks_count(
    struct store_snap *sn, const void *key, size_t klen, uint64_t *n)
{
	*n = 0;
	return store_snap_chunks(sn, key, klen, store_snap_chunk_count, n);
}

int
store_snap_chunk_has(
    struct store_snap *sn, const void *key, size_t klen, uint64_t doc)
{
	uint8_t kb[STORE_BKEY_MAX];
	MDB_val k, v;
	uint64_t d = doc & (STORE_CHUNK_DOCS - 1), word;
	size_t i;

	if (klen > STORE_BKEY_MAX - 5)
		return 0;
	k.mv_size = store_bkey(kb, key, klen, doc >> STORE_CHUNK_SHIFT);
	k.mv_data = kb;
	if (mdb_get(sn->txn, sn->st->bitmaps, &k, &v) != 0)
		return 0;
	/* Read in place, without decoding the whole chunk. */
	if (v.mv_size == STORE_CHUNK_BYTES) {
		memcpy(&word, (const uint8_t *)v.mv_data + (d >> 6) * 8, 8);
		return (word >> (d & 63)) & 1;
	}
	for (i = 0; i + 1 < v.mv_size; i += 2) {
		const uint8_t *b = (const uint8_t *)v.mv_data + i;
		if (((uint64_t)b[0] << 8 | b[1]) == d)
			return 1;
	}
	return 0;
}

int
store_snap_doc(struct store_snap *sn, uint64_t doc, const uint8_t **key,
    const uint8_t **rec, size_t *len)
{
	uint8_t dkey[8], rkey[STORE_RKEY_BYTES];
	MDB_val dk = { 8, dkey }, dv, mv, rk = { sizeof(rkey), rkey }, rv;
	int rc;

	store_be64_put(dkey, doc);
	if ((rc = mdb_get(sn->txn, sn->st->docs, &dk, &dv)) != 0 ||
	    dv.mv_size != STORE_KEY_BYTES)
		return rc == MDB_NOTFOUND ? SD_ENOTFOUND : SD_ESTORE;
	mv.mv_size = 0;
	if ((rc = mdb_get(sn->txn, sn->st->members, &dv, &mv)) != 0 ||
	    mv.mv_size != STORE_MEMBER_VAL)
		return SD_ESTORE;
	memcpy(rkey, dv.mv_data, KEY_PUBLIC_BYTES);
	memcpy(rkey + KEY_PUBLIC_BYTES, mv.mv_data, 8);
	if ((rc = store_err(mdb_get(sn->txn, sn->st->records, &rk, &rv))) != 0)
		return rc;
	*key = dv.mv_data;
	*rec = rv.mv_data;
	*len = rv.mv_size;
	return 0;
}

int
store_snap_doc_of(struct store_snap *sn, const uint8_t *key, uint64_t *doc)
{
	MDB_val k = { STORE_KEY_BYTES, (void *)key }, v;

	*doc = 0;
	if (mdb_get(sn->txn, sn->st->members, &k, &v) != 0 ||
	    v.mv_size != STORE_MEMBER_VAL)
		return 0;
	*doc = store_be64_get((uint8_t *)v.mv_data + 9);
	return 0;
}
