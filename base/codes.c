#include "codes.h"

#include <csv.h>
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/* Generated at build time from data/ (CSV) (cmake/embed.cmake). */
extern const unsigned char sd_data_iso_3166_1[];
extern const size_t sd_data_iso_3166_1_len;
extern const unsigned char sd_data_nuts_2024[];
extern const size_t sd_data_nuts_2024_len;
extern const unsigned char sd_data_nace_rev2[];
extern const size_t sd_data_nace_rev2_len;
extern const unsigned char sd_data_nace_rev2_1[];
extern const size_t sd_data_nace_rev2_1_len;

#define CODES_MAXCOLS 4

struct code_entry {
	char code[8];
	char country[3]; /* NUTS: ISO country; NACE: unused */
	char section; /* NACE section letter */
	unsigned char level;
	char *label;
};

struct code_list {
	struct code_entry *v;
	size_t n, cap;
};

struct codes {
	struct code_list iso, nuts, nace[2];
};

/* State of one CSV parse: the fields of the current row. */
struct codes_parse {
	struct code_list *list;
	int kind; /* 0 iso, 1 nuts, 2 nace */
	char *cols[CODES_MAXCOLS];
	int ncol;
	long row;
	int err;
};

static void
codes_field_cb(void *s, size_t len, void *arg)
{
	struct codes_parse *p = arg;
	char *f;

	if (p->err || p->ncol >= CODES_MAXCOLS) {
		p->ncol++;
		return;
	}
	if ((f = malloc(len + 1)) == NULL) {
		p->err = -12;
		return;
	}
	memcpy(f, s, len);
	f[len] = '\0';
	p->cols[p->ncol++] = f;
}

static const char *
codes_nuts_iso(const char *nuts_country)
{
	static const char *map[][2] = { { "EL", "GR" }, { "UK", "GB" } };
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(nuts_country, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

static void
codes_row_cb(int c, void *arg)
{
	struct codes_parse *p = arg;
	struct code_entry *e, *nv;
	const char *iso;
	int i, want = p->kind == 0 ? 3 : 4;

	(void)c;
	if (p->err)
		goto out;
	if (p->row++ == 0)
		goto out; /* header */
	if (p->ncol != want || strlen(p->cols[0]) >= sizeof(e->code)) {
		p->err = SD_EINVAL;
		goto out;
	}
	if (p->list->n == p->list->cap) {
		size_t ncap = p->list->cap ? p->list->cap * 2 : 256;
		if ((nv = realloc(p->list->v, ncap * sizeof(*nv))) == NULL) {
			p->err = -12;
			goto out;
		}
		p->list->v = nv;
		p->list->cap = ncap;
	}
	e = &p->list->v[p->list->n];
	memset(e, 0, sizeof(*e));
	strcpy(e->code, p->cols[0]);
	switch (p->kind) {
	case 0: /* alpha2,alpha3,name */
		e->label = p->cols[2];
		p->cols[2] = NULL;
		break;
	case 1: /* code,country,level,label */
		iso = codes_nuts_iso(p->cols[1]);
		if (iso == NULL)
			iso = p->cols[1];
		if (strlen(iso) != 2) {
			p->err = SD_EINVAL;
			goto out;
		}
		memcpy(e->country, iso, 3);
		e->level = (unsigned char)atoi(p->cols[2]);
		e->label = p->cols[3];
		p->cols[3] = NULL;
		break;
	default: /* code,level,section,label */
		e->level = (unsigned char)atoi(p->cols[1]);
		e->section = p->cols[2][0];
		e->label = p->cols[3];
		p->cols[3] = NULL;
		break;
	}
	p->list->n++;
out:
	for (i = 0; i < CODES_MAXCOLS; i++) {
		free(p->cols[i]);
		p->cols[i] = NULL;
	}
	p->ncol = 0;
}

static int
codes_entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct code_entry *)a)->code,
	    ((const struct code_entry *)b)->code);
}

static int
codes_load(
    struct code_list *list, int kind, const unsigned char *data, size_t len)
{
	struct csv_parser parser;
	struct codes_parse p;
	int rc = 0, i;

	memset(&p, 0, sizeof(p));
	p.list = list;
	p.kind = kind;
	if (csv_init(&parser, CSV_STRICT | CSV_APPEND_NULL) != 0)
		return -12;
	if (csv_parse(&parser, data, len, codes_field_cb, codes_row_cb, &p) !=
	        len ||
	    csv_fini(&parser, codes_field_cb, codes_row_cb, &p) != 0)
		rc = SD_EINVAL;
	csv_free(&parser);
	for (i = 0; i < CODES_MAXCOLS; i++)
		free(p.cols[i]);
	if (rc == 0)
		rc = p.err;
	if (rc == 0)
		qsort(list->v, list->n, sizeof(*list->v), codes_entry_cmp);
	return rc;
}

int
codes_new(struct codes **out)
{
	struct codes *c;
	int rc;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -12;
	if ((rc = codes_load(
	         &c->iso, 0, sd_data_iso_3166_1, sd_data_iso_3166_1_len)) != 0)
		goto out_free;
	if ((rc = codes_load(
	         &c->nuts, 1, sd_data_nuts_2024, sd_data_nuts_2024_len)) != 0)
		goto out_free;
	if ((rc = codes_load(&c->nace[CODES_NACE_REV2], 2, sd_data_nace_rev2,
	         sd_data_nace_rev2_len)) != 0)
		goto out_free;
	if ((rc = codes_load(&c->nace[CODES_NACE_REV2_1], 2,
	         sd_data_nace_rev2_1, sd_data_nace_rev2_1_len)) != 0)
		goto out_free;
	*out = c;
	return 0;
out_free:
	codes_free(c);
	return rc;
}

static void
codes_list_free(struct code_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].label);
	free(l->v);
}

void
codes_free(struct codes *c)
{
	if (c == NULL)
		return;
	codes_list_free(&c->iso);
	codes_list_free(&c->nuts);
	codes_list_free(&c->nace[0]);
	codes_list_free(&c->nace[1]);
	free(c);
}

static const struct code_entry *
codes_find(const struct code_list *l, const char *code)
{
	struct code_entry key;

	if (code == NULL || strlen(code) >= sizeof(key.code))
		return NULL;
	memset(&key, 0, sizeof(key));
	strcpy(key.code, code);
	return bsearch(&key, l->v, l->n, sizeof(*l->v), codes_entry_cmp);
}

const char *
codes_country(const struct codes *c, const char *alpha2)
{
	const struct code_entry *e = codes_find(&c->iso, alpha2);

	return e ? e->label : NULL;
}

int
codes_nuts(const struct codes *c, const char *code, const char **iso_country,
    int *level)
{
	const struct code_entry *e = codes_find(&c->nuts, code);

	if (e == NULL)
		return SD_ENOTFOUND;
	if (iso_country)
		*iso_country = e->country;
	if (level)
		*level = e->level;
	return 0;
}

int
codes_nace(
    const struct codes *c, int rev, const char *code, char *section, int *level)
{
	const struct code_entry *e;

	if (rev != CODES_NACE_REV2 && rev != CODES_NACE_REV2_1)
		return SD_ENOTFOUND;
	if ((e = codes_find(&c->nace[rev], code)) == NULL)
		return SD_ENOTFOUND;
	if (section)
		*section = e->section;
	if (level)
		*level = e->level;
	return 0;
}

const char *
codes_nace_label(const struct codes *c, int rev, const char *code)
{
	const struct code_entry *e;

	if (rev != CODES_NACE_REV2 && rev != CODES_NACE_REV2_1)
		return NULL;
	e = codes_find(&c->nace[rev], code);
	return e ? e->label : NULL;
}

/* in, upper-cased, into out; SD_EINVAL if it does not fit or is empty. */
static int
codes_upper(const char *in, char *out, size_t outlen)
{
	size_t i, n = strlen(in);

	if (n == 0 || n >= outlen)
		return SD_EINVAL;
	for (i = 0; i <= n; i++)
		out[i] = (char)toupper((unsigned char)in[i]);
	return 0;
}

int
codes_norm_country(
    const struct codes *c, const char *in, char *out, size_t outlen)
{
	if (outlen < 3 || strlen(in) != 2 || codes_upper(in, out, outlen) != 0)
		return SD_EINVAL;
	if (strcmp(out, "EL") == 0)
		memcpy(out, "GR", 3);
	else if (strcmp(out, "UK") == 0)
		memcpy(out, "GB", 3);
	return codes_country(c, out) != NULL ? 0 : SD_EINVAL;
}

int
codes_norm_nuts(const struct codes *c, const char *in, char *out, size_t outlen)
{
	if (strlen(in) == 2)
		return codes_norm_country(c, in, out, outlen);
	if (codes_upper(in, out, outlen) != 0)
		return SD_EINVAL;
	return codes_nuts(c, out, NULL, NULL) == 0 ? 0 : SD_EINVAL;
}

/* Whether code (official form) exists in rev (-1: either) with section
 * letter sec (0: any). */
static int
codes_nace_in(const struct codes *c, int rev, const char *code, char sec)
{
	int r;

	for (r = CODES_NACE_REV2_1; r <= CODES_NACE_REV2; r++) {
		char s = 0;
		if (rev >= 0 && r != rev)
			continue;
		if (codes_nace(c, r, code, &s, NULL) == 0 &&
		    (sec == 0 || s == sec))
			return 1;
	}
	return 0;
}

int
codes_norm_nace(
    const struct codes *c, int rev, const char *in, char *out, size_t outlen)
{
	char sec = 0;
	size_t n = strlen(in);

	if (n == 0 || n >= outlen)
		return SD_EINVAL;
	if (n == 1 && isalpha((unsigned char)in[0])) {
		out[0] = (char)toupper((unsigned char)in[0]);
		out[1] = '\0';
		return codes_nace_in(c, rev, out, 0) ? 0 : SD_EINVAL;
	}
	if (isalpha((unsigned char)in[0])) {
		sec = (char)toupper((unsigned char)in[0]);
		in++;
		n--;
	}
	if (!isdigit((unsigned char)in[0]))
		return SD_EINVAL;
	memcpy(out, in, n + 1);
	return codes_nace_in(c, rev, out, sec) ? 0 : SD_EINVAL;
}
