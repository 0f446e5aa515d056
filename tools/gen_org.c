/*
 * gen_org: drawing one of sdgen's organisations (see gen_int.h): its
 * country, region and town, kind and industry profile, size and age,
 * capabilities (Zipf-like within the profile, sometimes from any), offers
 * and seeks (partners' capabilities, so `match` finds complements),
 * sectors, languages, name, web site, e-mail and description. Owns
 * nothing: what it draws points into struct gen or is written into the
 * struct gen_org it fills.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gen_int.h"

#define GEN_YEAR 2025 /* latest founding year (no clock) */

static uint32_t
gen_employees(int kind, struct gen_rng *r)
{
	static const uint32_t micro[] = { 20, 18, 15, 12, 10, 8, 7, 5, 5 };
	uint32_t p = (uint32_t)gen_rng_below(r, 100), i, x;

	switch (kind) {
	case GEN_SME:
		if (p < 50) {
			x = (uint32_t)gen_rng_below(r, 100);
			for (i = 0; i < 8 && x >= micro[i]; i++)
				x -= micro[i];
			return i + 1;
		}
		if (p < 82)
			return p < 66 ? gen_rng_range(r, 10, 19)
			    : p < 74  ? gen_rng_range(r, 20, 29)
			              : gen_rng_range(r, 30, 49);
		return p < 92 ? gen_rng_range(r, 50, 99)
		    : p < 96  ? gen_rng_range(r, 100, 149)
		              : gen_rng_range(r, 150, 249);
	case GEN_LARGE:
		return p < 35 ? gen_rng_range(r, 250, 499)
		    : p < 60  ? gen_rng_range(r, 500, 999)
		    : p < 90  ? gen_rng_range(r, 1000, 4999)
		              : gen_rng_range(r, 5000, 30000);
	case GEN_CLUSTER: return gen_rng_range(r, 2, 25);
	case GEN_NETWORK: return gen_rng_range(r, 1, 10);
	case GEN_AGENCY: return gen_rng_range(r, 10, 250);
	case GEN_INVESTOR: return gen_rng_range(r, 3, 60);
	case GEN_RTO:
		return p < 60 ? gen_rng_range(r, 40, 300)
		              : gen_rng_range(r, 300, 2500);
	default:
		return p < 50 ? gen_rng_range(r, 300, 1500)
		              : gen_rng_range(r, 1500, 8000);
	}
}

static uint32_t
gen_founded(int kind, struct gen_rng *r)
{
	uint32_t p = (uint32_t)gen_rng_below(r, 100);

	switch (kind) {
	case GEN_SME:
		return p < 35 ? gen_rng_range(r, 2015, GEN_YEAR)
		    : p < 70  ? gen_rng_range(r, 2000, 2014)
		    : p < 90  ? gen_rng_range(r, 1980, 1999)
		              : gen_rng_range(r, 1945, 1979);
	case GEN_LARGE:
		return p < 30 ? gen_rng_range(r, 1850, 1945)
		              : gen_rng_range(r, 1946, 2015);
	case GEN_UNIVERSITY:
		return p < 10 ? gen_rng_range(r, 1640, 1899)
		              : gen_rng_range(r, 1900, 2010);
	case GEN_RTO: return gen_rng_range(r, 1940, 2020);
	case GEN_AGENCY: return gen_rng_range(r, 1970, 2022);
	case GEN_INVESTOR: return gen_rng_range(r, 1985, 2024);
	default: return gen_rng_range(r, 1995, 2024);
	}
}

static int
gen_has(const char **v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* Appends up to want distinct items drawn by pick to v. */
static void
gen_draw(const char **v, size_t *n, size_t max, size_t want,
    const char *(*pick)(struct gen *, struct gen_org *, struct gen_rng *),
    struct gen *g, struct gen_org *o, struct gen_rng *r)
{
	size_t tries;
	const char *s;

	for (tries = 0; *n < max && want > 0 && tries < 4 * max; tries++) {
		s = pick(g, o, r);
		if (s == NULL || gen_has(v, *n, s))
			continue;
		v[(*n)++] = s;
		want--;
	}
}

static const char *
gen_pick_cap(struct gen *g, struct gen_org *o, struct gen_rng *r)
{
	/* Mostly the profile's own keywords; sometimes any keyword, since
	 * real firms straddle industries. */
	if (gen_rng_pct(r, 12))
		return g->vocab.v[gen_wtab_pick(&g->vocabw, r)];
	return o->prof->caps.v[gen_wtab_pick(&o->prof->capw, r)];
}

static const char *
gen_pick_offer(struct gen *g, struct gen_org *o, struct gen_rng *r)
{
	if (o->ncaps > 0 && gen_rng_pct(r, 65))
		return o->caps[gen_rng_below(r, o->ncaps)];
	return gen_list_pick(&g->offers, r);
}

static const char *
gen_pick_seek(struct gen *g, struct gen_org *o, struct gen_rng *r)
{
	const struct gen_profile *p;

	if (o->prof->npartners > 0 && gen_rng_pct(r, 60)) {
		p = &g->prof[o->prof->partners[gen_rng_below(
		    r, o->prof->npartners)]];
		return p->caps.v[gen_wtab_pick(&p->capw, r)];
	}
	return gen_list_pick(&g->seeks, r);
}

static const char *
gen_pick_sector(struct gen *g, struct gen_org *o, struct gen_rng *r)
{
	(void)g;
	return o->prof->sectors[gen_rng_below(r, o->prof->nsectors)];
}

static const char *
gen_size_word(const struct gen_org *o)
{
	if (o->employees < 10)
		return "micro";
	if (o->employees < 50)
		return "small";
	if (o->employees < 250)
		return "medium-sized";
	return "large";
}

/* Joins items as "a, b and c" into b. */
static int
gen_join(struct gen_buf *b, const char **v, size_t n)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++)
		rc = gen_buf_printf(b, "%s%s",
		    i == 0           ? ""
		        : i + 1 == n ? " and "
		                     : ", ",
		    v[i]);
	return rc;
}

static int
gen_description(struct gen *g, struct gen_org *o, struct gen_rng *r)
{
	struct gen_buf *d = &g->desc;
	const char *mk1 = gen_list_pick(&o->prof->markets, r);
	const char *mk2 = gen_list_pick(&o->prof->markets, r);
	const char *ind = o->prof->def->industry;
	size_t nc = o->ncaps < 3 ? o->ncaps : 3;
	unsigned t = (unsigned)gen_rng_below(r, 3);
	int rc = 0;

	gen_buf_reset(d);
	if (strcmp(mk1, mk2) == 0)
		mk2 = "international customers";
	switch (o->kind) {
	case GEN_SME:
	case GEN_LARGE:
		if (t == 0)
			rc = gen_buf_printf(d,
			    "%s is a %s %s company in %s, %s, "
			    "founded in %u. We specialise in ",
			    o->name, gen_size_word(o), ind, o->town,
			    o->country->name, o->founded);
		else if (t == 1)
			rc = gen_buf_printf(d,
			    "Founded in %u in %s, %s provides "
			    "%s services. Our core competences are ",
			    o->founded, o->town, o->name, ind);
		else
			rc = gen_buf_printf(d,
			    "%s company from %s with %u "
			    "employees, working in ",
			    o->kind == GEN_LARGE     ? "Industrial"
			        : gen_rng_pct(r, 40) ? "Family-owned"
			                             : "Independent",
			    o->town, o->employees);
		if (rc == 0)
			rc = gen_join(d, o->caps, nc);
		if (rc == 0)
			rc = gen_buf_printf(d, " for %s and %s.", mk1, mk2);
		break;
	case GEN_CLUSTER:
		rc = gen_buf_printf(d,
		    "Cluster organisation bringing together "
		    "%u companies, research organisations and public actors "
		    "in %s around %s. Members cooperate in ",
		    gen_rng_range(r, 20, 250), ind, o->town);
		if (rc == 0)
			rc = gen_join(d, o->caps, nc);
		if (rc == 0)
			rc = gen_buf_str(d,
			    ", joint export projects and "
			    "international partner search.");
		break;
	case GEN_NETWORK:
		rc = gen_buf_printf(d,
		    "Network of %u SMEs from the %s region "
		    "offering joint deliveries in ",
		    gen_rng_range(r, 3, 40), o->town);
		if (rc == 0)
			rc = gen_join(d, o->caps, nc);
		if (rc == 0)
			rc = gen_buf_printf(d, " to %s.", mk1);
		break;
	case GEN_RTO:
		rc = gen_buf_printf(d,
		    "Research and technology organisation in "
		    "%s offering applied research, piloting and testing in ",
		    o->town);
		if (rc == 0)
			rc = gen_join(d, o->caps, nc);
		if (rc == 0)
			rc = gen_buf_printf(d, " for %s.", mk1);
		break;
	case GEN_UNIVERSITY:
		rc = gen_buf_printf(d,
		    "Higher education institution in %s, "
		    "%s, with research groups in ",
		    o->town, o->country->name);
		if (rc == 0)
			rc = gen_join(d, o->caps, nc);
		if (rc == 0)
			rc = gen_buf_str(d,
			    ". Offers R&D cooperation, testing "
			    "facilities and thesis projects for companies.");
		break;
	case GEN_AGENCY:
		rc = gen_buf_printf(d,
		    "Public development agency supporting "
		    "businesses in %s with internationalisation, funding "
		    "advice and partner search; focus areas ",
		    o->region->label);
		if (rc == 0)
			rc = gen_join(d, o->caps, nc);
		if (rc == 0)
			rc = gen_buf_str(d, ".");
		break;
	default:
		rc = gen_buf_printf(d, "%s investor based in %s, investing in ",
		    gen_rng_pct(r, 50) ? "Early-stage" : "Growth-stage",
		    o->town);
		if (rc == 0)
			rc = gen_join(d, o->caps, nc);
		if (rc == 0)
			rc = gen_buf_printf(d,
			    " and other %s companies in "
			    "Northern Europe.",
			    ind);
	}
	if (rc != 0)
		return rc;
	switch (gen_rng_below(r, 8)) {
	case 0: return gen_buf_str(d, " ISO 9001 and ISO 14001 certified.");
	case 1:
		return gen_buf_printf(d,
		    " About %u%% of turnover comes from "
		    "exports.",
		    gen_rng_range(r, 5, 90));
	case 2:
		return gen_buf_printf(d,
		    " Currently looking for %s for joint "
		    "projects in the Baltic Sea region.",
		    o->nseeks ? o->seeks[0] : "partners");
	case 3:
		return gen_buf_str(d,
		    " Experienced in EU-funded projects "
		    "(Interreg, Horizon Europe).");
	case 4:
		return gen_buf_printf(
		    d, " We invest in %s and digitalisation.", o->caps[0]);
	default: return 0;
	}
}

/* Fills o with the organisation that stream r draws (see gen_int.h). */
int
gen_org_make(struct gen *g, struct gen_org *o, struct gen_rng *r)
{
	struct gen_country *c;
	char domain[128];
	size_t want, i;
	int rc;

	memset(o, 0, sizeof(*o));
	c = o->country = &g->countries[gen_wtab_pick(&g->countryw, r)];
	o->region = &c->regions[gen_wtab_pick(&c->regw, r)];
	/* The first town of a region is its centre and draws most firms. */
	o->town = gen_rng_pct(r, 50) ? o->region->towns.v[0]
	                             : gen_list_pick(&o->region->towns, r);
	o->kind = (int)gen_wtab_pick(&g->kindw, r);
	o->prof = &g->prof[gen_wtab_pick(&g->profw, r)];
	o->employees = gen_employees(o->kind, r);
	o->founded = gen_founded(o->kind, r);

	/* Capabilities: SMEs list two to seven, others three to nine. */
	want = o->kind == GEN_SME ? gen_rng_range(r, 2, 7)
	                          : gen_rng_range(r, 3, 9);
	gen_draw(o->caps, &o->ncaps, GEN_CAPS_MAX, want, gen_pick_cap, g, o, r);
	gen_draw(o->offers, &o->noffers, 6, gen_rng_range(r, 1, 3),
	    gen_pick_offer, g, o, r);
	gen_draw(o->seeks, &o->nseeks, 6, gen_rng_range(r, 1, 3), gen_pick_seek,
	    g, o, r);
	gen_draw(o->sectors, &o->nsectors, 6,
	    o->kind == GEN_LARGE ? gen_rng_range(r, 2, 4)
	                         : gen_rng_range(r, 1, 2),
	    gen_pick_sector, g, o, r);
	o->langs[o->nlangs++] = c->langs.v[0];
	if (strcmp(c->langs.v[0], "en") != 0 && gen_rng_pct(r, 85))
		o->langs[o->nlangs++] = "en";
	for (i = 2; i < c->langs.n && o->nlangs < 4; i++)
		if (gen_rng_pct(r, i == 2 ? 30 : 15) &&
		    !gen_has(o->langs, o->nlangs, c->langs.v[i]))
			o->langs[o->nlangs++] = c->langs.v[i];

	if ((rc = gen_unique_name(g, o, r)) != 0)
		return rc;
	gen_domain(o, r, domain, sizeof(domain));
	i = gen_rng_below(r, 100);
	if (i < 4)
		o->website[0] = '\0';
	else
		snprintf(o->website, sizeof(o->website), "%s://%s%s",
		    i < 90 ? "https" : "http", i < 80 || i >= 90 ? "www." : "",
		    domain);
	if (gen_rng_pct(r, 7))
		o->email[0] = '\0';
	else
		snprintf(o->email, sizeof(o->email), "%s@%s",
		    gen_list_pick(&c->mail, r), domain);
	return gen_description(g, o, r);
}
