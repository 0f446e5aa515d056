/*
 * The gen_ file family's private header: sdgen, the deterministic
 * generator of synthetic organisations. Nothing outside tools/ includes
 * it. The family, each file with one job:
 *
 *   sdgen.c      options, main, and writing members as CSV or JSON Lines
 *   gen_rng.c    the PRNG, weighted choice and the FNV-1a hash
 *   gen_buf.c    growable strings and '|'-separated word lists
 *   gen_vocab.c  the vocabulary tables (industry profiles, countries'
 *                name styles, towns, kinds, coined words) and look-ups
 *   gen_data.c   reading the NUTS and NACE files; setting up and freeing
 *                the generator's state (struct gen)
 *   gen_name.c   names: the set of names taken, drawing a unique name,
 *                the web domain made from it
 *   gen_org.c    drawing one organisation
 *
 * Determinism is the contract of the whole family: the output depends only
 * on the arguments. Every weight is an integer, every random draw goes
 * through gen_rng_* from one member's own stream, and the draws happen in
 * a fixed order (never two inside one call's arguments). A change that
 * draws once more, or in another order, changes every later member.
 *
 * sdgen runs on one thread and the family is written for that: a struct
 * gen, and every member drawn from it, belong to the thread that set it
 * up. The tables are constant; the family keeps no other global state.
 */
#ifndef SD_GEN_INT_H
#define SD_GEN_INT_H

#include <stddef.h>
#include <stdint.h>

struct codes;

#define GEN_CAPS_MAX 12 /* capabilities of one organisation */

/* ---- gen_rng.c: PRNG (xoshiro256** seeded by splitmix64) ---- */

struct gen_rng {
	uint64_t s[4];
};

/* Seeds r for one stream of a run: member i of a run uses stream i + 1,
 * so members do not depend on one another's draws. */
void gen_rng_seed(struct gen_rng *r, uint64_t seed, uint64_t stream);

/* A uniform integer in [0, n), without modulo bias; n > 0. */
uint64_t gen_rng_below(struct gen_rng *r, uint64_t n);

/* A uniform integer in [lo, hi]; lo <= hi. */
uint32_t gen_rng_range(struct gen_rng *r, uint32_t lo, uint32_t hi);

/* 1 with probability pct/100, else 0 (a truth value, not an error). */
int gen_rng_pct(struct gen_rng *r, unsigned pct);

/* The 64-bit FNV-1a hash of the string s: the scope's part of the seed
 * and the slot of a name in struct gen_names. */
uint64_t gen_hash(const char *s);

/* ---- weighted choice (integer weights, so results never depend on
 * floating-point rounding) ---- */

struct gen_wtab {
	uint64_t *cdf;
	size_t n;
};

/*
 * Builds w from n integer weights (copied: weights may be freed after).
 * Returns 0, -ENOMEM, or SD_EINVAL if every weight is 0 (or n is 0).
 * Whatever it returns, w must be released with gen_wtab_free.
 */
int gen_wtab_init(struct gen_wtab *w, const uint32_t *weights, size_t n);

/* gen_wtab_init with Zipf-like weights 1000000/rank over n items. */
int gen_wtab_zipf(struct gen_wtab *w, size_t n);

/* An index in [0, n) drawn by weight; w was built without error. */
size_t gen_wtab_pick(const struct gen_wtab *w, struct gen_rng *r);

/* Frees w's table and leaves it empty; harmless on an empty table. */
void gen_wtab_free(struct gen_wtab *w);

/* ---- gen_buf.c: growable strings ---- */

/* A NUL-terminated string that grows on demand. A zero-filled gen_buf is
 * empty and ready; p is NULL until something is added. The owner frees p
 * with free(). p may move on every add, so pointers into it last only
 * until the next one. */
struct gen_buf {
	char *p;
	size_t len, cap;
};

/* Append n bytes of s, the whole of s, or printf-formatted text to b.
 * Return 0 or -ENOMEM (b unchanged but still valid). */
int gen_buf_add(struct gen_buf *b, const char *s, size_t n);
int gen_buf_str(struct gen_buf *b, const char *s);
int gen_buf_printf(struct gen_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Empties b, keeping its memory for the next use. */
void gen_buf_reset(struct gen_buf *b);

/* ---- gen_buf.c: '|'-separated word lists ---- */

/* Vocabularies are written as "a|b|c" to keep the tables readable; each
 * is split once at start-up into an array of pointers into a copy. */
struct gen_list {
	char *mem;
	const char **v;
	size_t n;
};

/*
 * Splits s ("a|b|c"; NULL or "" gives an empty list) into l, which owns a
 * copy: s may be freed after. Returns 0 or -ENOMEM (l then empty). l is
 * released with gen_list_free; l->v[i] live until then.
 */
int gen_list_init(struct gen_list *l, const char *s);

/* Frees l and leaves it empty; harmless on an empty list. */
void gen_list_free(struct gen_list *l);

/* A uniformly drawn item of l (owned by l), or NULL if l is empty (and
 * then nothing is drawn). */
const char *gen_list_pick(const struct gen_list *l, struct gen_rng *r);

/* ---- gen_vocab.c: the vocabulary tables ---- */

/*
 * An industry profile: the NACE divisions its members work in, the nouns
 * their names use, and capability keywords from most to least common
 * (ranked for the Zipf draw). partners names the profiles whose
 * capabilities its members tend to seek, so `match` finds complements.
 */
struct gen_profile_def {
	const char *key;
	uint32_t weight;
	const char *divs;
	const char *nouns;
	const char *industry;
	const char *markets;
	const char *themes;
	const char *partners;
	const char *caps;
};

/* Entries of gen_profile_defs (gen_vocab.c checks the count). */
#define GEN_NPROFILES 16

/* How names, addresses and languages look in one country. Forms are
 * repeated to weight them; prefix forms go before the name (LT, LV). */
struct gen_style_def {
	const char *iso;
	uint32_t weight; /* relative number of organisations */
	const char *forms;
	const char *large_forms;
	int form_prefix;
	const char *surnames;
	const char *words;
	const char *mail; /* local parts of organisational addresses */
	const char *langs; /* native first; second with 30%, third 15% */
};

/* The town table of one NUTS level-3 region; weight in tenths. */
struct gen_town_def {
	const char *nuts;
	uint32_t weight;
	const char *towns;
};

/* Kinds of organisation, in the order of gen_kinds. */
enum {
	GEN_SME,
	GEN_LARGE,
	GEN_CLUSTER,
	GEN_RTO,
	GEN_UNIVERSITY,
	GEN_AGENCY,
	GEN_NETWORK,
	GEN_INVESTOR,
	GEN_NKINDS
};

/* A kind's name in the output and its share of members (per mille). */
struct gen_kind_def {
	const char *name;
	uint32_t weight;
};

/*
 * The tables, constant and static for the life of the program: the
 * profiles, the kinds, and '|'-lists of offers and seeks not tied to one
 * industry, of syllables for coined brand names, and of adjectives.
 */
extern const struct gen_profile_def gen_profile_defs[GEN_NPROFILES];
extern const struct gen_kind_def gen_kinds[GEN_NKINDS];
extern const char gen_offers_generic[];
extern const char gen_seeks_generic[];
extern const char gen_coin_pre[];
extern const char gen_coin_suf[];
extern const char gen_adjectives[];

/* The index of the profile named key in gen_profile_defs, or
 * GEN_NPROFILES if there is none. */
size_t gen_profile_index(const char *key);

/* The name style of country iso, or a generic English style for a country
 * without one; never NULL. The result is a static table entry. */
const struct gen_style_def *gen_style_find(const char *iso);

/* The town table of NUTS level-3 region nuts, or NULL (static). */
const struct gen_town_def *gen_town_find(const char *nuts);

/* 1 if country nuts_country (NUTS spelling: EL, UK) has town tables, so
 * its regions without one get no members; else 0. */
int gen_country_has_towns(const char *nuts_country);

/* ---- the generator's state, set up by gen_init (gen_data.c) ---- */

/* A profile's lists and weights, built from its entry in the table. */
struct gen_profile {
	const struct gen_profile_def *def;
	struct gen_list nouns, markets, themes, caps;
	struct gen_wtab capw; /* Zipf over caps */
	size_t partners[4], npartners;
	char **sectors; /* NACE codes of its divisions */
	size_t nsectors;
};

/* A NUTS level-3 region of a chosen country and the towns drawn in it. */
struct gen_region {
	char code[8];
	char *label; /* owned */
	struct gen_list towns;
};

/* A chosen country: its style's lists and its regions. */
struct gen_country {
	char iso[3];
	char nuts[3]; /* NUTS writes Greece as EL */
	const char *name; /* English, from the code lists */
	const struct gen_style_def *style;
	struct gen_list forms, large_forms, surnames, words, mail, langs;
	struct gen_region *regions;
	size_t nregions;
	struct gen_wtab regw;
	long numbered; /* names made unique with a number */
};

/* A set of "ISO:folded name" keys, each owned: open addressing, linear
 * probe, cap a power of two sized up front to stay at most half full. */
struct gen_names {
	char **slot;
	size_t cap, n;
};

/*
 * The generator: everything drawn from, owned here (g->codes excepted) and
 * freed by gen_free. Members drawn point into it. line, desc and tmp are
 * scratch strings reused for every member.
 */
struct gen {
	const struct codes *codes;
	int nace_rev; /* CODES_NACE_REV2_1 or CODES_NACE_REV2 */
	struct gen_profile prof[GEN_NPROFILES];
	struct gen_wtab profw, kindw, countryw;
	struct gen_list vocab; /* every capability, for the global draw */
	struct gen_wtab vocabw;
	struct gen_list offers, seeks, coin_pre, coin_suf, adjectives;
	struct gen_country *countries;
	size_t ncountries;
	struct gen_names names;
	struct gen_buf line, desc, tmp;
};

/* One organisation being written. */
struct gen_org {
	int kind;
	struct gen_country *country;
	const struct gen_region *region;
	const char *town;
	struct gen_profile *prof;
	char name[256];
	char website[320];
	char email[320];
	const char *sectors[6];
	size_t nsectors;
	const char *caps[GEN_CAPS_MAX];
	size_t ncaps;
	const char *offers[6];
	size_t noffers;
	const char *seeks[6];
	size_t nseeks;
	const char *langs[4];
	size_t nlangs;
	uint32_t employees, founded;
};

/* ---- gen_data.c: set-up ---- */

/*
 * Sets up g, which must be zero-filled, to draw members of the countries
 * isos (ISO codes) in the regions that prefixes allow (NUTS prefixes; an
 * empty list allows all), with sectors of NACE revision nace_rev
 * (CODES_NACE_REV2_1 or CODES_NACE_REV2) read from dir, and room for
 * count unique names. codes must outlive g; isos and prefixes are copied
 * from and may be freed after. Returns 0, -ENOMEM, -errno from opening
 * a data file, or SD_EINVAL; every error but -ENOMEM has been explained on
 * stderr. Whatever it returns, g is released with gen_free.
 */
int gen_init(struct gen *g, const struct codes *codes, int nace_rev,
    const struct gen_list *isos, const struct gen_list *prefixes,
    const char *dir, size_t count);

/* Frees everything g owns (not g->codes); harmless on a zero-filled g. */
void gen_free(struct gen *g);

/* ---- gen_name.c: names ---- */

/* Sets ns up, empty, for expect names; 0 or -ENOMEM. Released by
 * gen_names_free, which is harmless on a zero-filled set. */
int gen_names_init(struct gen_names *ns, size_t expect);
void gen_names_free(struct gen_names *ns);

/*
 * Draws o->name for o (country, region, town, kind and profile set), unique
 * within o's country after Unicode folding, and claims it in g->names:
 * fresh draws first, then the last one numbered. Returns 0, -ENOMEM, or an
 * error of text_fold. Uses g->tmp.
 */
int gen_unique_name(struct gen *g, struct gen_org *o, struct gen_rng *r);

/* Writes to out (n bytes) the host name of o's web site, made from
 * o->name: "name.fi", sometimes .com or .eu. */
void
gen_domain(const struct gen_org *o, struct gen_rng *r, char *out, size_t n);

/* ---- gen_org.c: one organisation ---- */

/*
 * Fills o with the organisation that stream r draws. o's strings point
 * into g (valid until gen_free) or into o itself, and its description is
 * left in g->desc (valid until the next call). Returns 0 or a negative
 * code of gen_unique_name or gen_buf_*.
 */
int gen_org_make(struct gen *g, struct gen_org *o, struct gen_rng *r);

#endif
