/* Partner search, match and consortium building on a small store: the
 * input's lines are the query's parts (text, countries, excluded
 * countries, regions, sectors, sizes, cursor, employee range, needs). A
 * query is either refused with a message or answered with hits that meet
 * its page limit. */
#include <stdio.h>
#include <string.h>

#include "codes.h"
#include "consortium.h"
#include "err.h"
#include "fuzz.h"
#include "key.h"
#include "query.h"
#include "record.h"
#include "sdtest.h"
#include "store.h"

static struct codes *fz_codes;
static struct store *fz_st;
static struct key *fz_key;

static const struct sdtest_member fz_members[] = {
	{ .name = "Lappi Laser Oy",
	    .country = "FI",
	    .region = "FI1D7",
	    .sectors = { "25.62" },
	    .caps = { "laser cutting" },
	    .offers = { "laser cutting of steel" },
	    .seeks = { "metal recycling" },
	    .employees = 8 },
	{ .name = "Vilnius Laser Works UAB",
	    .country = "LT",
	    .region = "LT011",
	    .sectors = { "26.70" },
	    .caps = { "laser welding" },
	    .offers = { "laser micromachining" },
	    .seeks = { "mining waste recycling" },
	    .employees = 40 },
	{ .name = "Jyväskylä Recyclers",
	    .country = "FI",
	    .region = "FI198",
	    .sectors = { "38.32" },
	    .caps = { "recycling mining waste" },
	    .offers = { "tailings processing" },
	    .seeks = { "laser sensors" },
	    .employees = 12 },
	{ .name = "Tallinn Robotics OÜ",
	    .country = "EE",
	    .region = "EE001",
	    .sectors = { "28.99" },
	    .caps = { "robotics" },
	    .offers = { "robot welding cells" },
	    .seeks = { "laser welding" },
	    .employees = 20 },
	{ .name = "Kraków Waste",
	    .country = "PL",
	    .region = "PL213",
	    .sectors = { "38.21" },
	    .caps = { "waste management" },
	    .offers = { "aggregates" },
	    .seeks = { "robotics" },
	    .employees = 300 },
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[512];
	size_t i;

	(void)argc;
	(void)argv;
	if (codes_new(&fz_codes) != 0 || key_generate(&fz_key) != 0 ||
	    sdtest_tmpdir("sdfuzzq", dir, sizeof(dir)) != 0 ||
	    sdtest_store_open(dir, fz_codes, 0, &fz_st) != 0)
		abort();
	for (i = 0; i < sizeof(fz_members) / sizeof(fz_members[0]); i++) {
		uint8_t id[MEMBER_ID_BYTES] = { 0 };
		struct sdtest_rec t;
		id[15] = (uint8_t)(i + 1);
		if (sdtest_rec_member(
		        &t, fz_codes, fz_key, i + 1, id, &fz_members[i]) != 0 ||
		    sdtest_rec_apply(fz_st, &t, fz_key->pk, i, i + 1) != 0)
			abort();
		sdtest_rec_free(&t);
	}
	return 0;
}

/* Splits a copy of the input into up to max lines (NUL-terminated). */
static size_t
fz_lines(char *buf, char **line, size_t max)
{
	size_t n = 0;
	char *p = buf, *nl;

	while (n < max) {
		line[n++] = p;
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct query q;
	struct query_result res;
	char *buf, *line[10] = { 0 }, *vals[6][4], err[256];
	size_t nl, i, j, nv[6] = { 0 };
	int rc;

	if (size > 4096 || (buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	nl = fz_lines(buf, line, 10);
	query_init(&q);
	q.text = nl > 0 && line[0][0] != '\0' ? line[0] : NULL;
	/* Lines 1..5: comma-separated values of five filters. */
	for (i = 1; i < 6 && i < nl; i++) {
		char *save = NULL, *t;
		for (t = strtok_r(line[i], ",", &save); t != NULL && nv[i] < 4;
		     t = strtok_r(NULL, ",", &save))
			vals[i][nv[i]++] = t;
	}
	q.countries = vals[1];
	q.n_countries = nv[1];
	q.not_countries = vals[2];
	q.n_not_countries = nv[2];
	q.regions = vals[3];
	q.n_regions = nv[3];
	q.sectors = vals[4];
	q.n_sectors = nv[4];
	q.sizes = vals[5];
	q.n_sizes = nv[5];
	q.cursor = nl > 6 ? line[6] : NULL;
	if (nl > 7) {
		long a = -1, b = -1;
		if (sscanf(line[7], "%ld-%ld", &a, &b) >= 1) {
			q.employees_min = a;
			q.employees_max = b;
		}
	}
	q.limit = size % 4;
	rc = query_run(fz_st, &q, &res, err, sizeof(err));
	if (rc == 0) {
		fuzz_check(res.n <= (q.limit ? q.limit : QUERY_LIMIT_DEFAULT),
		    "more hits than the limit");
		fuzz_check(res.n <= res.total, "more hits than matches");
		for (j = 0; j < res.n; j++)
			fuzz_check(
			    res.hits[j].rec != NULL, "hit without record");
		query_result_free(&res);
	} else if (rc == SD_EINVAL) {
		fuzz_check(err[0] != '\0', "refused without a message");
	}
	/* The same filters for a match of member 1 (no text). */
	{
		uint8_t id[MEMBER_ID_BYTES] = { 0 };
		id[15] = 1;
		q.text = NULL;
		q.cursor = NULL;
		if (query_match(fz_st, &q, fz_key->pk, id, size & 1, &res, err,
		        sizeof(err)) == 0)
			query_result_free(&res);
	}
	/* Line 8 and on: needs of a consortium. */
	if (nl > 8) {
		struct consortium_request rq;
		struct consortium_result cr;
		memset(&rq, 0, sizeof(rq));
		rq.filters = &q;
		rq.needs = (const char *const *)&line[8];
		rq.n_needs = nl - 8;
		rq.min_members = (unsigned)(size % 4);
		rq.min_countries = (unsigned)(size % 3);
		if (consortium_build(fz_st, &rq, &cr, err, sizeof(err)) == 0) {
			fuzz_check(cr.n > 0 || cr.problem[0] != '\0',
			    "no group and no reason");
			consortium_result_free(&cr);
		}
	}
	free(buf);
	return 0;
}
