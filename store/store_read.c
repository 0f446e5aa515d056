/*
 * store_read: the store's reads, each in a read transaction of its own
 * that begins and ends in the call: watermarks, record ranges, members
 * and their walk, certificates, counts and stats, document frequencies.
 * (A search's many reads share one snapshot instead: store_snap.c.)
 */
#include "store_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "text.h"

int
store_mark(
    struct store *st, const uint8_t origin[KEY_PUBLIC_BYTES], uint64_t *w)
{
	MDB_txn *txn;
	MDB_val k = { KEY_PUBLIC_BYTES, (void *)origin }, v;
	int rc;

	*w = 0;
	if ((rc = store_err(mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn))) !=
	    0)
		return rc;
	rc = mdb_get(txn, st->marks, &k, &v);
	if (rc == 0 && v.mv_size == 8)
		*w = store_be64_get(v.mv_data);
	rc = rc == MDB_NOTFOUND ? 0 : store_err(rc);
	mdb_txn_abort(txn);
	return rc;
}

static int
store_member_read(struct store *st, MDB_txn *txn, const MDB_val *mval,
    const uint8_t *origin, store_record_cb cb, void *arg)
{
	uint8_t rkey[STORE_RKEY_BYTES];
	MDB_val rk = { sizeof(rkey), rkey }, rv;
	int rc;

	if (mval->mv_size != STORE_MEMBER_VAL)
		return SD_ESTORE;
	store_rkey(rkey, origin, store_be64_get(mval->mv_data));
	if ((rc = store_err(mdb_get(txn, st->records, &rk, &rv))) != 0)
		return rc == SD_ENOTFOUND ? SD_ESTORE : rc;
	return cb(arg, rv.mv_data, rv.mv_size);
}

int
store_member_get(struct store *st, const uint8_t *origin,
    const uint8_t id[MEMBER_ID_BYTES], store_record_cb cb, void *arg)
{
	MDB_txn *txn;
	MDB_cursor *cur = NULL;
	uint8_t mkey[STORE_KEY_BYTES];
	MDB_val k = { sizeof(mkey), mkey }, v;
	int rc, mrc;

	if ((rc = store_err(mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn))) !=
	    0)
		return rc;
	if (origin != NULL) {
		memcpy(mkey, origin, KEY_PUBLIC_BYTES);
		memcpy(mkey + KEY_PUBLIC_BYTES, id, MEMBER_ID_BYTES);
		if ((rc = store_err(mdb_get(txn, st->members, &k, &v))) != 0)
			goto out;
		if (((uint8_t *)v.mv_data)[8] != 1) {
			rc = SD_ENOTFOUND;
			goto out;
		}
		rc = store_member_read(st, txn, &v, origin, cb, arg);
		goto out;
	}
	/* Any origin: a scan of the members table. Ids are random, so this is
	 * only for interactive use (member show without an origin). */
	if ((rc = store_err(mdb_cursor_open(txn, st->members, &cur))) != 0)
		goto out;
	rc = SD_ENOTFOUND;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size == STORE_KEY_BYTES &&
		    memcmp((uint8_t *)k.mv_data + KEY_PUBLIC_BYTES, id,
		        MEMBER_ID_BYTES) == 0 &&
		    v.mv_size == STORE_MEMBER_VAL &&
		    ((uint8_t *)v.mv_data)[8] == 1) {
			memcpy(mkey, k.mv_data, STORE_KEY_BYTES);
			rc = store_member_read(st, txn, &v, mkey, cb, arg);
			break;
		}
	}
out:
	if (cur)
		mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return rc;
}

int
store_member_state(struct store *st, const uint8_t origin[KEY_PUBLIC_BYTES],
    const uint8_t id[MEMBER_ID_BYTES], uint64_t *seq, int *live)
{
	MDB_txn *txn;
	uint8_t mkey[STORE_KEY_BYTES];
	MDB_val k = { sizeof(mkey), mkey }, v;
	int rc;

	memcpy(mkey, origin, KEY_PUBLIC_BYTES);
	memcpy(mkey + KEY_PUBLIC_BYTES, id, MEMBER_ID_BYTES);
	if ((rc = store_err(mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn))) !=
	    0)
		return rc;
	if ((rc = store_err(mdb_get(txn, st->members, &k, &v))) == 0) {
		if (v.mv_size != STORE_MEMBER_VAL) {
			rc = SD_ESTORE;
		} else {
			*seq = store_be64_get(v.mv_data);
			*live = ((uint8_t *)v.mv_data)[8] == 1;
		}
	}
	mdb_txn_abort(txn);
	return rc;
}

int
store_members_walk(struct store *st, const uint8_t *origin,
    const uint8_t *after, size_t limit, store_record_cb cb, void *arg,
    uint8_t next[STORE_KEY_BYTES])
{
	MDB_txn *txn;
	MDB_cursor *cur;
	uint8_t start[STORE_KEY_BYTES] = { 0 }, okey[STORE_KEY_BYTES];
	MDB_val k, v;
	size_t seen = 0;
	int rc, mrc, op;

	if ((rc = store_err(mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn))) !=
	    0)
		return rc;
	if ((rc = store_err(mdb_cursor_open(txn, st->members, &cur))) != 0)
		goto out_txn;
	if (after != NULL)
		memcpy(start, after, STORE_KEY_BYTES);
	else if (origin != NULL)
		memcpy(start, origin, KEY_PUBLIC_BYTES);
	k.mv_size = sizeof(start);
	k.mv_data = start;
	mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (mrc == 0 && after != NULL && k.mv_size == STORE_KEY_BYTES &&
	    memcmp(k.mv_data, after, STORE_KEY_BYTES) == 0)
		mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	op = MDB_NEXT;
	for (; mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, op)) {
		if (k.mv_size != STORE_KEY_BYTES) {
			rc = SD_ESTORE;
			break;
		}
		if (origin != NULL &&
		    memcmp(k.mv_data, origin, KEY_PUBLIC_BYTES) != 0)
			break;
		if (v.mv_size != STORE_MEMBER_VAL) {
			rc = SD_ESTORE;
			break;
		}
		if (((uint8_t *)v.mv_data)[8] != 1)
			continue;
		if (limit != 0 && seen == limit) {
			rc = 1;
			break;
		}
		memcpy(okey, k.mv_data, STORE_KEY_BYTES);
		if ((rc = store_member_read(st, txn, &v, okey, cb, arg)) != 0)
			break;
		if (next != NULL)
			memcpy(next, okey, STORE_KEY_BYTES);
		seen++;
	}
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = store_err(mrc);
	mdb_cursor_close(cur);
out_txn:
	mdb_txn_abort(txn);
	return rc;
}

static int
store_count_cb(void *arg, const uint8_t *rec, size_t len)
{
	(void)rec;
	(void)len;
	(*(uint64_t *)arg)++;
	return 0;
}

static int
store_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The seqs of origin's records of later kinds (their `others` entries;
 * none in most stores: one seek), ascending, into *out (malloc'd). */
static int
store_later_seqs(struct store *st, MDB_txn *txn, const uint8_t *origin,
    uint64_t **out, size_t *n)
{
	MDB_cursor *cur;
	MDB_val k = { KEY_PUBLIC_BYTES, (void *)origin }, v;
	size_t cap = 0;
	int rc, mrc;

	*out = NULL;
	*n = 0;
	if (!st->has_others)
		return 0;
	if ((rc = store_err(mdb_cursor_open(txn, st->others, &cur))) != 0)
		return rc;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < KEY_PUBLIC_BYTES ||
		    memcmp(k.mv_data, origin, KEY_PUBLIC_BYTES) != 0)
			break;
		if (v.mv_size != 8)
			continue;
		if (*n == cap) {
			void *nv;
			cap = cap ? cap * 2 : 16;
			if ((nv = realloc(*out, cap * sizeof(**out))) == NULL) {
				mrc = ENOMEM;
				break;
			}
			*out = nv;
		}
		(*out)[(*n)++] = store_be64_get(v.mv_data);
	}
	mdb_cursor_close(cur);
	if (mrc == ENOMEM)
		return -ENOMEM;
	if (mrc != 0 && mrc != MDB_NOTFOUND)
		return store_err(mrc);
	/* The entries are in subject order. */
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), store_u64_cmp);
	return 0;
}

static int
store_seq_in(const uint64_t *v, size_t n, uint64_t seq)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo] == seq;
}

int
store_held_v1(struct store *st, const uint8_t origin[KEY_PUBLIC_BYTES],
    uint64_t w, uint64_t held_w, uint64_t *kw, uint64_t *kheld)
{
	uint8_t rkey[STORE_RKEY_BYTES];
	MDB_val k = { sizeof(rkey), rkey }, v;
	MDB_cursor *cur = NULL;
	MDB_txn *txn;
	uint64_t *later = NULL, held;
	size_t n = 0, i, below = 0;
	int rc, mrc;

	*kw = w;
	*kheld = 0;
	if ((rc = store_err(mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn))) !=
	    0)
		return rc;
	if ((rc = store_later_seqs(st, txn, origin, &later, &n)) != 0)
		goto out;
	if (n > 0 && store_seq_in(later, n, w)) {
		/* The newest records are of a later kind: back from w to
		 * the first that is not. */
		if ((rc = store_err(mdb_cursor_open(txn, st->records, &cur))) !=
		    0)
			goto out;
		store_rkey(rkey, origin, w);
		mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
		*kw = 0;
		for (; mrc == 0; mrc = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
			uint64_t seq;
			if (k.mv_size != STORE_RKEY_BYTES ||
			    memcmp(k.mv_data, origin, KEY_PUBLIC_BYTES) != 0)
				break;
			seq = store_be64_get(
			    (uint8_t *)k.mv_data + KEY_PUBLIC_BYTES);
			if (!store_seq_in(later, n, seq)) {
				*kw = seq;
				break;
			}
		}
		if (mrc != 0 && mrc != MDB_NOTFOUND) {
			rc = store_err(mrc);
			goto out;
		}
	}
out:
	if (cur)
		mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	/* At w the caller's count serves; below it, counted again. */
	held = held_w;
	if (rc == 0 && *kw > 0 &&
	    (*kw == w || (rc = store_held(st, origin, *kw, &held)) == 0)) {
		for (i = 0; i < n; i++)
			below += later[i] <= *kw;
		*kheld = held > below ? held - below : 0;
	}
	free(later);
	return rc;
}

int
store_held(struct store *st, const uint8_t origin[KEY_PUBLIC_BYTES], uint64_t w,
    uint64_t *held)
{
	uint8_t key[4 + KEY_PUBLIC_BYTES];
	MDB_val k = { sizeof(key), key }, v;
	MDB_txn *txn;
	uint64_t above = 0;
	int rc;

	*held = 0;
	store_held_key(key, origin);
	if ((rc = store_err(mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn))) !=
	    0)
		return rc;
	rc = mdb_get(txn, st->meta, &k, &v);
	if (rc == 0 && v.mv_size == 8)
		*held = store_be64_get(v.mv_data);
	mdb_txn_abort(txn);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_err(rc);
	/* Records above the watermark (out of order) are rare: counted. */
	if ((rc = store_range(
	         st, origin, w, UINT64_MAX, store_count_cb, &above)) != 0)
		return rc;
	*held = *held > above ? *held - above : 0;
	return 0;
}

int
store_altered(const struct store *st, uint64_t *expected, uint64_t *found)
{
	*expected = st->altered_expected;
	*found = st->altered_found;
	return st->altered;
}

int
store_last_seq(
    struct store *st, const uint8_t origin[KEY_PUBLIC_BYTES], uint64_t *seq)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	uint8_t end[KEY_PUBLIC_BYTES + 8];
	MDB_val k = { sizeof(end), end }, v;
	int rc, mrc;

	*seq = 0;
	store_rkey(end, origin, UINT64_MAX);
	if ((rc = store_err(mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn))) !=
	    0)
		return rc;
	if ((rc = store_err(mdb_cursor_open(txn, st->records, &cur))) != 0)
		goto out_txn;
	/* The last key below origin‖(2^64 - 1), or that key itself. */
	mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (mrc == 0 &&
	    !(k.mv_size == sizeof(end) &&
	        memcmp(k.mv_data, end, sizeof(end)) == 0))
		mrc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
	else if (mrc == MDB_NOTFOUND)
		mrc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (mrc == 0 && k.mv_size == sizeof(end) &&
	    memcmp(k.mv_data, origin, KEY_PUBLIC_BYTES) == 0)
		*seq = store_be64_get((uint8_t *)k.mv_data + KEY_PUBLIC_BYTES);
	else if (mrc != 0 && mrc != MDB_NOTFOUND)
		rc = store_err(mrc);
	mdb_cursor_close(cur);
out_txn:
	mdb_txn_abort(txn);
	return rc;
}

int
store_range(struct store *st, const uint8_t origin[KEY_PUBLIC_BYTES],
    uint64_t from, uint64_t to, store_record_cb cb, void *arg)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	uint8_t start[KEY_PUBLIC_BYTES + 8];
	MDB_val k = { sizeof(start), start }, v;
	int rc, mrc;

	if (from >= to)
		return 0;
	store_rkey(start, origin, from + 1);
	if ((rc = store_err(mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn))) !=
	    0)
		return rc;
	if ((rc = store_err(mdb_cursor_open(txn, st->records, &cur))) != 0)
		goto out_txn;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != sizeof(start) ||
		    memcmp(k.mv_data, origin, KEY_PUBLIC_BYTES) != 0 ||
		    store_be64_get((uint8_t *)k.mv_data + KEY_PUBLIC_BYTES) >
		        to)
			break;
		if ((rc = cb(arg, v.mv_data, v.mv_size)) != 0)
			break;
	}
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = store_err(mrc);
	mdb_cursor_close(cur);
out_txn:
	mdb_txn_abort(txn);
	return rc;
}

int
store_cert(struct store *st, const uint8_t node[KEY_PUBLIC_BYTES],
    store_record_cb cb, void *arg, int *revoked)
{
	MDB_txn *txn;
	MDB_val k = { KEY_PUBLIC_BYTES, (void *)node }, v, rk, rv;
	uint8_t rkey[STORE_RKEY_BYTES];
	int rc;

	*revoked = 0;

	if ((rc = store_err(mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn))) !=
	    0)
		return rc;
	if ((rc = store_err(mdb_get(txn, st->certs, &k, &v))) != 0)
		goto out;
	if (v.mv_size != STORE_CERT_VAL) {
		rc = SD_ESTORE;
		goto out;
	}
	*revoked =
	    store_be64_get((uint8_t *)v.mv_data + KEY_PUBLIC_BYTES + 8) != 0;
	if (store_be64_get((uint8_t *)v.mv_data + KEY_PUBLIC_BYTES) == 0) {
		rc = SD_ENOTFOUND; /* revoked before any cert was seen */
		goto out;
	}
	/* The value names the certificate record: root origin || seq. */
	memcpy(rkey, v.mv_data, KEY_PUBLIC_BYTES + 8);
	rk.mv_size = sizeof(rkey);
	rk.mv_data = rkey;
	if ((rc = store_err(mdb_get(txn, st->records, &rk, &rv))) != 0)
		goto out;
	rc = cb(arg, rv.mv_data, rv.mv_size);
out:
	mdb_txn_abort(txn);
	return rc;
}

int
store_marks(struct store *st, store_mark_cb cb, void *arg)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, mrc;

	if ((rc = store_err(mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn))) !=
	    0)
		return rc;
	if ((rc = store_err(mdb_cursor_open(txn, st->marks, &cur))) != 0)
		goto out;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != KEY_PUBLIC_BYTES || v.mv_size != 8)
			continue;
		if ((rc = cb(arg, k.mv_data, store_be64_get(v.mv_data))) != 0)
			break;
	}
	if (rc == 0 && mrc != MDB_NOTFOUND)
		rc = store_err(mrc);
	mdb_cursor_close(cur);
out:
	mdb_txn_abort(txn);
	return rc;
}

int
store_counts(struct store *st, const uint8_t *origin, struct store_counts *out)
{
	uint8_t key[4 + KEY_PUBLIC_BYTES];
	MDB_val k = { sizeof(key), key }, v;
	MDB_txn *txn;
	MDB_stat ms;
	int rc, mrc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_err(mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn))) !=
	    0)
		return rc;
	if ((rc = store_meta_get(st, txn, "members", &out->members)) != 0 ||
	    (rc = store_err(mdb_stat(txn, st->records, &ms))) != 0)
		goto out;
	out->records = ms.ms_entries;
	if (origin != NULL) {
		store_live_key(key, origin);
		mrc = mdb_get(txn, st->meta, &k, &v);
		if (mrc == 0 && v.mv_size == 8)
			out->origin_members = store_be64_get(v.mv_data);
		else if (mrc != 0 && mrc != MDB_NOTFOUND)
			rc = store_err(mrc);
	}
out:
	mdb_txn_abort(txn);
	return rc;
}

int
store_stats_txn(struct store *st, MDB_txn *txn, struct store_stats *out)
{
	MDB_stat ms;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_meta_get(st, txn, "members", &out->members)) != 0)
		goto out;
	if ((rc = store_err(mdb_stat(txn, st->records, &ms))) != 0)
		goto out;
	out->records = ms.ms_entries;
	if ((rc = store_err(mdb_stat(txn, st->postings, &ms))) != 0)
		goto out;
	out->postings = ms.ms_entries;
	{
		MDB_cursor *cur;
		MDB_val k, v;
		int mrc;
		if ((rc = store_err(
		         mdb_cursor_open(txn, st->postings, &cur))) != 0)
			goto out;
		for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
		     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_NODUP))
			out->terms++;
		mdb_cursor_close(cur);
		/* Filter terms: one bit per member, keys differ in the chunk
		 * number (the last 4 bytes) only. */
		if ((rc = store_err(mdb_cursor_open(txn, st->bitmaps, &cur))) !=
		    0)
			goto out;
		{
			uint8_t last[STORE_BKEY_MAX];
			size_t lastlen = 0, i;
			for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
			     mrc == 0;
			     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
				const uint8_t *b = v.mv_data;
				if (k.mv_size < 5 || k.mv_size > STORE_BKEY_MAX)
					continue;
				if (k.mv_size != lastlen ||
				    memcmp(k.mv_data, last, k.mv_size - 4) !=
				        0) {
					out->terms++;
					lastlen = k.mv_size;
					memcpy(last, k.mv_data, k.mv_size);
				}
				if (store_chunk_bits(v.mv_size) > 0)
					out->postings +=
					    store_chunk_bits(v.mv_size);
				else
					for (i = 0; i < v.mv_size; i++)
						out->postings += (uint64_t)
						    __builtin_popcount(b[i]);
			}
		}
		mdb_cursor_close(cur);
	}
out:
	return rc;
}

int
store_stats(struct store *st, struct store_stats *out)
{
	MDB_txn *txn;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_err(mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn))) !=
	    0)
		return rc;
	rc = store_stats_txn(st, txn, out);
	mdb_txn_abort(txn);
	return rc;
}

int
store_df(
    struct store *st, int field, const char *term, size_t len, uint64_t *df)
{
	struct store_snap *sn;
	struct text_stem *stem = NULL;
	char kb[STORE_PKEY_MAX];
	int rc;

	*df = 0;
	if (len + 1 > sizeof(kb))
		return 0;
	if (store_field_stemmed(field)) {
		if ((rc = text_stem_new(&stem)) != 0)
			return rc;
		term = text_stem(stem, term, len, &len);
	}
	kb[0] = (char)field;
	memcpy(kb + 1, term, len);
	text_stem_free(stem);
	if ((rc = store_snap_begin(st, &sn)) != 0)
		return rc;
	if (store_field_bitmap(field))
		rc = store_snap_chunks_count(sn, kb, len + 1, df);
	else
		rc = store_snap_postings_count(sn, kb, len + 1, df);
	store_snap_end(sn);
	return rc;
}
