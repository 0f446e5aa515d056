#include "memberio.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hex.h"
#include "record.h"
#include "text.h"

#define MEMBERIO_LIST_MAX 1000 /* items accepted before validation caps */

static int
mio_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return SD_EINVAL;
}

Sd__Member *
memberio_new(void)
{
	Sd__Member *m = calloc(1, sizeof(*m));

	if (m != NULL)
		sd__member__init(m);
	return m;
}

static void
mio_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
mio_str_set(char **slot, char *v)
{
	/* protobuf-c's init points unset optional strings at a shared
	 * default; only free what memberio allocated (never the default). */
	if (*slot != NULL && *slot != protobuf_c_empty_string)
		free(*slot);
	*slot = v;
}

void
memberio_free(Sd__Member *m)
{
	size_t i;

	if (m == NULL)
		return;
	free(m->id.data);
	mio_str_set(&m->name, NULL);
	mio_str_set(&m->country, NULL);
	mio_str_set(&m->region, NULL);
	mio_str_set(&m->city, NULL);
	mio_str_set(&m->website, NULL);
	mio_str_set(&m->description, NULL);
	mio_str_set(&m->email, NULL);
	mio_str_set(&m->phone, NULL);
	mio_strv_free(m->sectors, m->n_sectors);
	mio_strv_free(m->capabilities, m->n_capabilities);
	mio_strv_free(m->offers, m->n_offers);
	mio_strv_free(m->seeks, m->n_seeks);
	mio_strv_free(m->languages, m->n_languages);
	for (i = 0; i < m->n_memberships; i++)
		free(m->memberships[i].data);
	free(m->memberships);
	free(m);
}

static char *
mio_trim_dup(const char *s, size_t len)
{
	char *o;

	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 &&
	    (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' ||
	        s[len - 1] == '\n'))
		len--;
	if ((o = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(o, s, len);
	o[len] = '\0';
	return o;
}

/* Splits value on ';' into a list (empty items dropped). */
static int
mio_list_set(char ***v, size_t *n, const char *value, int append, char *err,
    size_t errlen)
{
	const char *p = value, *semi;
	char *item, **nv;

	if (!append) {
		mio_strv_free(*v, *n);
		*v = NULL;
		*n = 0;
	}
	while (*p) {
		semi = strchr(p, ';');
		if (semi == NULL)
			semi = p + strlen(p);
		if ((item = mio_trim_dup(p, (size_t)(semi - p))) == NULL)
			return -ENOMEM;
		if (item[0] == '\0') {
			free(item);
		} else {
			if (*n >= MEMBERIO_LIST_MAX) {
				free(item);
				return mio_err(err, errlen,
				    "too many list items (at most %d)",
				    MEMBERIO_LIST_MAX);
			}
			if ((nv = realloc(*v, (*n + 1) * sizeof(*nv))) ==
			    NULL) {
				free(item);
				return -ENOMEM;
			}
			*v = nv;
			(*v)[(*n)++] = item;
		}
		p = *semi ? semi + 1 : semi;
	}
	return 0;
}

static int
mio_uint(const char *value, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (value[0] < '0' || value[0] > '9')
		return -1;
	errno = 0;
	v = strtoul(value, &end, 10);
	if (errno || *end || v > 0xffffffffu)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static const char *mio_ignored[] = {
	"origin",
	"seq",
	"signed_at",
	"score",
	"matched",
	"size",
};

static const char *mio_fields[] = {
	"id",
	"name",
	"kind",
	"country",
	"region",
	"city",
	"website",
	"email",
	"phone",
	"description",
	"sectors",
	"capabilities",
	"offers",
	"seeks",
	"employees",
	"founded",
	"memberships",
	"languages",
	"nace_rev",
};

static int
mio_is_ignored(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(mio_ignored) / sizeof(mio_ignored[0]); i++)
		if (strcmp(name, mio_ignored[i]) == 0)
			return 1;
	return 0;
}

int
memberio_is_field(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(mio_fields) / sizeof(mio_fields[0]); i++)
		if (strcmp(name, mio_fields[i]) == 0)
			return 1;
	return mio_is_ignored(name);
}

int
memberio_set(Sd__Member *m, const char *field, const char *value, int append,
    char *err, size_t errlen)
{
	char **slot = NULL, *v;
	size_t i;
	int k;

	if (mio_is_ignored(field))
		return 0;
	if (strcmp(field, "id") == 0) {
		uint8_t id[16];
		if (value[0] == '\0')
			return 0;
		if (hex_decode(value, strlen(value), id, MEMBER_ID_BYTES) != 0)
			return mio_err(err, errlen,
			    "id must be 32 hex digits, not '%.40s'", value);
		free(m->id.data);
		if ((m->id.data = malloc(16)) == NULL)
			return -ENOMEM;
		memcpy(m->id.data, id, 16);
		m->id.len = 16;
		return 0;
	}
	if (strcmp(field, "kind") == 0) {
		if ((k = record_kind_parse(value)) < 0)
			return mio_err(err, errlen,
			    "unknown kind '%.20s' (sme, large, cluster, rto, "
			    "university, agency, network, investor)",
			    value);
		m->kind = (Sd__MemberKind)k;
		return 0;
	}
	if (strcmp(field, "employees") == 0 || strcmp(field, "founded") == 0) {
		uint32_t n;
		int emp = field[0] == 'e';
		if (value[0] == '\0') {
			if (emp)
				m->has_employees = 0;
			else
				m->has_founded = 0;
			return 0;
		}
		if (mio_uint(value, &n) != 0)
			return mio_err(err, errlen,
			    "%s must be a whole number, "
			    "not '%.20s'",
			    field, value);
		if (emp) {
			m->employees = n;
			m->has_employees = 1;
		} else {
			m->founded = n;
			m->has_founded = 1;
		}
		return 0;
	}
	if (strcmp(field, "nace_rev") == 0) {
		if (value[0] == '\0' || strcmp(value, "2.1") == 0)
			m->nace_rev = SD__NACE_REV__NACE_REV2_1;
		else if (strcmp(value, "2") == 0)
			m->nace_rev = SD__NACE_REV__NACE_REV2;
		else
			return mio_err(err, errlen,
			    "nace_rev must be 2 or 2.1, not '%.10s'", value);
		m->has_nace_rev = 1;
		return 0;
	}
	if (strcmp(field, "sectors") == 0)
		return mio_list_set(
		    &m->sectors, &m->n_sectors, value, append, err, errlen);
	if (strcmp(field, "capabilities") == 0)
		return mio_list_set(&m->capabilities, &m->n_capabilities, value,
		    append, err, errlen);
	if (strcmp(field, "offers") == 0)
		return mio_list_set(
		    &m->offers, &m->n_offers, value, append, err, errlen);
	if (strcmp(field, "seeks") == 0)
		return mio_list_set(
		    &m->seeks, &m->n_seeks, value, append, err, errlen);
	if (strcmp(field, "languages") == 0)
		return mio_list_set(
		    &m->languages, &m->n_languages, value, append, err, errlen);
	if (strcmp(field, "memberships") == 0) {
		char **ids = NULL;
		size_t n = 0;
		int rc;
		if ((rc = mio_list_set(&ids, &n, value, 0, err, errlen)) != 0)
			return rc;
		if (!append) {
			for (i = 0; i < m->n_memberships; i++)
				free(m->memberships[i].data);
			free(m->memberships);
			m->memberships = NULL;
			m->n_memberships = 0;
		}
		for (i = 0; i < n && rc == 0; i++) {
			ProtobufCBinaryData *nv;
			uint8_t *id;
			if ((id = malloc(16)) == NULL) {
				rc = -ENOMEM;
			} else if (hex_decode(ids[i], strlen(ids[i]), id,
			               MEMBER_ID_BYTES) != 0) {
				free(id);
				rc = mio_err(err, errlen,
				    "membership '%.40s' is not "
				    "a 32-hex-digit member id",
				    ids[i]);
			} else if ((nv = realloc(m->memberships,
			                (m->n_memberships + 1) *
			                    sizeof(*nv))) == NULL) {
				free(id);
				rc = -ENOMEM;
			} else {
				m->memberships = nv;
				nv[m->n_memberships].data = id;
				nv[m->n_memberships].len = 16;
				m->n_memberships++;
			}
		}
		mio_strv_free(ids, n);
		return rc;
	}
	if (strcmp(field, "name") == 0)
		slot = &m->name;
	else if (strcmp(field, "country") == 0)
		slot = &m->country;
	else if (strcmp(field, "region") == 0)
		slot = &m->region;
	else if (strcmp(field, "city") == 0)
		slot = &m->city;
	else if (strcmp(field, "website") == 0)
		slot = &m->website;
	else if (strcmp(field, "email") == 0)
		slot = &m->email;
	else if (strcmp(field, "phone") == 0)
		slot = &m->phone;
	else if (strcmp(field, "description") == 0)
		slot = &m->description;
	else
		return mio_err(err, errlen, "unknown field '%.40s'", field);
	if ((v = mio_trim_dup(value, strlen(value))) == NULL)
		return -ENOMEM;
	if (v[0] == '\0' && slot != &m->name && slot != &m->country) {
		free(v);
		v = NULL;
	}
	mio_str_set(slot, v);
	return 0;
}

int
memberio_from_json(json_t *obj, Sd__Member *m, char *err, size_t errlen)
{
	const char *key;
	json_t *val, *item;
	size_t i;
	char num[32];
	int rc;

	if (!json_is_object(obj))
		return mio_err(err, errlen, "not a JSON object");
	json_object_foreach(obj, key, val)
	{
		if (!memberio_is_field(key))
			return mio_err(
			    err, errlen, "unknown field '%.40s'", key);
		if (json_is_string(val)) {
			rc = memberio_set(
			    m, key, json_string_value(val), 0, err, errlen);
		} else if (json_is_integer(val)) {
			snprintf(num, sizeof(num), "%lld",
			    (long long)json_integer_value(val));
			rc = memberio_set(m, key, num, 0, err, errlen);
		} else if (json_is_null(val)) {
			rc = 0;
		} else if (json_is_array(val)) {
			rc = memberio_set(m, key, "", 0, err, errlen);
			json_array_foreach(val, i, item)
			{
				if (rc != 0)
					break;
				if (!json_is_string(item))
					return mio_err(err, errlen,
					    "%s must hold strings", key);
				if (strchr(json_string_value(item), ';') !=
				    NULL)
					return mio_err(err, errlen,
					    "%s item must not contain ';'",
					    key);
				rc = memberio_set(m, key,
				    json_string_value(item), 1, err, errlen);
			}
		} else if (mio_is_ignored(key)) {
			rc = 0;
		} else {
			return mio_err(
			    err, errlen, "%s has the wrong JSON type", key);
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

static void
mio_json_list(json_t *o, const char *key, char **v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	json_object_set_new(o, key, a);
}

static void
mio_json_str(json_t *o, const char *key, const char *v)
{
	if (v != NULL && v[0] != '\0')
		json_object_set_new(o, key, json_string(v));
}

json_t *
memberio_to_json(const Sd__Member *m, const uint8_t *origin, uint64_t seq)
{
	json_t *o = json_object(), *a;
	char hex[65];
	size_t i;

	if (o == NULL)
		return NULL;
	hex_encode(m->id.data, m->id.len, hex);
	json_object_set_new(o, "id", json_string(hex));
	json_object_set_new(o, "name", json_string(m->name));
	json_object_set_new(o, "kind", json_string(record_kind_name(m->kind)));
	json_object_set_new(o, "country", json_string(m->country));
	mio_json_str(o, "region", m->region);
	mio_json_str(o, "city", m->city);
	mio_json_str(o, "website", m->website);
	mio_json_str(o, "email", m->email);
	mio_json_str(o, "phone", m->phone);
	mio_json_str(o, "description", m->description);
	mio_json_list(o, "sectors", m->sectors, m->n_sectors);
	if (m->has_nace_rev && m->nace_rev == SD__NACE_REV__NACE_REV2)
		json_object_set_new(o, "nace_rev", json_string("2"));
	mio_json_list(o, "capabilities", m->capabilities, m->n_capabilities);
	mio_json_list(o, "offers", m->offers, m->n_offers);
	mio_json_list(o, "seeks", m->seeks, m->n_seeks);
	if (m->has_employees)
		json_object_set_new(o, "employees", json_integer(m->employees));
	if (m->has_founded)
		json_object_set_new(o, "founded", json_integer(m->founded));
	a = json_array();
	for (i = 0; i < m->n_memberships; i++) {
		hex_encode(m->memberships[i].data, m->memberships[i].len, hex);
		json_array_append_new(a, json_string(hex));
	}
	json_object_set_new(o, "memberships", a);
	mio_json_list(o, "languages", m->languages, m->n_languages);
	if (origin != NULL) {
		hex_encode(origin, KEY_PUBLIC_BYTES, hex);
		json_object_set_new(o, "origin", json_string(hex));
		json_object_set_new(o, "seq", json_integer((json_int_t)seq));
	}
	return o;
}

int
memberio_default_id(Sd__Member *m)
{
	static const char ctx[] = "stardust/member-id/v1";
	crypto_generichash_state h;
	char *folded;
	int rc;

	if (m->id.len != 0 || m->name == NULL || m->country == NULL)
		return 0;
	if ((rc = text_fold(m->name, &folded)) != 0)
		return rc;
	if ((m->id.data = malloc(16)) == NULL) {
		free(folded);
		return -ENOMEM;
	}
	crypto_generichash_init(&h, NULL, 0, 16);
	crypto_generichash_update(&h, (const uint8_t *)ctx, sizeof(ctx));
	crypto_generichash_update(
	    &h, (const uint8_t *)m->country, strlen(m->country) + 1);
	crypto_generichash_update(&h, (const uint8_t *)folded, strlen(folded));
	crypto_generichash_final(&h, m->id.data, 16);
	m->id.len = 16;
	free(folded);
	return 0;
}

static char **
mio_dup_strv(char **v, size_t n, int *oom)
{
	char **o;
	size_t i;

	if (n == 0)
		return NULL;
	if ((o = calloc(n, sizeof(*o))) == NULL) {
		*oom = 1;
		return NULL;
	}
	for (i = 0; i < n; i++)
		if ((o[i] = strdup(v[i])) == NULL)
			*oom = 1;
	return o;
}

static char *
mio_dup(const char *s, int *oom)
{
	char *o;

	if (s == NULL || s == protobuf_c_empty_string)
		return NULL;
	if ((o = strdup(s)) == NULL)
		*oom = 1;
	return o;
}

Sd__Member *
memberio_copy(const Sd__Member *s)
{
	Sd__Member *m = memberio_new();
	size_t i;
	int oom = 0;

	if (m == NULL)
		return NULL;
	m->kind = s->kind;
	m->has_employees = s->has_employees;
	m->employees = s->employees;
	m->has_founded = s->has_founded;
	m->founded = s->founded;
	m->has_nace_rev = s->has_nace_rev;
	m->nace_rev = s->nace_rev;
	if (s->id.len && (m->id.data = malloc(s->id.len)) != NULL) {
		memcpy(m->id.data, s->id.data, s->id.len);
		m->id.len = s->id.len;
	}
	m->name = mio_dup(s->name, &oom);
	m->country = mio_dup(s->country, &oom);
	m->region = mio_dup(s->region, &oom);
	m->city = mio_dup(s->city, &oom);
	m->website = mio_dup(s->website, &oom);
	m->description = mio_dup(s->description, &oom);
	m->email = mio_dup(s->email, &oom);
	m->phone = mio_dup(s->phone, &oom);
	m->sectors = mio_dup_strv(s->sectors, s->n_sectors, &oom);
	m->n_sectors = m->sectors ? s->n_sectors : 0;
	m->capabilities =
	    mio_dup_strv(s->capabilities, s->n_capabilities, &oom);
	m->n_capabilities = m->capabilities ? s->n_capabilities : 0;
	m->offers = mio_dup_strv(s->offers, s->n_offers, &oom);
	m->n_offers = m->offers ? s->n_offers : 0;
	m->seeks = mio_dup_strv(s->seeks, s->n_seeks, &oom);
	m->n_seeks = m->seeks ? s->n_seeks : 0;
	m->languages = mio_dup_strv(s->languages, s->n_languages, &oom);
	m->n_languages = m->languages ? s->n_languages : 0;
	if (s->n_memberships &&
	    (m->memberships = calloc(
	         s->n_memberships, sizeof(*m->memberships))) != NULL) {
		m->n_memberships = s->n_memberships;
		for (i = 0; i < s->n_memberships; i++) {
			m->memberships[i].data = malloc(16);
			if (m->memberships[i].data == NULL) {
				oom = 1;
				continue;
			}
			memcpy(m->memberships[i].data, s->memberships[i].data,
			    s->memberships[i].len > 16 ? 16
			                               : s->memberships[i].len);
			m->memberships[i].len = 16;
		}
	}
	if (oom) {
		memberio_free(m);
		return NULL;
	}
	return m;
}

static void
mio_print_list(FILE *f, const char *label, char **v, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	fprintf(f, "%-14s ", label);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? "; " : "", v[i]);
	fputc('\n', f);
}

void
memberio_print(FILE *f, const Sd__Member *m, const struct codes *codes,
    const uint8_t *origin, uint64_t seq)
{
	char hex[65];
	size_t i;
	int rev = m->has_nace_rev ? (int)m->nace_rev : CODES_NACE_REV2_1;
	const char *cn = codes ? codes_country(codes, m->country) : NULL;

	hex_encode(m->id.data, m->id.len, hex);
	fprintf(f, "%-14s %s\n", "name", m->name);
	fprintf(f, "%-14s %s\n", "id", hex);
	fprintf(f, "%-14s %s\n", "kind", record_kind_name(m->kind));
	fprintf(f, "%-14s %s%s%s%s\n", "country", m->country, cn ? " (" : "",
	    cn ? cn : "", cn ? ")" : "");
	if (m->region && m->region[0])
		fprintf(f, "%-14s %s\n", "region", m->region);
	if (m->city && m->city[0])
		fprintf(f, "%-14s %s\n", "city", m->city);
	if (m->website && m->website[0])
		fprintf(f, "%-14s %s\n", "website", m->website);
	if (m->email && m->email[0])
		fprintf(f, "%-14s %s\n", "email", m->email);
	if (m->phone && m->phone[0])
		fprintf(f, "%-14s %s\n", "phone", m->phone);
	if (m->has_employees)
		fprintf(f, "%-14s %u (%s)\n", "employees", m->employees,
		    record_size_class(m->employees));
	if (m->has_founded)
		fprintf(f, "%-14s %u\n", "founded", m->founded);
	for (i = 0; i < m->n_sectors; i++) {
		const char *label =
		    codes ? codes_nace_label(codes, rev, m->sectors[i]) : NULL;
		fprintf(f, "%-14s %s%s%s\n", i ? "" : "sectors", m->sectors[i],
		    label ? "  " : "", label ? label : "");
	}
	mio_print_list(f, "capabilities", m->capabilities, m->n_capabilities);
	mio_print_list(f, "offers", m->offers, m->n_offers);
	mio_print_list(f, "seeks", m->seeks, m->n_seeks);
	mio_print_list(f, "languages", m->languages, m->n_languages);
	for (i = 0; i < m->n_memberships; i++) {
		hex_encode(m->memberships[i].data, m->memberships[i].len, hex);
		fprintf(f, "%-14s %s\n", i ? "" : "member of", hex);
	}
	if (m->description && m->description[0])
		fprintf(f, "%-14s %s\n", "description", m->description);
	if (origin != NULL) {
		hex_encode(origin, KEY_PUBLIC_BYTES, hex);
		fprintf(f, "%-14s %s (seq %llu)\n", "published by", hex,
		    (unsigned long long)seq);
	}
}
