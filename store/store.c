/*
 * store: the node's LMDB environment: opening it (creating the
 * sub-databases, checking the schema, upgrading an older one through
 * store_reindex.c, checking the record counter against LMDB's own count),
 * closing it, and the helpers every file of the store family uses: LMDB
 * errors as ours, big-endian numbers, record and meta keys, meta
 * counters. The other files of the family are listed in store_int.h.
 */
#include "store_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"

static int store_check_counts(struct store *st, MDB_txn *txn);

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

/*
 * Before a one-way upgrade of schema `from`: a compacted copy of the
 * environment (mdb_env_copy2, what `mdb_copy -c` does; readers may go on)
 * into dir.schema<from>-backup, which must not exist yet (an earlier
 * attempt's copy is kept, never overwritten). The write transaction that
 * upgrades is open, so the copy is of the store before it.
 */
static int
store_backup(struct store *st, const char *dir, uint64_t from)
{
	char path[4096];
	int n, rc;

	n = snprintf(path, sizeof(path), "%s.schema%llu-backup", dir,
	    (unsigned long long)from);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	if (mkdir(path, 0700) != 0)
		return errno == EEXIST ? 0 : -errno;
	if ((rc = mdb_env_copy2(st->env, path, MDB_CP_COMPACT)) != 0)
		return rc > 0 && rc < 200 ? -rc : store_err(rc);
	return 0;
}

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
	/* Room for every sub-database this version opens and more: a store
	 * from an older version may also hold "peers" (reserved, never
	 * used), which is left as it is and never opened. */
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
	    (rc = store_err(mdb_dbi_open(txn, "meta", dflags, &st->meta))) !=
	        0) {
		mdb_txn_abort(txn);
		goto out_env;
	}
	/* Added in 0.2.0 without a schema change: a reader of a store no
	 * 0.2.0 daemon has opened finds none (and no record it would hold). */
	rc = mdb_dbi_open(txn, "others", dflags, &st->others);
	if (rc == 0) {
		st->has_others = 1;
	} else if (rc != MDB_NOTFOUND || !st->rdonly) {
		rc = store_err(rc);
		mdb_txn_abort(txn);
		goto out_env;
	}
	rc = 0;
	if (st->rdonly) {
		/* A reader cannot upgrade: an older schema is an error (the
		 * daemon upgrades it when it opens the store). */
		MDB_val k = { 6, "schema" }, v;
		if (mdb_get(txn, st->meta, &k, &v) == 0 &&
		    (v.mv_size != 8 ||
		        store_be64_get(v.mv_data) != STORE_SCHEMA)) {
			mdb_txn_abort(txn);
			rc = v.mv_size == 8 &&
			        store_be64_get(v.mv_data) > STORE_SCHEMA
			    ? SD_ESCHEMA
			    : SD_ESTORE;
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
		} else if (v.mv_size == 8 &&
		    (store_be64_get(v.mv_data) == 1 ||
		        store_be64_get(v.mv_data) == 2)) {
			/* Schema 1 postings lack frequencies and lengths;
			 * schema 2 (never released) lacked the filter chunks
			 * and counters: rebuild the index from the members.
			 * One way: the older release cannot read the result,
			 * so the store is copied first. */
			if ((rc = store_backup(
			         st, dir, store_be64_get(v.mv_data))) != 0 ||
			    (rc = store_reindex(st, txn)) != 0) {
				mdb_txn_abort(txn);
				goto out_env;
			}
		} else if (v.mv_size != 8 ||
		    store_be64_get(v.mv_data) != STORE_SCHEMA) {
			mdb_txn_abort(txn);
			rc = v.mv_size == 8 &&
			        store_be64_get(v.mv_data) > STORE_SCHEMA
			    ? SD_ESCHEMA
			    : SD_ESTORE;
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

const struct codes *
store_codes(const struct store *st)
{
	return st->codes;
}

void
store_rkey(
    uint8_t key[KEY_PUBLIC_BYTES + 8], const uint8_t *origin, uint64_t seq)
{
	memcpy(key, origin, KEY_PUBLIC_BYTES);
	store_be64_put(key + KEY_PUBLIC_BYTES, seq);
}

int
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

int
store_meta_put(struct store *st, MDB_txn *txn, const char *name, uint64_t val)
{
	MDB_val k = { strlen(name), (void *)name }, v;
	uint8_t buf[8];

	store_be64_put(buf, val);
	v.mv_size = 8;
	v.mv_data = buf;
	return store_err(mdb_put(txn, st->meta, &k, &v, 0));
}

size_t
store_skey(uint8_t key[STORE_SKEY_MAX], const uint8_t *origin, uint64_t seq,
    const Sd__RecordBody *b)
{
	memcpy(key, origin, KEY_PUBLIC_BYTES);
	if (!b->has_subject) {
		key[KEY_PUBLIC_BYTES] = 'n';
		store_be64_put(key + KEY_PUBLIC_BYTES + 1, seq);
		return KEY_PUBLIC_BYTES + 1 + 8;
	}
	key[KEY_PUBLIC_BYTES] = 's';
	memcpy(key + KEY_PUBLIC_BYTES + 1, b->subject.data, b->subject.len);
	return KEY_PUBLIC_BYTES + 1 + b->subject.len;
}

/* The meta key of an origin's live member count: "live" || origin. */
void
store_live_key(uint8_t key[4 + KEY_PUBLIC_BYTES], const uint8_t *origin)
{
	memcpy(key, "live", 4);
	memcpy(key + 4, origin, KEY_PUBLIC_BYTES);
}

/* The meta key of an origin's record count: "held" || origin. */
void
store_held_key(uint8_t key[4 + KEY_PUBLIC_BYTES], const uint8_t *origin)
{
	memcpy(key, "held", 4);
	memcpy(key + 4, origin, KEY_PUBLIC_BYTES);
}

void
store_tokens_name(char name[16], int ti)
{
	memcpy(name, "tokens_", 7);
	name[7] = STORE_TEXT_FIELDS[ti];
	name[8] = '\0';
}

/* Deletes every meta key starting with prefix. */
int
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
			if ((rc = store_err(
			         mdb_put(txn, st->meta, &hk, &hv, 0))) != 0)
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
