/*
 * store_fsck: the consistency check, in one read transaction: records
 * decode (and verify), members and docs map both ways, the index holds
 * what the members imply and nothing else, counters and watermarks agree
 * with what is stored.
 */
#include "store_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "text.h"

struct fsck {
	struct store *st;
	MDB_txn *txn;
	store_fsck_cb cb;
	void *arg;
	struct store_fsck_stats *out;
	struct {
		uint8_t origin[KEY_PUBLIC_BYTES];
		uint64_t maxseq, live, records;
	} * origins;
	size_t norigins, caporigins;
	int64_t tokens[STORE_NTEXT];
};

static void fsck_problem(struct fsck *f, const char *fmt, ...)
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

/* A stored record of a later kind: counted, and filed in `others`. */
static void
fsck_other_filed(struct fsck *f, const struct record *r)
{
	uint8_t key[STORE_SKEY_MAX];
	MDB_val k = { 0, key }, v;

	f->out->others++;
	k.mv_size = store_skey(key, r->rec->origin.data, r->rec->seq, r->body);
	if (!f->st->has_others || mdb_get(f->txn, f->st->others, &k, &v) != 0 ||
	    v.mv_size != 8 || store_be64_get(v.mv_data) != r->rec->seq)
		fsck_problem(f,
		    "record seq %llu of a later kind is not filed as such",
		    (unsigned long long)r->rec->seq);
}

static int
fsck_records(struct fsck *f, int verify)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, mrc;

	if ((rc = store_err(mdb_cursor_open(f->txn, f->st->records, &cur))) !=
	    0)
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
			if (!record_kind_known(r.body))
				fsck_other_filed(f, &r);
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
fsck_has_entry(
    struct fsck *f, MDB_cursor *pc, const struct store_pkey *pk, uint64_t doc)
{
	MDB_val k = { pk->len, (void *)pk->k }, v;
	uint8_t val[STORE_POSTING_VAL];

	if (store_field_bitmap(pk->k[0])) {
		uint8_t kb[STORE_BKEY_MAX];
		uint64_t words[STORE_CHUNK_WORDS],
		    d = doc & (STORE_CHUNK_DOCS - 1);
		k.mv_size =
		    store_bkey(kb, pk->k, pk->len, doc >> STORE_CHUNK_SHIFT);
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
	uint8_t rkey[STORE_RKEY_BYTES], dkey[8];
	MDB_val rk = { sizeof(rkey), rkey }, rv, dk = { 8, dkey }, dv;
	struct record r = { 0 };
	const Sd__RecordBody *b;
	struct store_pkeys ks;
	size_t i, o;

	store_rkey(rkey, key, seq);
	if (mdb_get(f->txn, f->st->records, &rk, &rv) != 0) {
		fsck_problem(f,
		    "a member's latest record (seq %llu) is missing",
		    (unsigned long long)seq);
		return;
	}
	if (record_decode(rv.mv_data, rv.mv_size, &r) != 0) {
		fsck_problem(f, "record seq %llu does not decode",
		    (unsigned long long)seq);
		return;
	}
	b = r.body;
	if (live ? b->kind_case != SD__RECORD_BODY__KIND_MEMBER ||
	            b->member->id.len != MEMBER_ID_BYTES ||
	            memcmp(b->member->id.data, key + KEY_PUBLIC_BYTES,
	                MEMBER_ID_BYTES) != 0
	         : b->kind_case != SD__RECORD_BODY__KIND_TOMBSTONE ||
	            b->tombstone->member_id.len != MEMBER_ID_BYTES ||
	            memcmp(b->tombstone->member_id.data, key + KEY_PUBLIC_BYTES,
	                MEMBER_ID_BYTES) != 0) {
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
		fsck_problem(f,
		    "live member (seq %llu) and doc %llu do not "
		    "map to each other",
		    (unsigned long long)seq, (unsigned long long)doc);
	if (store_pkeys_of_member(f->st->codes, stem, b->member, &ks) != 0) {
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
	record_close(&r);
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
		if (k.mv_size != STORE_KEY_BYTES ||
		    v.mv_size != STORE_MEMBER_VAL) {
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

/* Each `others` entry names a stored record of a later kind filed under
 * its own key. */
static int
fsck_others(struct fsck *f)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, mrc;

	if (!f->st->has_others)
		return 0;
	if ((rc = store_err(mdb_cursor_open(f->txn, f->st->others, &cur))) != 0)
		return rc;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		uint8_t rkey[STORE_RKEY_BYTES], want[STORE_SKEY_MAX];
		MDB_val rk = { sizeof(rkey), rkey }, rv;
		struct record r = { 0 };
		uint64_t seq;
		if (k.mv_size <= KEY_PUBLIC_BYTES + 1 ||
		    k.mv_size > STORE_SKEY_MAX || v.mv_size != 8) {
			fsck_problem(f, "a later kind's entry of %zu/%zu bytes",
			    k.mv_size, v.mv_size);
			continue;
		}
		seq = store_be64_get(v.mv_data);
		store_rkey(rkey, k.mv_data, seq);
		if (mdb_get(f->txn, f->st->records, &rk, &rv) != 0 ||
		    record_decode(rv.mv_data, rv.mv_size, &r) != 0) {
			fsck_problem(f,
			    "the record (seq %llu) of a later kind's entry is "
			    "missing",
			    (unsigned long long)seq);
			continue;
		}
		if (record_kind_known(r.body) ||
		    store_skey(want, k.mv_data, seq, r.body) != k.mv_size ||
		    memcmp(want, k.mv_data, k.mv_size) != 0)
			fsck_problem(f,
			    "record seq %llu is not the later kind's record "
			    "filed under its entry",
			    (unsigned long long)seq);
		record_close(&r);
	}
	rc = mrc == MDB_NOTFOUND ? 0 : store_err(mrc);
	mdb_cursor_close(cur);
	return rc;
}

/* The per-origin counter under meta key (STORE_OKEY_BYTES), 0 if none. */
static uint64_t
fsck_counter(struct fsck *f, const uint8_t *key)
{
	MDB_val k = { STORE_OKEY_BYTES, (void *)key }, v;

	if (mdb_get(f->txn, f->st->meta, &k, &v) == 0 && v.mv_size == 8)
		return store_be64_get(v.mv_data);
	return 0;
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
			    name, (unsigned long long)n,
			    (long long)f->tokens[i]);
	}
	for (i = 0; i < f->norigins; i++) {
		uint8_t lk[STORE_OKEY_BYTES];
		MDB_val wk, wv;
		store_live_key(lk, f->origins[i].origin);
		n = fsck_counter(f, lk);
		if (n != f->origins[i].live)
			fsck_problem(f,
			    "an origin's live counter says %llu, "
			    "%llu are live",
			    (unsigned long long)n,
			    (unsigned long long)f->origins[i].live);
		store_held_key(lk, f->origins[i].origin);
		n = fsck_counter(f, lk);
		if (n != f->origins[i].records)
			fsck_problem(f,
			    "an origin's record counter says %llu, "
			    "%llu are stored",
			    (unsigned long long)n,
			    (unsigned long long)f->origins[i].records);
		wk.mv_size = KEY_PUBLIC_BYTES;
		wk.mv_data = f->origins[i].origin;
		if (mdb_get(f->txn, f->st->marks, &wk, &wv) == 0 &&
		    wv.mv_size == 8 &&
		    store_be64_get(wv.mv_data) > f->origins[i].maxseq)
			fsck_problem(f,
			    "a watermark (%llu) is above its "
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
			fsck_problem(f,
			    "a watermark (%llu) for an origin with "
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
	if ((rc = store_err(
	         mdb_txn_begin(st->env, NULL, MDB_RDONLY, &f.txn))) != 0)
		return rc;
	if ((rc = fsck_records(&f, verify)) == 0 &&
	    (rc = fsck_members(&f)) == 0 && (rc = fsck_others(&f)) == 0)
		rc = fsck_totals(&f);
	mdb_txn_abort(f.txn);
	free(f.origins);
	return rc;
}
