/*
 * sdtest: what the unit tests (tests/test_*.c), the fuzz targets
 * (tests/fuzz/), evilpeer and the benchmarks (bench/) need to build
 * records: a member, tombstone, certificate or revocation body from a
 * brief description, signed as record seq N of a key, opened and applied
 * to a store in a temporary directory. It is built once (the static
 * library sdtest) and is part of no installed program.
 *
 * Ownership: the *_body functions fill structures the caller provides and
 * allocate nothing; what they fill points into their arguments, which
 * must outlive it. Everything else that allocates says who frees it.
 * Errors are 0 or a negative code (the callee's, or -errno), and a
 * failure to sign, open or apply is also printed on stderr, so that a
 * test's CHECK line is enough to find it. Single-threaded use, like the
 * tests themselves.
 */
#ifndef SD_SDTEST_H
#define SD_SDTEST_H

#include <stddef.h>
#include <stdint.h>

#include "codes.h"
#include "gossip.pb-c.h"
#include "key.h"
#include "record.h"
#include "store.h"

/* Entries of a list in the descriptions below: up to the first NULL. */
#define SDTEST_LIST_MAX 8

/* What sdtest_rec_item puts in store_item.result: store_apply must
 * overwrite it. */
#define SDTEST_RESULT_UNSET 12345

/*
 * A member in brief. The first fields are in the order of the positional
 * tables of test_store and test_query; the rest are usually given by
 * name. A NULL string is a field left out.
 */
struct sdtest_member {
	const char *name;
	const char *country;
	const char *region;
	const char *city;
	const char *desc;
	const char *caps[SDTEST_LIST_MAX];
	const char *sectors[SDTEST_LIST_MAX];
	int kind; /* Sd__MemberKind; 0: SME */
	int employees; /* < 0: none (0 is a count) */
	int rev2; /* sectors in NACE Rev. 2 */
	const char *website;
	const char *email;
	const char *offers[SDTEST_LIST_MAX];
	const char *seeks[SDTEST_LIST_MAX];
	const char *langs[SDTEST_LIST_MAX];
	int founded; /* 0: none */
};

/* A node certificate in brief. */
struct sdtest_cert {
	const char *name;
	const char *countries[SDTEST_LIST_MAX];
	const char *nuts[SDTEST_LIST_MAX];
	const char *addresses[SDTEST_LIST_MAX];
	uint64_t not_after_ms;
};

/*
 * sdtest_member_body(b, m, id, s): b (a RecordBody) holding m, the member
 * s describes with id (MEMBER_ID_BYTES). b and m are initialised here;
 * they point into s and id. b->signed_at_ms is left 0 for the signer.
 */
void sdtest_member_body(Sd__RecordBody *b, Sd__Member *m, const uint8_t *id,
    const struct sdtest_member *s);

/* sdtest_tombstone_body(b, t, id): b holding t, the tombstone of member
 * id (MEMBER_ID_BYTES); b and t point into id. */
void
sdtest_tombstone_body(Sd__RecordBody *b, Sd__Tombstone *t, const uint8_t *id);

/* sdtest_cert_body(b, nc, node, c): b holding nc, the certificate c
 * describes for node key node (KEY_PUBLIC_BYTES); they point into c and
 * node. */
void sdtest_cert_body(Sd__RecordBody *b, Sd__NodeCert *nc, const uint8_t *node,
    const struct sdtest_cert *c);

/* sdtest_revocation_body(b, rv, node, reason): b holding rv, the
 * revocation of node key node (KEY_PUBLIC_BYTES) for reason (or NULL). */
void sdtest_revocation_body(Sd__RecordBody *b, Sd__Revocation *rv,
    const uint8_t *node, const char *reason);

/*
 * A record kind of a later release, as a node of this one sees it: a
 * RecordBody field this build cannot name (SDTEST_FUTURE_KIND, the next
 * free number of the kind oneof) holding opaque bytes, and a subject.
 */
#define SDTEST_FUTURE_KIND 9
struct sdtest_future {
	ProtobufCMessageUnknownField field;
	uint8_t payload[64];
};

/* sdtest_future_body(b, f, subject, text): b holding a record of kind
 * SDTEST_FUTURE_KIND whose payload is text (at most 63 bytes) and whose
 * subject is the NUL-terminated subject (NULL: none); b points into f and
 * subject. text is cut at 63 bytes. */
void sdtest_future_body(Sd__RecordBody *b, struct sdtest_future *f,
    const char *subject, const char *text);

/* A sync message of a later release: version 99, a message kind (oneof
 * field 15) and a field (40) this build cannot name. */
struct sdtest_later_msg {
	ProtobufCMessageUnknownField f[2];
	uint8_t kind[4], answer[1];
};

/* sdtest_later_msg(m, l): m initialised as that message, pointing into
 * l. */
void sdtest_later_msg(Sd__PeerMsg *m, struct sdtest_later_msg *l);

/*
 * sdtest_body_pack(b, out, len): b encoded into *out (malloc'd, at least
 * one byte even for an empty body; the caller frees) and its length into
 * *len. 0, or -ENOMEM with *out NULL.
 */
int sdtest_body_pack(const Sd__RecordBody *b, uint8_t **out, size_t *len);

/*
 * sdtest_record_sign(k, seq, b, signed_at_ms, out, len): b->signed_at_ms
 * set to signed_at_ms, b encoded and signed as record seq of origin k:
 * the SignedRecord bytes in *out (malloc'd, caller frees). 0, or
 * record_sign's error (printed) with *out NULL.
 */
int sdtest_record_sign(const struct key *k, uint64_t seq, Sd__RecordBody *b,
    uint64_t signed_at_ms, uint8_t **out, size_t *len);

/*
 * A signed record and its opened form, as a store_item wants them. Owned
 * by whoever made it with sdtest_rec_*; freed with sdtest_rec_free.
 */
struct sdtest_rec {
	uint8_t *bytes;
	size_t len;
	struct record r;
};

/*
 * sdtest_rec_make(t, codes, k, seq, b): b signed now as record seq of k
 * (see sdtest_record_sign) and opened against codes into t. 0, or the
 * error of signing or opening (printed with record_open's message), with
 * t zeroed.
 */
int sdtest_rec_make(struct sdtest_rec *t, const struct codes *codes,
    const struct key *k, uint64_t seq, Sd__RecordBody *b);

/* sdtest_rec_member(t, codes, k, seq, id, s): sdtest_rec_make of the
 * member body of s with id. */
int sdtest_rec_member(struct sdtest_rec *t, const struct codes *codes,
    const struct key *k, uint64_t seq, const uint8_t *id,
    const struct sdtest_member *s);

/* sdtest_rec_tombstone(t, codes, k, seq, id): likewise, a tombstone. */
int sdtest_rec_tombstone(struct sdtest_rec *t, const struct codes *codes,
    const struct key *k, uint64_t seq, const uint8_t *id);

/* sdtest_rec_cert(t, codes, rootk, seq, node, c): likewise, the
 * certificate c of node key node, signed by the root key rootk. */
int sdtest_rec_cert(struct sdtest_rec *t, const struct codes *codes,
    const struct key *rootk, uint64_t seq, const uint8_t *node,
    const struct sdtest_cert *c);

/* sdtest_rec_revocation(t, codes, rootk, seq, node, reason): likewise,
 * the revocation of node key node. */
int sdtest_rec_revocation(struct sdtest_rec *t, const struct codes *codes,
    const struct key *rootk, uint64_t seq, const uint8_t *node,
    const char *reason);

/* sdtest_rec_free(t): frees what t holds and zeroes it; harmless on a
 * zeroed t. */
void sdtest_rec_free(struct sdtest_rec *t);

/* sdtest_rec_item(t): a store_item of t (pointing into t), its result
 * SDTEST_RESULT_UNSET. */
struct store_item sdtest_rec_item(const struct sdtest_rec *t);

/*
 * sdtest_rec_apply(st, t, origin, from, to): store_apply of t alone, with
 * the watermark move (origin, from, to) (origin NULL: none). The item's
 * result, or store_apply's own error.
 */
int sdtest_rec_apply(struct store *st, const struct sdtest_rec *t,
    const uint8_t *origin, uint64_t from, uint64_t to);

/*
 * sdtest_record_key(rec, len, key): key (STORE_KEY_BYTES) set to origin ||
 * member id of rec, a member record as a store holds it (decoded, not
 * verified). 0, or SD_EDECODE if rec is no member record.
 */
int sdtest_record_key(const uint8_t *rec, size_t len, uint8_t *key);

/*
 * sdtest_tmpdir(tag, buf, len): a new empty directory
 * $TMPDIR/TAG.XXXXXX (TMPDIR unset: /tmp); its path in buf. 0, or -errno
 * (ENAMETOOLONG if buf is too small). The caller removes it
 * (sdtest_rmtree).
 */
int sdtest_tmpdir(const char *tag, char *buf, size_t len);

/* sdtest_rmtree(path): path and everything below it removed, links not
 * followed. 0, or -errno of the first failure (reported on stderr). */
int sdtest_rmtree(const char *path);

/*
 * sdtest_store_open(dir, codes, flags, out): store_open of dir with the
 * tests' 64 MiB map (the caller closes *out with store_close). 0, or
 * store_open's error, printed with dir.
 */
int sdtest_store_open(
    const char *dir, const struct codes *codes, int flags, struct store **out);

#endif
