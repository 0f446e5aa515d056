/*
 * result: what a search answers, as JSON — one member, a search or match
 * hit, a consortium group — built from the records of a control Response.
 * The CLI's --json lines (docs/FORMATS.md) and the HTTP API's answers
 * (docs/API.md) are both made here, so a hit is the same object in both.
 *
 * They differ where the documents say so, and a struct result_style
 * names each difference; a NULL style is the CLI's format:
 *   - the API adds "node", the publishing node's name, which only the
 *     daemon knows (from the certificates it holds);
 *   - the API's "matched" is an array of "field:word" strings, the CLI's
 *     the space-separated string the node sent;
 *   - the API gives each group member's "coverage" of every need.
 *
 * Every json_t returned is new (the caller decrefs it), or NULL when out
 * of memory. A value jansson refuses (text that is not UTF-8: a need as
 * the user typed it, say) is left out rather than failing the whole
 * answer. Pure functions of decoded messages: no I/O, any thread.
 */
#ifndef SD_RESULT_H
#define SD_RESULT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "codes.h"
#include "control.pb-c.h"
#include "record.h"

struct result_style {
	/* node_name(arg, origin): the name of the node whose key is origin
	 * (KEY_PUBLIC_BYTES), a new JSON string, or json_null() when none is
	 * known; it becomes the "node" after "size". NULL: no "node". */
	json_t *(*node_name)(void *arg, const uint8_t *origin);
	void *arg;
	int matched_list; /* "matched" as an array of "field:word" */
	int coverage; /* a group member's "coverage", one value per need */
};

/*
 * result_open(rec, out, err, errlen): open rec, a record of a Response (a
 * hit's, a group member's), as a member: decoded, not verified again
 * (the node verified its signature and validated it on its way into its
 * store; `stardust fsck` verifies the store's records; the CLI reads the
 * daemon over its 0600 control socket). Records of any other kind are
 * refused (SD_EINVAL, "not a member record"). 0 with out set (free with
 * record_close), or a negative code with a message in err and out
 * untouched.
 */
int result_open(const ProtobufCBinaryData *rec, struct record *out, char *err,
    size_t errlen);

/*
 * result_member_json(r, st): the member of r (opened by result_open) in
 * the export format (memberio_to_json, with origin and seq), then "size"
 * (its size class, null without employees) and, in the API's style,
 * "node".
 */
json_t *
result_member_json(const struct record *r, const struct result_style *st);

/*
 * result_hit_json(r, h, match, st): hit h, whose record r is, as
 * result_member_json gives it, then "score", for a match (match != 0)
 * "score_offers" and "score_seeks", and last "matched".
 */
json_t *result_hit_json(const struct record *r, const Sd__Hit *h, int match,
    const struct result_style *st);

/*
 * result_group_json(g, rank, needs, n_needs, st, skipped): group g
 * of a consortium answer, proposed for needs[0, n_needs) (the request's),
 * as {"rank", "score", "countries", "members"}: each member as
 * result_member_json gives it, then "covers" (the texts of the needs it
 * covers) and, in the API's style, "coverage". A member whose record does
 * not open (result_open) is left out and counted in *skipped,
 * which the caller zeroes; the CLI treats one as an error, the API shows
 * the rest of the group.
 */
json_t *result_group_json(const Sd__Group *g, size_t rank, char *const *needs,
    size_t n_needs, const struct result_style *st, size_t *skipped);

#endif
