/*
 * store_reindex: the upgrade from an older schema (1: postings without
 * frequencies; 2: no filter chunks or counters), run when the daemon
 * opens such a store: the index, token sums and per-origin live counts
 * rebuilt from the stored members in the open's write transaction.
 */
#include "store_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "text.h"

/*
 * Rebuilds the postings and token sums of every live member, in txn (an
 * upgrade from schema 1, whose postings had no frequencies), and sets the
 * schema to STORE_SCHEMA.
 */
int
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
		uint8_t rkey[STORE_RKEY_BYTES];
		MDB_val rk = { sizeof(rkey), rkey }, rv;
		struct record r = { 0 };
		if (k.mv_size != STORE_KEY_BYTES ||
		    v.mv_size != STORE_MEMBER_VAL) {
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
		if (record_decode(rv.mv_data, rv.mv_size, &r) == 0 &&
		    r.body->kind_case == SD__RECORD_BODY__KIND_MEMBER)
			rc = store_postings_update(&w, r.body->member,
			    store_be64_get((uint8_t *)v.mv_data + 9), 1);
		else
			rc = SD_ESTORE;
		record_close(&r);
		if (rc != 0)
			goto out;
		if (++batch % 2000 == 0 && (rc = store_postings_flush(&w)) != 0)
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
