/*
 * memberio: members as people and scripts see them: CSV cells, JSON
 * objects, command-line options, tables.
 *
 * Field names (CSV header, JSON keys, CLI options) are documented in
 * docs/FORMATS.md: id, name, kind, country, region, city, website, email,
 * phone, description, sectors, capabilities, offers, seeks, employees,
 * founded, memberships, languages, nace_rev. List fields take ';'-separated
 * values in CSV and on the command line, arrays (or such strings) in JSON.
 * Members built here own every string they point to: free with
 * memberio_free.
 */
#ifndef SD_MEMBERIO_H
#define SD_MEMBERIO_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "codes.h"
#include "stardust.pb-c.h"

/* memberio_new(): an empty member (caller frees with memberio_free). */
Sd__Member *memberio_new(void);

/* memberio_free(m): free a member built by memberio_*; NULL harmless. */
void memberio_free(Sd__Member *m);

/* memberio_copy(src): a deep copy of any member (e.g. one unpacked). */
Sd__Member *memberio_copy(const Sd__Member *src);

/*
 * memberio_set(m, field, value, append, err, errlen): set field from text.
 * List fields are split on ';' and replace the list (or extend it if
 * append). Informational export fields (origin, seq, signed_at, score,
 * matched) are ignored. SD_EINVAL with a message for an unknown field or a
 * malformed value (a number, a hex id, a kind).
 */
int memberio_set(Sd__Member *m, const char *field, const char *value,
    int append, char *err, size_t errlen);

/* memberio_is_field(name): 1 if name is a member field or an ignored
 * informational one. */
int memberio_is_field(const char *name);

/* memberio_from_json(obj, m, err, errlen): set m's fields from a JSON
 * object. */
int memberio_from_json(json_t *obj, Sd__Member *m, char *err, size_t errlen);

/* memberio_to_json(m, origin, seq): a new JSON object (caller decrefs);
 * origin may be NULL. */
json_t *
memberio_to_json(const Sd__Member *m, const uint8_t *origin, uint64_t seq);

/* memberio_default_id(m): if m has no id, derive one from its country and
 * folded name, so importing the same organisation twice updates it. */
int memberio_default_id(Sd__Member *m);

/* memberio_print(f, m, codes, origin, seq): a human-readable detail view. */
void memberio_print(FILE *f, const Sd__Member *m, const struct codes *codes,
    const uint8_t *origin, uint64_t seq);

#endif
