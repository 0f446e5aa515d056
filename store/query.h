/*
 * query: partner search over a store's index.
 *
 * Filters combine with AND; values within one filter with OR. Free text is
 * folded and tokenised like the index; every term must occur in some text
 * field (name, capabilities, offers, seeks, description, city). Hits are
 * ranked by a field-weighted sum of inverse document frequencies of the
 * matched terms, ties broken by member key, so results are deterministic.
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
	const char *text;
	size_t limit; /* 0: QUERY_LIMIT_DEFAULT */
};

struct query_hit {
	uint8_t key[STORE_KEY_BYTES]; /* origin || member id */
	uint8_t *rec; /* SignedRecord bytes, malloc'd */
	size_t len;
	double score;
	char matched[256]; /* "field:term ..." for display */
};

struct query_result {
	struct query_hit *hits;
	size_t n;
	uint64_t total; /* matches before the limit */
};

/*
 * query_run(st, q, res, err, errlen): run q in one read transaction and
 * fill res (free with query_result_free). SD_EINVAL with a message in err
 * for a bad query (unknown country, malformed NACE code, empty text, ...).
 * Any thread.
 */
int query_run(struct store *st, const struct query *q, struct query_result *res,
    char *err, size_t errlen);

/* query_result_free(res): free the hits; harmless on a zeroed res. */
void query_result_free(struct query_result *res);

#endif
