/*
 * gen_name: the names of sdgen's organisations (see gen_int.h). Draws a
 * name from parts in the style of its country and kind, makes it unique
 * within the country after Unicode folding (member ids derive from the
 * country and the folded name), and derives the web domain from it. Owns
 * the set of names taken (struct gen_names) and the keys in it, from
 * gen_names_init to gen_names_free.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "gen_int.h"
#include "text.h"

#define GEN_NAME_TRIES 64 /* fresh names tried before numbering */

/* ---- the set of names taken ---- */

int
gen_names_init(struct gen_names *ns, size_t expect)
{
	size_t cap = 1024;

	while (cap < 2 * expect + 64)
		cap *= 2;
	if ((ns->slot = calloc(cap, sizeof(*ns->slot))) == NULL)
		return -ENOMEM;
	ns->cap = cap;
	return 0;
}

void
gen_names_free(struct gen_names *ns)
{
	size_t i;

	for (i = 0; i < ns->cap; i++)
		free(ns->slot[i]);
	free(ns->slot);
	ns->slot = NULL;
	ns->cap = ns->n = 0;
}

/*
 * Claims name in country iso: 0 if it was free (now taken), SD_EEXIST if
 * another member of that country already folds to the same name (and so
 * would get the same id).
 */
static int
gen_names_claim(struct gen *g, const char *iso, const char *name)
{
	struct gen_names *ns = &g->names;
	char *folded, *key;
	size_t i;
	int rc;

	if ((rc = text_fold(name, &folded)) != 0)
		return rc;
	gen_buf_reset(&g->tmp);
	rc = gen_buf_printf(&g->tmp, "%s:%s", iso, folded);
	free(folded);
	if (rc != 0)
		return rc;
	if (ns->n * 2 >= ns->cap)
		return -ENOMEM; /* sized for the run up front */
	for (i = gen_hash(g->tmp.p) & (ns->cap - 1); ns->slot[i] != NULL;
	     i = (i + 1) & (ns->cap - 1))
		if (strcmp(ns->slot[i], g->tmp.p) == 0)
			return SD_EEXIST;
	if ((key = strdup(g->tmp.p)) == NULL)
		return -ENOMEM;
	ns->slot[i] = key;
	ns->n++;
	return 0;
}

/* ---- drawing a name ---- */

/*
 * The parts names are made of, drawn in one fixed order before any name
 * is formatted: C leaves the order in which function arguments are
 * evaluated unspecified, so two draws inside one call's arguments could
 * give different names with different compilers.
 */
struct gen_parts {
	unsigned pattern; /* 0-99 */
	char place[96]; /* usually the town, sometimes the region */
	char coined[32]; /* an invented brand: "Norvex" */
	const char *theme, *adjective, *noun, *surname1, *surname2;
};

static void
gen_parts_draw(struct gen *g, const struct gen_org *o, struct gen_rng *r,
    struct gen_parts *pt)
{
	const struct gen_country *c = o->country;
	const char *pre, *suf;

	pt->pattern = (unsigned)gen_rng_below(r, 100);
	if (gen_rng_pct(r, 80))
		snprintf(pt->place, sizeof(pt->place), "%s", o->town);
	else
		snprintf(pt->place, sizeof(pt->place), "%.*s",
		    (int)strcspn(o->region->label, ",/("), o->region->label);
	/* A label may have a space before the cut. */
	while (pt->place[0] && pt->place[strlen(pt->place) - 1] == ' ')
		pt->place[strlen(pt->place) - 1] = '\0';
	pre = gen_list_pick(&g->coin_pre, r);
	suf = gen_list_pick(&g->coin_suf, r);
	snprintf(pt->coined, sizeof(pt->coined), "%s%s", pre, suf);
	pt->theme = gen_list_pick(&o->prof->themes, r);
	pt->adjective = gen_list_pick(&g->adjectives, r);
	pt->noun = gen_list_pick(&o->prof->nouns, r);
	if (c->words.n && gen_rng_pct(r, 35))
		pt->noun = gen_list_pick(&c->words, r);
	pt->surname1 = pt->surname2 = NULL;
	if (c->surnames.n) {
		pt->surname1 = gen_list_pick(&c->surnames, r);
		pt->surname2 = gen_list_pick(&c->surnames, r);
	}
}

/* A company name: a surname, place, brand or adjective with a trade word,
 * and the country's legal form. */
static void
gen_company_name(const struct gen_org *o, const struct gen_parts *pt,
    struct gen_rng *r, char *out, size_t n)
{
	const struct gen_country *c = o->country;
	unsigned p = pt->pattern;
	const char *form;
	char base[192];

	if (p < 22 && pt->surname1 != NULL)
		snprintf(base, sizeof(base), "%s %s", pt->surname1, pt->noun);
	else if (p < 27 && pt->surname1 != NULL &&
	    strcmp(pt->surname1, pt->surname2) != 0)
		snprintf(
		    base, sizeof(base), "%s & %s", pt->surname1, pt->surname2);
	else if (p < 55)
		snprintf(base, sizeof(base), "%s %s", pt->coined, pt->noun);
	else if (p < 70)
		snprintf(base, sizeof(base), "%s", pt->coined);
	else if (p < 85)
		snprintf(base, sizeof(base), "%s %s", pt->place, pt->noun);
	else
		snprintf(base, sizeof(base), "%s %s", pt->adjective, pt->noun);
	if (o->kind == GEN_LARGE) {
		form = gen_list_pick(&c->large_forms, r);
		if (gen_rng_pct(r, 30))
			strncat(
			    base, " Group", sizeof(base) - strlen(base) - 1);
	} else {
		form = gen_list_pick(&c->forms, r);
	}
	if (c->style->form_prefix)
		snprintf(out, n, "%s %s", form, base);
	else
		snprintf(out, n, "%s %s", base, form);
}

static void
gen_org_name(
    struct gen *g, struct gen_org *o, struct gen_rng *r, char *out, size_t n)
{
	struct gen_parts pt;
	const char *pl, *th;
	unsigned p;

	gen_parts_draw(g, o, r, &pt);
	pl = pt.place;
	th = pt.theme;
	p = pt.pattern % 4;
	switch (o->kind) {
	case GEN_CLUSTER:
		if (p == 0)
			snprintf(out, n, "%s %s Cluster", pl, th);
		else if (p == 1)
			snprintf(out, n, "%s Cluster %s", th, pl);
		else if (p == 2)
			snprintf(out, n, "%s %s Alliance", pt.adjective, th);
		else
			snprintf(out, n, "%s %s Hub", pl, th);
		return;
	case GEN_NETWORK:
		if (p < 2)
			snprintf(out, n, "%s SME Network %s", th, pl);
		else
			snprintf(out, n, "%s %s Network", pt.coined, th);
		return;
	case GEN_RTO:
		if (p == 0)
			snprintf(out, n, "%s Research Centre %s", th, pl);
		else if (p == 1)
			snprintf(out, n, "%s Technology Centre", pl);
		else if (p == 2)
			snprintf(out, n, "%s Institute of %s", pt.coined, th);
		else
			snprintf(out, n, "%s %s Test Centre", pl, th);
		return;
	case GEN_UNIVERSITY:
		if (p == 0)
			snprintf(out, n, "University of %s", pl);
		else if (p == 1)
			snprintf(
			    out, n, "%s University of Applied Sciences", pl);
		else if (p == 2)
			snprintf(out, n, "%s Institute of Technology, %s Unit",
			    pl, th);
		else
			snprintf(out, n, "University of %s, %s Research Group",
			    pl, th);
		return;
	case GEN_AGENCY:
		/* Few agencies per town exist, so most names say which of
		 * their programmes or teams the entry is. */
		p = pt.pattern % 8;
		if (p == 0)
			snprintf(out, n, "%s Development Agency", pl);
		else if (p == 1)
			snprintf(out, n, "Business %s", pl);
		else if (p == 2)
			snprintf(out, n, "%s Chamber of Commerce", pl);
		else if (p < 5)
			snprintf(out, n, "%s %s Programme", pl, th);
		else if (p < 7)
			snprintf(out, n, "%s Growth Services, %s", pl, th);
		else
			snprintf(
			    out, n, "%s Enterprise Services, %s Team", pl, th);
		return;
	case GEN_INVESTOR:
		if (p == 0)
			snprintf(out, n, "%s Ventures", pt.coined);
		else if (p == 1)
			snprintf(out, n, "%s Capital", pl);
		else if (p == 2)
			snprintf(out, n, "%s Capital Partners", pt.coined);
		else
			snprintf(out, n, "%s %s Fund", pt.adjective, th);
		return;
	default: gen_company_name(o, &pt, r, out, n);
	}
}

/* A unique name: fresh draws first, then the last draw numbered. */
int
gen_unique_name(struct gen *g, struct gen_org *o, struct gen_rng *r)
{
	struct gen_country *c = o->country;
	char cand[256];
	int i, rc;

	for (i = 0; i < GEN_NAME_TRIES; i++) {
		gen_org_name(g, o, r, o->name, sizeof(o->name));
		if ((rc = gen_names_claim(g, c->iso, o->name)) != SD_EEXIST)
			return rc;
	}
	do {
		snprintf(
		    cand, sizeof(cand), "%.200s %ld", o->name, ++c->numbered);
		rc = gen_names_claim(g, c->iso, cand);
	} while (rc == SD_EEXIST);
	snprintf(o->name, sizeof(o->name), "%s", cand);
	return rc;
}

/* Folds s to ASCII letters and digits, other runs becoming one '-' (marks
 * and letters without an ASCII form dropped), at most max bytes. */
static void
gen_slug(const char *s, char *out, size_t max)
{
	char *folded = NULL;
	size_t i, k = 0;
	int dash = 0;

	if (text_fold(s, &folded) != 0)
		folded = NULL;
	for (i = 0; folded != NULL && folded[i] && k + 2 < max; i++) {
		unsigned char ch = (unsigned char)folded[i];
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
			if (dash && k > 0)
				out[k++] = '-';
			dash = 0;
			out[k++] = (char)ch;
		} else if (ch < 0x80) {
			dash = 1;
		}
	}
	while (k > 0 && out[k - 1] == '-')
		k--;
	out[k] = '\0';
	free(folded);
}

/*
 * The host part of the organisation's web address: its name as a slug
 * without the legal form (or every domain would end in -oy), under the
 * country's TLD or sometimes .com or .eu.
 */
void
gen_domain(const struct gen_org *o, struct gen_rng *r, char *out, size_t n)
{
	const struct gen_country *c = o->country;
	char slug[48], form[32];
	const char *tld;
	size_t i, k, fl;

	gen_slug(o->name, slug, sizeof(slug));
	k = strlen(slug);
	for (i = 0; i < c->forms.n + c->large_forms.n; i++) {
		gen_slug(i < c->forms.n ? c->forms.v[i]
		                        : c->large_forms.v[i - c->forms.n],
		    form, sizeof(form));
		fl = strlen(form);
		if (fl == 0 || k <= fl + 1)
			continue;
		if (c->style->form_prefix && strncmp(slug, form, fl) == 0 &&
		    slug[fl] == '-') {
			memmove(slug, slug + fl + 1, k - fl);
			k -= fl + 1;
		} else if (!c->style->form_prefix &&
		    strcmp(slug + k - fl, form) == 0 &&
		    slug[k - fl - 1] == '-') {
			k -= fl + 1;
			slug[k] = '\0';
		}
	}
	if (k == 0)
		snprintf(slug, sizeof(slug), "org%u",
		    (unsigned)gen_rng_below(r, 100000));
	i = gen_rng_below(r, 100);
	tld = i < 12 ? "com" : i < 15 ? "eu" : NULL;
	if (tld != NULL)
		snprintf(out, n, "%s.%s", slug, tld);
	else
		snprintf(out, n, "%s.%c%c", slug, c->iso[0] | 0x20,
		    c->iso[1] | 0x20);
}
