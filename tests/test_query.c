/*
 * test_query: search/query*.c — partner search filters, prefixes at every
 * level, text AND semantics with case and accent folding, ranking,
 * deterministic order, limits, explanations and errors, over a fixed
 * dataset of members in FI, LT, NO, SE and PL.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "codes.h"
#include "err.h"
#include "key.h"
#include "query.h"
#include "record.h"
#include "sdtest.h"
#include "store.h"

static struct codes *codes;
static struct store *st;
static struct key *origin;

/* ---- the dataset ---- */

enum {
	M_LAPPI,
	M_JKL_METAL,
	M_HKI_RECYCLING,
	M_UUSIMAA_SW,
	M_OULU_UNI,
	M_VILNIUS_LASER,
	M_KAUNAS_METAL,
	M_OSLO_CLEANTECH,
	M_NORDIC_MINING,
	M_STOCKHOLM_ROBOTICS,
	M_GOTEBORG_HINGES,
	M_WARSZAWA_TOOLS,
	M_KRAKOW_WASTE,
	M_MAZOVIA_AGENCY,
	M_TURKU_MARINE,
	M_JKL_ENERGY,
	M_ALAND_SHIPPING,
	M_FI_NETWORK,
	M_VILNIUS_CODE,
	M_COUNT
};

static const struct sdtest_member dataset[M_COUNT] = {
	[M_LAPPI] = { "Lappi Laser Oy", "FI", "FI1D7", "Rovaniemi",
	    "Precision parts for arctic industry",
	    { "laser cutting", "sheet metal" }, { "25.62" },
	    SD__MEMBER_KIND__KIND_SME, 8, 0 },
	[M_JKL_METAL] = { "Jyväskylä Metalworks Oy", "FI", "FI198", "Jyväskylä",
	    "Metal fabrication in Central Finland", { "welding", "machining" },
	    { "25.6" }, SD__MEMBER_KIND__KIND_SME, 45, 0 },
	[M_HKI_RECYCLING] = { "Helsinki Circular Ab", "FI", "FI1B1", "Helsinki",
	    "Urban material recovery", { "recycling mining waste" }, { "38.2" },
	    SD__MEMBER_KIND__KIND_SME, 120, 0 },
	[M_UUSIMAA_SW] = { "Uusimaa Software Oy", "FI", "FI1B1", "Espoo",
	    "Industrial software", { "software development" }, { "62.10" },
	    SD__MEMBER_KIND__KIND_SME, 30, 0 },
	[M_OULU_UNI] = { "Oulu University of Applied Sciences", "FI", "FI1D9",
	    "Oulu", "Research on laser cutting of thin metals and coatings",
	    { "research" }, { "85.4" }, SD__MEMBER_KIND__KIND_UNIVERSITY, 600,
	    0 },
	[M_VILNIUS_LASER] = { "Vilnius Laser Institute", "LT", "LT011",
	    "Vilnius", "Photonics research and testing",
	    { "laser cutting", "photonics" }, { "72.1" },
	    SD__MEMBER_KIND__KIND_RTO, 200, 0 },
	[M_KAUNAS_METAL] = { "Kaunas Metal UAB", "LT", "LT022", "Kaunas",
	    "Contract manufacturing", { "machining" }, { "25" },
	    SD__MEMBER_KIND__KIND_SME, 9, 0 },
	[M_OSLO_CLEANTECH] = { "Oslo Cleantech AS", "NO", "NO081", "Oslo",
	    "Clean processes for heavy industry and polar sites",
	    { "recycling mining waste", "water treatment" }, { "38.32" },
	    SD__MEMBER_KIND__KIND_SME, 15, 0 },
	[M_NORDIC_MINING] = { "Nordic Mining Cluster", "NO", "NO081", "Oslo",
	    "Cluster of mining companies", { "mining" }, { "B" },
	    SD__MEMBER_KIND__KIND_CLUSTER, 12, 0 },
	[M_STOCKHOLM_ROBOTICS] = { "Stockholm Robotics AB", "SE", "SE110",
	    "Stockholm", "Robot cells for factories",
	    { "robotics", "automation" }, { "28.22" },
	    SD__MEMBER_KIND__KIND_SME, 250, 0 },
	[M_GOTEBORG_HINGES] = { "Göteborg Hinges AB", "SE", "SE232", "Göteborg",
	    "Hinges and locks", { "hinges" }, { "25.62" },
	    SD__MEMBER_KIND__KIND_SME, 49, 0 },
	[M_WARSZAWA_TOOLS] = { "Warszawa Tools Sp. z o.o.", "PL", "PL911",
	    "Warszawa", "Hand tools", { "tool making" }, { "25.63" },
	    SD__MEMBER_KIND__KIND_SME, 10, 0 },
	[M_KRAKOW_WASTE] = { "Kraków Waste Solutions", "PL", "PL213", "Kraków",
	    "Processing of mining waste into aggregates", { "recycling" },
	    { "38.2" }, SD__MEMBER_KIND__KIND_LARGE, 300, 0 },
	[M_MAZOVIA_AGENCY] = { "Mazovia Innovation Agency", "PL", "PL911",
	    "Warszawa", "Regional development", { "innovation support" }, { 0 },
	    SD__MEMBER_KIND__KIND_AGENCY, 40, 0 },
	[M_TURKU_MARINE] = { "Turku Polar Marine Oy", "FI", "FI1C1", "Turku",
	    "Ship repair", { "ship repair" }, { "30.11" },
	    SD__MEMBER_KIND__KIND_SME, 60, 0 },
	[M_JKL_ENERGY] = { "Central Finland Energy Oy", "FI", "FI198",
	    "Jyväskylä", "District heating", { "district heating" }, { "35.1" },
	    SD__MEMBER_KIND__KIND_SME, -1, 0 },
	[M_ALAND_SHIPPING] = { "Åland Shipping Ab", "FI", "FI200", "Mariehamn",
	    "Island logistics", { "shipping" }, { 0 },
	    SD__MEMBER_KIND__KIND_SME, -1, 0 },
	[M_FI_NETWORK] = { "Finnish Export Network", "FI", NULL, NULL,
	    "Exporters' network", { "export" }, { 0 },
	    SD__MEMBER_KIND__KIND_NETWORK, -1, 0 },
	[M_VILNIUS_CODE] = { "Vilnius Code UAB", "LT", "LT011", "Vilnius",
	    "Software house", { "software development" }, { "62.01" },
	    SD__MEMBER_KIND__KIND_SME, 5, 1 },
};

static uint8_t member_keys[M_COUNT][STORE_KEY_BYTES];

static size_t
strv_len(const char *const *v, size_t max)
{
	size_t n = 0;

	while (n < max && v[n] != NULL)
		n++;
	return n;
}

/* Builds, signs, opens and applies member i of the dataset as seq i+1. */
static int
load_member(int i)
{
	struct sdtest_rec t;
	uint8_t id[MEMBER_ID_BYTES] = { 0x51, 0x7e };
	int rc;

	/* Ids in reverse dataset order, so key order is not insertion order. */
	id[15] = (uint8_t)(M_COUNT - i);
	if ((rc = sdtest_rec_member(
	         &t, codes, origin, (uint64_t)i + 1, id, &dataset[i])) != 0) {
		fprintf(
		    stderr, "member %d (%s) not made\n", i, dataset[i].name);
		return rc;
	}
	rc = sdtest_rec_apply(st, &t, origin->pk, (uint64_t)i, (uint64_t)i + 1);
	memcpy(member_keys[i], origin->pk, KEY_PUBLIC_BYTES);
	memcpy(member_keys[i] + KEY_PUBLIC_BYTES, id, MEMBER_ID_BYTES);
	sdtest_rec_free(&t);
	return rc;
}

/* ---- running queries ---- */

/* The dataset index of a hit, or -1. */
static int
hit_member(const struct query_hit *h)
{
	int i;

	for (i = 0; i < M_COUNT; i++)
		if (memcmp(h->key, member_keys[i], STORE_KEY_BYTES) == 0)
			return i;
	return -1;
}

/* A query built from a compact description. */
struct qargs {
	const char *countries[8];
	const char *not_countries[8];
	const char *regions[8];
	const char *sectors[8];
	int kinds[8];
	const char *sizes[8];
	const char *text;
	size_t limit;
	const char *cursor;
};

static size_t
ints_len(const int *v, size_t max)
{
	size_t n = 0;

	while (n < max && v[n] != 0)
		n++;
	return n;
}

static int
run(const struct qargs *a, struct query_result *res, char *err, size_t errlen)
{
	struct query q;

	query_init(&q);
	q.countries = (char **)a->countries;
	q.n_countries = strv_len(a->countries, 8);
	q.not_countries = (char **)a->not_countries;
	q.n_not_countries = strv_len(a->not_countries, 8);
	q.regions = (char **)a->regions;
	q.n_regions = strv_len(a->regions, 8);
	q.sectors = (char **)a->sectors;
	q.n_sectors = strv_len(a->sectors, 8);
	q.kinds = (int *)a->kinds;
	q.n_kinds = ints_len(a->kinds, 8);
	q.sizes = (char **)a->sizes;
	q.n_sizes = strv_len(a->sizes, 8);
	q.text = a->text;
	q.limit = a->limit;
	q.cursor = a->cursor;
	err[0] = '\0';
	return query_run(st, &q, res, err, errlen);
}

/*
 * expect(line, a, m1, m2, ..., -1): the query's hits are exactly the
 * listed members (in any order), total counts them, nothing else; prints
 * what differed.
 */
static int
expect_set(int line, const struct qargs *a, ...)
{
	struct query_result res;
	char err[256];
	int want[M_COUNT] = { 0 }, got[M_COUNT] = { 0 }, i, rc, ok = 1;
	size_t nwant = 0, h;
	va_list ap;

	va_start(ap, a);
	while ((i = va_arg(ap, int)) >= 0) {
		want[i] = 1;
		nwant++;
	}
	va_end(ap);
	if ((rc = run(a, &res, err, sizeof(err))) != 0) {
		fprintf(stderr, "line %d: query failed: %s (%s)\n", line, err,
		    sd_strerror(rc));
		return 0;
	}
	for (h = 0; h < res.n; h++) {
		i = hit_member(&res.hits[h]);
		if (i < 0 || got[i]) {
			ok = 0;
			continue;
		}
		got[i] = 1;
	}
	for (i = 0; i < M_COUNT; i++)
		if (want[i] != got[i]) {
			fprintf(stderr, "line %d: %s %s\n", line,
			    want[i] ? "missing" : "unexpected",
			    dataset[i].name);
			ok = 0;
		}
	if (res.total != nwant || res.n != nwant) {
		fprintf(stderr, "line %d: total %llu, n %zu, want %zu\n", line,
		    (unsigned long long)res.total, res.n, nwant);
		ok = 0;
	}
	query_result_free(&res);
	return ok;
}

#define EXPECT(...) CHECK(expect_set(__LINE__, __VA_ARGS__, -1))

/* The query fails with SD_EINVAL and a message containing want. */
static void
expect_error(int line, const struct qargs *a, const char *want)
{
	struct query_result res;
	char err[256];
	int rc;

	memset(&res, 0xaa, sizeof(res));
	rc = run(a, &res, err, sizeof(err));
	if (rc != SD_EINVAL || strstr(err, want) == NULL)
		fprintf(stderr, "line %d: rc %d, err \"%s\", want \"%s\"\n",
		    line, rc, err, want);
	CHECK_INT(rc, SD_EINVAL);
	CHECK_CONTAINS(err, want);
	CHECK(res.n == 0 && res.hits == NULL && res.total == 0);
	if (rc == 0)
		query_result_free(&res);
}

#define EXPECT_ERROR(...) expect_error(__LINE__, __VA_ARGS__)

/* ---- the tests ---- */

static void
test_country(void)
{
	EXPECT(&(struct qargs){ .countries = { "FI" } }, M_LAPPI, M_JKL_METAL,
	    M_HKI_RECYCLING, M_UUSIMAA_SW, M_OULU_UNI, M_TURKU_MARINE,
	    M_JKL_ENERGY, M_ALAND_SHIPPING, M_FI_NETWORK);
	EXPECT(&(struct qargs){ .countries = { "LT" } }, M_VILNIUS_LASER,
	    M_KAUNAS_METAL, M_VILNIUS_CODE);
	/* OR within a filter. */
	EXPECT(&(struct qargs){ .countries = { "NO", "SE" } }, M_OSLO_CLEANTECH,
	    M_NORDIC_MINING, M_STOCKHOLM_ROBOTICS, M_GOTEBORG_HINGES);
	/* A country with no members. */
	EXPECT(&(struct qargs){ .countries = { "DE" } });
	/* Exclusion. */
	EXPECT(&(struct qargs){ .not_countries = { "FI", "LT", "PL" } },
	    M_OSLO_CLEANTECH, M_NORDIC_MINING, M_STOCKHOLM_ROBOTICS,
	    M_GOTEBORG_HINGES);
	EXPECT(&(struct qargs){ .countries = { "NO", "SE" },
	           .not_countries = { "SE" } },
	    M_OSLO_CLEANTECH, M_NORDIC_MINING);
	EXPECT(&(struct qargs){
	    .countries = { "FI" }, .not_countries = { "FI" } });
	/* Cross-border from FI: everything else. */
	{
		struct query_result res;
		char err[256];
		CHECK_INT(run(&(struct qargs){ .not_countries = { "FI" },
		                  .limit = 100 },
		              &res, err, sizeof(err)),
		    0);
		CHECK_INT(res.total, M_COUNT - 9);
		query_result_free(&res);
	}
	/* No filter at all: every member. */
	{
		struct query_result res;
		char err[256];
		CHECK_INT(run(&(struct qargs){ .limit = 100 }, &res, err,
		              sizeof(err)),
		    0);
		CHECK_INT(res.total, M_COUNT);
		CHECK_INT(res.n, M_COUNT);
		query_result_free(&res);
	}
}

static void
test_region(void)
{
	/* A 2-letter region is the country: members without a region too. */
	EXPECT(&(struct qargs){ .regions = { "FI" } }, M_LAPPI, M_JKL_METAL,
	    M_HKI_RECYCLING, M_UUSIMAA_SW, M_OULU_UNI, M_TURKU_MARINE,
	    M_JKL_ENERGY, M_ALAND_SHIPPING, M_FI_NETWORK);
	EXPECT(&(struct qargs){ .regions = { "FI1" } }, M_LAPPI, M_JKL_METAL,
	    M_HKI_RECYCLING, M_UUSIMAA_SW, M_OULU_UNI, M_TURKU_MARINE,
	    M_JKL_ENERGY);
	EXPECT(&(struct qargs){ .regions = { "FI2" } }, M_ALAND_SHIPPING);
	EXPECT(&(struct qargs){ .regions = { "FI1D" } }, M_LAPPI, M_OULU_UNI);
	EXPECT(&(struct qargs){ .regions = { "FI1D7" } }, M_LAPPI);
	EXPECT(&(struct qargs){ .regions = { "FI19" } }, M_JKL_METAL,
	    M_JKL_ENERGY);
	EXPECT(&(struct qargs){ .regions = { "FI198" } }, M_JKL_METAL,
	    M_JKL_ENERGY);
	EXPECT(&(struct qargs){ .regions = { "FI1B1" } }, M_HKI_RECYCLING,
	    M_UUSIMAA_SW);
	/* A valid region nobody is in. */
	EXPECT(&(struct qargs){ .regions = { "FI1D8" } });
	EXPECT(&(struct qargs){ .regions = { "LT0" } }, M_VILNIUS_LASER,
	    M_KAUNAS_METAL, M_VILNIUS_CODE);
	EXPECT(&(struct qargs){ .regions = { "LT01" } }, M_VILNIUS_LASER,
	    M_VILNIUS_CODE);
	EXPECT(&(struct qargs){ .regions = { "PL9" } }, M_WARSZAWA_TOOLS,
	    M_MAZOVIA_AGENCY);
	EXPECT(&(struct qargs){ .regions = { "PL911" } }, M_WARSZAWA_TOOLS,
	    M_MAZOVIA_AGENCY);
	EXPECT(&(struct qargs){ .regions = { "NO081" } }, M_OSLO_CLEANTECH,
	    M_NORDIC_MINING);
	EXPECT(&(struct qargs){ .regions = { "SE11" } }, M_STOCKHOLM_ROBOTICS);
	/* OR within regions, country and region codes mixed. */
	EXPECT(&(struct qargs){ .regions = { "FI1D7", "LT", "SE110" } },
	    M_LAPPI, M_VILNIUS_LASER, M_KAUNAS_METAL, M_VILNIUS_CODE,
	    M_STOCKHOLM_ROBOTICS);
	/* AND with the country filter. */
	EXPECT(&(struct qargs){ .countries = { "LT" }, .regions = { "FI1" } });
}

static void
test_sector(void)
{
	/* Section, division, group, class; "C25" normalises to "25". */
	EXPECT(&(struct qargs){ .sectors = { "C" } }, M_LAPPI, M_JKL_METAL,
	    M_KAUNAS_METAL, M_STOCKHOLM_ROBOTICS, M_GOTEBORG_HINGES,
	    M_WARSZAWA_TOOLS, M_TURKU_MARINE);
	EXPECT(&(struct qargs){ .sectors = { "c" } }, M_LAPPI, M_JKL_METAL,
	    M_KAUNAS_METAL, M_STOCKHOLM_ROBOTICS, M_GOTEBORG_HINGES,
	    M_WARSZAWA_TOOLS, M_TURKU_MARINE);
	EXPECT(&(struct qargs){ .sectors = { "C25" } }, M_LAPPI, M_JKL_METAL,
	    M_KAUNAS_METAL, M_GOTEBORG_HINGES, M_WARSZAWA_TOOLS);
	EXPECT(&(struct qargs){ .sectors = { "25" } }, M_LAPPI, M_JKL_METAL,
	    M_KAUNAS_METAL, M_GOTEBORG_HINGES, M_WARSZAWA_TOOLS);
	EXPECT(&(struct qargs){ .sectors = { "25.6" } }, M_LAPPI, M_JKL_METAL,
	    M_GOTEBORG_HINGES, M_WARSZAWA_TOOLS);
	EXPECT(&(struct qargs){ .sectors = { "C25.6" } }, M_LAPPI, M_JKL_METAL,
	    M_GOTEBORG_HINGES, M_WARSZAWA_TOOLS);
	EXPECT(&(struct qargs){ .sectors = { "25.62" } }, M_LAPPI,
	    M_GOTEBORG_HINGES);
	EXPECT(&(struct qargs){ .sectors = { "25.63" } }, M_WARSZAWA_TOOLS);
	EXPECT(&(struct qargs){ .sectors = { "E" } }, M_HKI_RECYCLING,
	    M_OSLO_CLEANTECH, M_KRAKOW_WASTE);
	EXPECT(&(struct qargs){ .sectors = { "38" } }, M_HKI_RECYCLING,
	    M_OSLO_CLEANTECH, M_KRAKOW_WASTE);
	EXPECT(&(struct qargs){ .sectors = { "38.3" } }, M_OSLO_CLEANTECH);
	EXPECT(&(struct qargs){ .sectors = { "B" } }, M_NORDIC_MINING);
	EXPECT(&(struct qargs){ .sectors = { "25.62", "E" } }, M_LAPPI,
	    M_GOTEBORG_HINGES, M_HKI_RECYCLING, M_OSLO_CLEANTECH,
	    M_KRAKOW_WASTE);
	/* Revisions: 62 is section K in Rev. 2.1 and J in Rev. 2. */
	EXPECT(&(struct qargs){ .sectors = { "62" } }, M_UUSIMAA_SW,
	    M_VILNIUS_CODE);
	EXPECT(&(struct qargs){ .sectors = { "K" } }, M_UUSIMAA_SW);
	EXPECT(&(struct qargs){ .sectors = { "J" } }, M_VILNIUS_CODE);
	/* AND across filters. */
	EXPECT(&(struct qargs){ .sectors = { "C25" },
	           .countries = { "FI", "SE" } },
	    M_LAPPI, M_JKL_METAL, M_GOTEBORG_HINGES);
	EXPECT(&(struct qargs){ .sectors = { "C" },
	           .regions = { "FI1" },
	           .sizes = { "small" } },
	    M_JKL_METAL);
}

static void
test_kind_and_size(void)
{
	EXPECT(&(struct qargs){ .kinds = { SD__MEMBER_KIND__KIND_UNIVERSITY } },
	    M_OULU_UNI);
	EXPECT(&(struct qargs){ .kinds = { SD__MEMBER_KIND__KIND_CLUSTER,
	                            SD__MEMBER_KIND__KIND_RTO,
	                            SD__MEMBER_KIND__KIND_AGENCY } },
	    M_NORDIC_MINING, M_VILNIUS_LASER, M_MAZOVIA_AGENCY);
	EXPECT(&(struct qargs){ .kinds = { SD__MEMBER_KIND__KIND_SME },
	           .countries = { "LT", "PL" } },
	    M_KAUNAS_METAL, M_WARSZAWA_TOOLS, M_VILNIUS_CODE);
	EXPECT(&(struct qargs){ .kinds = { SD__MEMBER_KIND__KIND_INVESTOR } });
	/* Size classes at their boundaries: 9|10, 49|50, 249|250. */
	EXPECT(&(struct qargs){ .sizes = { "micro" } }, M_LAPPI, M_KAUNAS_METAL,
	    M_VILNIUS_CODE);
	EXPECT(&(struct qargs){ .sizes = { "small" } }, M_JKL_METAL,
	    M_UUSIMAA_SW, M_OSLO_CLEANTECH, M_NORDIC_MINING, M_GOTEBORG_HINGES,
	    M_WARSZAWA_TOOLS, M_MAZOVIA_AGENCY);
	EXPECT(&(struct qargs){ .sizes = { "medium" } }, M_HKI_RECYCLING,
	    M_VILNIUS_LASER, M_TURKU_MARINE);
	EXPECT(&(struct qargs){ .sizes = { "large" } }, M_OULU_UNI,
	    M_STOCKHOLM_ROBOTICS, M_KRAKOW_WASTE);
	EXPECT(&(struct qargs){ .sizes = { "micro", "large" },
	           .countries = { "FI" } },
	    M_LAPPI, M_OULU_UNI);
}

static void
test_text(void)
{
	/* AND over terms, each in any text field. */
	EXPECT(&(struct qargs){ .text = "laser" }, M_LAPPI, M_OULU_UNI,
	    M_VILNIUS_LASER);
	EXPECT(&(struct qargs){ .text = "laser cutting" }, M_LAPPI, M_OULU_UNI,
	    M_VILNIUS_LASER);
	EXPECT(&(struct qargs){ .text = "laser photonics" }, M_VILNIUS_LASER);
	EXPECT(&(struct qargs){ .text = "laser robotics" });
	EXPECT(&(struct qargs){ .text = "recycling mining" }, M_HKI_RECYCLING,
	    M_OSLO_CLEANTECH, M_KRAKOW_WASTE);
	EXPECT(&(struct qargs){ .text = "recycling mining waste" },
	    M_HKI_RECYCLING, M_OSLO_CLEANTECH, M_KRAKOW_WASTE);
	EXPECT(&(struct qargs){ .text = "mining" }, M_HKI_RECYCLING,
	    M_OSLO_CLEANTECH, M_NORDIC_MINING, M_KRAKOW_WASTE);
	/* Stop words and duplicate terms do not restrict the result. */
	EXPECT(&(struct qargs){ .text = "the recycling of mining waste, "
	                                "mining" },
	    M_HKI_RECYCLING, M_OSLO_CLEANTECH, M_KRAKOW_WASTE);
	/* Case and accent folding both ways. */
	EXPECT(
	    &(struct qargs){ .text = "jyvaskyla" }, M_JKL_METAL, M_JKL_ENERGY);
	EXPECT(
	    &(struct qargs){ .text = "JYVÄSKYLÄ" }, M_JKL_METAL, M_JKL_ENERGY);
	EXPECT(
	    &(struct qargs){ .text = "Jyväskylä" }, M_JKL_METAL, M_JKL_ENERGY);
	EXPECT(&(struct qargs){ .text = "krakow" }, M_KRAKOW_WASTE);
	EXPECT(&(struct qargs){ .text = "GOTEBORG hinges" }, M_GOTEBORG_HINGES);
	EXPECT(&(struct qargs){ .text = "aland" }, M_ALAND_SHIPPING);
	EXPECT(&(struct qargs){ .text = "ÅLAND" }, M_ALAND_SHIPPING);
	/* A word in no member. */
	EXPECT(&(struct qargs){ .text = "submarine" });
	/* A prefix is not a word. */
	EXPECT(&(struct qargs){ .text = "lase" });
	/* Text AND filters. */
	EXPECT(&(struct qargs){ .text = "laser", .countries = { "FI" } },
	    M_LAPPI, M_OULU_UNI);
	EXPECT(&(struct qargs){ .text = "laser", .not_countries = { "FI" } },
	    M_VILNIUS_LASER);
	EXPECT(
	    &(struct qargs){
	        .text = "mining", .sectors = { "E" }, .sizes = { "large" } },
	    M_KRAKOW_WASTE);
	EXPECT(&(struct qargs){ .text = "software",
	           .countries = { "LT" },
	           .sectors = { "J62" } },
	    M_VILNIUS_CODE);
}

/* The dataset indexes of the hits, in order, into out. */
static size_t
order_of(const struct qargs *a, int *out, size_t max, struct query_result *keep)
{
	struct query_result res;
	char err[256];
	size_t i;

	if (run(a, &res, err, sizeof(err)) != 0) {
		fprintf(stderr, "query failed: %s\n", err);
		return 0;
	}
	for (i = 0; i < res.n && i < max; i++)
		out[i] = hit_member(&res.hits[i]);
	i = res.n;
	if (keep != NULL)
		*keep = res;
	else
		query_result_free(&res);
	return i;
}

static int
index_in(const int *v, size_t n, int m)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == m)
			return (int)i;
	return -1;
}

static void
test_ranking(void)
{
	int o1[M_COUNT], o2[M_COUNT];
	size_t n1, n2, i;
	struct query_result res;
	int same, sorted;

	/* A term in the name ranks above the same term only in the
	 * description. */
	n1 = order_of(&(struct qargs){ .text = "laser" }, o1, M_COUNT, &res);
	CHECK_INT(n1, 3);
	if (n1 == 3) {
		CHECK(index_in(o1, n1, M_OULU_UNI) == 2);
		CHECK(index_in(o1, n1, M_LAPPI) < index_in(o1, n1, M_OULU_UNI));
		CHECK(index_in(o1, n1, M_VILNIUS_LASER) <
		    index_in(o1, n1, M_OULU_UNI));
		CHECK(res.hits[0].score >= res.hits[1].score);
		CHECK(res.hits[1].score > res.hits[2].score);
		CHECK(res.hits[2].score > 0);
		/* Why each matched, by field. */
		for (i = 0; i < n1; i++) {
			if (o1[i] == M_OULU_UNI) {
				CHECK_STR(
				    res.hits[i].matched, "description:laser");
			} else {
				CHECK_CONTAINS(
				    res.hits[i].matched, "name:laser");
				CHECK_CONTAINS(
				    res.hits[i].matched, "capabilities:laser");
				CHECK(strstr(res.hits[i].matched,
				          "description:") == NULL);
			}
		}
	}
	query_result_free(&res);
	/* The same rarity (one member each), in the name vs only in the
	 * description: the name wins. */
	n1 = order_of(&(struct qargs){ .text = "polar" }, o1, M_COUNT, &res);
	CHECK_INT(n1, 2);
	if (n1 == 2) {
		CHECK_INT(o1[0], M_TURKU_MARINE);
		CHECK_INT(o1[1], M_OSLO_CLEANTECH);
		CHECK(res.hits[0].score > res.hits[1].score);
		CHECK_STR(res.hits[0].matched, "name:polar");
		CHECK_STR(res.hits[1].matched, "description:polar");
	}
	query_result_free(&res);
	/* Name and city beat city alone. */
	n1 =
	    order_of(&(struct qargs){ .text = "jyvaskyla" }, o1, M_COUNT, &res);
	CHECK_INT(n1, 2);
	if (n1 == 2) {
		CHECK_INT(o1[0], M_JKL_METAL);
		CHECK_INT(o1[1], M_JKL_ENERGY);
		CHECK_CONTAINS(res.hits[0].matched, "name:jyvaskyla");
		CHECK_CONTAINS(res.hits[0].matched, "city:jyvaskyla");
		CHECK_STR(res.hits[1].matched, "city:jyvaskyla");
	}
	query_result_free(&res);
	/* Folded query, same order. */
	n2 =
	    order_of(&(struct qargs){ .text = "JYVÄSKYLÄ" }, o2, M_COUNT, NULL);
	CHECK(n1 == n2 && memcmp(o1, o2, n1 * sizeof(int)) == 0);
	/* Two terms: both explained. */
	n1 = order_of(
	    &(struct qargs){ .text = "recycling mining" }, o1, M_COUNT, &res);
	CHECK_INT(n1, 3);
	for (i = 0; i < n1; i++) {
		CHECK_CONTAINS(res.hits[i].matched, "recycling");
		CHECK_CONTAINS(res.hits[i].matched, "mining");
		if (o1[i] == M_KRAKOW_WASTE) {
			CHECK_CONTAINS(
			    res.hits[i].matched, "capabilities:recycling");
			CHECK_CONTAINS(
			    res.hits[i].matched, "description:mining");
		}
	}
	/* Krakow has "mining" only in its description: last. */
	if (n1 == 3)
		CHECK_INT(o1[2], M_KRAKOW_WASTE);
	query_result_free(&res);

	/* No text: all scores tie; the order is by arrival at this node
	 * (the dataset is stored in enum order), the same on every run. */
	n1 = order_of(
	    &(struct qargs){ .countries = { "FI" } }, o1, M_COUNT, &res);
	n2 = order_of(
	    &(struct qargs){ .countries = { "FI" } }, o2, M_COUNT, NULL);
	CHECK_INT(n1, 9);
	CHECK(n1 == n2 && memcmp(o1, o2, n1 * sizeof(int)) == 0);
	sorted = 1;
	for (i = 1; i < n1; i++)
		if (o1[i - 1] >= o1[i])
			sorted = 0;
	CHECK(sorted);
	for (i = 0; i < res.n; i++) {
		CHECK(res.hits[i].score == 0.0);
		CHECK_STR(res.hits[i].matched, "");
	}
	query_result_free(&res);
	/* BM25 length normalisation: "machining" is the only capability of
	 * Kaunas and one of two of Jyväskylä Metalworks; the shorter list
	 * ranks first. */
	n1 =
	    order_of(&(struct qargs){ .text = "machining" }, o1, M_COUNT, &res);
	CHECK_INT(n1, 2);
	if (n1 == 2) {
		CHECK_INT(o1[0], M_KAUNAS_METAL);
		CHECK_INT(o1[1], M_JKL_METAL);
		CHECK(res.hits[0].score > res.hits[1].score);
	}
	query_result_free(&res);
	/* The same query twice: the same order. */
	same = 1;
	for (i = 0; i < 2; i++) {
		n1 = order_of(
		    &(struct qargs){ .text = "mining" }, o1, M_COUNT, NULL);
		n2 = order_of(
		    &(struct qargs){ .text = "mining" }, o2, M_COUNT, NULL);
		if (n1 != 4 || n1 != n2 ||
		    memcmp(o1, o2, n1 * sizeof(int)) != 0)
			same = 0;
	}
	CHECK(same);
}

static void
test_limit(void)
{
	struct query_result res, all;
	char err[256];
	size_t i;

	/* limit cuts the hits, total still counts every match; the kept hits
	 * are the first ones of the full order. */
	CHECK_INT(run(&(struct qargs){ .countries = { "FI" }, .limit = 100 },
	              &all, err, sizeof(err)),
	    0);
	CHECK_INT(run(&(struct qargs){ .countries = { "FI" }, .limit = 3 },
	              &res, err, sizeof(err)),
	    0);
	CHECK_INT(res.n, 3);
	CHECK_INT(res.total, 9);
	for (i = 0; i < res.n && i < all.n; i++)
		CHECK(memcmp(res.hits[i].key, all.hits[i].key,
		          STORE_KEY_BYTES) == 0);
	/* Every hit carries its record: the member's own bytes. */
	for (i = 0; i < res.n; i++) {
		Sd__SignedRecord *sr = sd__signed_record__unpack(
		    NULL, res.hits[i].len, res.hits[i].rec);
		CHECK(sr != NULL);
		if (sr != NULL) {
			CHECK(memcmp(sr->origin.data, res.hits[i].key,
			          KEY_PUBLIC_BYTES) == 0);
			CHECK_INT(sr->seq, hit_member(&res.hits[i]) + 1);
			sd__signed_record__free_unpacked(sr, NULL);
		}
	}
	query_result_free(&res);
	query_result_free(&all);
	/* Default limit 20 (QUERY_LIMIT_DEFAULT) with 19 members: all. */
	CHECK_INT(
	    run(&(struct qargs){ .limit = 0 }, &res, err, sizeof(err)), 0);
	CHECK_INT(res.n,
	    M_COUNT < QUERY_LIMIT_DEFAULT ? M_COUNT : QUERY_LIMIT_DEFAULT);
	CHECK_INT(res.total, M_COUNT);
	query_result_free(&res);
	CHECK_INT(run(&(struct qargs){ .limit = 1, .text = "laser" }, &res, err,
	              sizeof(err)),
	    0);
	CHECK_INT(res.n, 1);
	CHECK_INT(res.total, 3);
	query_result_free(&res);
	/* No match: empty, not an error. */
	CHECK_INT(run(&(struct qargs){ .text = "nonexistentword" }, &res, err,
	              sizeof(err)),
	    0);
	CHECK_INT(res.n, 0);
	CHECK_INT(res.total, 0);
	query_result_free(&res);
	query_result_free(&res); /* harmless on a zeroed result */
}

/* Cursors: pages of any size continue the query that made them; the
 * cursor of another query is refused, whatever it has in common with it
 * (before 0.2.0 only a different number of words was noticed). */
static void
test_cursor(void)
{
	static const size_t sizes[] = { 2, 3, 1, 5 };
	struct query_result all, page;
	char err[256], next[QUERY_CURSOR_MAX + 1] = "", fi3[sizeof(next)],
	                                       laser1[sizeof(next)];
	size_t seen = 0, i, k = 0;

	CHECK_INT(run(&(struct qargs){ .countries = { "FI" }, .limit = 100 },
	              &all, err, sizeof(err)),
	    0);
	CHECK_INT(all.n, 9);
	/* Page sizes change from page to page: every FI member once, in
	 * the order of the whole result. */
	do {
		CHECK_INT(run(&(struct qargs){ .countries = { "FI" },
		                  .limit = sizes[k++ % 4],
		                  .cursor = next[0] ? next : NULL },
		              &page, err, sizeof(err)),
		    0);
		for (i = 0; i < page.n && seen < all.n; i++, seen++)
			CHECK(memcmp(page.hits[i].key, all.hits[seen].key,
			          STORE_KEY_BYTES) == 0);
		CHECK_INT(page.total, 9);
		snprintf(next, sizeof(next), "%s", page.next);
		query_result_free(&page);
	} while (next[0] != '\0' && k < 20);
	CHECK_INT(seen, 9);
	query_result_free(&all);

	CHECK_INT(run(&(struct qargs){ .countries = { "FI" }, .limit = 3 },
	              &page, err, sizeof(err)),
	    0);
	snprintf(fi3, sizeof(fi3), "%s", page.next);
	query_result_free(&page);
	CHECK(fi3[0] != '\0');
	/* The case: search --country SE with the cursor of
	 * --country FI skipped SE members silently. */
	EXPECT_ERROR(&(struct qargs){ .countries = { "SE" }, .cursor = fi3 },
	    "belongs to another query");
	EXPECT_ERROR(
	    &(struct qargs){ .countries = { "FI", "SE" }, .cursor = fi3 },
	    "another query");
	EXPECT_ERROR(
	    &(struct qargs){
	        .countries = { "FI" }, .sizes = { "small" }, .cursor = fi3 },
	    "another query");
	EXPECT_ERROR(
	    &(struct qargs){
	        .countries = { "FI" }, .text = "laser", .cursor = fi3 },
	    "another query");
	CHECK_INT(run(&(struct qargs){ .countries = { "FI" }, .cursor = fi3 },
	              &page, err, sizeof(err)),
	    0);
	CHECK_INT(page.n, 6);
	query_result_free(&page);

	/* One word for another word: the same number of scored words. */
	CHECK_INT(run(&(struct qargs){ .text = "laser", .limit = 1 }, &page,
	              err, sizeof(err)),
	    0);
	snprintf(laser1, sizeof(laser1), "%s", page.next);
	query_result_free(&page);
	EXPECT_ERROR(&(struct qargs){ .text = "robotics", .cursor = laser1 },
	    "another query");
	EXPECT_ERROR(&(struct qargs){ .text = "laser*", .cursor = laser1 },
	    "another query");
	EXPECT_ERROR(
	    &(struct qargs){
	        .text = "laser", .countries = { "LT" }, .cursor = laser1 },
	    "another query");
	/* The same words, differently written (case): the same query. */
	CHECK_INT(run(&(struct qargs){ .text = "LASER", .cursor = laser1 },
	              &page, err, sizeof(err)),
	    0);
	CHECK_INT(page.n, 2);
	CHECK_INT(page.total, 3);
	query_result_free(&page);
	/* A cursor of the format before 0.2.0 (no digest) is malformed. */
	EXPECT_ERROR(&(struct qargs){ .text = "laser",
	                 .cursor = "013ff000000000000001000000000000" },
	    "malformed cursor");
}

static void
test_errors(void)
{
	EXPECT_ERROR(&(struct qargs){ .countries = { "ZZ" } }, "ZZ");
	EXPECT_ERROR(
	    &(struct qargs){ .countries = { "ZZ" } }, "unknown country");
	EXPECT_ERROR(&(struct qargs){ .countries = { "FI", "ZZ" } }, "ZZ");
	EXPECT_ERROR(&(struct qargs){ .countries = { "FIN" } }, "FIN");
	EXPECT_ERROR(&(struct qargs){ .not_countries = { "ZZ" } }, "ZZ");
	EXPECT_ERROR(&(struct qargs){ .sectors = { "C99x" } }, "C99x");
	EXPECT_ERROR(&(struct qargs){ .sectors = { "C99x" } }, "NACE");
	EXPECT_ERROR(&(struct qargs){ .sectors = { "04" } }, "'04'");
	EXPECT_ERROR(&(struct qargs){ .sectors = { "25.6x" } }, "25.6x");
	/* A section letter that is not the division's. */
	EXPECT_ERROR(&(struct qargs){ .sectors = { "E25" } }, "E25");
	EXPECT_ERROR(&(struct qargs){ .sectors = { "" } }, "NACE");
	EXPECT_ERROR(&(struct qargs){ .regions = { "FI9Z9" } }, "FI9Z9");
	EXPECT_ERROR(&(struct qargs){ .regions = { "FI9Z9" } }, "NUTS");
	EXPECT_ERROR(&(struct qargs){ .regions = { "ZZ" } }, "ZZ");
	EXPECT_ERROR(&(struct qargs){ .text = "  " }, "no searchable words");
	EXPECT_ERROR(&(struct qargs){ .text = "" }, "no searchable words");
	EXPECT_ERROR(
	    &(struct qargs){ .text = "?! -- ... ;" }, "no searchable words");
	EXPECT_ERROR(
	    &(struct qargs){ .text = "the of a" }, "no searchable words");
	EXPECT_ERROR(&(struct qargs){ .text = "\xff\xfe laser" }, "UTF-8");
	EXPECT_ERROR(
	    &(struct qargs){ .text = "one two three four five six "
	                             "seven eight nine ten eleven twelve "
	                             "thirteen fourteen fifteen "
	                             "sixteen seventeen" },
	    "too many search terms");
	EXPECT_ERROR(&(struct qargs){ .sizes = { "huge" } }, "huge");
	EXPECT_ERROR(&(struct qargs){ .sizes = { "small", "tiny" } }, "tiny");
	EXPECT_ERROR(&(struct qargs){ .kinds = { 99 } }, "kind");
	EXPECT_ERROR(&(struct qargs){ .limit = QUERY_LIMIT_MAX + 1 }, "limit");
	/* Exactly QUERY_TERMS_MAX distinct terms (and repeats) is fine. */
	{
		struct query_result res;
		char err[256];
		CHECK_INT(
		    run(&(struct qargs){ .text =
		                             "one two three four five "
		                             "six seven eight nine ten eleven "
		                             "twelve thirteen fourteen "
		                             "fifteen sixteen one two" },
		        &res, err, sizeof(err)),
		    0);
		CHECK_INT(res.total, 0);
		query_result_free(&res);
	}
	/* Too many values in one filter. */
	{
		struct query q;
		struct query_result res;
		char *many[QUERY_VALUES_MAX + 1], err[256] = "";
		size_t i;
		for (i = 0; i <= QUERY_VALUES_MAX; i++)
			many[i] = "FI";
		query_init(&q);
		q.countries = many;
		q.n_countries = QUERY_VALUES_MAX + 1;
		CHECK_INT(query_run(st, &q, &res, err, sizeof(err)), SD_EINVAL);
		CHECK_CONTAINS(err, "too many values");
		q.n_countries = QUERY_VALUES_MAX;
		CHECK_INT(query_run(st, &q, &res, err, sizeof(err)), 0);
		CHECK_INT(res.total, 9);
		query_result_free(&res);
	}
}

/* 2 000 members that match none of the tests' words, filters but one
 * (country EE), stored in batches: the dataset's clauses become
 * selective (under 1/64 of the members), so the queries run on the
 * sorted-list path (probe or merge) instead of the bitmap one. */
static int
load_fillers(void)
{
	enum { NFILL = 2000, BATCH = 250 };
	struct store_item it[BATCH];
	struct sdtest_rec t[BATCH];
	size_t i, j;
	int rc = 0;

	for (i = 0; i < NFILL && rc == 0; i += BATCH) {
		memset(t, 0, sizeof(t));
		for (j = 0; j < BATCH && rc == 0; j++) {
			uint8_t id[MEMBER_ID_BYTES] = { 0xf1 };
			char name[32];
			struct sdtest_member m = { .name = name,
				.kind = SD__MEMBER_KIND__KIND_LARGE,
				.country = "EE",
				.caps = { "padding" },
				.employees = -1 };
			id[14] = (uint8_t)((i + j) >> 8);
			id[15] = (uint8_t)(i + j);
			snprintf(name, sizeof(name), "Filler %zu Oy", i + j);
			rc = sdtest_rec_member(
			    &t[j], codes, origin, M_COUNT + i + j + 1, id, &m);
			it[j] = sdtest_rec_item(&t[j]);
		}
		if (rc == 0)
			rc = store_apply(st, it, BATCH, origin->pk, M_COUNT + i,
			    M_COUNT + i + BATCH);
		for (j = 0; j < BATCH; j++) {
			if (rc == 0 && it[j].result != 0)
				rc = it[j].result;
			sdtest_rec_free(&t[j]);
		}
	}
	return rc;
}

/* Employee ranges as --employees and employees= take them. */
static void
test_employees_parse(void)
{
	uint32_t lo = 7, hi = 7;
	int hlo, hhi;
	char err[160];

	CHECK_INT(query_employees_parse(
	              "10-249", &lo, &hlo, &hi, &hhi, err, sizeof(err)),
	    0);
	CHECK(hlo && hhi && lo == 10 && hi == 249);
	CHECK_INT(query_employees_parse(
	              "300-", &lo, &hlo, &hi, &hhi, err, sizeof(err)),
	    0);
	CHECK(hlo && !hhi && lo == 300);
	CHECK_INT(
	    query_employees_parse("-8", &lo, &hlo, &hi, &hhi, err, sizeof(err)),
	    0);
	CHECK(!hlo && hhi && hi == 8);
	CHECK_INT(query_employees_parse(
	              "4294967295-", &lo, &hlo, &hi, &hhi, err, sizeof(err)),
	    0);
	CHECK(lo == UINT32_MAX);
	CHECK_INT(query_employees_parse(
	              "50-10", &lo, &hlo, &hi, &hhi, err, sizeof(err)),
	    SD_EINVAL);
	CHECK(strstr(err, "MIN is above MAX") != NULL);
	CHECK_INT(query_employees_parse(
	              "1x-20", &lo, &hlo, &hi, &hhi, err, sizeof(err)),
	    SD_EINVAL);
	CHECK(strstr(err, "not a whole number") != NULL);
	CHECK_INT(query_employees_parse(
	              "4294967296-", &lo, &hlo, &hi, &hhi, err, sizeof(err)),
	    SD_EINVAL);
	CHECK_INT(query_employees_parse(
	              "+5-", &lo, &hlo, &hi, &hhi, err, sizeof(err)),
	    SD_EINVAL);
	const char *bad[] = { "", "10", "-", "1-2-3" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(query_employees_parse(
		              bad[i], &lo, &hlo, &hi, &hhi, err, sizeof(err)),
		    SD_EINVAL);
		CHECK(strstr(err, "takes MIN-MAX") != NULL);
	}
}

int
main(void)
{
	char dir[300];
	int i, rc, loaded = 1;

	if (codes_new(&codes) != 0 || key_generate(&origin) != 0) {
		fprintf(stderr, "setup failed\n");
		return 2;
	}
	test_employees_parse();
	snprintf(dir, sizeof(dir), "%s", check_tmpdir());
	rc = sdtest_store_open(dir, codes, 0, &st);
	CHECK_INT(rc, 0);
	if (rc != 0)
		return check_done("test_query");
	for (i = 0; i < M_COUNT; i++) {
		rc = load_member(i);
		CHECK_INT(rc, 0);
		if (rc != 0)
			loaded = 0;
	}
	if (loaded) {
		struct store_stats s;
		CHECK_INT(store_stats(st, &s), 0);
		CHECK_INT(s.members, M_COUNT);
		test_country();
		test_region();
		test_sector();
		test_kind_and_size();
		test_text();
		test_ranking();
		test_limit();
		test_cursor();
		test_errors();
		/* The same expectations on the selective path. */
		CHECK_INT(load_fillers(), 0);
		CHECK_INT(store_stats(st, &s), 0);
		CHECK_INT(s.members, M_COUNT + 2000);
		test_region();
		test_sector();
		test_text();
		/* A few candidates against a clause of 2 000: probed. */
		EXPECT(&(struct qargs){ .text = "laser cutting",
		           .not_countries = { "EE" } },
		    M_LAPPI, M_VILNIUS_LASER, M_OULU_UNI);
		EXPECT(&(struct qargs){ .text = "laser cutting",
		    .kinds = { SD__MEMBER_KIND__KIND_LARGE } });
	}
	store_close(st);
	key_free(origin);
	codes_free(codes);
	rc = check_done("test_query");
	sdtest_rmtree(dir);
	return rc;
}
