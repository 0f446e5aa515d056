/*
 * test_codes: base/codes.c. The embedded code lists load, answer for
 * known codes with the right country, level, section and label, refuse
 * unknown ones, and hold every row of the CSV files in data/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "codes.h"
#include "err.h"

static struct codes *codes;

static void
test_countries(void)
{
	CHECK_STR(codes_country(codes, "FI"), "Finland");
	CHECK_STR(codes_country(codes, "SE"), "Sweden");
	CHECK_STR(codes_country(codes, "GR"), "Greece");
	CHECK_STR(codes_country(codes, "LT"), "Lithuania");
	/* A quoted label with a comma survives the CSV parser whole. */
	CHECK_STR(
	    codes_country(codes, "BO"), "Bolivia, Plurinational State of");
	CHECK(codes_country(codes, "ZZ") == NULL);
	CHECK(codes_country(codes, "EL") == NULL); /* NUTS, not ISO */
	CHECK(codes_country(codes, "UK") == NULL);
	CHECK(codes_country(codes, "fi") == NULL); /* upper case only */
	CHECK(codes_country(codes, "FIN") == NULL);
	CHECK(codes_country(codes, "F") == NULL);
	CHECK(codes_country(codes, "") == NULL);
	CHECK(codes_country(codes, NULL) == NULL);
	CHECK(codes_country(codes, "alpha2") == NULL); /* the header row */
	CHECK(codes_country(codes, "AAAAAAAAAAAAAAAAAAAAAAAAA") == NULL);
}

static void
test_nuts(void)
{
	const char *iso = NULL;
	int level = -1;

	CHECK_INT(codes_nuts(codes, "FI1D7", &iso, &level), 0);
	CHECK_STR(iso, "FI");
	CHECK_INT(level, 3);
	CHECK_INT(codes_nuts(codes, "FI1D", &iso, &level), 0);
	CHECK_INT(level, 2);
	CHECK_INT(codes_nuts(codes, "FI1", &iso, &level), 0);
	CHECK_INT(level, 1);
	CHECK_STR(iso, "FI");

	/* Greece is EL in NUTS and GR in ISO 3166-1. */
	iso = NULL;
	CHECK_INT(codes_nuts(codes, "EL30", &iso, &level), 0);
	CHECK_STR(iso, "GR");
	CHECK_INT(level, 2);
	CHECK_INT(codes_nuts(codes, "EL307", &iso, NULL), 0);
	CHECK_STR(iso, "GR");
	CHECK_INT(codes_nuts(codes, "SE110", NULL, &level), 0);
	CHECK_INT(level, 3);
	CHECK_INT(codes_nuts(codes, "SE110", NULL, NULL), 0);

	/* Level 0 (the country itself) is not a region. */
	CHECK_INT(codes_nuts(codes, "FI", &iso, &level), SD_ENOTFOUND);
	CHECK_INT(codes_nuts(codes, "EL", &iso, &level), SD_ENOTFOUND);
	CHECK_INT(codes_nuts(codes, "FI1D6", &iso, &level), SD_ENOTFOUND);
	CHECK_INT(codes_nuts(codes, "fi1d7", &iso, &level), SD_ENOTFOUND);
	CHECK_INT(codes_nuts(codes, "GR30", &iso, &level), SD_ENOTFOUND);
	CHECK_INT(codes_nuts(codes, "ZZ1", &iso, &level), SD_ENOTFOUND);
	CHECK_INT(codes_nuts(codes, "", &iso, &level), SD_ENOTFOUND);
	CHECK_INT(codes_nuts(codes, NULL, &iso, &level), SD_ENOTFOUND);
	CHECK_INT(
	    codes_nuts(codes, "FI1D7FI1D7FI1D7", &iso, &level), SD_ENOTFOUND);
}

static void
test_nace(void)
{
	char section = '?';
	int level = -1;

	CHECK_INT(
	    codes_nace(codes, CODES_NACE_REV2_1, "25.62", &section, &level), 0);
	CHECK_INT(section, 'C');
	CHECK_INT(level, 4);
	CHECK_INT(
	    codes_nace(codes, CODES_NACE_REV2_1, "25.6", &section, &level), 0);
	CHECK_INT(level, 3);
	CHECK_INT(
	    codes_nace(codes, CODES_NACE_REV2_1, "25", &section, &level), 0);
	CHECK_INT(level, 2);
	CHECK_INT(section, 'C');
	CHECK_INT(
	    codes_nace(codes, CODES_NACE_REV2_1, "C", &section, &level), 0);
	CHECK_INT(level, 1);
	CHECK_INT(section, 'C');
	CHECK_INT(
	    codes_nace(codes, CODES_NACE_REV2_1, "A", &section, &level), 0);
	CHECK_INT(section, 'A');
	CHECK_INT(codes_nace(codes, CODES_NACE_REV2_1, "01", NULL, NULL), 0);

	CHECK_STR(codes_nace_label(codes, CODES_NACE_REV2_1, "25.62"),
	    "Manufacture of locks and hinges");
	CHECK_STR(
	    codes_nace_label(codes, CODES_NACE_REV2, "25.62"), "Machining");
	CHECK_STR(
	    codes_nace_label(codes, CODES_NACE_REV2_1, "C"), "Manufacturing");
	CHECK_STR(codes_nace_label(codes, CODES_NACE_REV2_1, "A"),
	    "Agriculture, forestry and fishing");
	CHECK_STR(codes_nace_label(codes, CODES_NACE_REV2_1, "25"),
	    "Manufacture of fabricated metal products, except machinery and "
	    "equipment");

	/* The revisions differ: 14.11 is Rev. 2 only, 14.10 Rev. 2.1 only. */
	CHECK_INT(
	    codes_nace(codes, CODES_NACE_REV2, "14.11", &section, &level), 0);
	CHECK_INT(section, 'C');
	CHECK_INT(level, 4);
	CHECK_INT(codes_nace(codes, CODES_NACE_REV2_1, "14.11", NULL, NULL),
	    SD_ENOTFOUND);
	CHECK_INT(codes_nace(codes, CODES_NACE_REV2_1, "14.10", NULL, NULL), 0);
	CHECK_INT(codes_nace(codes, CODES_NACE_REV2, "14.10", NULL, NULL),
	    SD_ENOTFOUND);

	CHECK_INT(codes_nace(codes, CODES_NACE_REV2_1, "99.99", NULL, NULL),
	    SD_ENOTFOUND);
	CHECK_INT(codes_nace(codes, CODES_NACE_REV2_1, "c", NULL, NULL),
	    SD_ENOTFOUND);
	CHECK_INT(codes_nace(codes, CODES_NACE_REV2_1, "C25", NULL, NULL),
	    SD_ENOTFOUND);
	CHECK_INT(codes_nace(codes, CODES_NACE_REV2_1, "2562", NULL, NULL),
	    SD_ENOTFOUND);
	CHECK_INT(
	    codes_nace(codes, CODES_NACE_REV2_1, "", NULL, NULL), SD_ENOTFOUND);
	CHECK_INT(codes_nace(codes, CODES_NACE_REV2_1, NULL, NULL, NULL),
	    SD_ENOTFOUND);
	CHECK_INT(codes_nace(codes, CODES_NACE_REV2_1, "code", NULL, NULL),
	    SD_ENOTFOUND); /* the header row */
	CHECK_INT(codes_nace(codes, 2, "C", NULL, NULL), SD_ENOTFOUND);
	CHECK_INT(codes_nace(codes, -1, "C", NULL, NULL), SD_ENOTFOUND);
	CHECK(codes_nace_label(codes, 2, "C") == NULL);
	CHECK(codes_nace_label(codes, CODES_NACE_REV2_1, "99.99") == NULL);
}

/*
 * Every row of data/<name> is known to codes (the first columns of these
 * files are never quoted). kind: 0 iso, 1 nuts, 2 nace rev. 2, 3 nace
 * rev. 2.1. Returns the number of rows checked; *bad counts wrong ones,
 * *orphans (NUTS) regions whose country is not a known ISO country.
 */
static int
quotes_open(const char *s)
{
	int inq = 0;

	for (; *s; s++)
		if (*s == '"')
			inq = !inq;
	return inq;
}

static size_t
csv_rows(const char *name, int kind, size_t *bad, size_t *orphans)
{
	char path[1024], line[1024], *dir, *f0, *f1, *f2, *save;
	const char *iso;
	size_t rows = 0;
	char section;
	int level;
	FILE *fp;

	/* CMake compiles tests/test_codes.c by its absolute path. */
	snprintf(path, sizeof(path), "%s", __FILE__);
	if ((dir = strrchr(path, '/')) == NULL)
		return 0;
	*dir = '\0';
	if ((dir = strrchr(path, '/')) == NULL)
		return 0;
	snprintf(dir, sizeof(path) - (size_t)(dir - path), "/data/%s", name);
	if ((fp = fopen(path, "r")) == NULL) {
		perror(path);
		return 0;
	}
	*bad = 0;
	if (orphans != NULL)
		*orphans = 0;
	if (fgets(line, sizeof(line), fp) == NULL) { /* header */
		fclose(fp);
		return 0;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		/* A quoted label may span lines: read on while a quote is
		 * open. */
		while (quotes_open(line) && strlen(line) < sizeof(line) - 1 &&
		    fgets(line + strlen(line),
		        (int)(sizeof(line) - strlen(line)), fp) != NULL)
			;
		if (line[0] == '\n' || line[0] == '\r')
			continue;
		f0 = strtok_r(line, ",", &save);
		f1 = strtok_r(NULL, ",", &save);
		f2 = strtok_r(NULL, ",\r\n", &save);
		if (f0 == NULL || f1 == NULL || f2 == NULL) {
			(*bad)++;
			continue;
		}
		rows++;
		switch (kind) {
		case 0:
			if (codes_country(codes, f0) == NULL)
				(*bad)++;
			break;
		case 1:
			iso = NULL;
			if (codes_nuts(codes, f0, &iso, &level) != 0 ||
			    level != atoi(f2) || iso == NULL ||
			    (strcmp(iso, f1) != 0 &&
			        !(strcmp(f1, "EL") == 0 &&
			            strcmp(iso, "GR") == 0) &&
			        !(strcmp(f1, "UK") == 0 &&
			            strcmp(iso, "GB") == 0))) {
				if (*bad == 0)
					fprintf(stderr, "NUTS %s wrong\n", f0);
				(*bad)++;
			} else if (orphans != NULL &&
			    codes_country(codes, iso) == NULL) {
				/* A region no member can use: its country
				 * is refused by record_member_validate. */
				if (*orphans == 0)
					fprintf(stderr,
					    "NUTS %s: country %s is "
					    "not in iso-3166-1.csv\n",
					    f0, iso);
				(*orphans)++;
			}
			break;
		default:
			if (codes_nace(codes,
			        kind == 2 ? CODES_NACE_REV2 : CODES_NACE_REV2_1,
			        f0, &section, &level) != 0 ||
			    level != atoi(f1) || section != f2[0]) {
				if (*bad == 0)
					fprintf(stderr, "NACE %s wrong\n", f0);
				(*bad)++;
			}
			break;
		}
	}
	fclose(fp);
	return rows;
}

/* norm(f, in): f's normal form of in, or "!" if f refuses it. */
#define NORM(call) (norm_buf[0] = '\0', (call) == 0 ? norm_buf : "!")
static char norm_buf[32];

/* Codes as people type them (docs/FORMATS.md, "Codes as typed"). */
static void
test_norm(void)
{
	const int r21 = CODES_NACE_REV2_1, r2 = CODES_NACE_REV2;
	char tiny[2];

#define C(in) NORM(codes_norm_country(codes, in, norm_buf, sizeof(norm_buf)))
#define N(in) NORM(codes_norm_nuts(codes, in, norm_buf, sizeof(norm_buf)))
#define A(rev, in)                                                             \
	NORM(codes_norm_nace(codes, rev, in, norm_buf, sizeof(norm_buf)))
	CHECK_STR(C("fi"), "FI");
	CHECK_STR(C("Se"), "SE");
	CHECK_STR(C("FI"), "FI");
	CHECK_STR(C("el"), "GR"); /* the EU's (and NUTS') code for Greece */
	CHECK_STR(C("UK"), "GB");
	CHECK_STR(C("zz"), "!");
	CHECK_STR(C("fin"), "!");
	CHECK_STR(C(""), "!");
	CHECK_INT(
	    codes_norm_country(codes, "fi", tiny, sizeof(tiny)), SD_EINVAL);

	CHECK_STR(N("fi1d"), "FI1D");
	CHECK_STR(N("Fi1D7"), "FI1D7");
	CHECK_STR(N("el30"), "EL30"); /* NUTS keeps EL below level 0 */
	CHECK_STR(N("EL"), "GR"); /* level 0: the country */
	CHECK_STR(N("fi"), "FI");
	CHECK_STR(N("FI9Z9"), "!");
	CHECK_STR(N("GR30"), "!"); /* NUTS codes of Greece start with EL */

	CHECK_STR(A(r21, "c"), "C");
	CHECK_STR(A(r21, "25.62"), "25.62");
	CHECK_STR(A(r21, "C25.62"), "25.62");
	CHECK_STR(A(r21, "c26.30"), "26.30");
	CHECK_STR(A(r2, "C26.30"), "26.30"); /* the refused class */
	CHECK_STR(A(r21, "C25"), "25");
	CHECK_STR(A(r21, "J26.30"), "!"); /* not its section */
	/* K is finance in Rev. 2, information and communication in 2.1:
	 * a letter is read in the record's own revision. */
	CHECK_STR(A(r21, "K62.10"), "62.10");
	CHECK_STR(A(r21, "J62.10"), "!");
	CHECK_STR(A(r2, "J62.01"), "62.01");
	CHECK_STR(A(r2, "K62.01"), "!");
	CHECK_STR(A(r2, "62.10"), "!"); /* no such class in Rev. 2 */
	/* A search reads either revision. */
	CHECK_STR(A(-1, "K62.10"), "62.10");
	CHECK_STR(A(-1, "j62.01"), "62.01");
	CHECK_STR(A(-1, "J62.10"), "!");
	CHECK_STR(A(r21, "2562"), "!");
	CHECK_STR(A(r21, "C.25"), "!");
	CHECK_STR(A(r21, ""), "!");
	CHECK_STR(A(r21, "1"), "!");
#undef C
#undef N
#undef A
}

static void
test_counts(void)
{
	size_t n, bad = 0, orphans = 0;

	n = csv_rows("iso-3166-1.csv", 0, &bad, NULL);
	CHECK(n >= 240 && n <= 260);
	CHECK_INT(bad, 0);
	n = csv_rows("nuts-2024.csv", 1, &bad, &orphans);
	CHECK(n > 1500);
	CHECK_INT(bad, 0);
	CHECK_INT(orphans, 0);
	n = csv_rows("nace-rev2.csv", 2, &bad, NULL);
	CHECK(n > 900);
	CHECK_INT(bad, 0);
	n = csv_rows("nace-rev2.1.csv", 3, &bad, NULL);
	CHECK(n > 900);
	CHECK_INT(bad, 0);
}

int
main(void)
{
	int rc;

	codes_free(NULL);
	rc = codes_new(&codes);
	CHECK_INT(rc, 0);
	if (rc != 0)
		return check_done("test_codes");
	test_countries();
	test_nuts();
	test_nace();
	test_norm();
	test_counts();
	codes_free(codes);
	return check_done("test_codes");
}
