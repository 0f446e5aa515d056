/*
 * node_write: publishing. Members put (validated, checked against this
 * node's certificate, numbered under the write lock, signed on two
 * threads, stored in one transaction), removals (tombstones), and root
 * records added by hand; the federation layer is told of each.
 */
#include "node_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "err.h"
#include "par.h"

/* A record being published: its encoded bytes and the in-memory parts
 * the store needs (so nothing is decoded again). */
struct pub {
	uint8_t *bytes;
	size_t len;
	Sd__SignedRecord sr;
	Sd__RecordBody body;
	struct record r;
};

/* Signing of pubs[from, to) as seqs base + 1 + i, on any thread. */
struct sign_job {
	struct node *n;
	struct pub *pubs;
	size_t from, to;
	uint64_t base;
	int rc;
};

static void *
node_sign_range(void *arg)
{
	struct sign_job *j = arg;
	uint8_t *body;
	size_t i, blen;

	for (i = j->from; i < j->to && j->rc == 0; i++) {
		blen = sd__record_body__get_packed_size(&j->pubs[i].body);
		if (blen > RECORD_MAX_BYTES - 256) {
			j->rc = SD_ETOOBIG;
			break;
		}
		if ((body = malloc(blen ? blen : 1)) == NULL) {
			j->rc = -ENOMEM;
			break;
		}
		sd__record_body__pack(&j->pubs[i].body, body);
		j->rc = record_sign(j->n->key, j->base + 1 + i, body, blen,
		    &j->pubs[i].bytes, &j->pubs[i].len);
		free(body);
	}
	return NULL;
}

/* A write that failed in the store: the answer says why and what to do
 * (nothing of it was written), and the log says it too. LMDB reports a
 * full disk as ENOSPC or, after a short write, EIO: the free space on the
 * store's file system tells which. */
static void
node_store_failed(struct node *n, struct resp *rs, int rc)
{
	char hint[128] = "";
	struct statvfs sv;

	if (rc == SD_EFULL) {
		snprintf(
		    hint, sizeof(hint), " (raise map_size_mb and restart)");
	} else if (rc == -ENOSPC || rc == -EDQUOT || rc == -EIO) {
		if (statvfs(n->cfg->db_dir, &sv) == 0 &&
		    (uint64_t)sv.f_bavail * sv.f_frsize < NODE_DISK_LOW)
			snprintf(hint, sizeof(hint),
			    " (the disk holding the store is full: %llu KiB "
			    "free; free space there)",
			    (unsigned long long)((uint64_t)sv.f_bavail *
			        sv.f_frsize / 1024));
		else if (rc == -EIO)
			snprintf(hint, sizeof(hint),
			    " (check the disk holding the store)");
	}
	node_log(n, SDLOG_ERROR, "storing failed: %s%s; nothing was written",
	    sd_strerror(rc), hint);
	node_resp_fail(rs, rc, "storing failed: %s%s; nothing was written",
	    sd_strerror(rc), hint);
}

/*
 * Signs and stores pubs[0..cnt) as the next cnt records of this node, in
 * one transaction. Called with wlock held. Large batches are signed on two
 * threads (signing is a fifth of an import's time and the machines we run
 * on have at least two cores); seqs are fixed before signing starts.
 */
static int
node_publish(
    struct node *n, struct pub *pubs, struct store_item *items, size_t cnt)
{
	struct sign_job jobs[2];
	uint64_t now = record_now_ms();
	size_t i, half = cnt >= 64 ? cnt / 2 : cnt;
	int rc = 0;

	for (i = 0; i < cnt; i++)
		pubs[i].body.signed_at_ms = now;
	for (i = 0; i < 2; i++) {
		jobs[i].n = n;
		jobs[i].pubs = pubs;
		jobs[i].base = n->seq;
		jobs[i].rc = 0;
	}
	jobs[0].from = 0;
	jobs[0].to = half;
	jobs[1].from = half;
	jobs[1].to = cnt;
	if (half < cnt)
		par_run2(node_sign_range, &jobs[0], &jobs[1]);
	else
		node_sign_range(&jobs[0]);
	if ((rc = jobs[0].rc) != 0 || (rc = jobs[1].rc) != 0)
		return rc;
	for (i = 0; i < cnt; i++) {
		sd__signed_record__init(&pubs[i].sr);
		pubs[i].sr.origin.data = n->key->pk;
		pubs[i].sr.origin.len = KEY_PUBLIC_BYTES;
		pubs[i].sr.seq = n->seq + 1 + i;
		pubs[i].r.rec = &pubs[i].sr;
		pubs[i].r.body = &pubs[i].body;
		items[i].bytes = pubs[i].bytes;
		items[i].len = pubs[i].len;
		items[i].r = &pubs[i].r;
	}
	if ((rc = store_apply(
	         n->st, items, cnt, n->key->pk, n->seq, n->seq + cnt)) != 0)
		return rc;
	for (i = 0; i < cnt; i++)
		if (items[i].result != 0)
			return SD_ESTORE; /* our own seqs cannot be stale */
	n->seq += cnt;
	if (n->written != NULL)
		n->written(n->written_arg, n->key->pk, n->seq - cnt, n->seq);
	return 0;
}

struct id_pos {
	const uint8_t *id;
	size_t i;
};

static int
id_pos_cmp(const void *a, const void *b)
{
	const struct id_pos *x = a, *y = b;
	int c = memcmp(x->id, y->id, MEMBER_ID_BYTES);

	if (c != 0)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Sets ok[i] = 2 for every valid row whose id an earlier valid row has. */
static int
node_mark_dups(const Sd__PutMembers *pm, uint8_t *ok)
{
	struct id_pos *v;
	size_t i, n = 0;

	if ((v = calloc(pm->n_members + 1, sizeof(*v))) == NULL)
		return -ENOMEM;
	for (i = 0; i < pm->n_members; i++)
		if (ok[i]) {
			v[n].id = pm->members[i]->id.data;
			v[n++].i = i;
		}
	qsort(v, n, sizeof(*v), id_pos_cmp);
	for (i = 1; i < n; i++)
		if (memcmp(v[i].id, v[i - 1].id, MEMBER_ID_BYTES) == 0)
			ok[v[i].i] = 2;
	free(v);
	return 0;
}

int
node_put(struct node *n, const Sd__PutMembers *pm, struct resp *rs)
{
	struct record cert = { 0 };
	struct pub *pubs = NULL;
	struct store_item *items = NULL;
	char err[256];
	size_t i, good = 0, bad = 0;
	uint8_t *ok = NULL;
	int rc, locked = 0;

	if (pm->n_members > CTL_PUT_MAX)
		return node_resp_fail(rs, SD_ETOOBIG,
		    "%zu members in one request (at most %d)", pm->n_members,
		    CTL_PUT_MAX);
	if ((rc = node_own_cert(n, &cert, err, sizeof(err))) != 0)
		return node_resp_fail(rs, rc, "%s", err);
	if ((ok = calloc(pm->n_members + 1, 1)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	/* Validation needs no lock; existence checks are repeated under it. */
	for (i = 0; i < pm->n_members; i++) {
		Sd__Member *m = pm->members[i];
		/* Codes as typed ("fi", "C26.30") in their official form
		 * before anything checks or signs them. */
		record_member_normalise(n->codes, m);
		if ((rc = record_member_validate(
		         n->codes, m, err, sizeof(err))) == 0)
			rc = record_scope_check(
			    cert.body->node_cert, m, err, sizeof(err));
		if (rc != 0) {
			if (node_resp_row(rs, (uint32_t)i, err) != 0)
				goto out;
			bad++;
			continue;
		}
		ok[i] = 1;
	}
	/* A member id given twice in one request: the later rows are refused
	 * (found by sorting, not by comparing every pair). */
	if ((rc = node_mark_dups(pm, ok)) != 0)
		goto out;
	node_lock_publish(n);
	locked = 1;
	for (i = 0; i < pm->n_members; i++) {
		uint64_t seq;
		int live = 0, exists;
		if (!ok[i])
			continue;
		exists = store_member_state(n->st, n->key->pk,
		             pm->members[i]->id.data, &seq, &live) == 0 &&
		    live;
		if (ok[i] == 2)
			exists = 2;
		if (exists == 2) {
			snprintf(err, sizeof(err),
			    "the same member id appears "
			    "earlier in this import");
		} else if (pm->mode == 1 && exists) {
			snprintf(err, sizeof(err),
			    "a member with this id already "
			    "exists (use update)");
		} else if (pm->mode == 2 && !exists) {
			snprintf(err, sizeof(err), "no such member");
		} else {
			good++;
			continue;
		}
		ok[i] = 0;
		bad++;
		if (node_resp_row(rs, (uint32_t)i, err) != 0)
			goto out;
	}
	if (bad > 0 && !pm->skip_invalid) {
		rc = node_resp_fail(rs, SD_EINVAL,
		    "%zu of %zu members are invalid; "
		    "nothing stored",
		    bad, pm->n_members);
		goto out;
	}
	if (pm->dry_run || good == 0) {
		rs->r.has_stored = 1;
		rs->r.stored = 0;
		rc = 0;
		goto out;
	}
	if ((pubs = calloc(good, sizeof(*pubs))) == NULL ||
	    (items = calloc(good, sizeof(*items))) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0, good = 0; i < pm->n_members; i++) {
		if (!ok[i])
			continue;
		sd__record_body__init(&pubs[good].body);
		pubs[good].body.kind_case = SD__RECORD_BODY__KIND_MEMBER;
		pubs[good].body.member = pm->members[i];
		good++;
	}
	if ((rc = node_publish(n, pubs, items, good)) != 0) {
		node_store_failed(n, rs, rc);
		goto out;
	}
	rs->r.has_stored = 1;
	rs->r.stored = (uint32_t)good;
	node_log(n, SDLOG_DEBUG, "stored %zu members, seq now %llu", good,
	    (unsigned long long)n->seq);
out:
	if (locked)
		pthread_mutex_unlock(&n->wlock);
	if (pubs != NULL)
		for (i = 0; i < good; i++)
			free(pubs[i].bytes);
	free(pubs);
	free(items);
	free(ok);
	record_close(&cert);
	if (rc == -ENOMEM)
		rs->oom = 1;
	return rc;
}

int
node_remove(struct node *n, const Sd__RemoveMember *rm, struct resp *rs)
{
	Sd__Tombstone ts = SD__TOMBSTONE__INIT;
	struct pub pub;
	struct store_item item;
	uint64_t seq;
	int live = 0, rc;

	memset(&pub, 0, sizeof(pub));
	memset(&item, 0, sizeof(item));
	if (rm->id.len != MEMBER_ID_BYTES)
		return node_resp_fail(rs, SD_EINVAL,
		    "member id must be %d bytes", MEMBER_ID_BYTES);
	node_lock_publish(n);
	rc = store_member_state(n->st, n->key->pk, rm->id.data, &seq, &live);
	if (rc == SD_ENOTFOUND || (rc == 0 && !live)) {
		rc = node_resp_fail(rs, SD_ENOTFOUND,
		    "no member with this id "
		    "published by this node");
		goto out;
	}
	if (rc != 0) {
		node_resp_fail(rs, rc, "%s", sd_strerror(rc));
		goto out;
	}
	ts.member_id = rm->id;
	sd__record_body__init(&pub.body);
	pub.body.kind_case = SD__RECORD_BODY__KIND_TOMBSTONE;
	pub.body.tombstone = &ts;
	if ((rc = node_publish(n, &pub, &item, 1)) != 0)
		node_store_failed(n, rs, rc);
out:
	pthread_mutex_unlock(&n->wlock);
	free(pub.bytes);
	return rc;
}

int
node_add_cert(struct node *n, const Sd__AddCert *ac, struct resp *rs)
{
	struct record r = { 0 };
	struct store_item item;
	char err[256];
	int rc;

	if ((rc = record_open(n->codes, ac->record.data, ac->record.len,
	         record_now_ms(), &r, err, sizeof(err))) != 0)
		return node_resp_fail(rs, rc, "%s", err);
	if (memcmp(r.rec->origin.data, n->cfg->root_key, KEY_PUBLIC_BYTES) !=
	    0) {
		rc = node_resp_fail(rs, SD_ESIG,
		    "record is not signed by this "
		    "federation's root key");
		goto out;
	}
	if (r.body->kind_case != SD__RECORD_BODY__KIND_NODE_CERT &&
	    r.body->kind_case != SD__RECORD_BODY__KIND_REVOCATION) {
		rc = node_resp_fail(rs, SD_EINVAL,
		    "record is neither a node "
		    "certificate nor a revocation");
		goto out;
	}
	memset(&item, 0, sizeof(item));
	item.bytes = ac->record.data;
	item.len = ac->record.len;
	item.r = &r;
	pthread_mutex_lock(&n->wlock);
	rc = store_apply(
	    n->st, &item, 1, n->cfg->root_key, r.rec->seq - 1, r.rec->seq);
	/* Peers learn of it at once (they ask for the root's set). */
	if (rc == 0 && item.result == 0 && n->written != NULL)
		n->written(n->written_arg, n->cfg->root_key, 0, 0);
	pthread_mutex_unlock(&n->wlock);
	if (rc != 0) {
		node_store_failed(n, rs, rc);
		goto out;
	}
	if (item.result == SD_ESTALE)
		node_resp_fail(rs, 0, "already known (or superseded)");
	else if (item.result != 0)
		rc = node_resp_fail(
		    rs, item.result, "refused: %s", sd_strerror(item.result));
	node_log(n, SDLOG_INFO, "root record seq %llu (%s) %s",
	    (unsigned long long)r.rec->seq,
	    r.body->kind_case == SD__RECORD_BODY__KIND_NODE_CERT ? "certificate"
	                                                         : "revocation",
	    item.result == 0 ? "stored" : "not stored");
out:
	record_close(&r);
	return rc;
}
