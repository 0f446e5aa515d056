/*
 * store_terms: index derivation. The index keys a member implies (filter
 * terms, employee count, folded and stemmed text tokens), each with its
 * frequency in the field and the field's length: what store_index.c
 * writes and removes, store_reindex.c rebuilds and store_fsck.c expects.
 * Pure: no transaction.
 */
#include "store_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hex.h"
#include "text.h"

int
store_field_stemmed(int field)
{
	return field != STORE_F_CITY &&
	    strchr(STORE_TEXT_FIELDS, field) != NULL;
}

int
store_field_bitmap(int field)
{
	return field != 0 && strchr("crskzm", field) != NULL;
}

static int
store_text_index(int field)
{
	const char *p = field ? strchr(STORE_TEXT_FIELDS, field) : NULL;

	return p ? (int)(p - STORE_TEXT_FIELDS) : -1;
}

static void
pkeys_add(struct store_pkeys *ks, int field, const char *term, size_t len)
{
	struct store_pkey *nv;

	if (ks->err)
		return;
	if (len + 1 > STORE_PKEY_MAX)
		len = STORE_PKEY_MAX - 1;
	if (ks->n == ks->cap) {
		size_t ncap = ks->cap ? ks->cap * 2 : 64;
		if ((nv = realloc(ks->v, ncap * sizeof(*nv))) == NULL) {
			ks->err = -ENOMEM;
			return;
		}
		ks->v = nv;
		ks->cap = ncap;
	}
	ks->v[ks->n].k[0] = (char)field;
	memcpy(ks->v[ks->n].k + 1, term, len);
	ks->v[ks->n].len = (uint16_t)(len + 1);
	ks->v[ks->n].tf = 1;
	ks->v[ks->n].flen = 0;
	ks->n++;
}

struct store_pkeys_text {
	struct store_pkeys *ks;
	int field;
};

static int
pkeys_token_cb(void *arg, const char *tok, size_t len)
{
	struct store_pkeys_text *t = arg;
	int ti = store_text_index(t->field);

	if (store_field_stemmed(t->field))
		tok = text_stem(t->ks->stem, tok, len, &len);
	pkeys_add(t->ks, t->field, tok, len);
	if (ti >= 0)
		t->ks->ntok[ti]++;
	return t->ks->err;
}

static void
pkeys_text(struct store_pkeys *ks, int field, const char *s)
{
	struct store_pkeys_text t = { ks, field };

	if (s != NULL && ks->err == 0 &&
	    text_tokens(s, pkeys_token_cb, &t) != 0 && ks->err == 0)
		ks->err = SD_EINVAL;
}

static int
pkey_cmp(const void *a, const void *b)
{
	const struct store_pkey *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->k, y->k, n);

	return c ? c : (int)x->len - (int)y->len;
}

/* The index keys of m, sorted, each once with its frequency; ks->ntok
 * holds the text fields' lengths. stem may be NULL (no stemming). */
int
store_pkeys_of_member(const struct codes *codes, struct text_stem *stem,
    const Sd__Member *m, struct store_pkeys *ks)
{
	size_t i, out;
	char hex[2 * MEMBER_ID_BYTES + 1];
	int rev = m->has_nace_rev ? (int)m->nace_rev : CODES_NACE_REV2_1;

	memset(ks, 0, sizeof(*ks));
	ks->stem = stem;
	pkeys_add(ks, STORE_F_COUNTRY, m->country, strlen(m->country));
	if (m->region != NULL) {
		size_t rl = strlen(m->region);
		for (i = 3; i <= rl; i++)
			pkeys_add(ks, STORE_F_REGION, m->region, i);
	}
	for (i = 0; i < m->n_sectors; i++) {
		const char *s = m->sectors[i];
		size_t sl = strlen(s);
		char section = 0;
		if (codes_nace(codes, rev, s, &section, NULL) == 0)
			pkeys_add(ks, STORE_F_SECTOR, &section, 1);
		if (sl >= 2 && s[0] >= '0' && s[0] <= '9') {
			pkeys_add(ks, STORE_F_SECTOR, s, 2);
			if (sl >= 4)
				pkeys_add(ks, STORE_F_SECTOR, s, 4);
			if (sl >= 5)
				pkeys_add(ks, STORE_F_SECTOR, s, 5);
		}
	}
	pkeys_add(ks, STORE_F_KIND, record_kind_name(m->kind),
	    strlen(record_kind_name(m->kind)));
	if (m->has_employees) {
		uint8_t e[4] = { (uint8_t)(m->employees >> 24),
			(uint8_t)(m->employees >> 16),
			(uint8_t)(m->employees >> 8), (uint8_t)m->employees };
		pkeys_add(ks, STORE_F_SIZE, record_size_class(m->employees),
		    strlen(record_size_class(m->employees)));
		pkeys_add(ks, STORE_F_EMPLOYEES, (const char *)e, 4);
	}
	for (i = 0; i < m->n_memberships; i++) {
		hex_encode(m->memberships[i].data, MEMBER_ID_BYTES, hex);
		pkeys_add(ks, STORE_F_MEMBERSHIP, hex, 2 * MEMBER_ID_BYTES);
	}
	pkeys_text(ks, STORE_F_NAME, m->name);
	for (i = 0; i < m->n_capabilities; i++)
		pkeys_text(ks, STORE_F_CAPABILITY, m->capabilities[i]);
	for (i = 0; i < m->n_offers; i++)
		pkeys_text(ks, STORE_F_OFFER, m->offers[i]);
	for (i = 0; i < m->n_seeks; i++)
		pkeys_text(ks, STORE_F_SEEK, m->seeks[i]);
	pkeys_text(ks, STORE_F_DESCRIPTION, m->description);
	pkeys_text(ks, STORE_F_CITY, m->city);
	if (ks->err) {
		free(ks->v);
		ks->v = NULL;
		return ks->err;
	}
	if (ks->n > 1) {
		qsort(ks->v, ks->n, sizeof(*ks->v), pkey_cmp);
		for (i = 1, out = 1; i < ks->n; i++) {
			if (pkey_cmp(&ks->v[i], &ks->v[out - 1]) != 0)
				ks->v[out++] = ks->v[i];
			else if (ks->v[out - 1].tf < 255)
				ks->v[out - 1].tf++;
		}
		ks->n = out;
	}
	for (i = 0; i < ks->n; i++) {
		int ti = store_text_index(ks->v[i].k[0]);
		if (ti >= 0)
			ks->v[i].flen =
			    (uint8_t)(ks->ntok[ti] > 255 ? 255 : ks->ntok[ti]);
	}
	return 0;
}
