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

#define CONS_NEEDS_MAX 8
#define CONS_MEMBERS_MAX 12 /* members in one group */
#define CONS_GROUPS_MAX 10
#define CONS_GROUPS_DEFAULT 3

struct cons_request {
	const struct query *filters; /* no text; NULL: none */
	const char *const *needs;
	size_t n_needs;
	unsigned min_members;   /* 0 or 1: no minimum */
	unsigned min_countries; /* 0 or 1: no minimum */
	size_t groups;          /* groups wanted; 0: CONS_GROUPS_DEFAULT */
};

struct cons_member {
	uint8_t key[STORE_KEY_BYTES];
	uint8_t *rec; /* SignedRecord bytes, malloc'd */
	size_t len;
	char country[3];
	uint32_t covers; /* bit i: covers need i */
	double cov[CONS_NEEDS_MAX]; /* coverage of each need, 0..1 */
};

struct cons_group {
	struct cons_member *members;
	size_t n;
	double score; /* 0..100 */
	size_t countries;
};

struct cons_result {
	struct cons_group *groups;
	size_t n;
	char problem[512]; /* why there is no group, when n == 0 */
};

/*
 * cons_build(st, rq, res, err, errlen): fill res (free with
 * cons_result_free). A request no group can satisfy is not an error: res
 * has no groups and res->problem says why (which need nobody covers, or
 * which constraint the candidates cannot meet). SD_EINVAL with a message
 * in err for a bad request. Any thread.
 */
int cons_build(struct store *st, const struct cons_request *rq,
    struct cons_result *res, char *err, size_t errlen);

/* cons_result_free(res): harmless on a zeroed res. */
void cons_result_free(struct cons_result *res);

#endif
