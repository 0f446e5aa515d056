#include "result.h"

#include <string.h>

#include "err.h"
#include "memberio.h"

int
result_open(const ProtobufCBinaryData *rec, struct record *out, char *err,
    size_t errlen)
{
	struct record r = { 0 };
	int rc;

	/* Verified and validated when it entered the node's store: decoded
	 * only (an ed25519 check costs ~40 us, most of a hit's cost). */
	if ((rc = record_decode(rec->data, rec->len, &r)) != 0) {
		snprintf(err, errlen, "not a valid record");
		return rc;
	}
	if (r.body->kind_case != SD__RECORD_BODY__KIND_MEMBER) {
		record_close(&r);
		snprintf(err, errlen, "not a member record");
		return SD_EINVAL;
	}
	*out = r;
	return 0;
}

json_t *
result_member_json(const struct record *r, const struct result_style *st)
{
	const Sd__Member *m = r->body->member;
	json_t *o = memberio_to_json(m, r->rec->origin.data, r->rec->seq);

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "size",
	    m->has_employees ? json_string(record_size_class(m->employees))
	                     : json_null());
	if (st != NULL && st->node_name != NULL)
		json_object_set_new(
		    o, "node", st->node_name(st->arg, r->rec->origin.data));
	return o;
}

/* The "field:word" items of a hit's space-separated matched strings. */
static json_t *
result_words(const Sd__Hit *h)
{
	json_t *a = json_array();
	size_t k;

	for (k = 0; a != NULL && k < h->n_matched; k++) {
		const char *s = h->matched[k];
		while (*s != '\0') {
			size_t len = strcspn(s, " ");
			if (len > 0)
				json_array_append_new(a, json_stringn(s, len));
			s += len;
			s += *s == ' ';
		}
	}
	return a;
}

json_t *
result_hit_json(const struct record *r, const Sd__Hit *h, int match,
    const struct result_style *st)
{
	json_t *o = result_member_json(r, st);

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "score", json_real(h->score));
	if (match) {
		json_object_set_new(
		    o, "score_offers", json_real(h->score_offers));
		json_object_set_new(
		    o, "score_seeks", json_real(h->score_seeks));
	}
	json_object_set_new(o, "matched",
	    st != NULL && st->matched_list
	        ? result_words(h)
	        : json_string(h->n_matched ? h->matched[0] : ""));
	return o;
}

/* Member gm of a group, whose record r is: its member JSON, "covers" and
 * in the API's style "coverage". */
static json_t *
result_group_member(const struct record *r, const Sd__GroupMember *gm,
    char *const *needs, size_t n_needs, const struct result_style *st)
{
	json_t *o = result_member_json(r, st), *a;
	size_t k;

	if (o == NULL)
		return NULL;
	a = json_array();
	for (k = 0; a != NULL && k < gm->n_covers; k++)
		if (gm->covers[k] < n_needs)
			json_array_append_new(
			    a, json_string(needs[gm->covers[k]]));
	json_object_set_new(o, "covers", a);
	if (st != NULL && st->coverage) {
		a = json_array();
		for (k = 0; a != NULL && k < gm->n_coverage; k++)
			json_array_append_new(a, json_real(gm->coverage[k]));
		json_object_set_new(o, "coverage", a);
	}
	return o;
}

json_t *
result_group_json(const Sd__Group *g, size_t rank, char *const *needs,
    size_t n_needs, const struct result_style *st, size_t *skipped)
{
	json_t *o = json_object(), *members = json_array();
	char err[256];
	size_t i;

	if (o == NULL || members == NULL) {
		json_decref(o);
		json_decref(members);
		return NULL;
	}
	json_object_set_new(o, "rank", json_integer((json_int_t)rank));
	json_object_set_new(o, "score", json_real(g->score));
	json_object_set_new(o, "countries", json_integer(g->countries));
	for (i = 0; i < g->n_members; i++) {
		struct record r = { 0 };
		if (result_open(&g->members[i]->record, &r, err, sizeof(err)) !=
		    0) {
			(*skipped)++;
			continue;
		}
		json_array_append_new(members,
		    result_group_member(&r, g->members[i], needs, n_needs, st));
		record_close(&r);
	}
	json_object_set_new(o, "members", members);
	return o;
}
