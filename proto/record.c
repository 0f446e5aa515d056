#include "record.h"

#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <utf8proc.h>

#include "err.h"

static const char *record_kinds[] = {
	"unknown",
	"sme",
	"large",
	"cluster",
	"rto",
	"university",
	"agency",
	"network",
	"investor",
};

const char *
record_kind_name(int kind)
{
	if (kind <= 0 ||
	    kind >= (int)(sizeof(record_kinds) / sizeof(record_kinds[0])))
		return record_kinds[0];
	return record_kinds[kind];
}

int
record_kind_parse(const char *s)
{
	int i;

	for (i = 1; i < (int)(sizeof(record_kinds) / sizeof(record_kinds[0]));
	     i++)
		if (strcasecmp(s, record_kinds[i]) == 0)
			return i;
	return -1;
}

const char *
record_size_class(uint32_t employees)
{
	if (employees < 10)
		return "micro";
	if (employees < 50)
		return "small";
	if (employees < 250)
		return "medium";
	return "large";
}

uint64_t
record_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int
record_err(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* The signed message: domain || origin || be64(seq) || body. */
static uint8_t *
record_message(const uint8_t *origin, uint64_t seq, const uint8_t *body,
    size_t bodylen, size_t *mlen)
{
	size_t dlen = strlen(RECORD_DOMAIN), i;
	uint8_t *m;

	*mlen = dlen + KEY_PUBLIC_BYTES + 8 + bodylen;
	if ((m = malloc(*mlen ? *mlen : 1)) == NULL)
		return NULL;
	memcpy(m, RECORD_DOMAIN, dlen);
	memcpy(m + dlen, origin, KEY_PUBLIC_BYTES);
	for (i = 0; i < 8; i++)
		m[dlen + KEY_PUBLIC_BYTES + i] = (uint8_t)(seq >> (56 - 8 * i));
	if (bodylen)
		memcpy(m + dlen + KEY_PUBLIC_BYTES + 8, body, bodylen);
	return m;
}

int
record_sign(const struct key *k, uint64_t seq, const uint8_t *body,
    size_t bodylen, uint8_t **out, size_t *outlen)
{
	Sd__SignedRecord sr = SD__SIGNED_RECORD__INIT;
	uint8_t sig[KEY_SIG_BYTES], *m, *buf;
	size_t mlen, len;
	int rc;

	if (seq == 0)
		return SD_EINVAL;
	if ((m = record_message(k->pk, seq, body, bodylen, &mlen)) == NULL)
		return -ENOMEM;
	rc = key_sign(k, m, mlen, sig);
	free(m);
	if (rc != 0)
		return rc;
	sr.origin.data = (uint8_t *)k->pk;
	sr.origin.len = KEY_PUBLIC_BYTES;
	sr.seq = seq;
	sr.body.data = (uint8_t *)body;
	sr.body.len = bodylen;
	sr.sig.data = sig;
	sr.sig.len = sizeof(sig);
	len = sd__signed_record__get_packed_size(&sr);
	if (len > RECORD_MAX_BYTES)
		return SD_ETOOBIG;
	if ((buf = malloc(len)) == NULL)
		return -ENOMEM;
	sd__signed_record__pack(&sr, buf);
	*out = buf;
	*outlen = len;
	return 0;
}

int
record_verify(const Sd__SignedRecord *rec)
{
	uint8_t *m;
	size_t mlen;
	int rc;

	if (rec->origin.len != KEY_PUBLIC_BYTES ||
	    rec->sig.len != KEY_SIG_BYTES || rec->seq == 0)
		return SD_ESIG;
	if ((m = record_message(rec->origin.data, rec->seq, rec->body.data,
	         rec->body.len, &mlen)) == NULL)
		return -ENOMEM;
	rc = crypto_sign_verify_detached(
	         rec->sig.data, m, mlen, rec->origin.data) == 0
	    ? 0
	    : SD_ESIG;
	free(m);
	return rc;
}

int
record_text_ok(const char *s, size_t max, int multiline)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t len = strlen(s), off = 0;
	utf8proc_int32_t cp;
	utf8proc_ssize_t n;

	if (len > max)
		return 0;
	while (off < len) {
		n = utf8proc_iterate(
		    p + off, (utf8proc_ssize_t)(len - off), &cp);
		if (n <= 0)
			return 0;
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			if (!multiline ||
			    (cp != '\n' && cp != '\t' && cp != '\r'))
				return 0;
		}
		off += (size_t)n;
	}
	return 1;
}

/* 1 if s holds nothing but white space (any Unicode space separator). */
static int
record_blank(const char *s)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	size_t len = strlen(s), off = 0;
	utf8proc_int32_t cp;
	utf8proc_ssize_t n;

	while (off < len) {
		n = utf8proc_iterate(
		    p + off, (utf8proc_ssize_t)(len - off), &cp);
		if (n <= 0)
			return 0; /* not text at all: reported as such later */
		if (cp != '\t' && cp != '\n' && cp != '\r' &&
		    utf8proc_category(cp) != UTF8PROC_CATEGORY_ZS)
			return 0;
		off += (size_t)n;
	}
	return 1;
}

/* A DNS host name: labels of letters, digits and hyphens, at least two. */
static int
record_host_ok(const char *h, size_t len)
{
	size_t i, label = 0, dots = 0;

	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)h[i];
		if (ch == '.') {
			if (label == 0 || h[i - 1] == '-')
				return 0;
			label = 0;
			dots++;
		} else if (isalnum(ch) || (ch == '-' && label > 0)) {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return dots > 0 && label > 0 && h[len - 1] != '-';
}

static int
record_website_ok(const char *w)
{
	const char *host, *end;
	size_t i;

	if (strncmp(w, "https://", 8) == 0)
		host = w + 8;
	else if (strncmp(w, "http://", 7) == 0)
		host = w + 7;
	else
		return 0;
	end = host + strcspn(host, ":/?#");
	if (!record_host_ok(host, (size_t)(end - host)))
		return 0;
	if (*end == ':') {
		const char *port = end + 1;
		size_t pl = strspn(port, "0123456789");
		if (pl == 0 || pl > 5)
			return 0;
		end = port + pl;
	}
	for (i = 0; end[i]; i++)
		if ((unsigned char)end[i] <= 0x20 ||
		    (unsigned char)end[i] >= 0x7f)
			return 0;
	return end[0] == '\0' || end[0] == '/' || end[0] == '?' ||
	    end[0] == '#';
}

static int
record_email_ok(const char *e)
{
	const char *at = strchr(e, '@');
	size_t i;

	if (at == NULL || at == e || strchr(at + 1, '@') != NULL || at - e > 64)
		return 0;
	for (i = 0; e + i < at; i++) {
		unsigned char ch = (unsigned char)e[i];
		if (ch <= 0x20 || ch >= 0x7f || strchr("()<>,;:\\\"[]", ch))
			return 0;
	}
	return record_host_ok(at + 1, strlen(at + 1));
}

static int
record_list_ok(char **v, size_t n, size_t maxn, size_t maxlen, const char *what,
    char *err, size_t errlen)
{
	size_t i;

	if (n > maxn)
		return record_err(err, errlen, SD_EINVAL,
		    "too many %s: %zu (at most %zu)", what, n, maxn);
	for (i = 0; i < n; i++) {
		if (v[i] == NULL || record_blank(v[i]))
			return record_err(err, errlen, SD_EINVAL,
			    "%s #%zu is empty", what, i + 1);
		if (strlen(v[i]) > maxlen)
			return record_err(err, errlen, SD_EINVAL,
			    "%s #%zu is too long: %zu bytes (at most %zu)",
			    what, i + 1, strlen(v[i]), maxlen);
		if (!record_text_ok(v[i], maxlen, 0))
			return record_err(err, errlen, SD_EINVAL,
			    "%s #%zu is not valid UTF-8 text", what, i + 1);
	}
	return 0;
}

static int
record_str_ok(const char *s, size_t max, int multiline, const char *what,
    char *err, size_t errlen)
{
	if (s == NULL)
		return 0;
	if (strlen(s) > max)
		return record_err(err, errlen, SD_EINVAL,
		    "%s is too long: %zu bytes (at most %zu)", what, strlen(s),
		    max);
	if (!record_text_ok(s, max, multiline))
		return record_err(err, errlen, SD_EINVAL,
		    "%s is not valid UTF-8 text (or holds control characters)",
		    what);
	return 0;
}

int
record_member_validate(
    const struct codes *c, const Sd__Member *m, char *err, size_t errlen)
{
	const char *nuts_country;
	size_t i, j;
	int rc, rev;

	if (m->id.len != MEMBER_ID_BYTES)
		return record_err(err, errlen, SD_EINVAL,
		    "member id must be %d bytes, not %zu", MEMBER_ID_BYTES,
		    m->id.len);
	if (m->name == NULL || record_blank(m->name))
		return record_err(err, errlen, SD_EINVAL, "name is empty");
	if ((rc = record_str_ok(
	         m->name, MEMBER_NAME_MAX, 0, "name", err, errlen)) != 0)
		return rc;
	if (m->kind <= SD__MEMBER_KIND__KIND_UNSPECIFIED ||
	    m->kind > SD__MEMBER_KIND__KIND_INVESTOR)
		return record_err(err, errlen, SD_EINVAL,
		    "kind must be one of sme, large, cluster, rto, university, "
		    "agency, network, investor");
	if (m->country == NULL || codes_country(c, m->country) == NULL)
		return record_err(err, errlen, SD_EINVAL,
		    "unknown country '%s' (expected an ISO 3166-1 alpha-2 "
		    "code)",
		    m->country ? m->country : "");
	if (m->region != NULL && m->region[0] != '\0') {
		if (codes_nuts(c, m->region, &nuts_country, NULL) != 0)
			return record_err(err, errlen, SD_EINVAL,
			    "unknown NUTS region '%s'", m->region);
		if (strcmp(nuts_country, m->country) != 0)
			return record_err(err, errlen, SD_EINVAL,
			    "NUTS region '%s' is not in country %s", m->region,
			    m->country);
	}
	if ((rc = record_str_ok(
	         m->city, MEMBER_CITY_MAX, 0, "city", err, errlen)) != 0)
		return rc;
	if ((rc = record_str_ok(m->description, MEMBER_DESC_MAX, 1,
	         "description", err, errlen)) != 0)
		return rc;
	if (m->website != NULL && m->website[0] != '\0' &&
	    (strlen(m->website) > MEMBER_WEBSITE_MAX ||
	        !record_website_ok(m->website)))
		return record_err(err, errlen, SD_EINVAL,
		    "invalid website '%.80s' (expected http:// or https:// and "
		    "a host name)",
		    m->website);
	if (m->email != NULL && m->email[0] != '\0' &&
	    (strlen(m->email) > MEMBER_EMAIL_MAX || !record_email_ok(m->email)))
		return record_err(err, errlen, SD_EINVAL,
		    "invalid email address '%.80s'", m->email);
	if (m->phone != NULL && m->phone[0] != '\0' &&
	    (strlen(m->phone) > MEMBER_PHONE_MAX ||
	        strspn(m->phone, "+0123456789 ()-./") != strlen(m->phone)))
		return record_err(err, errlen, SD_EINVAL,
		    "invalid phone number '%.40s'", m->phone);
	rev = m->has_nace_rev ? (int)m->nace_rev : CODES_NACE_REV2_1;
	if (rev != CODES_NACE_REV2 && rev != CODES_NACE_REV2_1)
		return record_err(
		    err, errlen, SD_EINVAL, "unknown NACE revision");
	if (m->n_sectors > MEMBER_SECTORS_MAX)
		return record_err(err, errlen, SD_EINVAL,
		    "too many sectors: %zu (at most %d)", m->n_sectors,
		    MEMBER_SECTORS_MAX);
	for (i = 0; i < m->n_sectors; i++)
		if (codes_nace(c, rev, m->sectors[i], NULL, NULL) != 0)
			return record_err(err, errlen, SD_EINVAL,
			    "unknown NACE %s code '%.20s'",
			    rev == CODES_NACE_REV2 ? "Rev. 2" : "Rev. 2.1",
			    m->sectors[i]);
	if ((rc = record_list_ok(m->capabilities, m->n_capabilities,
	         MEMBER_ITEMS_MAX, MEMBER_ITEM_MAX, "capabilities", err,
	         errlen)) != 0)
		return rc;
	if ((rc = record_list_ok(m->offers, m->n_offers, MEMBER_ITEMS_MAX,
	         MEMBER_ITEM_MAX, "offers", err, errlen)) != 0)
		return rc;
	if ((rc = record_list_ok(m->seeks, m->n_seeks, MEMBER_ITEMS_MAX,
	         MEMBER_ITEM_MAX, "seeks", err, errlen)) != 0)
		return rc;
	if (m->has_employees && m->employees > MEMBER_EMPLOYEES_MAX)
		return record_err(err, errlen, SD_EINVAL,
		    "employees %u is implausible (at most %u)", m->employees,
		    MEMBER_EMPLOYEES_MAX);
	if (m->has_founded && (m->founded < 1000 || m->founded > 2100))
		return record_err(err, errlen, SD_EINVAL,
		    "founded year %u is out of range (1000-2100)", m->founded);
	if (m->n_memberships > MEMBER_MEMBERSHIPS_MAX)
		return record_err(err, errlen, SD_EINVAL,
		    "too many memberships: %zu (at most %d)", m->n_memberships,
		    MEMBER_MEMBERSHIPS_MAX);
	for (i = 0; i < m->n_memberships; i++)
		if (m->memberships[i].len != MEMBER_ID_BYTES)
			return record_err(err, errlen, SD_EINVAL,
			    "membership #%zu is not a %d-byte member id", i + 1,
			    MEMBER_ID_BYTES);
	if (m->n_languages > MEMBER_LANGUAGES_MAX)
		return record_err(err, errlen, SD_EINVAL,
		    "too many languages: %zu (at most %d)", m->n_languages,
		    MEMBER_LANGUAGES_MAX);
	for (i = 0; i < m->n_languages; i++) {
		const char *l = m->languages[i];
		if (l == NULL || strlen(l) != 2 ||
		    !islower((unsigned char)l[0]) ||
		    !islower((unsigned char)l[1]))
			return record_err(err, errlen, SD_EINVAL,
			    "language #%zu is not an ISO 639-1 code", i + 1);
		for (j = 0; j < i; j++)
			if (strcmp(m->languages[j], l) == 0)
				return record_err(err, errlen, SD_EINVAL,
				    "language '%s' is listed twice", l);
	}
	return 0;
}

int
record_cert_validate(
    const struct codes *c, const Sd__NodeCert *nc, char *err, size_t errlen)
{
	const char *nuts_country;
	size_t i, j;
	int rc;

	if (nc->node_key.len != KEY_PUBLIC_BYTES)
		return record_err(err, errlen, SD_EINVAL,
		    "certificate node key must be %d bytes", KEY_PUBLIC_BYTES);
	if (nc->name == NULL || nc->name[0] == '\0')
		return record_err(
		    err, errlen, SD_EINVAL, "certificate name is empty");
	if ((rc = record_str_ok(nc->name, MEMBER_NAME_MAX, 0,
	         "certificate name", err, errlen)) != 0)
		return rc;
	if (nc->n_countries == 0 || nc->n_countries > 64)
		return record_err(err, errlen, SD_EINVAL,
		    "a certificate needs 1 to 64 countries");
	for (i = 0; i < nc->n_countries; i++)
		if (codes_country(c, nc->countries[i]) == NULL)
			return record_err(err, errlen, SD_EINVAL,
			    "unknown country '%.8s' in certificate",
			    nc->countries[i]);
	if (nc->n_nuts_prefixes > 256)
		return record_err(err, errlen, SD_EINVAL,
		    "too many NUTS prefixes in certificate");
	for (i = 0; i < nc->n_nuts_prefixes; i++) {
		if (codes_nuts(c, nc->nuts_prefixes[i], &nuts_country, NULL) !=
		    0)
			return record_err(err, errlen, SD_EINVAL,
			    "unknown NUTS region '%.8s' in certificate",
			    nc->nuts_prefixes[i]);
		for (j = 0; j < nc->n_countries; j++)
			if (strcmp(nc->countries[j], nuts_country) == 0)
				break;
		if (j == nc->n_countries)
			return record_err(err, errlen, SD_EINVAL,
			    "NUTS region '%s' is outside the certificate's "
			    "countries",
			    nc->nuts_prefixes[i]);
	}
	if ((rc = record_list_ok(nc->addresses, nc->n_addresses, 16, 255,
	         "addresses", err, errlen)) != 0)
		return rc;
	return 0;
}

int
record_scope_check(
    const Sd__NodeCert *nc, const Sd__Member *m, char *err, size_t errlen)
{
	size_t i;
	int in_country = 0, has_prefix = 0;

	for (i = 0; i < nc->n_countries; i++)
		if (strcmp(nc->countries[i], m->country) == 0)
			in_country = 1;
	if (!in_country)
		return record_err(err, errlen, SD_ESCOPE,
		    "country %s is outside this node's certificate",
		    m->country);
	for (i = 0; i < nc->n_nuts_prefixes; i++) {
		const char *p = nc->nuts_prefixes[i];
		/* A NUTS prefix of another country does not restrict this one;
		 * NUTS codes begin with the country (EL and UK aside). */
		if (strncmp(p, m->country, 2) != 0 &&
		    !(strncmp(p, "EL", 2) == 0 &&
		        strcmp(m->country, "GR") == 0) &&
		    !(strncmp(p, "UK", 2) == 0 &&
		        strcmp(m->country, "GB") == 0))
			continue;
		has_prefix = 1;
		if (m->region != NULL && strncmp(m->region, p, strlen(p)) == 0)
			return 0;
	}
	if (has_prefix)
		return record_err(err, errlen, SD_ESCOPE,
		    "region '%s' is outside this node's certificate",
		    m->region ? m->region : "");
	return 0;
}

int
record_open(const struct codes *c, const uint8_t *buf, size_t len,
    uint64_t now_ms, struct record *out, char *err, size_t errlen)
{
	Sd__SignedRecord *sr;
	Sd__RecordBody *b = NULL;
	int rc = 0;

	if (len > RECORD_MAX_BYTES)
		return record_err(err, errlen, SD_ETOOBIG,
		    "record of %zu bytes exceeds %d", len, RECORD_MAX_BYTES);
	if ((sr = sd__signed_record__unpack(NULL, len, buf)) == NULL)
		return record_err(
		    err, errlen, SD_EDECODE, "not a valid SignedRecord");
	if (record_verify(sr) != 0) {
		rc = record_err(err, errlen, SD_ESIG,
		    "signature does not verify (record seq %llu)",
		    (unsigned long long)sr->seq);
		goto out;
	}
	if ((b = sd__record_body__unpack(NULL, sr->body.len, sr->body.data)) ==
	    NULL) {
		rc = record_err(err, errlen, SD_EDECODE,
		    "record body is not a valid RecordBody");
		goto out;
	}
	if (b->signed_at_ms > now_ms + RECORD_FUTURE_MS) {
		rc = record_err(err, errlen, SD_EINVAL,
		    "record signed %llu ms in the future",
		    (unsigned long long)(b->signed_at_ms - now_ms));
		goto out;
	}
	switch (b->kind_case) {
	case SD__RECORD_BODY__KIND_MEMBER:
		rc = record_member_validate(c, b->member, err, errlen);
		break;
	case SD__RECORD_BODY__KIND_TOMBSTONE:
		if (b->tombstone->member_id.len != MEMBER_ID_BYTES)
			rc = record_err(err, errlen, SD_EINVAL,
			    "tombstone member id must be %d bytes",
			    MEMBER_ID_BYTES);
		break;
	case SD__RECORD_BODY__KIND_NODE_CERT:
		rc = record_cert_validate(c, b->node_cert, err, errlen);
		break;
	case SD__RECORD_BODY__KIND_REVOCATION:
		if (b->revocation->node_key.len != KEY_PUBLIC_BYTES)
			rc = record_err(err, errlen, SD_EINVAL,
			    "revocation node key must be %d bytes",
			    KEY_PUBLIC_BYTES);
		else
			rc = record_str_ok(b->revocation->reason, 1000, 0,
			    "revocation reason", err, errlen);
		break;
	default:
		/* A kind of a later release: a field this build cannot name.
		 * Its signature is verified (above); it is relayed, not read. */
		if (b->base.n_unknown_fields == 0)
			rc = record_err(err, errlen, SD_EINVAL,
			    "record body holds no kind");
		break;
	}
	if (rc == 0 && b->has_subject &&
	    (b->subject.len == 0 || b->subject.len > RECORD_SUBJECT_MAX))
		rc = record_err(err, errlen, SD_EINVAL,
		    "record subject of %zu bytes (1 to %d)", b->subject.len,
		    RECORD_SUBJECT_MAX);
out:
	if (rc == 0) {
		out->rec = sr;
		out->body = b;
	} else {
		if (b)
			sd__record_body__free_unpacked(b, NULL);
		sd__signed_record__free_unpacked(sr, NULL);
	}
	return rc;
}

/* s rewritten in place as norm (never longer); unchanged if norm fails. */
static void
record_norm_in_place(char *s, int ok, const char *norm)
{
	if (s != NULL && ok == 0 && strlen(norm) <= strlen(s))
		memcpy(s, norm, strlen(norm) + 1);
}

void
record_member_normalise(const struct codes *c, Sd__Member *m)
{
	char buf[64];
	size_t i, j;
	int rev = m->has_nace_rev ? (int)m->nace_rev : CODES_NACE_REV2_1;

	if (m->country != NULL)
		record_norm_in_place(m->country,
		    codes_norm_country(c, m->country, buf, sizeof(buf)), buf);
	/* A member's region is of level 1-3 (a country code is not one). */
	if (m->region != NULL && strlen(m->region) > 2)
		record_norm_in_place(m->region,
		    codes_norm_nuts(c, m->region, buf, sizeof(buf)), buf);
	if (rev == CODES_NACE_REV2 || rev == CODES_NACE_REV2_1)
		for (i = 0; i < m->n_sectors; i++)
			if (m->sectors[i] != NULL)
				record_norm_in_place(m->sectors[i],
				    codes_norm_nace(c, rev, m->sectors[i], buf,
				        sizeof(buf)),
				    buf);
	for (i = 0; i < m->n_languages; i++)
		for (j = 0; m->languages[i] != NULL && m->languages[i][j]; j++)
			m->languages[i][j] =
			    (char)tolower((unsigned char)m->languages[i][j]);
}

int
record_kind_known(const Sd__RecordBody *b)
{
	switch (b->kind_case) {
	case SD__RECORD_BODY__KIND_MEMBER:
	case SD__RECORD_BODY__KIND_TOMBSTONE:
	case SD__RECORD_BODY__KIND_NODE_CERT:
	case SD__RECORD_BODY__KIND_REVOCATION: return 1;
	default: return 0;
	}
}

int
record_decode(const uint8_t *buf, size_t len, struct record *out)
{
	Sd__SignedRecord *sr;
	Sd__RecordBody *b;

	if ((sr = sd__signed_record__unpack(NULL, len, buf)) == NULL)
		return SD_EDECODE;
	if ((b = sd__record_body__unpack(NULL, sr->body.len, sr->body.data)) ==
	    NULL) {
		sd__signed_record__free_unpacked(sr, NULL);
		return SD_EDECODE;
	}
	out->rec = sr;
	out->body = b;
	return 0;
}

void
record_close(struct record *r)
{
	if (r->body)
		sd__record_body__free_unpacked(r->body, NULL);
	if (r->rec)
		sd__signed_record__free_unpacked(r->rec, NULL);
	r->body = NULL;
	r->rec = NULL;
}
