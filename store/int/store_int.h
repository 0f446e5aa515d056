/* Internals shared by store.c and query.c; nothing else includes this. */
#ifndef SD_STORE_INT_H
#define SD_STORE_INT_H

#include <lmdb.h>

#include "store.h"

struct store {
	MDB_env *env;
	MDB_dbi records, members, docs, marks, postings, bitmaps, certs, peers,
	    meta;
	const struct codes *codes;
	int rdonly;
	/* At open, LMDB counted a different number of records than the
	 * store's own counter: records were deleted or added behind the
	 * daemon's back (the counters were rebuilt). */
	int altered;
	uint64_t altered_expected, altered_found;
};

#define STORE_MEMBER_VAL 17 /* be64 seq || state || be64 doc */
#define STORE_CERT_VAL 48 /* root(32) || be64 cert seq || be64 rev seq */

/* Filter terms (store_field_bitmap) are kept as sets of doc numbers in
 * chunks of 4096 docs: key field || term || 0x00 || be32(chunk). A chunk
 * with 256 or more docs is a 512-byte bitmap (bit b of 64-bit word b / 64,
 * words in host order); a sparser one is its offsets in the chunk, as
 * ascending 16-bit values (2 to 510 bytes). An empty chunk is deleted. */
#define STORE_CHUNK_SHIFT 12
#define STORE_CHUNK_DOCS (1u << STORE_CHUNK_SHIFT)
#define STORE_CHUNK_WORDS (STORE_CHUNK_DOCS / 64)
#define STORE_CHUNK_BYTES (STORE_CHUNK_DOCS / 8)
#define STORE_BKEY_MAX (1 + 64 + 1 + 4)

#define STORE_CHUNK_ARRAY_MAX 255 /* offsets in an array chunk */

/* store_bkey(out, key, klen, chunk): the bitmap key of index key (field
 * || term) for a chunk; returns its length. klen must be below 66. */
size_t store_bkey(uint8_t *out, const char *key, size_t klen, uint64_t chunk);

/* store_chunk_decode(v, len, words): a stored chunk into 64 words;
 * SD_ESTORE if malformed. */
int store_chunk_decode(const void *v, size_t len, uint64_t *words);

/* store_chunk_bits(len): docs in a stored chunk of len bytes, if it is an
 * array; 0 for a bitmap (count its bits). */
size_t store_chunk_bits(size_t len);

int store_err(int mdb_rc);
uint64_t store_be64_get(const uint8_t *p);
void store_be64_put(uint8_t *p, uint64_t v);

#endif
