/*
 * stardust search, match and consortium: partner search through the local
 * daemon. The three share the filter options and the hit table.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "err.h"
#include "hex.h"
#include "key.h"
#include "query.h"
#include "record.h"
#include "result.h"

#define SEARCH_FILTER_HELP                                                     \
	"Filters combine with AND; repeated values of one filter (or\n"        \
	"comma-separated ones) with OR.\n"                                     \
	"  --country CC       ISO 3166-1 alpha-2 code, e.g. FI\n"              \
	"  --not-country CC   exclude a country\n"                             \
	"  --cross-border     exclude this node's own countries (from its\n"   \
	"                     certificate)\n"                                  \
	"  --region NUTS      NUTS prefix at any level: FI1, FI1D, FI1D7\n"    \
	"  --sector NACE      NACE prefix at any level: C, C25, 25.6, 25.62\n" \
	"  --kind KIND        sme, large, cluster, rto, university, agency,\n" \
	"                     network, investor\n"                             \
	"  --size CLASS       by employees: micro <10, small <50, medium\n"    \
	"                     <250, large\n"                                   \
	"  --employees MIN-MAX  employee count range; MIN- or -MAX open\n"     \
	"  --member-of ID     member of the cluster or network with this id\n"

/* The filter options every command here takes; values start at 256 so
 * they do not collide with short options. */
enum {
	SO_COUNTRY = 256,
	SO_NOT_COUNTRY,
	SO_CROSS,
	SO_REGION,
	SO_SECTOR,
	SO_KIND,
	SO_SIZE,
	SO_EMPLOYEES,
	SO_MEMBER_OF,
	SO_LIMIT,
	SO_CURSOR,
	SO_JSON,
	SO_ORIGIN,
	SO_ANYWHERE,
	SO_NEED,
	SO_MIN_MEMBERS,
	SO_MIN_COUNTRIES,
	SO_GROUPS,
};

#define SEARCH_FILTER_OPTS                                                     \
	{ "country", required_argument, NULL, SO_COUNTRY },                    \
	    { "not-country", required_argument, NULL, SO_NOT_COUNTRY },        \
	    { "cross-border", no_argument, NULL, SO_CROSS },                   \
	    { "region", required_argument, NULL, SO_REGION },                  \
	    { "sector", required_argument, NULL, SO_SECTOR },                  \
	    { "kind", required_argument, NULL, SO_KIND },                      \
	    { "size", required_argument, NULL, SO_SIZE },                      \
	    { "employees", required_argument, NULL, SO_EMPLOYEES },            \
	    { "member-of", required_argument, NULL, SO_MEMBER_OF },            \
	    { "json", no_argument, NULL, SO_JSON },                            \
	{                                                                      \
		"help", no_argument, NULL, 'h'                                 \
	}

struct filters {
	Sd__Query q;
	char **kinds;
	size_t nkinds;
	char **member_of;
	size_t nmember_of;
	int json;
};

static int
parse_uint(const char *s, size_t len, uint32_t *out)
{
	char buf[16], *end;
	unsigned long v;

	if (len == 0 || len >= sizeof(buf) || s[0] == '-' || s[0] == '+')
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	v = strtoul(buf, &end, 10);
	if (*end != '\0' || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int
parse_count(
    const char *opt, const char *arg, unsigned lo, unsigned hi, uint32_t *out)
{
	if (parse_uint(arg, strlen(arg), out) != 0 || *out < lo || *out > hi) {
		cli_error("--%s must be %u to %u", opt, lo, hi);
		return -1;
	}
	return 0;
}

/* One filter or paging option; 1 if opt is neither, 0 done, -1 bad
 * value. */
static int
filters_opt(struct filters *f, int opt, const char *arg)
{
	Sd__Query *q = &f->q;

	switch (opt) {
	case SO_COUNTRY:
		return cli_split_add(&q->countries, &q->n_countries, arg);
	case SO_NOT_COUNTRY:
		return cli_split_add(
		    &q->not_countries, &q->n_not_countries, arg);
	case SO_CROSS: q->has_cross_border = q->cross_border = 1; return 0;
	case SO_REGION: return cli_split_add(&q->regions, &q->n_regions, arg);
	case SO_SECTOR: return cli_split_add(&q->sectors, &q->n_sectors, arg);
	case SO_KIND: return cli_split_add(&f->kinds, &f->nkinds, arg);
	case SO_SIZE: return cli_split_add(&q->sizes, &q->n_sizes, arg);
	case SO_MEMBER_OF:
		return cli_split_add(&f->member_of, &f->nmember_of, arg);
	case SO_JSON: f->json = 1; return 0;
	case SO_LIMIT:
		if (parse_count("limit", arg, 1, 10000, &q->limit) != 0)
			return -1;
		q->has_limit = 1;
		return 0;
	case SO_CURSOR:
		free(q->cursor);
		return (q->cursor = strdup(arg)) == NULL ? -1 : 0;
	case SO_EMPLOYEES: {
		char err[160];
		int hmin, hmax;
		if (query_employees_parse(arg, &q->employees_min, &hmin,
		        &q->employees_max, &hmax, err, sizeof(err)) != 0) {
			cli_error("--employees %s", err);
			return -1;
		}
		q->has_employees_min = hmin;
		q->has_employees_max = hmax;
		return 0;
	}
	default: return 1;
	}
}

/* Checks kinds and member ids and fills the query. 0 or -1. */
static int
filters_finish(struct filters *f)
{
	size_t i;

	if (f->nkinds > 0) {
		if ((f->q.kinds = calloc(f->nkinds, sizeof(*f->q.kinds))) ==
		    NULL)
			return -1;
		for (i = 0; i < f->nkinds; i++) {
			int k = record_kind_parse(f->kinds[i]);
			if (k < 0) {
				cli_error(
				    "unknown kind '%s' (sme, large, cluster, "
				    "rto, university, agency, network, "
				    "investor)",
				    f->kinds[i]);
				return -1;
			}
			f->q.kinds[i] = (Sd__MemberKind)k;
		}
		f->q.n_kinds = f->nkinds;
	}
	if (f->nmember_of > 0) {
		if ((f->q.member_of = calloc(
		         f->nmember_of, sizeof(*f->q.member_of))) == NULL)
			return -1;
		for (i = 0; i < f->nmember_of; i++) {
			ProtobufCBinaryData *b = &f->q.member_of[i];
			if ((b->data = malloc(16)) == NULL)
				return -1;
			b->len = 16;
			f->q.n_member_of = i + 1;
			if (hex_decode(f->member_of[i], strlen(f->member_of[i]),
			        b->data, MEMBER_ID_BYTES) != 0) {
				cli_error("--member-of '%s' is not a member id "
				          "(32 hex digits)",
				    f->member_of[i]);
				return -1;
			}
		}
	}
	return 0;
}

static void
filters_free(struct filters *f)
{
	size_t i;

	cli_strv_free(f->q.countries, f->q.n_countries);
	cli_strv_free(f->q.not_countries, f->q.n_not_countries);
	cli_strv_free(f->q.regions, f->q.n_regions);
	cli_strv_free(f->q.sectors, f->q.n_sectors);
	cli_strv_free(f->q.sizes, f->q.n_sizes);
	cli_strv_free(f->kinds, f->nkinds);
	cli_strv_free(f->member_of, f->nmember_of);
	free(f->q.kinds);
	for (i = 0; i < f->q.n_member_of; i++)
		free(f->q.member_of[i].data);
	free(f->q.member_of);
	free(f->q.text);
	free(f->q.cursor);
}

/* "a; b; c" of a string list, cut to fit buf. */
static const char *
join(char **v, size_t n, char *buf, size_t len)
{
	size_t used = 0, k;

	buf[0] = '\0';
	for (k = 0; k < n && used + 3 < len; k++) {
		int w = snprintf(
		    buf + used, len - used, "%s%s", k ? "; " : "", v[k]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	return buf;
}

/* The hit table (or JSON lines) of a search (match 0) or a match. */
static int
print_hits(struct cli *c, const Sd__Response *resp, int json, int match)
{
	size_t i;

	if (!json) {
		cli_cell(stdout, "NAME", 33);
		cli_cell(stdout, "KIND", 11);
		cli_cell(stdout, "CC", 3);
		cli_cell(stdout, "REGION", 7);
		cli_cell(stdout, "CITY", 13);
		cli_cell(stdout, "SCORE", 7);
		if (match) {
			cli_cell(stdout, "OFFERS", 7);
			cli_cell(stdout, "SEEKS", 7);
		}
		printf("WHY\n");
	}
	for (i = 0; i < resp->n_hits; i++) {
		const Sd__Hit *h = resp->hits[i];
		const char *why = h->n_matched ? h->matched[0] : "";
		struct record r = { 0 };
		const Sd__Member *m;
		char buf[512];
		if (cli_member_open(c, &h->record, &r) != 0)
			return CLI_FAIL;
		m = r.body->member;
		if (json) {
			if (cli_json_put(result_hit_json(&r, h, match, NULL)) !=
			    CLI_OK) {
				record_close(&r);
				return CLI_FAIL;
			}
		} else {
			cli_cell(stdout, m->name, 33);
			cli_cell(stdout, record_kind_name(m->kind), 11);
			cli_cell(stdout, m->country, 3);
			cli_cell(stdout, m->region ? m->region : "", 7);
			cli_cell(stdout, m->city ? m->city : "", 13);
			snprintf(buf, sizeof(buf), "%.2f", h->score);
			cli_cell(stdout, buf, 7);
			if (match) {
				snprintf(
				    buf, sizeof(buf), "%.2f", h->score_offers);
				cli_cell(stdout, buf, 7);
				snprintf(
				    buf, sizeof(buf), "%.2f", h->score_seeks);
				cli_cell(stdout, buf, 7);
			}
			cli_cell(stdout,
			    why[0] ? why
			           : join(m->capabilities, m->n_capabilities,
			                 buf, sizeof(buf)),
			    60);
			fputc('\n', stdout);
		}
		record_close(&r);
	}
	if (json) {
		json_t *o = json_object();
		json_object_set_new(
		    o, "total", json_integer((json_int_t)resp->total));
		json_object_set_new(
		    o, "shown", json_integer((json_int_t)resp->n_hits));
		json_object_set_new(o, "next",
		    resp->next_cursor ? json_string(resp->next_cursor)
		                      : json_null());
		cli_json_put(o);
	} else {
		printf("%" PRIu64 " match%s, %zu shown", resp->total,
		    resp->total == 1 ? "" : "es", resp->n_hits);
		if (resp->next_cursor)
			printf("; next page: --cursor %s", resp->next_cursor);
		putchar('\n');
	}
	return CLI_OK;
}

/* Words after the options, joined by spaces, in *out (NULL if none). */
static int
join_args(int argc, char **argv, char **out)
{
	size_t tl = 0, i;
	char *text = NULL, *nt;

	*out = NULL;
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		size_t al = strlen(argv[i]);
		if ((nt = realloc(text, tl + al + 2)) == NULL) {
			free(text);
			return -1;
		}
		text = nt;
		if (tl)
			text[tl++] = ' ';
		memcpy(text + tl, argv[i], al + 1);
		tl += al;
	}
	*out = text;
	return 0;
}

static void
search_usage(FILE *f)
{
	fprintf(f,
	    "usage: stardust search [TEXT...] [filters] [--limit N] "
	    "[--cursor C] [--json]\n"
	    "\n"
	    "Finds members across the whole federation held by this node.\n"
	    "TEXT words must all occur in the name, capabilities, offers,\n"
	    "seeks, description or city; case and accents are ignored\n"
	    "(jyvaskyla finds Jyväskylä) and English words are stemmed\n"
	    "(recycling finds recycled). \"two words\" in quotes is a phrase;\n"
	    "laser* is a prefix (at least 3 letters). Hits are ranked by "
	    "BM25:\n"
	    "rare words count more; the name and capabilities weigh most;\n"
	    "equal scores keep the order members arrived at this node. WHY\n"
	    "shows field:word for each match.\n"
	    "\n" SEARCH_FILTER_HELP
	    "  --limit N          at most N results per page (default 20,\n"
	    "                     at most 10000)\n"
	    "  --cursor C         the next page: C from the previous page\n"
	    "  --json             one JSON object per hit, then one summary\n"
	    "                     line {total, shown, next} "
	    "(docs/FORMATS.md)\n");
}

int
cmd_search(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		SEARCH_FILTER_OPTS,
		{ "limit", required_argument, NULL, SO_LIMIT },
		{ "cursor", required_argument, NULL, SO_CURSOR },
		{ NULL, 0, NULL, 0 },
	};
	Sd__Request req = SD__REQUEST__INIT;
	Sd__Response *resp = NULL;
	struct filters f;
	int opt, rc = CLI_USAGE, r;

	memset(&f, 0, sizeof(f));
	sd__query__init(&f.q);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if ((r = filters_opt(&f, opt, optarg)) < 0)
			goto out;
		if (r == 0)
			continue;
		switch (opt) {
		case 'h':
			search_usage(stdout);
			rc = CLI_OK;
			goto out;
		default: search_usage(stderr); goto out;
		}
	}
	if (filters_finish(&f) != 0 || join_args(argc, argv, &f.q.text) != 0)
		goto out;
	if (f.q.text != NULL && f.q.text[strspn(f.q.text, " \t")] == '\0') {
		cli_error("empty search text");
		goto out;
	}
	req.op_case = SD__REQUEST__OP_SEARCH;
	req.search = &f.q;
	if ((rc = cli_call(c, &req, &resp)) != CLI_OK)
		goto out;
	rc = print_hits(c, resp, f.json, 0);
out:
	if (resp)
		sd__response__free_unpacked(resp, NULL);
	filters_free(&f);
	return rc;
}

static void
match_usage(FILE *f)
{
	fprintf(f,
	    "usage: stardust match MEMBER-ID [--origin KEY] [--anywhere] "
	    "[filters]\n"
	    "         [--limit N] [--cursor C] [--json]\n"
	    "\n"
	    "Complementary partners for a member: those whose offers and\n"
	    "capabilities meet its seeks (OFFERS score) and whose seeks meet\n"
	    "its offers and capabilities (SEEKS score), ranked by the sum, so\n"
	    "partners that fit both ways come first. Abroad by default (not\n"
	    "the member's country); --anywhere includes it. WHY shows the\n"
	    "field of the partner and the member's word it matched.\n"
	    "\n"
	    "  MEMBER-ID          32 hex digits (stardust member list)\n"
	    "  --origin KEY       the member of this origin node (64 hex)\n"
	    "  --anywhere         also partners in the member's own country\n"
	    "\n" SEARCH_FILTER_HELP
	    "  --limit N, --cursor C, --json   as for stardust search\n");
}

int
cmd_match(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		SEARCH_FILTER_OPTS,
		{ "limit", required_argument, NULL, SO_LIMIT },
		{ "cursor", required_argument, NULL, SO_CURSOR },
		{ "origin", required_argument, NULL, SO_ORIGIN },
		{ "anywhere", no_argument, NULL, SO_ANYWHERE },
		{ NULL, 0, NULL, 0 },
	};
	Sd__Request req = SD__REQUEST__INIT;
	Sd__Match m = SD__MATCH__INIT;
	Sd__Response *resp = NULL;
	struct filters f;
	uint8_t id[16], origin[32];
	int opt, rc = CLI_USAGE, r;

	memset(&f, 0, sizeof(f));
	sd__query__init(&f.q);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if ((r = filters_opt(&f, opt, optarg)) < 0)
			goto out;
		if (r == 0)
			continue;
		switch (opt) {
		case SO_ORIGIN:
			if (key_public_parse(optarg, origin) != 0) {
				cli_error("--origin must be 64 hex digits");
				goto out;
			}
			m.has_origin = 1;
			m.origin.data = origin;
			m.origin.len = sizeof(origin);
			break;
		case SO_ANYWHERE: m.has_anywhere = m.anywhere = 1; break;
		case 'h':
			match_usage(stdout);
			rc = CLI_OK;
			goto out;
		default: match_usage(stderr); goto out;
		}
	}
	if (optind + 1 != argc) {
		match_usage(stderr);
		goto out;
	}
	if (hex_decode(
	        argv[optind], strlen(argv[optind]), id, MEMBER_ID_BYTES) != 0) {
		cli_error(
		    "'%s' is not a member id (32 hex digits)", argv[optind]);
		goto out;
	}
	if (filters_finish(&f) != 0)
		goto out;
	m.member_id.data = id;
	m.member_id.len = sizeof(id);
	m.filters = &f.q;
	req.op_case = SD__REQUEST__OP_MATCH;
	req.match = &m;
	if ((rc = cli_call(c, &req, &resp)) != CLI_OK)
		goto out;
	rc = print_hits(c, resp, f.json, 1);
out:
	if (resp)
		sd__response__free_unpacked(resp, NULL);
	filters_free(&f);
	return rc;
}

static void
consortium_usage(FILE *f)
{
	fprintf(f,
	    "usage: stardust consortium --need TEXT [--need TEXT]... "
	    "[--min-members N]\n"
	    "         [--min-countries K] [--groups G] [filters] [--json]\n"
	    "\n"
	    "Proposes the best groups of members that together cover every\n"
	    "need (a text searched in name, capabilities, offers and\n"
	    "description), with at least N members from at least K\n"
	    "countries: e.g. a transnational network of at least 3 SMEs from\n"
	    "3 countries is --kind sme --min-members 3 --min-countries 3.\n"
	    "Each group is shown with who covers which need and a score\n"
	    "(0-100: the mean over the needs of the best coverage, where the\n"
	    "best member for a need has 100). When no group is possible it\n"
	    "says why: the need nobody covers, or the constraint that cannot\n"
	    "be met; the exit status is then 1.\n"
	    "\n"
	    "  --need TEXT        a needed capability (1 to 8 of them)\n"
	    "  --min-members N    at least N members (default: as few as\n"
	    "                     cover the needs; at most 12)\n"
	    "  --min-countries K  from at least K countries\n"
	    "  --groups G         groups to propose (default 3, at most 10)\n"
	    "\n" SEARCH_FILTER_HELP "  --json             one JSON object per "
	    "group (docs/FORMATS.md)\n");
}

static int
print_groups(struct cli *c, const Sd__Response *resp, char **needs,
    size_t nneeds, int json)
{
	size_t g, i, k;

	for (g = 0; g < resp->n_groups; g++) {
		const Sd__Group *gr = resp->groups[g];
		if (json) {
			size_t skipped = 0;
			json_t *jg = result_group_json(
			    gr, g + 1, needs, nneeds, NULL, &skipped);
			if (skipped > 0) {
				json_decref(jg);
				cli_error("daemon sent a bad record");
				return CLI_FAIL;
			}
			if (cli_json_put(jg) != CLI_OK)
				return CLI_FAIL;
			continue;
		}
		printf("%sGroup %zu: score %.1f, %zu members, %u "
		       "countries\n",
		    g ? "\n" : "", g + 1, gr->score, gr->n_members,
		    gr->countries);
		printf("  ");
		cli_cell(stdout, "NAME", 33);
		cli_cell(stdout, "KIND", 11);
		cli_cell(stdout, "CC", 3);
		printf("COVERS\n");
		for (i = 0; i < gr->n_members; i++) {
			const Sd__GroupMember *gm = gr->members[i];
			struct record r = { 0 };
			char cov[512];
			size_t used = 0;
			if (cli_member_open(c, &gm->record, &r) != 0)
				return CLI_FAIL;
			cov[0] = '\0';
			for (k = 0; k < gm->n_covers && used < 400; k++) {
				uint32_t ni = gm->covers[k];
				int w;
				if (ni >= nneeds)
					continue;
				w = snprintf(cov + used, sizeof(cov) - used,
				    "%s%s (%.0f)", used ? "; " : "", needs[ni],
				    ni < gm->n_coverage ? 100 * gm->coverage[ni]
				                        : 0.0);
				if (w > 0)
					used += (size_t)w;
			}
			printf("  ");
			cli_cell(stdout, r.body->member->name, 33);
			cli_cell(
			    stdout, record_kind_name(r.body->member->kind), 11);
			cli_cell(stdout, r.body->member->country, 3);
			cli_cell(stdout, cov, 70);
			putchar('\n');
			record_close(&r);
		}
	}
	return CLI_OK;
}

int
cmd_consortium(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		SEARCH_FILTER_OPTS,
		{ "need", required_argument, NULL, SO_NEED },
		{ "min-members", required_argument, NULL, SO_MIN_MEMBERS },
		{ "min-countries", required_argument, NULL, SO_MIN_COUNTRIES },
		{ "groups", required_argument, NULL, SO_GROUPS },
		{ NULL, 0, NULL, 0 },
	};
	Sd__Request req = SD__REQUEST__INIT;
	Sd__Consortium cs = SD__CONSORTIUM__INIT;
	Sd__Response *resp = NULL;
	struct filters f;
	char **needs = NULL;
	size_t nneeds = 0;
	int opt, rc = CLI_USAGE, r;

	memset(&f, 0, sizeof(f));
	sd__query__init(&f.q);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if ((r = filters_opt(&f, opt, optarg)) < 0)
			goto out;
		if (r == 0)
			continue;
		switch (opt) {
		case SO_NEED: {
			char **nv;
			if (optarg[strspn(optarg, " \t")] == '\0') {
				cli_error("--need: empty text");
				goto out;
			}
			if ((nv = realloc(needs, (nneeds + 1) * sizeof(*nv))) ==
			    NULL)
				goto out;
			needs = nv;
			if ((needs[nneeds] = strdup(optarg)) == NULL)
				goto out;
			nneeds++;
			break;
		}
		case SO_MIN_MEMBERS:
			if (parse_count(
			        "min-members", optarg, 1, 12, &cs.min_members))
				goto out;
			cs.has_min_members = 1;
			break;
		case SO_MIN_COUNTRIES:
			if (parse_count("min-countries", optarg, 1, 12,
			        &cs.min_countries))
				goto out;
			cs.has_min_countries = 1;
			break;
		case SO_GROUPS:
			if (parse_count("groups", optarg, 1, 10, &cs.groups))
				goto out;
			cs.has_groups = 1;
			break;
		case 'h':
			consortium_usage(stdout);
			rc = CLI_OK;
			goto out;
		default: consortium_usage(stderr); goto out;
		}
	}
	if (optind != argc || nneeds == 0) {
		if (nneeds == 0)
			cli_error("give at least one --need TEXT");
		consortium_usage(stderr);
		goto out;
	}
	if (filters_finish(&f) != 0)
		goto out;
	cs.needs = needs;
	cs.n_needs = nneeds;
	cs.filters = &f.q;
	req.op_case = SD__REQUEST__OP_CONSORTIUM;
	req.consortium = &cs;
	if ((rc = cli_call(c, &req, &resp)) != CLI_OK)
		goto out;
	if (resp->n_groups == 0) {
		cli_error("no consortium: %s",
		    resp->problem ? resp->problem : "no group found");
		if (f.json) {
			json_t *o = json_object();
			json_object_set_new(o, "problem",
			    json_string(resp->problem ? resp->problem : ""));
			cli_json_put(o);
		}
		rc = CLI_FAIL;
		goto out;
	}
	rc = print_groups(c, resp, needs, nneeds, f.json);
out:
	if (resp)
		sd__response__free_unpacked(resp, NULL);
	cli_strv_free(needs, nneeds);
	filters_free(&f);
	return rc;
}
