#include "store_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "text.h"

#define STORE_PKEY_MAX (1 + 2 * MEMBER_ID_BYTES + TEXT_TOKEN_MAX)

int
store_err(int rc)
{
	switch (rc) {
	case MDB_SUCCESS: return 0;
	case MDB_NOTFOUND: return SD_ENOTFOUND;
	case MDB_MAP_FULL: return SD_EFULL;
	case ENOMEM: return -ENOMEM;
	case EACCES: return -EACCES;
	case ENOENT: return -ENOENT;
	case ENOSPC: return -ENOSPC; /* the disk, not the map */
	case EDQUOT: return -EDQUOT;
	case EIO: return -EIO;
	default: return SD_ESTORE;
	}
}

uint64_t
store_be64_get(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

void
store_be64_put(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static int store_reindex(struct store *st, MDB_txn *txn);
static int store_check_counts(struct store *st, MDB_txn *txn);

int
store_open(const char *dir, const struct codes *codes, size_t map_mb, int flags,
    struct store **out)
{
	struct store *st;
	MDB_txn *txn;
	unsigned int eflags = MDB_NOTLS, dflags = 0;
	int rc;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return -ENOMEM;
	st->codes = codes;
	st->rdonly = (flags & STORE_RDONLY) != 0;
	if (st->rdonly)
		eflags |= MDB_RDONLY;
	else
		dflags = MDB_CREATE;
	/* Not durable: for a simulator of many stores in one process. */
	if (flags & STORE_NOSYNC)
		eflags |= MDB_NOSYNC | MDB_WRITEMAP;
	if (!st->rdonly && mkdir(dir, 0700) != 0 && errno != EEXIST) {
		rc = -errno;
		goto out_free;
	}
	if ((rc = store_err(mdb_env_create(&st->env))) != 0)
		goto out_free;
	mdb_env_set_maxdbs(st->env, 16);
	mdb_env_set_maxreaders(st->env, 256);
	if ((rc = store_err(mdb_env_set_mapsize(
	         st->env, (size_t)map_mb * 1024 * 1024))) != 0)
		goto out_env;
	if ((rc = mdb_env_open(st->env, dir, eflags, 0600)) != 0) {
		rc = rc > 0 && rc < 200 ? -rc : store_err(rc);
		goto out_env;
	}
	if ((rc = store_err(mdb_txn_begin(
	         st->env, NULL, st->rdonly ? MDB_RDONLY : 0, &txn))) != 0)
		goto out_env;
	if ((rc = store_err(
	         mdb_dbi_open(txn, "records", dflags, &st->records))) != 0 ||
	    (rc = store_err(
	         mdb_dbi_open(txn, "members", dflags, &st->members))) != 0 ||
	    (rc = store_err(mdb_dbi_open(txn, "docs", dflags, &st->docs))) !=
	        0 ||
	    (rc = store_err(mdb_dbi_open(txn, "marks", dflags, &st->marks))) !=
	        0 ||
	    (rc = store_err(mdb_dbi_open(txn, "postings",
	         dflags | MDB_DUPSORT | MDB_DUPFIXED, &st->postings))) != 0 ||
	    (rc = store_err(
	         mdb_dbi_open(txn, "bitmaps", dflags, &st->bitmaps))) != 0 ||
	    (rc = store_err(mdb_dbi_open(txn, "certs", dflags, &st->certs))) !=
	        0 ||
	    (rc = store_err(mdb_dbi_open(txn, "peers", dflags, &st->peers))) !=
	        0 ||
	    (rc = store_err(mdb_dbi_open(txn, "meta", dflags, &st->meta))) !=
	        0) {
		mdb_txn_abort(txn);
		goto out_env;
	}
	if (st->rdonly) {
		/* A reader cannot upgrade: an older schema is an error (the
		 * daemon upgrades it when it opens the store). */
		MDB_val k = { 6, "schema" }, v;
		if (mdb_get(txn, st->meta, &k, &v) == 0 &&
		    (v.mv_size != 8 ||
		        store_be64_get(v.mv_data) != STORE_SCHEMA)) {
			mdb_txn_abort(txn);
			rc = SD_ESTORE;
			goto out_env;
		}
	} else {
		MDB_val k = { 6, "schema" }, v;
		uint8_t buf[8];
		if (mdb_get(txn, st->meta, &k, &v) == MDB_NOTFOUND) {
			store_be64_put(buf, STORE_SCHEMA);
			v.mv_size = 8;
			v.mv_data = buf;
			if ((rc = store_err(
			         mdb_put(txn, st->meta, &k, &v, 0))) != 0) {
				mdb_txn_abort(txn);
				goto out_env;
			}
		} else if (v.mv_size == 8 && (store_be64_get(v.mv_data) == 1 ||
		                                 store_be64_get(v.mv_data) == 2)) {
			/* Schema 1 postings lack frequencies and lengths;
			 * schema 2 (never released) lacked the filter chunks
			 * and counters: rebuild the index from the members. */
			if ((rc = store_reindex(st, txn)) != 0) {
				mdb_txn_abort(txn);
				goto out_env;
			}
		} else if (v.mv_size != 8 ||
		    store_be64_get(v.mv_data) != STORE_SCHEMA) {
			mdb_txn_abort(txn);
			rc = SD_ESTORE;
			goto out_env;
		}
	}
	if (!st->rdonly && (rc = store_check_counts(st, txn)) != 0) {
		mdb_txn_abort(txn);
		goto out_env;
	}
	if ((rc = store_err(mdb_txn_commit(txn))) != 0)
		goto out_env;
	*out = st;
	return 0;
out_env:
	mdb_env_close(st->env);
out_free:
	free(st);
	return rc;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	mdb_env_close(st->env);
	free(st);
}

/* ---- index keys of a member ---- */

int
store_field_stemmed(int field)
{
	return field != STORE_F_CITY && strchr(STORE_TEXT_FIELDS, field) != NULL;
}

int
store_field_bitmap(int field)
{
	return field != 0 && strchr("crskzm", field) != NULL;
}

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

static int
store_text_index(int field)
{
	const char *p = field ? strchr(STORE_TEXT_FIELDS, field) : NULL;

	return p ? (int)(p - STORE_TEXT_FIELDS) : -1;
}

struct pkey {
	uint16_t len;
	uint8_t tf;   /* occurrences in the field, capped at 255 */
	uint8_t flen; /* the field's length in tokens, capped at 255 */
	char k[STORE_PKEY_MAX];
};

struct pkeys {
	struct pkey *v;
	size_t n, cap;
	struct text_stem *stem;
	uint32_t ntok[STORE_NTEXT]; /* tokens per text field */
	int err;
};

static void
pkeys_add(struct pkeys *ks, int field, const char *term, size_t len)
{
	struct pkey *nv;

	if (ks->err)
		return;
	if (len + 1 > STORE_PKEY_MAX)
		len = STORE_PKEY_MAX - 1;
	if (ks->n == ks->cap) {
		size_t ncap = ks->cap ? ks->cap * 2 : 64;
		if ((nv = realloc(ks->v, ncap * sizeof(*nv))) == NULL) {
			ks->err = -ENOMEM;
			return;
		}
		ks->v = nv;
		ks->cap = ncap;
	}
	ks->v[ks->n].k[0] = (char)field;
	memcpy(ks->v[ks->n].k + 1, term, len);
	ks->v[ks->n].len = (uint16_t)(len + 1);
	ks->v[ks->n].tf = 1;
	ks->v[ks->n].flen = 0;
	ks->n++;
}

struct pkeys_text {
	struct pkeys *ks;
	int field;
};

static int
pkeys_token_cb(void *arg, const char *tok, size_t len)
{
	struct pkeys_text *t = arg;
	int ti = store_text_index(t->field);

	if (store_field_stemmed(t->field))
		tok = text_stem(t->ks->stem, tok, len, &len);
	pkeys_add(t->ks, t->field, tok, len);
	if (ti >= 0)
		t->ks->ntok[ti]++;
	return t->ks->err;
}

static void
pkeys_text(struct pkeys *ks, int field, const char *s)
{
	struct pkeys_text t = { ks, field };

	if (s != NULL && ks->err == 0 &&
	    text_tokens(s, pkeys_token_cb, &t) != 0 && ks->err == 0)
		ks->err = SD_EINVAL;
}

static int
pkey_cmp(const void *a, const void *b)
{
	const struct pkey *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->k, y->k, n);

	return c ? c : (int)x->len - (int)y->len;
}

/* The index keys of m, sorted, each once with its frequency; ks->ntok
 * holds the text fields' lengths. stem may be NULL (no stemming). */
static int
pkeys_of_member(const struct codes *codes, struct text_stem *stem,
    const Sd__Member *m, struct pkeys *ks)
{
	size_t i, j, out;
	char hex[2 * MEMBER_ID_BYTES + 1];
	const char *hexd = "0123456789abcdef";
	int rev = m->has_nace_rev ? (int)m->nace_rev : CODES_NACE_REV2_1;

	memset(ks, 0, sizeof(*ks));
	ks->stem = stem;
	pkeys_add(ks, STORE_F_COUNTRY, m->country, strlen(m->country));
	if (m->region != NULL) {
		size_t rl = strlen(m->region);
		for (i = 3; i <= rl; i++)
			pkeys_add(ks, STORE_F_REGION, m->region, i);
	}
	for (i = 0; i < m->n_sectors; i++) {
		const char *s = m->sectors[i];
		size_t sl = strlen(s);
		char section = 0;
		if (codes_nace(codes, rev, s, &section, NULL) == 0)
			pkeys_add(ks, STORE_F_SECTOR, &section, 1);
		if (sl >= 2 && s[0] >= '0' && s[0] <= '9') {
			pkeys_add(ks, STORE_F_SECTOR, s, 2);
			if (sl >= 4)
				pkeys_add(ks, STORE_F_SECTOR, s, 4);
			if (sl >= 5)
				pkeys_add(ks, STORE_F_SECTOR, s, 5);
		}
	}
	pkeys_add(ks, STORE_F_KIND, record_kind_name(m->kind),
	    strlen(record_kind_name(m->kind)));
	if (m->has_employees) {
		uint8_t e[4] = { (uint8_t)(m->employees >> 24),
			(uint8_t)(m->employees >> 16),
			(uint8_t)(m->employees >> 8), (uint8_t)m->employees };
		pkeys_add(ks, STORE_F_SIZE, record_size_class(m->employees),
		    strlen(record_size_class(m->employees)));
		pkeys_add(ks, STORE_F_EMPLOYEES, (const char *)e, 4);
	}
	for (i = 0; i < m->n_memberships; i++) {
		for (j = 0; j < MEMBER_ID_BYTES; j++) {
			hex[2 * j] = hexd[m->memberships[i].data[j] >> 4];
			hex[2 * j + 1] = hexd[m->memberships[i].data[j] & 15];
		}
		pkeys_add(ks, STORE_F_MEMBERSHIP, hex, 2 * MEMBER_ID_BYTES);
	}
	pkeys_text(ks, STORE_F_NAME, m->name);
	for (i = 0; i < m->n_capabilities; i++)
		pkeys_text(ks, STORE_F_CAPABILITY, m->capabilities[i]);
	for (i = 0; i < m->n_offers; i++)
		pkeys_text(ks, STORE_F_OFFER, m->offers[i]);
	for (i = 0; i < m->n_seeks; i++)
		pkeys_text(ks, STORE_F_SEEK, m->seeks[i]);
	pkeys_text(ks, STORE_F_DESCRIPTION, m->description);
	pkeys_text(ks, STORE_F_CITY, m->city);
	if (ks->err) {
		free(ks->v);
		ks->v = NULL;
		return ks->err;
	}
	if (ks->n > 1) {
		qsort(ks->v, ks->n, sizeof(*ks->v), pkey_cmp);
		for (i = 1, out = 1; i < ks->n; i++) {
			if (pkey_cmp(&ks->v[i], &ks->v[out - 1]) != 0)
				ks->v[out++] = ks->v[i];
			else if (ks->v[out - 1].tf < 255)
				ks->v[out - 1].tf++;
		}
		ks->n = out;
	}
	for (i = 0; i < ks->n; i++) {
		int ti = store_text_index(ks->v[i].k[0]);
		if (ti >= 0)
			ks->v[i].flen =
			    (uint8_t)(ks->ntok[ti] > 255 ? 255 : ks->ntok[ti]);
	}
	return 0;
}

/* ---- applying records ---- */

/*
 * A write transaction in progress. Index changes are not written one by
 * one: they are collected and written at the end, sorted by key, so each
 * postings page is visited once per batch rather than once per member
 * (the postings table is by far the largest part of a write).
 */
struct pop {
	uint64_t pfx; /* the key's first 8 bytes, big-endian, zero-padded */
	uint64_t doc;
	uint32_t order; /* the later of two ops on one (key, doc) wins */
	uint8_t add;
	uint8_t len;
	uint8_t tf, flen;
	char k[STORE_PKEY_MAX];
};

struct store_wtx {
	struct store *st;
	MDB_txn *txn;
	struct pop *ops;
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
	uint64_t next_doc;     /* last doc number handed out */
	struct text_stem *stem;
};

static int
store_postings_update(
    struct store_wtx *w, const Sd__Member *m, uint64_t doc, int add)
{
	struct pkeys ks;
	struct pop *nv;
	size_t i, j;
	int rc;

	if ((rc = pkeys_of_member(w->st->codes, w->stem, m, &ks)) != 0)
		return rc;
	for (i = 0; i < STORE_NTEXT; i++)
		w->tokens_delta[i] += add ? (int64_t)ks.ntok[i] :
		                            -(int64_t)ks.ntok[i];
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
		struct pop *o = &w->ops[w->nops++];
		o->doc = doc;
		o->order = w->order++;
		o->add = (uint8_t)add;
		o->len = (uint8_t)ks.v[i].len;
		o->tf = ks.v[i].tf;
		o->flen = ks.v[i].flen;
		memcpy(o->k, ks.v[i].k, ks.v[i].len);
		o->pfx = 0;
		for (j = 0; j < 8; j++)
			o->pfx = (o->pfx << 8) |
			    (j < o->len ? (uint8_t)o->k[j] : 0);
	}
	free(ks.v);
	return 0;
}

/* Orders ops by key, then doc, then order. Keys are compared by their
 * 8-byte prefix first: most differ there, and short keys end there. */
static int
pop_cmp(const void *a, const void *b)
{
	const struct pop *x = *(const struct pop *const *)a,
	                 *y = *(const struct pop *const *)b;
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
pop_same_key(const struct pop *a, const struct pop *b)
{
	return a->len == b->len && memcmp(a->k, b->k, a->len) == 0;
}

/* Applies ops[0..n) (one filter key, one chunk, in order) to the chunk's
 * bitmap: read, set or clear each doc's bit, write back (or delete). */
static int
store_bitmap_apply(struct store_wtx *w, struct pop **ops, size_t n)
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

static int
store_postings_flush(struct store_wtx *w)
{
	MDB_cursor *cur;
	MDB_val k, v;
	struct pop **sorted;
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
		const struct pop *o = sorted[i];
		if (store_field_bitmap(o->k[0])) {
			/* A filter key: one read-modify-write per chunk. */
			for (j = i + 1; j < w->nops &&
			     pop_same_key(sorted[j], o) &&
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
				mrc = mdb_cursor_put(cur, &k, &v, MDB_NODUPDATA);
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
				if (mrc == 0 && (ck.mv_size != o->len ||
				                    memcmp(ck.mv_data, o->k,
				                        o->len) != 0))
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

static void
store_rkey(
    uint8_t key[KEY_PUBLIC_BYTES + 8], const uint8_t *origin, uint64_t seq)
{
	memcpy(key, origin, KEY_PUBLIC_BYTES);
	store_be64_put(key + KEY_PUBLIC_BYTES, seq);
}

static int
store_meta_get(struct store *st, MDB_txn *txn, const char *name, uint64_t *out)
{
	MDB_val k = { strlen(name), (void *)name }, v;
	int rc;

	*out = 0;
	rc = mdb_get(txn, st->meta, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_err(rc);
	if (v.mv_size == 8)
		*out = store_be64_get(v.mv_data);
	return 0;
}

static int
store_meta_put(struct store *st, MDB_txn *txn, const char *name, uint64_t val)
{
	MDB_val k = { strlen(name), (void *)name }, v;
	uint8_t buf[8];

	store_be64_put(buf, val);
	v.mv_size = 8;
	v.mv_data = buf;
	return store_err(mdb_put(txn, st->meta, &k, &v, 0));
}

static int store_held_add(
    struct store_wtx *w, const uint8_t *origin, int64_t delta);

/* Removes the stored record origin/seq; if it is a live member, also its
 * index entries (the record's own body tells which). */
static int
store_drop_record(struct store_wtx *w, const uint8_t *origin,
    uint64_t seq, uint64_t doc, int live)
{
	uint8_t rkey[KEY_PUBLIC_BYTES + 8];
	MDB_val k = { sizeof(rkey), rkey }, v;
	Sd__SignedRecord *sr = NULL;
	Sd__RecordBody *b = NULL;
	int rc;

	store_rkey(rkey, origin, seq);
	rc = mdb_get(w->txn, w->st->records, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_err(rc);
	if (live) {
		if ((sr = sd__signed_record__unpack(
		         NULL, v.mv_size, v.mv_data)) == NULL ||
		    (b = sd__record_body__unpack(
		         NULL, sr->body.len, sr->body.data)) == NULL ||
		    b->kind_case != SD__RECORD_BODY__KIND_MEMBER) {
			rc = SD_ESTORE;
			goto out;
		}
		if ((rc = store_postings_update(w, b->member, doc, 0)) !=
		    0)
			goto out;
	}
	if ((rc = store_err(mdb_del(w->txn, w->st->records, &k, NULL))) == 0)
		rc = store_held_add(w, origin, -1);
out:
	if (b)
		sd__record_body__free_unpacked(b, NULL);
	if (sr)
		sd__signed_record__free_unpacked(sr, NULL);
	return rc;
}

/* The meta key of an origin's live member count: "live" || origin. */
static void
store_live_key(uint8_t key[4 + KEY_PUBLIC_BYTES], const uint8_t *origin)
{
	memcpy(key, "live", 4);
	memcpy(key + 4, origin, KEY_PUBLIC_BYTES);
}

/* The meta key of an origin's record count: "held" || origin. */
static void
store_held_key(uint8_t key[4 + KEY_PUBLIC_BYTES], const uint8_t *origin)
{
	memcpy(key, "held", 4);
	memcpy(key + 4, origin, KEY_PUBLIC_BYTES);
}

/* Adds delta to the counter under key in meta (deleted at 0). */
static int
store_meta_add(struct store_wtx *w, const uint8_t *key, size_t klen,
    int64_t delta)
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
		if ((rc = store_meta_add(w, key, sizeof(key),
		         w->odelta[i].delta)) != 0)
			return rc;
		store_held_key(key, w->odelta[i].origin);
		if ((rc = store_meta_add(w, key, sizeof(key),
		         w->odelta[i].held)) != 0)
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
		if (memcmp(w->odelta[i].origin, origin, KEY_PUBLIC_BYTES) == 0) {
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
static int
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

/* Applies one member or tombstone record (origin, seq) for member id. */
static int
store_apply_member(struct store_wtx *w, const struct store_item *it,
    const uint8_t *id, const Sd__Member *m)
{
	const Sd__SignedRecord *sr = it->r->rec;
	uint8_t mkey[STORE_KEY_BYTES], mval[STORE_MEMBER_VAL],
	    rkey[KEY_PUBLIC_BYTES + 8], dkey[8];
	MDB_val k = { sizeof(mkey), mkey }, v, rk = { sizeof(rkey), rkey }, rv,
	        dk = { 8, dkey }, dv;
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
	    (rc = store_drop_record(w, sr->origin.data, old_seq, doc, old_live)) != 0)
		return rc;
	if (m != NULL && doc == 0) {
		doc = ++w->next_doc;
		store_be64_put(dkey, doc);
		dv.mv_size = STORE_KEY_BYTES;
		dv.mv_data = mkey;
		if ((rc = store_err(mdb_put(w->txn, w->st->docs, &dk, &dv, 0))) != 0)
			return rc;
	} else if (m == NULL && doc != 0) {
		store_be64_put(dkey, doc);
		if ((rc = store_err(mdb_del(w->txn, w->st->docs, &dk, NULL))) != 0)
			return rc;
		doc = 0;
	}
	store_rkey(rkey, sr->origin.data, sr->seq);
	rv.mv_size = it->len;
	rv.mv_data = (void *)it->bytes;
	if ((rc = store_err(mdb_put(w->txn, w->st->records, &rk, &rv, 0))) != 0 ||
	    (rc = store_held_add(w, sr->origin.data, 1)) != 0)
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
	return store_live_add(w, sr->origin.data,
	    (m != NULL ? 1 : 0) - (old_live ? 1 : 0));
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
	if ((rc = store_err(mdb_cursor_open(w->txn, w->st->members, &cur))) != 0)
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
	if ((rc = store_err(mdb_cursor_open(w->txn, w->st->records, &cur))) != 0)
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
	uint8_t cval[STORE_CERT_VAL], rkey[KEY_PUBLIC_BYTES + 8];
	MDB_val k = { KEY_PUBLIC_BYTES, (void *)node }, v,
	        rk = { sizeof(rkey), rkey }, rv;
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
		    (rc = store_drop_record(w, sr->origin.data, cert_seq, 0, 0)) != 0)
			return rc;
		cert_seq = sr->seq;
	}
	store_rkey(rkey, sr->origin.data, sr->seq);
	rv.mv_size = it->len;
	rv.mv_data = (void *)it->bytes;
	if ((rc = store_err(mdb_put(w->txn, w->st->records, &rk, &rv, 0))) != 0 ||
	    (rc = store_held_add(w, sr->origin.data, 1)) != 0)
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
	uint8_t mkey[STORE_KEY_BYTES], rkey[KEY_PUBLIC_BYTES + 8];
	MDB_val k = { sizeof(mkey), mkey }, v, rk = { sizeof(rkey), rkey },
	        rv = { it->len, (void *)it->bytes };
	int rc;

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
	if (v.mv_size != STORE_MEMBER_VAL || store_be64_get(v.mv_data) != sr->seq)
		return SD_ESTALE;
	store_rkey(rkey, sr->origin.data, sr->seq);
	if ((rc = store_err(mdb_put(w->txn, w->st->records, &rk, &rv, 0))) != 0)
		return rc;
	return store_held_add(w, sr->origin.data, 1);
}

static int
store_apply_one(struct store_wtx *w, const struct store_item *it)
{
	const Sd__SignedRecord *sr = it->r->rec;
	const Sd__RecordBody *b = it->r->body;
	uint8_t rkey[KEY_PUBLIC_BYTES + 8];
	MDB_val k = { sizeof(rkey), rkey }, v;
	int rc;

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
	 * of an old certificate is refused by its node's newer one. */
	k.mv_size = KEY_PUBLIC_BYTES;
	k.mv_data = sr->origin.data;
	rc = b->kind_case == SD__RECORD_BODY__KIND_MEMBER ||
	        b->kind_case == SD__RECORD_BODY__KIND_TOMBSTONE
	    ? mdb_get(w->txn, w->st->marks, &k, &v)
	    : MDB_NOTFOUND;
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_err(rc);
	if (rc == 0 && v.mv_size == 8 && sr->seq <= store_be64_get(v.mv_data))
		return store_apply_lost(w, it);
	/* Nothing more from an origin the root has revoked, whatever raced
	 * with the revocation (a request validated before it, a relay). */
	if (b->kind_case == SD__RECORD_BODY__KIND_MEMBER ||
	    b->kind_case == SD__RECORD_BODY__KIND_TOMBSTONE) {
		k.mv_size = KEY_PUBLIC_BYTES;
		k.mv_data = sr->origin.data;
		rc = mdb_get(w->txn, w->st->certs, &k, &v);
		if (rc == 0 && v.mv_size == STORE_CERT_VAL &&
		    store_be64_get((uint8_t *)v.mv_data + KEY_PUBLIC_BYTES + 8) !=
		        0)
			return SD_EREVOKED;
		if (rc != 0 && rc != MDB_NOTFOUND)
			return store_err(rc);
	}
	switch (b->kind_case) {
	case SD__RECORD_BODY__KIND_MEMBER:
		return store_apply_member(w, it, b->member->id.data, b->member);
	case SD__RECORD_BODY__KIND_TOMBSTONE:
		return store_apply_member(w, it, b->tombstone->member_id.data, NULL);
	case SD__RECORD_BODY__KIND_NODE_CERT:
		return store_apply_cert(w, it, b->node_cert->node_key.data, 0);
	case SD__RECORD_BODY__KIND_REVOCATION:
		return store_apply_cert(w, it, b->revocation->node_key.data, 1);
	default: return SD_EINVAL;
	}
}

static void
store_tokens_name(char name[16], int ti)
{
	memcpy(name, "tokens_", 7);
	name[7] = STORE_TEXT_FIELDS[ti];
	name[8] = '\0';
}

/* Writes the index changes and the counters of a write transaction;
 * members is the live member count before it. */
static int
store_wtx_finish(struct store_wtx *w, uint64_t members)
{
	uint64_t sum;
	char name[16];
	int i, rc;

	if ((rc = store_postings_flush(w)) != 0 ||
	    (rc = store_odelta_flush(w)) != 0 ||
	    (rc = store_meta_put(w->st, w->txn, "next_doc", w->next_doc)) != 0 ||
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
		/* Records already held just above the watermark (applied out
		 * of order earlier) extend it: everything up to them is held. */
		for (;;) {
			uint8_t rkey[KEY_PUBLIC_BYTES + 8];
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

/* Deletes every meta key starting with prefix. */
static int
store_meta_drop_prefix(struct store *st, MDB_txn *txn, const char *prefix)
{
	MDB_cursor *cur;
	MDB_val k = { strlen(prefix), (void *)prefix }, v;
	int rc = 0, mrc;

	if ((rc = store_err(mdb_cursor_open(txn, st->meta, &cur))) != 0)
		return rc;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < strlen(prefix) ||
		    memcmp(k.mv_data, prefix, strlen(prefix)) != 0)
			break;
		if ((mrc = mdb_cursor_del(cur, 0)) != 0)
			break;
	}
	if (mrc != 0 && mrc != MDB_NOTFOUND)
		rc = store_err(mrc);
	mdb_cursor_close(cur);
	return rc;
}

/*
 * Rebuilds the postings and token sums of every live member, in txn (an
 * upgrade from schema 1, whose postings had no frequencies), and sets the
 * schema to STORE_SCHEMA.
 */
static int
store_reindex(struct store *st, MDB_txn *txn)
{
	struct store_wtx w;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	uint64_t members = 0;
	size_t batch = 0;
	int rc, mrc;

	memset(&w, 0, sizeof(w));
	w.st = st;
	w.txn = txn;
	if ((rc = text_stem_new(&w.stem)) != 0)
		return rc;
	if ((rc = store_err(mdb_drop(txn, st->postings, 0))) != 0 ||
	    (rc = store_err(mdb_drop(txn, st->bitmaps, 0))) != 0 ||
	    (rc = store_meta_drop_prefix(st, txn, "live")) != 0 ||
	    (rc = store_meta_drop_prefix(st, txn, "tokens_")) != 0 ||
	    (rc = store_meta_get(st, txn, "next_doc", &w.next_doc)) != 0 ||
	    (rc = store_meta_get(st, txn, "members", &members)) != 0 ||
	    (rc = store_err(mdb_cursor_open(txn, st->members, &cur))) != 0)
		goto out;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		uint8_t rkey[KEY_PUBLIC_BYTES + 8];
		MDB_val rk = { sizeof(rkey), rkey }, rv;
		Sd__SignedRecord *sr = NULL;
		Sd__RecordBody *b = NULL;
		if (k.mv_size != STORE_KEY_BYTES || v.mv_size != STORE_MEMBER_VAL) {
			rc = SD_ESTORE;
			goto out;
		}
		if (((uint8_t *)v.mv_data)[8] != 1)
			continue;
		/* Per-origin counts are counted afresh (the total is
		 * already right). */
		if ((rc = store_live_add(&w, k.mv_data, 1)) != 0)
			goto out;
		w.members_delta--;
		store_rkey(rkey, k.mv_data, store_be64_get(v.mv_data));
		if ((rc = store_err(mdb_get(txn, st->records, &rk, &rv))) != 0)
			goto out;
		if ((sr = sd__signed_record__unpack(
		         NULL, rv.mv_size, rv.mv_data)) != NULL &&
		    (b = sd__record_body__unpack(
		         NULL, sr->body.len, sr->body.data)) != NULL &&
		    b->kind_case == SD__RECORD_BODY__KIND_MEMBER)
			rc = store_postings_update(&w, b->member,
			    store_be64_get((uint8_t *)v.mv_data + 9), 1);
		else
			rc = SD_ESTORE;
		if (b)
			sd__record_body__free_unpacked(b, NULL);
		if (sr)
			sd__signed_record__free_unpacked(sr, NULL);
		if (rc != 0)
			goto out;
		if (++batch % 2000 == 0 &&
		    (rc = store_postings_flush(&w)) != 0)
			goto out;
	}
	if (mrc != MDB_NOTFOUND) {
		rc = store_err(mrc);
		goto out;
	}
	if ((rc = store_wtx_finish(&w, members)) != 0 ||
	    (rc = store_meta_put(st, txn, "schema", STORE_SCHEMA)) != 0)
		goto out;
out:
	if (cur)
		mdb_cursor_close(cur);
	free(w.ops);
	text_stem_free(w.stem);
	return rc;
}

/* ---- reads ---- */

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
	uint8_t rkey[KEY_PUBLIC_BYTES + 8];
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

int
store_held(struct store *st, const uint8_t origin[KEY_PUBLIC_BYTES],
    uint64_t w, uint64_t *held)
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
	if ((rc = store_range(st, origin, w, UINT64_MAX, store_count_cb,
	         &above)) != 0)
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
	if (mrc == 0 && !(k.mv_size == sizeof(end) &&
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
	uint8_t rkey[KEY_PUBLIC_BYTES + 8];
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

	if ((rc = store_err(mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn))) != 0)
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

static int
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
		if ((rc = store_err(
		         mdb_cursor_open(txn, st->bitmaps, &cur))) != 0)
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
				    memcmp(k.mv_data, last, k.mv_size - 4) != 0) {
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
	MDB_txn *txn;
	MDB_cursor *cur;
	struct text_stem *stem = NULL;
	char kb[STORE_PKEY_MAX];
	MDB_val k, v;
	size_t cnt = 0;
	int rc, mrc;

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
	k.mv_size = len + 1;
	k.mv_data = kb;
	if ((rc = store_err(mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn))) !=
	    0)
		return rc;
	if (store_field_bitmap(field)) {
		uint8_t b0[STORE_BKEY_MAX];
		size_t bl = store_bkey(b0, kb, len + 1, 0), i;
		if ((rc = store_err(mdb_cursor_open(txn, st->bitmaps, &cur))) !=
		    0)
			goto out;
		k.mv_size = bl;
		k.mv_data = b0;
		for (mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		     mrc == 0 && k.mv_size == bl &&
		     memcmp(k.mv_data, b0, bl - 4) == 0;
		     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
			if (store_chunk_bits(v.mv_size) > 0) {
				*df += store_chunk_bits(v.mv_size);
				continue;
			}
			for (i = 0; i < v.mv_size; i++)
				*df += (uint64_t)__builtin_popcount(
				    ((uint8_t *)v.mv_data)[i]);
		}
		if (mrc != 0 && mrc != MDB_NOTFOUND)
			rc = store_err(mrc);
		mdb_cursor_close(cur);
		goto out;
	}
	if ((rc = store_err(mdb_cursor_open(txn, st->postings, &cur))) != 0)
		goto out;
	mrc = mdb_cursor_get(cur, &k, &v, MDB_SET);
	if (mrc == 0 && mdb_cursor_count(cur, &cnt) == 0)
		*df = cnt;
	else if (mrc != MDB_NOTFOUND)
		rc = store_err(mrc);
	mdb_cursor_close(cur);
out:
	mdb_txn_abort(txn);
	return rc;
}

/* ---- consistency check ---- */

struct fsck {
	struct store *st;
	MDB_txn *txn;
	store_fsck_cb cb;
	void *arg;
	struct store_fsck_stats *out;
	struct {
		uint8_t origin[KEY_PUBLIC_BYTES];
		uint64_t maxseq, live, records;
	} *origins;
	size_t norigins, caporigins;
	int64_t tokens[STORE_NTEXT];
};

static void
fsck_problem(struct fsck *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fsck_problem(struct fsck *f, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (f->out->problems++ >= 100)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->cb(f->arg, msg);
}

/* The per-origin tally of origin (added if new), or NULL if out of
 * memory. */
static size_t
fsck_origin(struct fsck *f, const uint8_t *origin)
{
	size_t i;

	for (i = 0; i < f->norigins; i++)
		if (memcmp(f->origins[i].origin, origin, KEY_PUBLIC_BYTES) == 0)
			return i;
	if (f->norigins == f->caporigins) {
		size_t ncap = f->caporigins ? f->caporigins * 2 : 16;
		void *nv = realloc(f->origins, ncap * sizeof(*f->origins));
		if (nv == NULL)
			return SIZE_MAX;
		f->origins = nv;
		f->caporigins = ncap;
	}
	memset(&f->origins[f->norigins], 0, sizeof(f->origins[0]));
	memcpy(f->origins[f->norigins].origin, origin, KEY_PUBLIC_BYTES);
	return f->norigins++;
}

static int
fsck_records(struct fsck *f, int verify)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, mrc;

	if ((rc = store_err(mdb_cursor_open(f->txn, f->st->records, &cur))) != 0)
		return rc;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const uint8_t *kb = k.mv_data;
		uint64_t seq;
		size_t o;
		f->out->records++;
		if (k.mv_size != KEY_PUBLIC_BYTES + 8) {
			fsck_problem(f, "a record key of %zu bytes", k.mv_size);
			continue;
		}
		seq = store_be64_get(kb + KEY_PUBLIC_BYTES);
		if (verify) {
			struct record r;
			char err[256];
			if (record_open(f->st->codes, v.mv_data, v.mv_size,
			        record_now_ms(), &r, err, sizeof(err)) != 0) {
				fsck_problem(f, "record seq %llu: %s",
				    (unsigned long long)seq, err);
				continue;
			}
			if (memcmp(r.rec->origin.data, kb, KEY_PUBLIC_BYTES) !=
			        0 ||
			    r.rec->seq != seq)
				fsck_problem(f,
				    "record seq %llu is stored under another "
				    "origin or seq",
				    (unsigned long long)seq);
			record_close(&r);
		}
		if ((o = fsck_origin(f, kb)) == SIZE_MAX) {
			rc = -ENOMEM;
			break;
		}
		if (seq > f->origins[o].maxseq)
			f->origins[o].maxseq = seq;
		f->origins[o].records++;
	}
	if (rc == 0 && mrc != MDB_NOTFOUND)
		rc = store_err(mrc);
	mdb_cursor_close(cur);
	return rc;
}

/* 1 if the index entry (key, doc, tf, flen) is stored. */
static int
fsck_has_entry(struct fsck *f, MDB_cursor *pc, const struct pkey *pk,
    uint64_t doc)
{
	MDB_val k = { pk->len, (void *)pk->k }, v;
	uint8_t val[STORE_POSTING_VAL];

	if (store_field_bitmap(pk->k[0])) {
		uint8_t kb[STORE_BKEY_MAX];
		uint64_t words[STORE_CHUNK_WORDS], d = doc & (STORE_CHUNK_DOCS - 1);
		k.mv_size = store_bkey(kb, pk->k, pk->len, doc >> STORE_CHUNK_SHIFT);
		k.mv_data = kb;
		if (mdb_get(f->txn, f->st->bitmaps, &k, &v) != 0 ||
		    store_chunk_decode(v.mv_data, v.mv_size, words) != 0)
			return 0;
		return (words[d >> 6] >> (d & 63)) & 1;
	}
	store_be64_put(val, doc);
	val[8] = pk->tf;
	val[9] = pk->flen;
	v.mv_size = sizeof(val);
	v.mv_data = val;
	return mdb_cursor_get(pc, &k, &v, MDB_GET_BOTH) == 0;
}

/* Checks one member entry against its record, doc and index entries. */
static void
fsck_member(struct fsck *f, MDB_cursor *pc, struct text_stem *stem,
    const uint8_t *key, const uint8_t *val)
{
	uint64_t seq = store_be64_get(val), doc = store_be64_get(val + 9);
	int live = val[8] == 1;
	uint8_t rkey[KEY_PUBLIC_BYTES + 8], dkey[8];
	MDB_val rk = { sizeof(rkey), rkey }, rv, dk = { 8, dkey }, dv;
	Sd__SignedRecord *sr = NULL;
	Sd__RecordBody *b = NULL;
	struct pkeys ks;
	size_t i, o;

	store_rkey(rkey, key, seq);
	if (mdb_get(f->txn, f->st->records, &rk, &rv) != 0) {
		fsck_problem(f, "a member's latest record (seq %llu) is missing",
		    (unsigned long long)seq);
		return;
	}
	if ((sr = sd__signed_record__unpack(NULL, rv.mv_size, rv.mv_data)) ==
	        NULL ||
	    (b = sd__record_body__unpack(NULL, sr->body.len, sr->body.data)) ==
	        NULL) {
		fsck_problem(f, "record seq %llu does not decode",
		    (unsigned long long)seq);
		goto out;
	}
	if (live ? b->kind_case != SD__RECORD_BODY__KIND_MEMBER ||
	            b->member->id.len != MEMBER_ID_BYTES ||
	            memcmp(b->member->id.data, key + KEY_PUBLIC_BYTES,
	                MEMBER_ID_BYTES) != 0
	         : b->kind_case != SD__RECORD_BODY__KIND_TOMBSTONE ||
	            b->tombstone->member_id.len != MEMBER_ID_BYTES ||
	            memcmp(b->tombstone->member_id.data,
	                key + KEY_PUBLIC_BYTES, MEMBER_ID_BYTES) != 0) {
		fsck_problem(f,
		    "record seq %llu is not the %s of the member it is "
		    "filed under",
		    (unsigned long long)seq, live ? "version" : "tombstone");
		goto out;
	}
	if (!live) {
		if (doc != 0)
			fsck_problem(f, "a tombstoned member keeps doc %llu",
			    (unsigned long long)doc);
		goto out;
	}
	f->out->live++;
	if ((o = fsck_origin(f, key)) != SIZE_MAX)
		f->origins[o].live++;
	store_be64_put(dkey, doc);
	if (doc == 0 || mdb_get(f->txn, f->st->docs, &dk, &dv) != 0 ||
	    dv.mv_size != STORE_KEY_BYTES ||
	    memcmp(dv.mv_data, key, STORE_KEY_BYTES) != 0)
		fsck_problem(f, "live member (seq %llu) and doc %llu do not "
		                "map to each other",
		    (unsigned long long)seq, (unsigned long long)doc);
	if (pkeys_of_member(f->st->codes, stem, b->member, &ks) != 0) {
		fsck_problem(f, "record seq %llu: index keys not derivable",
		    (unsigned long long)seq);
		goto out;
	}
	for (i = 0; i < STORE_NTEXT; i++)
		f->tokens[i] += ks.ntok[i];
	for (i = 0; i < ks.n; i++) {
		if (fsck_has_entry(f, pc, &ks.v[i], doc))
			f->out->index++;
		else
			fsck_problem(f,
			    "index entry '%c:%.*s' missing for doc %llu",
			    ks.v[i].k[0], (int)ks.v[i].len - 1, ks.v[i].k + 1,
			    (unsigned long long)doc);
	}
	free(ks.v);
out:
	if (b)
		sd__record_body__free_unpacked(b, NULL);
	if (sr)
		sd__signed_record__free_unpacked(sr, NULL);
}

static int
fsck_members(struct fsck *f)
{
	MDB_cursor *cur = NULL, *pc = NULL;
	struct text_stem *stem = NULL;
	MDB_val k, v;
	int rc, mrc;

	if ((rc = text_stem_new(&stem)) != 0 ||
	    (rc = store_err(mdb_cursor_open(f->txn, f->st->members, &cur))) !=
	        0 ||
	    (rc = store_err(mdb_cursor_open(f->txn, f->st->postings, &pc))) !=
	        0)
		goto out;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		f->out->members++;
		if (k.mv_size != STORE_KEY_BYTES || v.mv_size != STORE_MEMBER_VAL) {
			fsck_problem(f, "a member entry of %zu/%zu bytes",
			    k.mv_size, v.mv_size);
			continue;
		}
		fsck_member(f, pc, stem, k.mv_data, v.mv_data);
	}
	if (mrc != MDB_NOTFOUND)
		rc = store_err(mrc);
out:
	if (pc)
		mdb_cursor_close(pc);
	if (cur)
		mdb_cursor_close(cur);
	text_stem_free(stem);
	return rc;
}

/* Docs that no live member claims, counters, watermarks, extra index
 * entries. */
static int
fsck_totals(struct fsck *f)
{
	struct store_stats ss;
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t n, docs = 0;
	char name[16];
	size_t i;
	int rc, mrc;

	if ((rc = store_err(mdb_cursor_open(f->txn, f->st->docs, &cur))) != 0)
		return rc;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		docs++;
	mdb_cursor_close(cur);
	if (docs != f->out->live)
		fsck_problem(f, "%llu docs for %llu live members",
		    (unsigned long long)docs, (unsigned long long)f->out->live);
	if ((rc = store_meta_get(f->st, f->txn, "records", &n)) != 0)
		return rc;
	if (n != f->out->records)
		fsck_problem(f, "the record counter says %llu, %llu are stored",
		    (unsigned long long)n, (unsigned long long)f->out->records);
	if ((rc = store_meta_get(f->st, f->txn, "members", &n)) != 0)
		return rc;
	if (n != f->out->live)
		fsck_problem(f, "the member counter says %llu, %llu are live",
		    (unsigned long long)n, (unsigned long long)f->out->live);
	for (i = 0; i < STORE_NTEXT; i++) {
		store_tokens_name(name, (int)i);
		if ((rc = store_meta_get(f->st, f->txn, name, &n)) != 0)
			return rc;
		if (n != (uint64_t)f->tokens[i])
			fsck_problem(f, "%s says %llu, the members have %lld",
			    name, (unsigned long long)n, (long long)f->tokens[i]);
	}
	for (i = 0; i < f->norigins; i++) {
		uint8_t lk[4 + KEY_PUBLIC_BYTES];
		MDB_val mk = { sizeof(lk), lk }, mv, wk, wv;
		store_live_key(lk, f->origins[i].origin);
		n = 0;
		if (mdb_get(f->txn, f->st->meta, &mk, &mv) == 0 && mv.mv_size == 8)
			n = store_be64_get(mv.mv_data);
		if (n != f->origins[i].live)
			fsck_problem(f, "an origin's live counter says %llu, "
			                "%llu are live",
			    (unsigned long long)n,
			    (unsigned long long)f->origins[i].live);
		store_held_key(lk, f->origins[i].origin);
		n = 0;
		if (mdb_get(f->txn, f->st->meta, &mk, &mv) == 0 && mv.mv_size == 8)
			n = store_be64_get(mv.mv_data);
		if (n != f->origins[i].records)
			fsck_problem(f, "an origin's record counter says %llu, "
			                "%llu are stored",
			    (unsigned long long)n,
			    (unsigned long long)f->origins[i].records);
		wk.mv_size = KEY_PUBLIC_BYTES;
		wk.mv_data = f->origins[i].origin;
		if (mdb_get(f->txn, f->st->marks, &wk, &wv) == 0 &&
		    wv.mv_size == 8 &&
		    store_be64_get(wv.mv_data) > f->origins[i].maxseq)
			fsck_problem(f, "a watermark (%llu) is above its "
			                "origin's highest stored seq (%llu)",
			    (unsigned long long)store_be64_get(wv.mv_data),
			    (unsigned long long)f->origins[i].maxseq);
	}
	/* Watermarks of origins with no record at all. */
	if ((rc = store_err(mdb_cursor_open(f->txn, f->st->marks, &cur))) != 0)
		return rc;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		for (i = 0; i < f->norigins; i++)
			if (k.mv_size == KEY_PUBLIC_BYTES &&
			    memcmp(k.mv_data, f->origins[i].origin,
			        KEY_PUBLIC_BYTES) == 0)
				break;
		if (i == f->norigins && v.mv_size == 8 &&
		    store_be64_get(v.mv_data) > 0)
			fsck_problem(f, "a watermark (%llu) for an origin with "
			                "no stored record",
			    (unsigned long long)store_be64_get(v.mv_data));
	}
	mdb_cursor_close(cur);
	/* Entries nobody implies: the totals differ. */
	if ((rc = store_stats_txn(f->st, f->txn, &ss)) != 0)
		return rc;
	if (ss.postings > f->out->index)
		fsck_problem(f,
		    "the index holds %llu entries that no live member implies",
		    (unsigned long long)(ss.postings - f->out->index));
	return 0;
}

int
store_fsck(struct store *st, int verify, store_fsck_cb cb, void *arg,
    struct store_fsck_stats *out)
{
	struct fsck f;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&f, 0, sizeof(f));
	f.st = st;
	f.cb = cb;
	f.arg = arg;
	f.out = out;
	if ((rc = store_err(mdb_txn_begin(st->env, NULL, MDB_RDONLY, &f.txn))) !=
	    0)
		return rc;
	if ((rc = fsck_records(&f, verify)) == 0 &&
	    (rc = fsck_members(&f)) == 0)
		rc = fsck_totals(&f);
	mdb_txn_abort(f.txn);
	free(f.origins);
	return rc;
}

/* Per-origin record counts from the records themselves, into
 * "held" || origin and "records". */
static int
store_recount(struct store *st, MDB_txn *txn, uint64_t *total)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t origin[KEY_PUBLIC_BYTES], key[4 + KEY_PUBLIC_BYTES], buf[8];
	uint64_t n = 0;
	int rc, mrc, have = 0;

	*total = 0;
	if ((rc = store_meta_drop_prefix(st, txn, "held")) != 0 ||
	    (rc = store_err(mdb_cursor_open(txn, st->records, &cur))) != 0)
		return rc;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);; 
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		int next = mrc == 0 && k.mv_size >= KEY_PUBLIC_BYTES &&
		    (!have || memcmp(k.mv_data, origin, KEY_PUBLIC_BYTES) != 0);
		if ((mrc != 0 || next) && have && n > 0) {
			MDB_val hk = { sizeof(key), key }, hv = { 8, buf };
			store_held_key(key, origin);
			store_be64_put(buf, n);
			if ((rc = store_err(mdb_put(txn, st->meta, &hk, &hv, 0))) !=
			    0)
				break;
			*total += n;
			n = 0;
		}
		if (mrc != 0)
			break;
		if (k.mv_size < KEY_PUBLIC_BYTES)
			continue;
		if (next) {
			memcpy(origin, k.mv_data, KEY_PUBLIC_BYTES);
			have = 1;
		}
		n++;
	}
	mdb_cursor_close(cur);
	if (rc == 0 && mrc != MDB_NOTFOUND)
		rc = store_err(mrc);
	if (rc == 0)
		rc = store_meta_put(st, txn, "records", *total);
	return rc;
}

/* The record counter against LMDB's own count of the records: a store
 * altered behind the daemon's back (records deleted or added with the
 * LMDB tools), or one written before the counters existed, is recounted.
 * Only the first is "altered". */
static int
store_check_counts(struct store *st, MDB_txn *txn)
{
	MDB_val k = { 7, "records" }, v;
	MDB_stat ms;
	uint64_t counted = 0, total;
	int rc, have;

	if ((rc = store_err(mdb_stat(txn, st->records, &ms))) != 0)
		return rc;
	rc = mdb_get(txn, st->meta, &k, &v);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_err(rc);
	have = rc == 0 && v.mv_size == 8;
	if (have)
		counted = store_be64_get(v.mv_data);
	if (counted == ms.ms_entries)
		return 0;
	if ((rc = store_recount(st, txn, &total)) != 0)
		return rc;
	if (have) {
		st->altered = 1;
		st->altered_expected = counted;
		st->altered_found = total;
	}
	return 0;
}

