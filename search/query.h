/*
 * query: partner search over a store's index.
 *
 * Filters combine with AND; values within one filter with OR. Free text
 * is folded and tokenised like the index (English stems in every text
 * field but the city); every word must occur in some text field, a word
 * ending in '*' is a prefix, words in double quotes are a phrase. Hits
 * are ranked by BM25 (k1 1.2, b 0.75) per field, weighted by field (name
 * and capabilities above offers, seeks and description), ties broken by
 * the node-local document number (earlier arrival first), so results are
 * deterministic. A cursor holds the last hit's (score, doc) and the
 * ranking statistics of the first page (member count, mean field lengths,
 * each word's document frequency); later pages are scored with those, so
 * members that did not change keep their scores and order while the
 * federation syncs: nothing is repeated or skipped but what changed.
 *
 * query_match ranks complementary members (their offers meet a member's
 * seeks, their seeks meet its offers); consortium.h builds groups.
 */
#ifndef SD_QUERY_H
#define SD_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define QUERY_TERMS_MAX 16
#define QUERY_VALUES_MAX 64 /* values in one filter */
#define QUERY_LIMIT_MAX 10000
#define QUERY_LIMIT_DEFAULT 20
#define QUERY_PREFIX_MIN 3 /* letters before a '*' */
#define QUERY_EXPAND_MAX 256 /* index terms one prefix may stand for */
#define QUERY_CURSOR_MAX 1024 /* hex characters of a cursor, at most */
#define QUERY_MATCH_TERMS 32 /* words taken from each side of a profile */

/* Text fields a query may be limited to (query.fields); 0: all. */
enum {
	QUERY_F_NAME = 1 << 0,
	QUERY_F_CAPABILITIES = 1 << 1,
	QUERY_F_OFFERS = 1 << 2,
	QUERY_F_SEEKS = 1 << 3,
	QUERY_F_DESCRIPTION = 1 << 4,
	QUERY_F_CITY = 1 << 5,
};

struct query {
	char **countries;
	size_t n_countries;
	char **not_countries;
	size_t n_not_countries;
	char **regions; /* NUTS prefixes at any level */
	size_t n_regions;
	char **sectors; /* NACE prefixes at any level: "C", "C25", "25.6" */
	size_t n_sectors;
	int *kinds; /* Sd__MemberKind values */
	size_t n_kinds;
	char **sizes; /* micro, small, medium, large */
	size_t n_sizes;
	int64_t employees_min; /* < 0: no bound */
	int64_t employees_max; /* < 0: no bound */
	const uint8_t
	    *member_of; /* n_member_of cluster/network ids, 16 bytes each */
	size_t n_member_of;
	const char *text;
	unsigned fields; /* QUERY_F_* the text is searched in; 0: all */
	size_t limit; /* 0: QUERY_LIMIT_DEFAULT */
	const char *cursor; /* a previous result's next, or NULL */
	const uint8_t *skip_key; /* a member (STORE_KEY_BYTES) left out */
};

/* query_init(q): no filters, no text, default limit. */
void query_init(struct query *q);

struct query_hit {
	uint8_t key[STORE_KEY_BYTES]; /* origin || member id */
	uint8_t *rec; /* SignedRecord bytes, malloc'd */
	size_t len;
	double score;
	double part[2]; /* query_match: offers-meet-seeks, seeks-meet-offers */
	char matched[512]; /* "field:word ..." for display */
};

struct query_result {
	struct query_hit *hits;
	size_t n;
	uint64_t total; /* matches, all pages */
	char next[QUERY_CURSOR_MAX + 1]; /* cursor of the next page; "" at
	                                    the end */
};

/*
 * query_run(st, q, res, err, errlen): run q in one read transaction and
 * fill res (free with query_result_free). SD_EINVAL with a message in err
 * for a bad query (unknown country, malformed NACE code, empty text, bad
 * cursor, ...). Any thread.
 */
int query_run(struct store *st, const struct query *q, struct query_result *res,
    char *err, size_t errlen);

/*
 * query_employees_parse(s, min, has_min, max, has_max, err, errlen): an
 * employee range "MIN-MAX", "MIN-" or "-MAX" (whole numbers, MIN at most
 * MAX), as the CLI's --employees and the API's employees= take it. 0, or
 * SD_EINVAL with a message in err ("takes MIN-MAX, ...", "S: not a whole
 * number", "S: MIN is above MAX") for the caller to prefix with the
 * option's name.
 */
int query_employees_parse(const char *s, uint32_t *min, int *has_min,
    uint32_t *max, int *has_max, char *err, size_t errlen);

/*
 * query_match(st, q, origin, id, abroad, res, err, errlen): members whose
 * offers and capabilities meet the seeks of member (origin, id) (part[0])
 * and whose seeks meet its offers and capabilities (part[1]), ranked by
 * the sum, under q's filters (q->text must be NULL); with abroad, only
 * members outside the member's country. origin NULL: the first origin
 * holding the id. SD_ENOTFOUND if no such live member.
 */
int query_match(struct store *st, const struct query *q, const uint8_t *origin,
    const uint8_t id[MEMBER_ID_BYTES], int abroad, struct query_result *res,
    char *err, size_t errlen);

/*
 * query_tune_malloc(): a broad search allocates arrays of 8 bytes per
 * member (score sums by doc number, ~8 MB at 1 000 000 members); glibc
 * would map and unmap such blocks on every search and fault their pages
 * in again (measured: match 11.6 ms p50 instead of 5.4 at 1M). This keeps
 * blocks up to 32 MiB in the heap and the heap untrimmed below 256 MiB.
 * Process-wide: called once by a program's main (the daemon, benches).
 */
void query_tune_malloc(void);

/* query_result_free(res): free the hits; harmless on a zeroed res. */
void query_result_free(struct query_result *res);

#endif
