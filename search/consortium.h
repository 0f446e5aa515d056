/*
 * consortium: proposes groups of members that together cover a list of
 * needed capabilities under constraints (at least N members from at least
 * K countries), the way a transnational project consortium is put
 * together.
 *
 * Each need is a text search over name, capabilities, offers and
 * description under the request's filters; a member's coverage of a need
 * is its score divided by the best score for that need (0..1). A group's
 * score is 100 times the mean, over the needs, of the best coverage in
 * the group. Groups are found by a beam search over the needs (fewest
 * candidates first), padded with further candidates from new countries
 * when the constraints ask for more members or countries than the needs
 * took. Deterministic: the same store gives the same groups.
 */
#ifndef SD_CONSORTIUM_H
#define SD_CONSORTIUM_H

#include <stddef.h>
#include <stdint.h>

#include "query.h"

#define CONSORTIUM_NEEDS_MAX 8
#define CONSORTIUM_MEMBERS_MAX 12 /* members in one group */
#define CONSORTIUM_GROUPS_MAX 10
#define CONSORTIUM_GROUPS_DEFAULT 3

struct consortium_request {
	const struct query *filters; /* no text; NULL: none */
	const char *const *needs;
	size_t n_needs;
	unsigned min_members; /* 0 or 1: no minimum */
	unsigned min_countries; /* 0 or 1: no minimum */
	size_t groups; /* groups wanted; 0: CONSORTIUM_GROUPS_DEFAULT */
};

struct consortium_member {
	uint8_t key[STORE_KEY_BYTES];
	uint8_t *rec; /* SignedRecord bytes, malloc'd */
	size_t len;
	char country[3];
	uint32_t covers; /* bit i: covers need i */
	double cov[CONSORTIUM_NEEDS_MAX]; /* coverage of each need, 0..1 */
};

struct consortium_group {
	struct consortium_member *members;
	size_t n;
	double score; /* 0..100 */
	size_t countries;
};

struct consortium_result {
	struct consortium_group *groups;
	size_t n;
	char problem[512]; /* why there is no group, when n == 0 */
};

/*
 * consortium_build(st, rq, res, err, errlen): fill res (free with
 * consortium_result_free). A request no group can satisfy is not an error: res
 * has no groups and res->problem says why (which need nobody covers, or
 * which constraint the candidates cannot meet). SD_EINVAL with a message
 * in err for a bad request. Any thread.
 */
int consortium_build(struct store *st, const struct consortium_request *rq,
    struct consortium_result *res, char *err, size_t errlen);

/* consortium_result_free(res): harmless on a zeroed res. */
void consortium_result_free(struct consortium_result *res);

#endif
