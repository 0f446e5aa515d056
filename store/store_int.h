/* Internals shared by store.c and query.c; nothing else includes this. */
#ifndef SD_STORE_INT_H
#define SD_STORE_INT_H

#include <lmdb.h>

#include "store.h"

struct store {
	MDB_env *env;
	MDB_dbi records, members, docs, marks, postings, certs, peers, meta;
	const struct codes *codes;
	int rdonly;
};

#define STORE_MEMBER_VAL 17 /* be64 seq || state || be64 doc */
#define STORE_CERT_VAL 48 /* root(32) || be64 cert seq || be64 rev seq */

int store_err(int mdb_rc);
uint64_t store_be64_get(const uint8_t *p);
void store_be64_put(uint8_t *p, uint64_t v);

#endif
