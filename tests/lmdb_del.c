/*
 * lmdb_del: deletes keys from a sub-database of an LMDB environment, the
 * way an operator (or an accident) might with the LMDB API while the
 * daemon is stopped. For e2e_heal.sh (not a test by itself).
 *
 *   lmdb_del DIR SUBDB HEXKEY...
 */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
unhex(const char *s, unsigned char *out, size_t cap, size_t *len)
{
	size_t n = strlen(s), i;

	if (n % 2 != 0 || n / 2 > cap)
		return -1;
	for (i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	*len = n / 2;
	return 0;
}

int
main(int argc, char **argv)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	unsigned char key[512];
	int i, rc, status = 1;

	if (argc < 4) {
		fprintf(stderr, "usage: lmdb_del DIR SUBDB HEXKEY...\n");
		return 2;
	}
	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, 16)) != 0 ||
	    (rc = mdb_env_set_mapsize(env, (size_t)4096 << 20)) != 0 ||
	    (rc = mdb_env_open(env, argv[1], 0, 0600)) != 0 ||
	    (rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, argv[2], 0, &dbi)) != 0) {
		fprintf(
		    stderr, "lmdb_del: %s: %s\n", argv[1], mdb_strerror(rc));
		goto out;
	}
	for (i = 3; i < argc; i++) {
		MDB_val k;
		size_t len;
		if (unhex(argv[i], key, sizeof(key), &len) != 0) {
			fprintf(stderr, "lmdb_del: bad hex key %s\n", argv[i]);
			goto out;
		}
		k.mv_size = len;
		k.mv_data = key;
		if ((rc = mdb_del(txn, dbi, &k, NULL)) != 0) {
			fprintf(stderr, "lmdb_del: %s: %s\n", argv[i],
			    mdb_strerror(rc));
			goto out;
		}
	}
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0) {
		fprintf(stderr, "lmdb_del: commit: %s\n", mdb_strerror(rc));
		goto out;
	}
	status = 0;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (env != NULL)
		mdb_env_close(env);
	return status;
}
