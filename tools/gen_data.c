/*
 * gen_data: setting up sdgen's generator (see gen_int.h). Reads the NACE
 * codes of every industry profile's divisions and the NUTS 2024 level-3
 * regions of every chosen country from the data files, keeping only codes
 * that the code lists compiled into sdbase accept; turns the vocabulary
 * tables into lists and weights; and frees all of it. Owns struct gen
 * from gen_init to gen_free; the data files are open only inside gen_init.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "err.h"
#include "gen_int.h"

#define GEN_LINE_MAX 4096 /* longest line of a data file */

/* ---- reading the data files ---- */

/*
 * Splits one CSV line in place into at most max fields (RFC 4180 quoting,
 * no embedded newlines: the code lists have none). Returns the number of
 * fields.
 */
static int
gen_csv_split(char *s, char **f, int max)
{
	int n = 0;
	char *w;

	s[strcspn(s, "\r\n")] = '\0';
	while (n < max) {
		if (*s == '"') {
			f[n++] = w = ++s;
			while (*s) {
				if (s[0] == '"' && s[1] == '"') {
					*w++ = '"';
					s += 2;
				} else if (s[0] == '"') {
					s++;
					break;
				} else {
					*w++ = *s++;
				}
			}
			s += strcspn(s, ",");
			if (*s == ',') {
				*w = '\0';
				s++;
				continue;
			}
			*w = '\0';
			break;
		}
		f[n++] = s;
		s += strcspn(s, ",");
		if (*s != ',')
			break;
		*s++ = '\0';
	}
	return n;
}

/* Opens DIR/file for reading; on failure says why and returns NULL with
 * errno kept from fopen. */
static FILE *
gen_open_data(const char *dir, const char *file)
{
	char path[4096];
	FILE *f;
	int e;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((f = fopen(path, "r")) == NULL) {
		e = errno;
		fprintf(stderr, "sdgen: %s: %s (use --data DIR)\n", path,
		    strerror(e));
		errno = e;
	}
	return f;
}

/* Loads the level-3/4 NACE codes of every profile's divisions. */
static int
gen_load_nace(struct gen *g, const char *dir)
{
	char line[GEN_LINE_MAX], *f[4];
	const char *file = g->nace_rev == CODES_NACE_REV2 ? "nace-rev2.csv"
	                                                  : "nace-rev2.1.csv";
	FILE *fp;
	size_t i, j;
	int rc = 0;

	if ((fp = gen_open_data(dir, file)) == NULL)
		return errno ? -errno : -EIO;
	while (fgets(line, sizeof(line), fp) != NULL) {
		char **nv;
		if (gen_csv_split(line, f, 4) < 2)
			continue;
		if (strcmp(f[1], "3") != 0 && strcmp(f[1], "4") != 0)
			continue;
		if (codes_nace(g->codes, g->nace_rev, f[0], NULL, NULL) != 0)
			continue; /* not in the list the validator uses */
		for (i = 0; i < GEN_NPROFILES; i++) {
			struct gen_profile *p = &g->prof[i];
			const char *d = p->def->divs;
			int hit = 0;
			/* divs is "25|24|28": match the code's first two digits */
			for (j = 0; d[j]; j += d[j + 2] ? 3 : 2)
				if (strncmp(d + j, f[0], 2) == 0)
					hit = 1;
			if (!hit)
				continue;
			nv = realloc(
			    p->sectors, (p->nsectors + 1) * sizeof(*nv));
			if (nv == NULL ||
			    (nv[p->nsectors] = strdup(f[0])) == NULL) {
				if (nv != NULL)
					p->sectors = nv;
				rc = -ENOMEM;
				goto out;
			}
			p->sectors = nv;
			p->nsectors++;
		}
	}
	for (i = 0; i < GEN_NPROFILES; i++)
		if (g->prof[i].nsectors == 0) {
			fprintf(stderr,
			    "sdgen: %s has no codes for profile %s\n", file,
			    g->prof[i].def->key);
			rc = SD_EINVAL;
		}
out:
	fclose(fp);
	return rc;
}

/* The town of a region without a town table: its label, shortened
 * ("Stuttgart, Stadtkreis" -> "Stuttgart", "Miasto Kraków" -> "Kraków",
 * "Trøndelag/Trööndelage" -> "Trøndelag"). */
static char *
gen_label_town(const char *label, uint32_t *weight)
{
	const char *s = label;
	size_t n;
	char *o;

	*weight = 20;
	if (strncmp(s, "Miasto ", 7) == 0) {
		s += 7;
		*weight = 50;
	} else if (strncmp(s, "Arr. de ", 8) == 0) {
		s += 8;
	} else if (strncmp(s, "Arr. ", 5) == 0) {
		s += 5;
	}
	if (strstr(s, "Stadtkreis") != NULL ||
	    strstr(s, "Kreisfreie Stadt") != NULL)
		*weight = 40;
	n = strcspn(s, ",/(");
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n == 0 || (o = strndup(s, n)) == NULL)
		return NULL;
	return o;
}

static int
gen_prefix_ok(const char *region, const char *nuts_country,
    const struct gen_list *prefixes)
{
	size_t i;
	int own = 0;

	/* As in a node certificate: prefixes restrict only their own
	 * country; a country none of them names is allowed whole. */
	for (i = 0; i < prefixes->n; i++) {
		if (strncmp(prefixes->v[i], nuts_country, 2) != 0)
			continue;
		own = 1;
		if (strncmp(region, prefixes->v[i], strlen(prefixes->v[i])) ==
		    0)
			return 1;
	}
	return !own;
}

/* Loads the level-3 regions of every chosen country. */
static int
gen_load_nuts(struct gen *g, const char *dir, const struct gen_list *prefixes)
{
	char line[GEN_LINE_MAX], *f[4];
	struct gen_country *c;
	const struct gen_town_def *td;
	const char *iso;
	uint32_t *wt = NULL;
	FILE *fp;
	size_t i;
	int rc = 0, level;

	if ((fp = gen_open_data(dir, "nuts-2024.csv")) == NULL)
		return errno ? -errno : -EIO;
	while (fgets(line, sizeof(line), fp) != NULL) {
		struct gen_region *nr, *r;
		uint32_t w;
		char *town;
		if (gen_csv_split(line, f, 4) < 4 || strcmp(f[2], "3") != 0)
			continue;
		if (strlen(f[0]) != 5 || strcmp(f[0] + 2, "ZZZ") == 0)
			continue; /* Extra-Regio holds no organisations */
		if (codes_nuts(g->codes, f[0], &iso, &level) != 0 || level != 3)
			continue;
		for (i = 0, c = NULL; i < g->ncountries; i++)
			if (strcmp(g->countries[i].iso, iso) == 0)
				c = &g->countries[i];
		if (c == NULL || !gen_prefix_ok(f[0], c->nuts, prefixes))
			continue;
		if ((td = gen_town_find(f[0])) == NULL &&
		    gen_country_has_towns(c->nuts))
			continue;
		if ((nr = realloc(c->regions,
		         (c->nregions + 1) * sizeof(*nr))) == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		c->regions = nr;
		r = &nr[c->nregions];
		memset(r, 0, sizeof(*r));
		snprintf(r->code, sizeof(r->code), "%s", f[0]);
		if ((r->label = strdup(f[3])) == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		c->nregions++;
		if (td != NULL) {
			rc = gen_list_init(&r->towns, td->towns);
		} else if ((town = gen_label_town(f[3], &w)) != NULL) {
			rc = gen_list_init(&r->towns, town);
			free(town);
		} else {
			rc = gen_list_init(&r->towns, f[0]);
		}
		if (rc != 0)
			goto out;
	}
	for (i = 0; i < g->ncountries; i++) {
		size_t j;
		c = &g->countries[i];
		if (c->nregions == 0) {
			fprintf(stderr,
			    "sdgen: no NUTS 2024 level-3 region of %s "
			    "%s\n",
			    c->iso,
			    prefixes->n ? "matches the NUTS "
			                  "prefixes"
			                : "(is it a NUTS country?)");
			rc = SD_EINVAL;
			goto out;
		}
		free(wt);
		if ((wt = calloc(c->nregions, sizeof(*wt))) == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		for (j = 0; j < c->nregions; j++) {
			uint32_t w = 20;
			if ((td = gen_town_find(c->regions[j].code)) != NULL)
				w = td->weight;
			else
				free(gen_label_town(c->regions[j].label, &w));
			wt[j] = w;
		}
		if ((rc = gen_wtab_init(&c->regw, wt, c->nregions)) != 0)
			goto out;
	}
out:
	free(wt);
	fclose(fp);
	return rc;
}

/* ---- set-up ---- */

/* 1 if item is one of the words of b, a list being built as "|a|b|". */
static int
gen_vocab_has(const struct gen_buf *b, const char *item)
{
	size_t n = strlen(item);
	const char *p = b->p;

	/* b holds "|a|b|c|": look for "|item|". */
	while (p != NULL && (p = strstr(p, item)) != NULL) {
		if (p > b->p && p[-1] == '|' && p[n] == '|')
			return 1;
		p += n;
	}
	return 0;
}

/*
 * Builds every profile's lists and weights from gen_profile_defs, and the
 * global vocabulary: every capability once, ranked across profiles.
 * Returns 0 or -ENOMEM; what was built is freed by gen_free.
 */
static int
gen_init_profiles(struct gen *g)
{
	struct gen_buf all = { 0 };
	uint32_t wt[GEN_NPROFILES];
	struct gen_list partners;
	size_t i, j;
	int rc = 0;

	if ((rc = gen_buf_str(&all, "|")) != 0)
		return rc;
	for (i = 0; i < GEN_NPROFILES; i++) {
		struct gen_profile *p = &g->prof[i];
		p->def = &gen_profile_defs[i];
		wt[i] = p->def->weight;
		if ((rc = gen_list_init(&p->nouns, p->def->nouns)) != 0 ||
		    (rc = gen_list_init(&p->markets, p->def->markets)) != 0 ||
		    (rc = gen_list_init(&p->themes, p->def->themes)) != 0 ||
		    (rc = gen_list_init(&p->caps, p->def->caps)) != 0 ||
		    (rc = gen_wtab_zipf(&p->capw, p->caps.n)) != 0)
			goto out;
		if ((rc = gen_list_init(&partners, p->def->partners)) != 0)
			goto out;
		for (j = 0; j < partners.n && p->npartners < 4; j++) {
			size_t k = gen_profile_index(partners.v[j]);
			if (k < GEN_NPROFILES)
				p->partners[p->npartners++] = k;
		}
		gen_list_free(&partners);
		/* The global vocabulary ranks keywords by their rank within
		 * their profile, so it stays Zipf-like overall. */
	}
	for (j = 0;; j++) {
		int any = 0;
		for (i = 0; i < GEN_NPROFILES; i++) {
			struct gen_profile *p = &g->prof[i];
			if (j >= p->caps.n)
				continue;
			any = 1;
			if (gen_vocab_has(&all, p->caps.v[j]))
				continue;
			if ((rc = gen_buf_str(&all, p->caps.v[j])) != 0 ||
			    (rc = gen_buf_str(&all, "|")) != 0)
				goto out;
		}
		if (!any)
			break;
	}
	all.p[all.len - 1] = '\0'; /* the trailing '|' */
	if ((rc = gen_list_init(&g->vocab, all.p + 1)) != 0 ||
	    (rc = gen_wtab_zipf(&g->vocabw, g->vocab.n)) != 0 ||
	    (rc = gen_wtab_init(&g->profw, wt, GEN_NPROFILES)) != 0)
		goto out;
out:
	free(all.p);
	return rc;
}

/*
 * Sets up the countries isos (ISO codes, each once) with their name
 * styles, and the weights of the country draw. Returns 0, -ENOMEM, or
 * SD_EINVAL (explained on stderr) for an unknown or repeated country.
 */
static int
gen_init_countries(struct gen *g, const struct gen_list *isos)
{
	uint32_t *wt;
	size_t i, j;
	int rc = 0;

	if ((g->countries = calloc(isos->n, sizeof(*g->countries))) == NULL ||
	    (wt = calloc(isos->n, sizeof(*wt))) == NULL)
		return -ENOMEM;
	for (i = 0; i < isos->n; i++) {
		struct gen_country *c = &g->countries[i];
		const char *iso = isos->v[i];
		if (strlen(iso) != 2 || codes_country(g->codes, iso) == NULL) {
			fprintf(stderr,
			    "sdgen: unknown country '%s' (ISO 3166-1 "
			    "alpha-2, upper case)\n",
			    iso);
			rc = SD_EINVAL;
			goto out;
		}
		for (j = 0; j < i; j++)
			if (strcmp(g->countries[j].iso, iso) == 0) {
				fprintf(stderr,
				    "sdgen: country %s given twice\n", iso);
				rc = SD_EINVAL;
				goto out;
			}
		memcpy(c->iso, iso, 3);
		memcpy(c->nuts,
		    strcmp(iso, "GR") == 0       ? "EL"
		        : strcmp(iso, "GB") == 0 ? "UK"
		                                 : iso,
		    3);
		c->name = codes_country(g->codes, iso);
		c->style = gen_style_find(iso);
		wt[i] = c->style->weight;
		g->ncountries++;
		if ((rc = gen_list_init(&c->forms, c->style->forms)) != 0 ||
		    (rc = gen_list_init(
		         &c->large_forms, c->style->large_forms)) != 0 ||
		    (rc = gen_list_init(&c->surnames, c->style->surnames)) !=
		        0 ||
		    (rc = gen_list_init(&c->words, c->style->words)) != 0 ||
		    (rc = gen_list_init(&c->mail, c->style->mail)) != 0 ||
		    (rc = gen_list_init(&c->langs, c->style->langs)) != 0)
			goto out;
	}
	rc = gen_wtab_init(&g->countryw, wt, isos->n);
out:
	free(wt);
	return rc;
}

int
gen_init(struct gen *g, const struct codes *codes, int nace_rev,
    const struct gen_list *isos, const struct gen_list *prefixes,
    const char *dir, size_t count)
{
	uint32_t kw[GEN_NKINDS];
	size_t i;
	int rc;

	g->codes = codes;
	g->nace_rev = nace_rev;
	for (i = 0; i < GEN_NKINDS; i++)
		kw[i] = gen_kinds[i].weight;
	/* The order of these steps is the order in which a user sees what
	 * is wrong with the arguments or the data files. */
	if ((rc = gen_init_profiles(g)) != 0 ||
	    (rc = gen_wtab_init(&g->kindw, kw, GEN_NKINDS)) != 0 ||
	    (rc = gen_list_init(&g->offers, gen_offers_generic)) != 0 ||
	    (rc = gen_list_init(&g->seeks, gen_seeks_generic)) != 0 ||
	    (rc = gen_list_init(&g->coin_pre, gen_coin_pre)) != 0 ||
	    (rc = gen_list_init(&g->coin_suf, gen_coin_suf)) != 0 ||
	    (rc = gen_list_init(&g->adjectives, gen_adjectives)) != 0 ||
	    (rc = gen_init_countries(g, isos)) != 0 ||
	    (rc = gen_load_nace(g, dir)) != 0 ||
	    (rc = gen_load_nuts(g, dir, prefixes)) != 0 ||
	    (rc = gen_names_init(&g->names, count)) != 0)
		return rc;
	return 0;
}

void
gen_free(struct gen *g)
{
	size_t i, j;

	for (i = 0; i < GEN_NPROFILES; i++) {
		struct gen_profile *p = &g->prof[i];
		gen_list_free(&p->nouns);
		gen_list_free(&p->markets);
		gen_list_free(&p->themes);
		gen_list_free(&p->caps);
		gen_wtab_free(&p->capw);
		for (j = 0; j < p->nsectors; j++)
			free(p->sectors[j]);
		free(p->sectors);
	}
	for (i = 0; i < g->ncountries; i++) {
		struct gen_country *c = &g->countries[i];
		for (j = 0; j < c->nregions; j++) {
			free(c->regions[j].label);
			gen_list_free(&c->regions[j].towns);
		}
		free(c->regions);
		gen_wtab_free(&c->regw);
		gen_list_free(&c->forms);
		gen_list_free(&c->large_forms);
		gen_list_free(&c->surnames);
		gen_list_free(&c->words);
		gen_list_free(&c->mail);
		gen_list_free(&c->langs);
	}
	free(g->countries);
	gen_wtab_free(&g->profw);
	gen_wtab_free(&g->kindw);
	gen_wtab_free(&g->countryw);
	gen_wtab_free(&g->vocabw);
	gen_list_free(&g->vocab);
	gen_list_free(&g->offers);
	gen_list_free(&g->seeks);
	gen_list_free(&g->coin_pre);
	gen_list_free(&g->coin_suf);
	gen_list_free(&g->adjectives);
	gen_names_free(&g->names);
	free(g->line.p);
	free(g->desc.p);
	free(g->tmp.p);
}
