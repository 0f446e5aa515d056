/*
 * record: build, sign, verify, decode and validate Stardust records.
 *
 * A record is an encoded SignedRecord. Its signature covers the exact body
 * bytes received: nothing here re-encodes a body to verify it (protobuf
 * encoding is not canonical), so a record survives any number of relays.
 */
#ifndef SD_RECORD_H
#define SD_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "codes.h"
#include "key.h"
#include "stardust.pb-c.h"

#define RECORD_DOMAIN "stardust/record/v1"
#define RECORD_MAX_BYTES 65536 /* a whole encoded SignedRecord */
#define RECORD_FUTURE_MS (10 * 60 * 1000) /* signed_at_ms tolerance */
#define MEMBER_ID_BYTES 16
#define RECORD_SUBJECT_MAX 64 /* RecordBody.subject, bytes */

/* Caps on member fields (bytes of UTF-8, or counts). */
#define MEMBER_NAME_MAX 200
#define MEMBER_CITY_MAX 100
#define MEMBER_WEBSITE_MAX 300
#define MEMBER_EMAIL_MAX 254
#define MEMBER_PHONE_MAX 40
#define MEMBER_DESC_MAX 4000
#define MEMBER_ITEM_MAX 200 /* one capability, offer or seek */
#define MEMBER_ITEMS_MAX 50 /* capabilities, offers, seeks each */
#define MEMBER_SECTORS_MAX 20
#define MEMBER_MEMBERSHIPS_MAX 50
#define MEMBER_LANGUAGES_MAX 20
#define MEMBER_EMPLOYEES_MAX 10000000u

/* An opened record: both parts decoded, the signature verified. */
struct record {
	Sd__SignedRecord *rec;
	Sd__RecordBody *body;
};

/*
 * record_sign(k, seq, body, bodylen, out, outlen): sign body (an encoded
 * RecordBody) as record seq of origin k->pk and encode the SignedRecord
 * into *out (malloc'd, caller frees). SD_ETOOBIG if the record would exceed
 * RECORD_MAX_BYTES. Any thread.
 */
int record_sign(const struct key *k, uint64_t seq, const uint8_t *body,
    size_t bodylen, uint8_t **out, size_t *outlen);

/*
 * record_verify(rec): 0 if rec's origin and signature have the right sizes
 * and the signature verifies over RECORD_DOMAIN || origin || be64(seq) ||
 * body; SD_ESIG otherwise. Any thread.
 */
int
record_verify(const Sd__SignedRecord *rec) __attribute__((warn_unused_result));

/*
 * record_open(c, buf, len, now_ms, out, err, errlen): decode buf as a
 * SignedRecord, verify its signature, decode and validate its body
 * (member fields against the code lists c; signed_at_ms not more than
 * RECORD_FUTURE_MS after now_ms). On success out holds both parts (free
 * with record_close) and 0 is returned. On failure a negative code is
 * returned, out is untouched and err receives a precise message.
 */
int record_open(const struct codes *c, const uint8_t *buf, size_t len,
    uint64_t now_ms, struct record *out, char *err, size_t errlen);

/*
 * record_decode(buf, len, out): decode both parts of a record without
 * verifying or validating it: for bytes this node verified on their way
 * in (a store's records), never for bytes from outside. 0 with out set
 * (free with record_close), or SD_EDECODE with out untouched. Any thread.
 */
int record_decode(const uint8_t *buf, size_t len, struct record *out);

/* record_close(r): free what record_open or record_decode allocated;
 * harmless on a zeroed r. */
void record_close(struct record *r);

/*
 * record_member_validate(c, m, err, errlen): 0 if every field of m is
 * within its cap and every code is in its official list; otherwise
 * SD_EINVAL with the first problem described in err.
 */
int record_member_validate(
    const struct codes *c, const Sd__Member *m, char *err, size_t errlen);

/*
 * record_member_normalise(c, m): m's codes as typed brought to their
 * official form in place, before record_member_validate and signing:
 * country, region and NACE codes in any case, a NACE code after its
 * section letter ("C26.30", read in m's own revision), the EU's country
 * codes EL and UK (codes_norm_*), languages in lower case. A field that
 * is no such code is left as it is, for validation to name.
 */
void record_member_normalise(const struct codes *c, Sd__Member *m);

/* record_cert_validate(c, nc, err, errlen): likewise for a NodeCert. */
int record_cert_validate(
    const struct codes *c, const Sd__NodeCert *nc, char *err, size_t errlen);

/*
 * record_scope_check(nc, m, err, errlen): 0 if the certificate nc allows
 * its node to publish m: m's country is one of nc's countries and, where
 * nc lists NUTS prefixes of that country, m's region starts with one of
 * them. SD_ESCOPE with a message otherwise.
 */
int record_scope_check(
    const Sd__NodeCert *nc, const Sd__Member *m, char *err, size_t errlen);

/*
 * record_kind_known(b): 1 if b holds a kind this release knows (member,
 * tombstone, certificate, revocation), 0 for the kind of a later release
 * (a field of RecordBody this build has no name for). record_open
 * accepts both; only known kinds are indexed or shown.
 */
int record_kind_known(const Sd__RecordBody *b);

/* record_kind_name(kind): "sme", "cluster", ...; "unknown" if invalid. */
const char *record_kind_name(int kind);

/* record_kind_parse(s): the Sd__MemberKind for s, or -1. */
int record_kind_parse(const char *s);

/* record_size_class(employees): "micro", "small", "medium" or "large". */
const char *record_size_class(uint32_t employees);

/* record_text_ok(s, max, multiline): 1 if s is valid UTF-8 of at most max
 * bytes with no control characters (newlines and tabs allowed if
 * multiline), 0 otherwise. */
int record_text_ok(const char *s, size_t max, int multiline);

/* record_now_ms(): wall-clock milliseconds since the Unix epoch. */
uint64_t record_now_ms(void);

#endif
