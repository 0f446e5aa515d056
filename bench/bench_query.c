/*
 * bench_query: in-process latency of partner searches on a node's store
 * (opened read-only; the daemon may be running), with the LMDB point-read
 * rate measured in the same run as a reference.
 *
 * usage: bench_query --db DIR [--runs N] [--home CC] [--only SHAPE]
 *
 * Prints one line per query shape: name, p50 and p99 in milliseconds over
 * N runs, and the number of matches; then the point-read rate. Every run
 * is a full query_run (plan, postings, ranking, the page of 20 records),
 * as the daemon does it for a request.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codes.h"
#include "consortium.h"
#include "err.h"
#include "query.h"
#include "sdtest.h"
#include "store.h"

static double
bq_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
bq_dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
bq_report(const char *name, double *ms, size_t n, uint64_t total)
{
	qsort(ms, n, sizeof(*ms), bq_dbl_cmp);
	printf("%-22s p50_ms=%.3f p99_ms=%.3f matches=%llu\n", name, ms[n / 2],
	    ms[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1],
	    (unsigned long long)total);
}

/* Runs q `runs` times and reports it; -1 on a query error. */
static int
bq_shape(struct store *st, const char *name, const struct query *q, double *ms,
    size_t runs, const char *only)
{
	struct query_result res;
	char err[256];
	uint64_t total = 0;
	size_t i;

	if (only != NULL && strcmp(only, name) != 0)
		return 0;
	for (i = 0; i < runs; i++) {
		double t = bq_now_ms();
		if (query_run(st, q, &res, err, sizeof(err)) != 0) {
			fprintf(stderr, "bench_query: %s: %s\n", name, err);
			return -1;
		}
		ms[i] = bq_now_ms() - t;
		total = res.total;
		query_result_free(&res);
	}
	bq_report(name, ms, runs, total);
	return 0;
}

struct bq_keys {
	uint8_t (*v)[STORE_KEY_BYTES];
	size_t n, cap;
};

static int
bq_key_cb(void *arg, const uint8_t *rec, size_t len)
{
	struct bq_keys *k = arg;

	if (k->n < k->cap && sdtest_record_key(rec, len, k->v[k->n]) == 0)
		k->n++;
	return 0;
}

static int
bq_noop_cb(void *arg, const uint8_t *rec, size_t len)
{
	(*(size_t *)arg) += len + (rec[0] & 1);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "runs", required_argument, NULL, 'r' },
		{ "home", required_argument, NULL, 'H' },
		{ "only", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct codes *codes = NULL;
	struct store *st = NULL;
	struct bq_keys keys = { 0 };
	const char *db = NULL, *only = NULL;
	char *home = "FI", *fi[] = { "FI" }, *fise[] = { "FI", "SE" },
	     *se[] = { "SE" }, *secc[] = { "C" }, *small[] = { "small" };
	int kinds[] = { SD__MEMBER_KIND__KIND_SME };
	size_t runs = 200, i;
	double *ms = NULL, t;
	struct query q;
	int opt, rc = 1;

	query_tune_malloc(); /* as stardustd does */
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': db = optarg; break;
		case 'r': runs = strtoul(optarg, NULL, 10); break;
		case 'H': home = optarg; break;
		case 'o': only = optarg; break;
		default: goto usage;
		}
	}
	if (db == NULL || runs < 1 || runs > 1000000) {
	usage:
		fprintf(stderr,
		    "usage: bench_query --db DIR [--runs N] "
		    "[--home CC] [--only SHAPE]\n");
		return 2;
	}
	if (codes_new(&codes) != 0 ||
	    store_open(db, codes, 65536, STORE_RDONLY, &st) != 0) {
		fprintf(stderr, "bench_query: cannot open %s\n", db);
		goto out;
	}
	if ((ms = calloc(runs, sizeof(*ms))) == NULL)
		goto out;

	query_init(&q);
	q.countries = fi;
	q.n_countries = 1;
	if (bq_shape(st, "single_filter", &q, ms, runs, only))
		goto out;

	query_init(&q);
	q.countries = fise;
	q.n_countries = 2;
	q.sectors = secc;
	q.n_sectors = 1;
	q.sizes = small;
	q.n_sizes = 1;
	if (bq_shape(st, "three_filters", &q, ms, runs, only))
		goto out;

	query_init(&q);
	q.text = "laser cutting";
	if (bq_shape(st, "text_only", &q, ms, runs, only))
		goto out;

	query_init(&q);
	q.text = "recycling";
	q.countries = se;
	q.n_countries = 1;
	q.kinds = kinds;
	q.n_kinds = 1;
	if (bq_shape(st, "text_filters", &q, ms, runs, only))
		goto out;

	query_init(&q);
	q.text = "robotics";
	q.not_countries = &home;
	q.n_not_countries = 1;
	if (bq_shape(st, "cross_border_text", &q, ms, runs, only))
		goto out;

	query_init(&q);
	q.text = "weld*";
	if (bq_shape(st, "prefix_text", &q, ms, runs, only))
		goto out;

	query_init(&q);
	q.text = "\"metal recycling\"";
	q.countries = fi;
	q.n_countries = 1;
	if (bq_shape(st, "phrase_filter", &q, ms, runs, only))
		goto out;

	/* Consortium for three needs. */
	{
		static const char *needs[] = { "laser cutting",
			"metal recycling", "robotics" };
		struct consortium_request rq;
		struct consortium_result cr;
		char err[256];
		size_t groups = 0, cruns = runs < 50 ? runs : 50;
		if (only != NULL && strcmp(only, "consortium_3_needs") != 0)
			cruns = 0;
		memset(&rq, 0, sizeof(rq));
		rq.needs = needs;
		rq.n_needs = 3;
		rq.min_members = 3;
		rq.min_countries = 3;
		for (i = 0; i < cruns; i++) {
			t = bq_now_ms();
			if (consortium_build(st, &rq, &cr, err, sizeof(err)) !=
			    0) {
				fprintf(stderr, "bench_query: consortium: %s\n",
				    err);
				goto out;
			}
			ms[i] = bq_now_ms() - t;
			groups = cr.n;
			consortium_result_free(&cr);
		}
		if (cruns > 0)
			bq_report("consortium_3_needs", ms, cruns, groups);
	}

	/* Match: the first few thousand members' complementary partners. */
	keys.cap = 10000;
	if ((keys.v = calloc(keys.cap, sizeof(*keys.v))) == NULL)
		goto out;
	if (store_members_walk(
	        st, NULL, NULL, keys.cap, bq_key_cb, &keys, keys.v[0]) < 0 ||
	    keys.n == 0) {
		fprintf(stderr, "bench_query: no members\n");
		goto out;
	}
	{
		struct query_result res;
		char err[256];
		size_t cruns = runs < 100 ? runs : 100, done = 0;
		if (only != NULL && strcmp(only, "match") != 0)
			cruns = 0;
		uint64_t total = 0;
		query_init(&q);
		for (i = 0; i < cruns; i++) {
			const uint8_t *k = keys.v[(i * 97) % keys.n];
			t = bq_now_ms();
			if (query_match(st, &q, k, k + KEY_PUBLIC_BYTES, 1,
			        &res, err, sizeof(err)) != 0)
				continue; /* a member without seeks */
			ms[done++] = bq_now_ms() - t;
			total += res.total;
			query_result_free(&res);
		}
		if (done > 0)
			bq_report("match", ms, done, total / done);
	}

	/* The reference: LMDB point reads of a member record by key. */
	{
		size_t n = 0, sink = 0, reads = 200000;
		t = bq_now_ms();
		for (i = 0; i < reads; i++) {
			const uint8_t *k = keys.v[(i * 7919) % keys.n];
			if (store_member_get(st, k, k + KEY_PUBLIC_BYTES,
			        bq_noop_cb, &sink) == 0)
				n++;
		}
		t = bq_now_ms() - t;
		printf("point_read_rate_per_s=%.0f (%zu reads, %.3f us each)\n",
		    (double)n / (t / 1e3), n, t * 1e3 / (double)n);
		if (sink == 0)
			fprintf(stderr, "bench_query: no reads\n");
	}
	rc = 0;
out:
	free(keys.v);
	free(ms);
	store_close(st);
	codes_free(codes);
	return rc;
}
