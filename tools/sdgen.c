/*
 * sdgen: a deterministic generator of realistic organisations, written as
 * CSV or JSON Lines that `stardust import` accepts.
 *
 * Regions are NUTS 2024 level-3 codes read from DIR/nuts-2024.csv and
 * sectors NACE level-3/4 codes read from DIR/nace-rev2.1.csv (or
 * nace-rev2.csv); every code is also checked against the code lists
 * compiled into sdbase, so nothing written here is refused by the
 * validator. Capabilities are drawn Zipf-like (weight 1/rank) from a
 * vocabulary of a few hundred industrial and technology keywords grouped
 * into industry profiles, so they co-occur the way real ones do. Names are
 * unique within a country after Unicode folding, because member ids derive
 * from the country and the folded name.
 *
 * The output depends only on the arguments: the PRNG is our own
 * (xoshiro256** seeded by splitmix64), every weight is an integer, and
 * member i is generated from its own stream seeded by (seed, i), so the
 * first N members of a larger run are the output of --count N.
 *
 * This file holds the options, main and the output (CSV and JSON Lines);
 * the rest of the gen_ family, joined by gen_int.h, draws the members.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "err.h"
#include "gen_int.h"

#ifndef SD_DATA_DIR
#define SD_DATA_DIR "data"
#endif

#define GEN_COUNT_MAX 10000000L /* members in one run */

/* ---- output ---- */

static int
gen_csv_cell(struct gen_buf *b, const char *s)
{
	int rc;

	if (s[strcspn(s, ",\"\r\n")] == '\0' && s[0] != ' ')
		return gen_buf_str(b, s);
	if ((rc = gen_buf_str(b, "\"")) != 0)
		return rc;
	for (; *s && rc == 0; s++)
		rc = *s == '"' ? gen_buf_str(b, "\"\"") : gen_buf_add(b, s, 1);
	return rc ? rc : gen_buf_str(b, "\"");
}

static int
gen_csv_list(struct gen_buf *b, const char *const *v, size_t n)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		if (i > 0)
			rc = gen_buf_str(b, ";");
		if (rc == 0)
			rc = gen_buf_str(b, v[i]);
	}
	return rc;
}

static int
gen_json_str(struct gen_buf *b, const char *s)
{
	int rc = gen_buf_str(b, "\"");

	for (; *s && rc == 0; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			rc = gen_buf_printf(b, "\\%c", ch);
		else if (ch < 0x20)
			rc = gen_buf_printf(b, "\\u%04x", ch);
		else
			rc = gen_buf_add(b, s, 1);
	}
	return rc ? rc : gen_buf_str(b, "\"");
}

static int
gen_json_list(
    struct gen_buf *b, const char *key, const char *const *v, size_t n)
{
	size_t i;
	int rc = gen_buf_printf(b, ",\"%s\":[", key);

	for (i = 0; i < n && rc == 0; i++) {
		if (i > 0)
			rc = gen_buf_str(b, ",");
		if (rc == 0)
			rc = gen_json_str(b, v[i]);
	}
	return rc ? rc : gen_buf_str(b, "]");
}

static const char gen_csv_header[] =
    "name,kind,country,region,city,website,email,description,sectors,"
    "capabilities,offers,seeks,employees,founded,languages,nace_rev\n";

static int
gen_write_csv(struct gen *g, const struct gen_org *o, const char *nace_rev)
{
	struct gen_buf *b = &g->line;
	int rc;

	gen_buf_reset(b);
	if ((rc = gen_csv_cell(b, o->name)) != 0 ||
	    (rc = gen_buf_printf(b, ",%s,%s,%s,", gen_kinds[o->kind].name,
	         o->country->iso, o->region->code)) != 0 ||
	    (rc = gen_csv_cell(b, o->town)) != 0 ||
	    (rc = gen_buf_str(b, ",")) != 0 ||
	    (rc = gen_csv_cell(b, o->website)) != 0 ||
	    (rc = gen_buf_str(b, ",")) != 0 ||
	    (rc = gen_csv_cell(b, o->email)) != 0 ||
	    (rc = gen_buf_str(b, ",")) != 0 ||
	    (rc = gen_csv_cell(b, g->desc.p)) != 0 ||
	    (rc = gen_buf_str(b, ",")) != 0 ||
	    (rc = gen_csv_list(b, o->sectors, o->nsectors)) != 0 ||
	    (rc = gen_buf_str(b, ",")) != 0 ||
	    (rc = gen_csv_list(b, o->caps, o->ncaps)) != 0 ||
	    (rc = gen_buf_str(b, ",")) != 0 ||
	    (rc = gen_csv_list(b, o->offers, o->noffers)) != 0 ||
	    (rc = gen_buf_str(b, ",")) != 0 ||
	    (rc = gen_csv_list(b, o->seeks, o->nseeks)) != 0 ||
	    (rc = gen_buf_printf(b, ",%u,%u,", o->employees, o->founded)) !=
	        0 ||
	    (rc = gen_csv_list(b, o->langs, o->nlangs)) != 0 ||
	    (rc = gen_buf_printf(b, ",%s\n", nace_rev)) != 0)
		return rc;
	return fwrite(b->p, 1, b->len, stdout) == b->len ? 0 : -EIO;
}

static int
gen_write_jsonl(struct gen *g, const struct gen_org *o, const char *nace_rev)
{
	struct gen_buf *b = &g->line;
	int rc;

	gen_buf_reset(b);
	if ((rc = gen_buf_str(b, "{\"name\":")) != 0 ||
	    (rc = gen_json_str(b, o->name)) != 0 ||
	    (rc = gen_buf_printf(b,
	         ",\"kind\":\"%s\",\"country\":\"%s\","
	         "\"region\":\"%s\",\"city\":",
	         gen_kinds[o->kind].name, o->country->iso, o->region->code)) !=
	        0 ||
	    (rc = gen_json_str(b, o->town)) != 0)
		return rc;
	if (o->website[0] &&
	    ((rc = gen_buf_str(b, ",\"website\":")) != 0 ||
	        (rc = gen_json_str(b, o->website)) != 0))
		return rc;
	if (o->email[0] &&
	    ((rc = gen_buf_str(b, ",\"email\":")) != 0 ||
	        (rc = gen_json_str(b, o->email)) != 0))
		return rc;
	if ((rc = gen_buf_str(b, ",\"description\":")) != 0 ||
	    (rc = gen_json_str(b, g->desc.p)) != 0 ||
	    (rc = gen_json_list(b, "sectors", o->sectors, o->nsectors)) != 0 ||
	    (rc = gen_json_list(b, "capabilities", o->caps, o->ncaps)) != 0 ||
	    (rc = gen_json_list(b, "offers", o->offers, o->noffers)) != 0 ||
	    (rc = gen_json_list(b, "seeks", o->seeks, o->nseeks)) != 0 ||
	    (rc = gen_buf_printf(b, ",\"employees\":%u,\"founded\":%u",
	         o->employees, o->founded)) != 0 ||
	    (rc = gen_json_list(b, "languages", o->langs, o->nlangs)) != 0 ||
	    (rc = gen_buf_printf(b, ",\"nace_rev\":\"%s\"}\n", nace_rev)) != 0)
		return rc;
	return fwrite(b->p, 1, b->len, stdout) == b->len ? 0 : -EIO;
}

/* ---- main ---- */

static void
gen_usage(FILE *f)
{
	fprintf(f,
	    "usage: sdgen [--count N] [--seed S] [--countries FI,LT,NO,...]\n"
	    "             [--format csv|jsonl] [--nuts-prefix FI1D[,...]]\n"
	    "             [--nace-rev 2|2.1] [--data DIR]\n"
	    "\n"
	    "Writes N (default 1000) realistic synthetic organisations to\n"
	    "standard output, as CSV with a header row or as JSON Lines, in\n"
	    "the fields `stardust import` reads. The same arguments always "
	    "give\n"
	    "the same bytes, and --count N gives the first N members of any\n"
	    "larger run with the same other arguments.\n"
	    "\n"
	    "  --countries L    ISO 3166-1 codes (default "
	    "FI,SE,NO,DK,EE,LV,LT,\n"
	    "                   PL,DE); members are spread by economic size\n"
	    "  --nuts-prefix L  only regions starting with one of these NUTS\n"
	    "                   prefixes (a country none of them names is "
	    "used\n"
	    "                   whole, as in a node certificate); without\n"
	    "                   --countries, the prefixes' countries\n"
	    "  --nace-rev R     draw sectors from NACE Rev. 2 or 2.1 "
	    "(default)\n"
	    "  --data DIR       where nuts-2024.csv and nace-rev2*.csv are\n"
	    "                   (default %s)\n",
	    SD_DATA_DIR);
}

static int
gen_parse_ulong(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (s[0] < '0' || s[0] > '9')
		return SD_EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return SD_EINVAL;
	*out = v;
	return 0;
}

/* The ISO countries named by NUTS prefixes ("EL..." is Greece). */
static int
gen_prefix_countries(const struct gen_list *prefixes, struct gen_buf *out)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < prefixes->n && rc == 0; i++) {
		char iso[3];
		if (strlen(prefixes->v[i]) < 2)
			return SD_EINVAL;
		memcpy(iso,
		    strncmp(prefixes->v[i], "EL", 2) == 0 ? "GR"
		        : strncmp(prefixes->v[i], "UK", 2) == 0
		        ? "GB"
		        : prefixes->v[i],
		    2);
		iso[2] = '\0';
		if (out->len > 0 && strstr(out->p, iso) != NULL)
			continue;
		rc = gen_buf_printf(out, "%s%s", out->len ? "|" : "", iso);
	}
	return rc;
}

static void
gen_commas_to_bars(char *s)
{
	for (; *s; s++)
		if (*s == ',')
			*s = '|';
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "countries", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "nuts-prefix", required_argument, NULL, 'p' },
		{ "nace-rev", required_argument, NULL, 'r' },
		{ "data", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char outbuf[1 << 20];
	struct gen g;
	struct gen_list isos = { 0 }, prefixes = { 0 };
	struct gen_buf cl = { 0 };
	struct codes *codes = NULL;
	struct gen_org o;
	struct gen_rng r;
	unsigned long long count = 1000, seed = 1, v;
	char *countries = NULL, *prefix_arg = NULL;
	const char *data = SD_DATA_DIR, *nace_rev = "2.1";
	int opt, jsonl = 0, rc = 1;
	size_t k;

	memset(&g, 0, sizeof(g));
	while ((opt = getopt_long(argc, argv, "n:s:c:f:p:r:d:h", opts, NULL)) !=
	    -1) {
		switch (opt) {
		case 'n':
			if (gen_parse_ulong(optarg, GEN_COUNT_MAX, &count) !=
			    0) {
				fprintf(stderr,
				    "sdgen: --count must be 0 to %ld\n",
				    GEN_COUNT_MAX);
				return 2;
			}
			break;
		case 's':
			if (gen_parse_ulong(optarg, UINT64_MAX, &seed) != 0) {
				fprintf(stderr,
				    "sdgen: --seed must be a whole "
				    "number\n");
				return 2;
			}
			break;
		case 'c': countries = optarg; break;
		case 'f':
			if (strcmp(optarg, "csv") == 0)
				jsonl = 0;
			else if (strcmp(optarg, "jsonl") == 0)
				jsonl = 1;
			else {
				fprintf(stderr,
				    "sdgen: --format is csv or jsonl\n");
				return 2;
			}
			break;
		case 'p': prefix_arg = optarg; break;
		case 'r':
			if (strcmp(optarg, "2") != 0 &&
			    strcmp(optarg, "2.1") != 0) {
				fprintf(
				    stderr, "sdgen: --nace-rev is 2 or 2.1\n");
				return 2;
			}
			nace_rev = optarg;
			break;
		case 'd': data = optarg; break;
		case 'h': gen_usage(stdout); return 0;
		default: gen_usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		gen_usage(stderr);
		return 2;
	}
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (codes_new(&codes) != 0) {
		fprintf(stderr, "sdgen: cannot load the code lists\n");
		return 1;
	}
	if (prefix_arg != NULL) {
		if ((prefix_arg = strdup(prefix_arg)) == NULL)
			goto out;
		gen_commas_to_bars(prefix_arg);
		rc = gen_list_init(&prefixes, prefix_arg);
		free(prefix_arg);
		if (rc != 0 || prefixes.n == 0 ||
		    (rc = gen_prefix_countries(&prefixes, &cl)) != 0) {
			fprintf(stderr, "sdgen: bad --nuts-prefix\n");
			rc = 1;
			goto out;
		}
		for (k = 0; k < prefixes.n; k++)
			if (codes_nuts(codes, prefixes.v[k], NULL, NULL) != 0 &&
			    strlen(prefixes.v[k]) != 2) {
				fprintf(stderr,
				    "sdgen: unknown NUTS region '%s'\n",
				    prefixes.v[k]);
				rc = 1;
				goto out;
			}
	}
	if (countries != NULL) {
		gen_buf_reset(&cl);
		if (gen_buf_str(&cl, countries) != 0)
			goto out;
		gen_commas_to_bars(cl.p);
	} else if (cl.len == 0 &&
	    gen_buf_str(&cl, "FI|SE|NO|DK|EE|LV|LT|PL|DE") != 0) {
		goto out;
	}
	rc = 1;
	if (gen_list_init(&isos, cl.p) != 0 || isos.n == 0 ||
	    gen_init(&g, codes,
	        strcmp(nace_rev, "2") == 0 ? CODES_NACE_REV2
	                                   : CODES_NACE_REV2_1,
	        &isos, &prefixes, data, (size_t)count) != 0)
		goto out;

	/* Runs for different scopes with one seed must not mirror each
	 * other member by member, so the scope is part of the seed. */
	if (gen_buf_printf(&cl, "/%s", nace_rev) != 0)
		goto out;
	for (k = 0; k < prefixes.n; k++)
		if (gen_buf_printf(&cl, "/%s", prefixes.v[k]) != 0)
			goto out;
	seed ^= gen_hash(cl.p);
	if (fputs(jsonl ? "" : gen_csv_header, stdout) == EOF)
		goto out;
	for (v = 0; v < count; v++) {
		gen_rng_seed(&r, seed, v + 1);
		if (gen_org_make(&g, &o, &r) != 0 ||
		    (jsonl ? gen_write_jsonl(&g, &o, nace_rev)
		           : gen_write_csv(&g, &o, nace_rev)) != 0) {
			fprintf(
			    stderr, "sdgen: failed at member %llu\n", v + 1);
			goto out;
		}
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "sdgen: write error: %s\n", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	gen_list_free(&isos);
	gen_list_free(&prefixes);
	free(cl.p);
	gen_free(&g);
	codes_free(codes);
	return rc;
}
