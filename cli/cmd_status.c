/* What a running node says about itself: stardust status [--wait],
 * stardust peers. Both read one Status response. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "health.h"
#include "hex.h"
#include "key.h"
#include "record.h"

static int
status_fetch(struct cli *c, Sd__Response **resp)
{
	Sd__Request req = SD__REQUEST__INIT;
	int rc;

	req.op_case = SD__REQUEST__OP_STATUS;
	req.status = 1;
	rc = cli_call(c, &req, resp);
	if (rc == CLI_OK && (*resp)->status == NULL)
		rc = CLI_FAIL;
	return rc;
}

static double
status_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Polls the node until it is in sync with its peers (or timeout seconds
 * pass: CLI_FAIL), drawing a progress line on stderr if it is a terminal.
 * Leaves the last response in *resp.
 */
static int
status_wait(struct cli *c, double timeout, Sd__Response **resp)
{
	double t0 = status_now(), tprev = t0, t;
	uint64_t m0 = 0, mprev = 0;
	int tty = isatty(STDERR_FILENO), rc, first = 1;
	struct health_view v;
	double rate = 0.0;

	for (;;) {
		if (*resp != NULL)
			sd__response__free_unpacked(*resp, NULL);
		*resp = NULL;
		if ((rc = status_fetch(c, resp)) != CLI_OK)
			return rc;
		health_view((*resp)->status, &v);
		t = status_now();
		if (first) {
			m0 = mprev = (*resp)->status->members;
			first = 0;
		} else if (t - tprev >= 1.0) {
			rate = (double)((*resp)->status->members - mprev) /
			    (t - tprev);
			mprev = (*resp)->status->members;
			tprev = t;
		}
		if (health_in_sync(&v)) {
			if (tty)
				fprintf(stderr, "\r\033[K");
			fprintf(stderr,
			    "in sync with %zu peer%s: %" PRIu64
			    " members (%" PRIu64 " new) after %.1f s\n",
			    v.certified, v.certified == 1 ? "" : "s",
			    (*resp)->status->members,
			    (*resp)->status->members - m0, t - t0);
			return CLI_OK;
		}
		if (tty) {
			fprintf(stderr, "\r\033[Ksyncing: %" PRIu64 " members",
			    (*resp)->status->members);
			if (v.certified == 0)
				fprintf(stderr, ", no certified peer yet");
			else if (v.unknown > 0)
				fprintf(stderr, ", waiting for digests");
			else
				fprintf(stderr, ", %" PRIu64 " behind %s",
				    v.lag, v.behind);
			if (rate > 0.0)
				fprintf(stderr, ", %.0f members/s", rate);
			fflush(stderr);
		}
		if (timeout > 0.0 && t - t0 >= timeout) {
			if (tty)
				fprintf(stderr, "\n");
			cli_error("not in sync after %.0f s (%zu certified "
			          "peers, lag %" PRIu64 ")",
			    timeout, v.certified, v.lag);
			return CLI_FAIL;
		}
		usleep(250000);
	}
}

static void
status_usage(FILE *f)
{
	fprintf(f,
	    "usage: stardust status [--json] [--wait [--timeout S]]\n"
	    "\n"
	    "The node's key, certificate, own seq, counts and how it stands\n"
	    "with its peers: how many are certified or down, and its lag "
	    "(the\nseqs the most advanced peer holds that this node lacks, "
	    "from that\npeer's last digest).\n"
	    "\n"
	    "  --json        one JSON object (node_key, version, "
	    "sync_protocol,\n                own_seq, members,\n"
	    "                own_members, records, certified, "
	    "peers_certified,\n"
	    "                peers_down, lag, in_sync, rejected,\n"
	    "                handshakes_failed, handshakes_shed)\n"
	    "  --wait        first wait until the node is in sync with every\n"
	    "                certified peer (at least one), showing progress "
	    "on\n"
	    "                a terminal; exit 1 on timeout\n"
	    "  --timeout S   give up waiting after S seconds (default: "
	    "never)\n");
}

/* "rejected:     signature 2, scope 1 (last: scope from abcd... 3 s
 * ago)" or "none". */
static void
status_rejected_text(const Sd__Status *s)
{
	char who[HEX_SHORT + 1];
	size_t i, shown = 0;

	printf("rejected:     ");
	for (i = 0; i < s->n_rejected; i++) {
		if (s->rejected[i]->count == 0)
			continue;
		printf("%s%s %" PRIu64, shown++ ? ", " : "",
		    s->rejected[i]->reason, s->rejected[i]->count);
	}
	if (shown == 0) {
		printf("none\n");
		return;
	}
	if (s->last_rejected_reason != NULL && s->has_last_rejected_peer &&
	    s->last_rejected_peer.len == 32) {
		uint64_t now = record_now_ms();
		hex_short(s->last_rejected_peer.data, who);
		printf(" (last: %s from peer %s, %" PRIu64 " s ago)",
		    s->last_rejected_reason, who,
		    now > s->last_rejected_ms
		        ? (now - s->last_rejected_ms) / 1000
		        : 0);
	}
	putchar('\n');
}

/* The VERSION cell of a peer: its release ("0.2.0"), "<0.2.0" for a
 * certified peer that announced none (an earlier release), "-" before;
 * "?" from a daemon before 0.2.0 (s: its status), which reports none. */
static const char *
peers_version(const Sd__Status *s, const Sd__PeerInfo *pi)
{
	static const char pre[] = "stardustd ";

	if (s->version == NULL)
		return "?";
	if (pi->software != NULL)
		return strncmp(pi->software, pre, sizeof(pre) - 1) == 0
		    ? pi->software + sizeof(pre) - 1
		    : pi->software;
	return strcmp(pi->state, "certified") == 0 ? "<0.2.0" : "-";
}

/* "unauthenticated: 12 handshakes failed, 3 shed" when there were any. */
static void
status_unauth_text(const Sd__Status *s)
{
	if (s->handshakes_failed == 0 && s->handshakes_shed == 0)
		return;
	printf("unauthenticated: %" PRIu64 " handshakes failed, %" PRIu64
	       " shed (handshake slots full)\n",
	    s->handshakes_failed, s->handshakes_shed);
}

int
cmd_status(struct cli *c, int argc, char **argv)
{
	Sd__Response *resp = NULL;
	struct record cert = { 0 };
	struct health_view v;
	char hex[65], err[256], *end;
	int rc, json = 0, wait = 0, i;
	double timeout = 0.0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (strcmp(argv[i], "--wait") == 0) {
			wait = 1;
		} else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			timeout = strtod(argv[++i], &end);
			if (*end || !(timeout > 0.0 && timeout < 1e7)) {
				cli_error("status: --timeout needs a number of "
				          "seconds");
				return CLI_USAGE;
			}
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			status_usage(stdout);
			return CLI_OK;
		} else {
			cli_error("status: unknown argument '%s'", argv[i]);
			status_usage(stderr);
			return CLI_USAGE;
		}
	}
	rc = wait ? status_wait(c, timeout, &resp) : status_fetch(c, &resp);
	if (resp == NULL || resp->status == NULL) {
		rc = CLI_FAIL;
		goto out;
	}
	health_view(resp->status, &v);
	key_public_hex(resp->status->node_key.data, hex);
	if (resp->status->has_cert && cli_codes(c) != NULL)
		record_open(c->codes, resp->status->cert.data,
		    resp->status->cert.len, record_now_ms(), &cert, err,
		    sizeof(err));
	if (json) {
		json_t *o = health_status_json(cli_codes(c), resp->status);
		rc = cli_json_put(o);
		goto out;
	}
	printf("node key:     %s\n", hex);
	if (resp->status->version != NULL)
		printf("version:      stardustd %s (sync protocol %u)\n",
		    resp->status->version, resp->status->sync_protocol);
	if (cert.body != NULL) {
		const Sd__NodeCert *nc = cert.body->node_cert;
		time_t t = (time_t)(nc->not_after_ms / 1000);
		char when[32];
		size_t j;
		strftime(when, sizeof(when), "%Y-%m-%d", gmtime(&t));
		printf("certificate:  %s, countries", nc->name);
		for (j = 0; j < nc->n_countries; j++)
			printf(" %s", nc->countries[j]);
		if (nc->n_nuts_prefixes) {
			printf(", regions");
			for (j = 0; j < nc->n_nuts_prefixes; j++)
				printf(" %s", nc->nuts_prefixes[j]);
		}
		printf(", %s %s\n",
		    nc->not_after_ms >= record_now_ms() ? "valid until"
		                                        : "EXPIRED on",
		    when);
	} else if (resp->status->revoked) {
		printf("certificate:  REVOKED by the federation root\n");
	} else {
		printf("certificate:  none (stardust cert add FILE)\n");
	}
	printf("own seq:      %" PRIu64 "\n", resp->status->own_seq);
	printf("members:      %" PRIu64 " (%" PRIu64 " published here)\n",
	    resp->status->members, resp->status->own_members);
	printf("records:      %" PRIu64 "\n", resp->status->records);
	printf("origins:      %zu\n", resp->status->n_origins);
	printf("peers:        %zu certified, %zu down, %zu connecting\n",
	    v.certified, v.down, v.other);
	if (v.certified == 0)
		printf("sync:         no certified peer\n");
	else if (health_in_sync(&v))
		printf("sync:         in sync with every certified peer\n");
	else if (v.lag > 0)
		printf("sync:         in progress, %" PRIu64
		       " seqs behind %s\n",
		    v.lag, v.behind);
	else
		printf("sync:         waiting for %zu peer digest%s\n",
		    v.unknown, v.unknown == 1 ? "" : "s");
	if (v.last_sync_ms != 0) {
		uint64_t now = record_now_ms();
		printf("last sync:    %" PRIu64 " s ago\n",
		    now > v.last_sync_ms ? (now - v.last_sync_ms) / 1000 : 0);
	} else if (v.certified > 0) {
		printf("last sync:    not yet\n");
	}
	status_rejected_text(resp->status);
	status_unauth_text(resp->status);
out:
	record_close(&cert);
	if (resp)
		sd__response__free_unpacked(resp, NULL);
	return rc;
}

int
cmd_peers(struct cli *c, int argc, char **argv)
{
	Sd__Response *resp = NULL;
	char hex[65];
	size_t i;
	int rc, json = 0;

	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			printf(
			    "usage: stardust peers [--json]\n\n"
			    "The node's peer connections: key (once "
			    "authenticated), address,\ndirection (in, out, or "
			    "out* when dialled from the address in the\npeer's "
			    "certificate), state (down, handshake, open, "
			    "certified,\nretired), how digests go to it "
			    "(delta: "
			    "what changed; whole: a node\nof an earlier "
			    "release), the release it runs (<0.2.0: a node "
			    "that does not say),\nseconds since the peer last "
			    "sent anything, lag (seqs\nthe peer holds that "
			    "this node lacks, from its last digest), when\n"
			    "this node was last in sync with it (its digest "
			    "named nothing\nmissing here), records and bytes "
			    "in and out; then the watermark\nof every origin "
			    "this node holds.\n\n"
			    "--json: one object per peer (key, address, "
			    "outbound, learned,\nstate, idle_ms, lag, "
			    "peer_lag, synced_ms, records_in, records_out,\n"
			    "bytes_in, bytes_out, digests, records_dup, "
			    "software); lag "
			    "and peer_lag are null\nbefore the first digest, "
			    "synced_ms (ms since the epoch) before the first\n"
			    "time in sync, digests before the peer is "
			    "certified, software\n(\"stardustd 0.2.0\") "
			    "before it is certified or from a node before "
			    "0.2.0;\nthen one object\n{\"origins\": "
			    "[{\"origin\", \"w\", \"self\"}...]} with "
			    "every watermark.\n");
			return CLI_OK;
		} else {
			cli_error("peers: unknown argument '%s'", argv[i]);
			return CLI_USAGE;
		}
	}
	if ((rc = status_fetch(c, &resp)) != CLI_OK)
		goto out;
	if (!json) {
		cli_cell(stdout, "PEER", 18);
		cli_cell(stdout, "ADDRESS", 23);
		cli_cell(stdout, "DIR", 5);
		cli_cell(stdout, "STATE", 11);
		cli_cell(stdout, "DIGESTS", 8);
		cli_cell(stdout, "VERSION", 10);
		cli_cell(stdout, "IDLE", 8);
		cli_cell(stdout, "LAG", 9);
		cli_cell(stdout, "SYNCED", 10);
		cli_cell(stdout, "RECS IN", 10);
		cli_cell(stdout, "RECS OUT", 10);
		cli_cell(stdout, "BYTES IN", 12);
		printf("BYTES OUT\n");
	}
	for (i = 0; i < resp->status->n_peers; i++) {
		const Sd__PeerInfo *pi = resp->status->peers[i];
		char who[HEX_SHORT + 1] = "-";
		char idle[32], num[32], lag[32], synced[32];
		if (json) {
			if ((rc = cli_json_put(health_peer_json(pi))) != CLI_OK)
				goto out;
			continue;
		}
		if (pi->has_key && pi->key.len == 32)
			hex_short(pi->key.data, who);
		snprintf(idle, sizeof(idle), pi->has_idle_ms ? "%.1fs" : "-",
		    (double)pi->idle_ms / 1000.0);
		snprintf(
		    lag, sizeof(lag), pi->has_lag ? "%" PRIu64 : "-", pi->lag);
		if (pi->has_synced_ms) {
			uint64_t now = record_now_ms();
			snprintf(synced, sizeof(synced), "%" PRIu64 "s ago",
			    now > pi->synced_ms ? (now - pi->synced_ms) / 1000
			                        : 0);
		} else {
			snprintf(synced, sizeof(synced), "-");
		}
		cli_cell(stdout, who, 18);
		cli_cell(stdout, pi->address, 23);
		cli_cell(stdout,
		    !pi->outbound     ? "in"
		        : pi->learned ? "out*"
		                      : "out",
		    5);
		cli_cell(stdout, pi->state, 11);
		cli_cell(stdout, health_digests(pi), 8);
		cli_cell(stdout, peers_version(resp->status, pi), 10);
		cli_cell(stdout, idle, 8);
		cli_cell(stdout, lag, 9);
		cli_cell(stdout, synced, 10);
		snprintf(num, sizeof(num), "%" PRIu64, pi->records_in);
		cli_cell(stdout, num, 10);
		snprintf(num, sizeof(num), "%" PRIu64, pi->records_out);
		cli_cell(stdout, num, 10);
		snprintf(num, sizeof(num), "%" PRIu64, pi->bytes_in);
		cli_cell(stdout, num, 12);
		printf("%" PRIu64 "\n", pi->bytes_out);
	}
	if (json) {
		rc = cli_json_put(health_origins_json(resp->status));
	} else {
		printf("\n%zu origin%s held:\n", resp->status->n_origins,
		    resp->status->n_origins == 1 ? "" : "s");
		for (i = 0; i < resp->status->n_origins; i++) {
			const Sd__OriginMark *om = resp->status->origins[i];
			if (om->origin.len != 32)
				continue;
			key_public_hex(om->origin.data, hex);
			printf("  %s  W=%" PRIu64 "%s\n", hex, om->w,
			    memcmp(om->origin.data, resp->status->node_key.data,
			        32) == 0
			        ? "  (this node)"
			        : "");
		}
	}
out:
	if (resp)
		sd__response__free_unpacked(resp, NULL);
	return rc;
}
