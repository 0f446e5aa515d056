/*
 * store_index: the index tables as written. The key and formats of filter
 * chunks, and the index changes of a write transaction: collected per
 * member (store_postings_update), then sorted by key and written once per
 * postings page and chunk (store_postings_flush).
 */
#include "store_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

size_t
store_bkey(uint8_t *out, const char *key, size_t klen, uint64_t chunk)
{
	memcpy(out, key, klen);
	out[klen] = 0;
	out[klen + 1] = (uint8_t)(chunk >> 24);
	out[klen + 2] = (uint8_t)(chunk >> 16);
	out[klen + 3] = (uint8_t)(chunk >> 8);
	out[klen + 4] = (uint8_t)chunk;
	return klen + 5;
}

int
store_chunk_decode(const void *v, size_t len, uint64_t *words)
{
	const uint8_t *b = v;
	size_t i;

	if (len == STORE_CHUNK_BYTES) {
		memcpy(words, v, STORE_CHUNK_BYTES);
		return 0;
	}
	if (len == 0 || len % 2 != 0 || len / 2 > STORE_CHUNK_ARRAY_MAX)
		return SD_ESTORE;
	memset(words, 0, STORE_CHUNK_BYTES);
	for (i = 0; i < len; i += 2) {
		unsigned off = (unsigned)b[i] << 8 | b[i + 1];
		if (off >= STORE_CHUNK_DOCS)
			return SD_ESTORE;
		words[off >> 6] |= 1ULL << (off & 63);
	}
	return 0;
}

size_t
store_chunk_bits(size_t len)
{
	return len == STORE_CHUNK_BYTES ? 0 : len / 2;
}

/* One collected index change: add or remove doc under key k. */
struct store_pop {
	uint64_t pfx; /* the key's first 8 bytes, big-endian, zero-padded */
	uint64_t doc;
	uint32_t order; /* the later of two ops on one (key, doc) wins */
	uint8_t add;
	uint8_t len;
	uint8_t tf, flen;
	char k[STORE_PKEY_MAX];
};

int
store_postings_update(
    struct store_wtx *w, const Sd__Member *m, uint64_t doc, int add)
{
	struct store_pkeys ks;
	struct store_pop *nv;
	size_t i, j;
	int rc;

	if ((rc = store_pkeys_of_member(w->st->codes, w->stem, m, &ks)) != 0)
		return rc;
	for (i = 0; i < STORE_NTEXT; i++)
		w->tokens_delta[i] +=
		    add ? (int64_t)ks.ntok[i] : -(int64_t)ks.ntok[i];
	if (w->nops + ks.n > w->capops) {
		size_t ncap = w->capops ? w->capops : 4096;
		while (ncap < w->nops + ks.n)
			ncap *= 2;
		if ((nv = realloc(w->ops, ncap * sizeof(*nv))) == NULL) {
			free(ks.v);
			return -ENOMEM;
		}
		w->ops = nv;
		w->capops = ncap;
	}
	for (i = 0; i < ks.n; i++) {
		struct store_pop *o = &w->ops[w->nops++];
		o->doc = doc;
		o->order = w->order++;
		o->add = (uint8_t)add;
		o->len = (uint8_t)ks.v[i].len;
		o->tf = ks.v[i].tf;
		o->flen = ks.v[i].flen;
		memcpy(o->k, ks.v[i].k, ks.v[i].len);
		o->pfx = 0;
		for (j = 0; j < 8; j++)
			o->pfx =
			    (o->pfx << 8) | (j < o->len ? (uint8_t)o->k[j] : 0);
	}
	free(ks.v);
	return 0;
}

/* Orders ops by key, then doc, then order. Keys are compared by their
 * 8-byte prefix first: most differ there, and short keys end there. */
static int
pop_cmp(const void *a, const void *b)
{
	const struct store_pop *x = *(const struct store_pop *const *)a,
	                       *y = *(const struct store_pop *const *)b;
	int c;

	if (x->pfx != y->pfx)
		return x->pfx < y->pfx ? -1 : 1;
	if (x->len > 8 && y->len > 8) {
		size_t n = x->len < y->len ? x->len : y->len;
		if ((c = memcmp(x->k + 8, y->k + 8, n - 8)) != 0)
			return c;
	}
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	if (x->doc != y->doc)
		return x->doc < y->doc ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Writes the collected index changes in key order; for each (key, doc)
 * only the last change counts. */
static int
pop_same_key(const struct store_pop *a, const struct store_pop *b)
{
	return a->len == b->len && memcmp(a->k, b->k, a->len) == 0;
}

/* Applies ops[0..n) (one filter key, one chunk, in order) to the chunk's
 * bitmap: read, set or clear each doc's bit, write back (or delete). */
static int
store_bitmap_apply(struct store_wtx *w, struct store_pop **ops, size_t n)
{
	uint64_t chunk = ops[0]->doc >> STORE_CHUNK_SHIFT,
	         bm[STORE_CHUNK_WORDS];
	uint8_t kb[STORE_BKEY_MAX], arr[2 * STORE_CHUNK_ARRAY_MAX];
	MDB_val k, v;
	size_t i, cnt = 0;
	int mrc;

	if (ops[0]->len > 65)
		return SD_ESTORE;
	k.mv_size = store_bkey(kb, ops[0]->k, ops[0]->len, chunk);
	k.mv_data = kb;
	mrc = mdb_get(w->txn, w->st->bitmaps, &k, &v);
	if (mrc == 0 && store_chunk_decode(v.mv_data, v.mv_size, bm) != 0)
		return SD_ESTORE;
	if (mrc == MDB_NOTFOUND)
		memset(bm, 0, sizeof(bm));
	else if (mrc != 0)
		return store_err(mrc);
	for (i = 0; i < n; i++) {
		uint64_t d = ops[i]->doc & (STORE_CHUNK_DOCS - 1);
		if (ops[i]->add)
			bm[d >> 6] |= 1ULL << (d & 63);
		else
			bm[d >> 6] &= ~(1ULL << (d & 63));
	}
	for (i = 0; i < STORE_CHUNK_WORDS; i++)
		cnt += (size_t)__builtin_popcountll(bm[i]);
	if (cnt == 0) {
		mrc = mdb_del(w->txn, w->st->bitmaps, &k, NULL);
		return mrc == MDB_NOTFOUND ? 0 : store_err(mrc);
	}
	if (cnt > STORE_CHUNK_ARRAY_MAX) {
		v.mv_size = sizeof(bm);
		v.mv_data = bm;
	} else {
		/* Sparse: the offsets, big-endian 16-bit, ascending. */
		for (i = 0, cnt = 0; i < STORE_CHUNK_WORDS; i++) {
			uint64_t x = bm[i];
			while (x != 0) {
				unsigned off = (unsigned)(i << 6) |
				    (unsigned)__builtin_ctzll(x);
				arr[cnt++] = (uint8_t)(off >> 8);
				arr[cnt++] = (uint8_t)off;
				x &= x - 1;
			}
		}
		v.mv_size = cnt;
		v.mv_data = arr;
	}
	return store_err(mdb_put(w->txn, w->st->bitmaps, &k, &v, 0));
}

int
store_postings_flush(struct store_wtx *w)
{
	MDB_cursor *cur;
	MDB_val k, v;
	struct store_pop **sorted;
	uint8_t dbuf[STORE_POSTING_VAL];
	size_t i, j;
	int rc = 0, mrc;

	if (w->nops == 0)
		return 0;
	/* Sort pointers: the ops themselves are large to move. */
	if ((sorted = malloc(w->nops * sizeof(*sorted))) == NULL)
		return -ENOMEM;
	for (i = 0; i < w->nops; i++)
		sorted[i] = &w->ops[i];
	qsort(sorted, w->nops, sizeof(*sorted), pop_cmp);
	if ((rc = store_err(mdb_cursor_open(w->txn, w->st->postings, &cur))) !=
	    0) {
		free(sorted);
		return rc;
	}
	for (i = 0; i < w->nops && rc == 0; i++) {
		const struct store_pop *o = sorted[i];
		if (store_field_bitmap(o->k[0])) {
			/* A filter key: one read-modify-write per chunk. */
			for (j = i + 1;
			     j < w->nops && pop_same_key(sorted[j], o) &&
			     sorted[j]->doc >> STORE_CHUNK_SHIFT ==
			         o->doc >> STORE_CHUNK_SHIFT;
			     j++)
				;
			rc = store_bitmap_apply(w, sorted + i, j - i);
			i = j - 1;
			continue;
		}
		/* Of the ops on one (key, doc), every removal is done (its
		 * value, with the frequency of the version it came from, may
		 * be stored) and only a final add is written. */
		if (o->add && i + 1 < w->nops && sorted[i + 1]->doc == o->doc &&
		    pop_same_key(sorted[i + 1], o))
			continue; /* superseded by a later change */
		store_be64_put(dbuf, o->doc);
		dbuf[8] = o->tf;
		dbuf[9] = o->flen;
		k.mv_size = o->len;
		k.mv_data = (void *)o->k;
		v.mv_size = STORE_POSTING_VAL;
		v.mv_data = dbuf;
		if (o->add) {
			/* New members have the highest doc numbers, so their
			 * postings go at the end of each list: APPENDDUP
			 * skips the search and fills pages fully. A doc that
			 * is not the last (an updated member) falls back. */
			mrc = mdb_cursor_put(cur, &k, &v, MDB_APPENDDUP);
			if (mrc == MDB_KEYEXIST)
				mrc =
				    mdb_cursor_put(cur, &k, &v, MDB_NODUPDATA);
			if (mrc == MDB_KEYEXIST)
				mrc = 0;
		} else {
			/* Every entry of this doc under the key goes, whatever
			 * its frequency: one derived by an older tokeniser
			 * must not linger. */
			dbuf[8] = dbuf[9] = 0;
			mrc = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH_RANGE);
			while (mrc == 0 && v.mv_size == STORE_POSTING_VAL &&
			    store_be64_get(v.mv_data) == o->doc) {
				MDB_val ck;
				if ((rc = store_err(mdb_cursor_del(cur, 0))) !=
				    0)
					break;
				/* The cursor is now on the next entry, if
				 * any: another of this doc's under the key? */
				mrc = mdb_cursor_get(
				    cur, &ck, &v, MDB_GET_CURRENT);
				if (mrc == 0 &&
				    (ck.mv_size != o->len ||
				        memcmp(ck.mv_data, o->k, o->len) != 0))
					break;
			}
			if (rc != 0)
				break;
			mrc = 0; /* not found or no further entry: done */
		}
		rc = store_err(mrc);
	}
	mdb_cursor_close(cur);
	free(sorted);
	w->nops = 0;
	return rc;
}
