/* HTTP requests as the daemon's HTTP server reads them: the input is the
 * raw bytes of a request, read by the server's own request reader
 * (daemon/hreq.c: http-parser under its limits), routed and decoded by
 * api_parse and, when it is a request to run, answered by api_run against
 * a real node (an empty store; its status, peers, metrics, search, match,
 * consortium and member routes all run). Invariants: every answer has a
 * status the API documents, a JSON body parses, and a JSON error names
 * the answer's own status and has a message (even when the request was
 * not UTF-8). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "config.h"
#include "err.h"
#include "fuzz.h"
#include "hreq.h"
#include "key.h"
#include "node.h"
#include "sdtest.h"

static struct node *fz_node;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[512], path[600], hex[65], err[512];
	struct key *nk = NULL, *rk = NULL;
	struct config *cfg = NULL;
	FILE *f;

	(void)argc;
	(void)argv;
	if (sdtest_tmpdir("sdfuzzh", dir, sizeof(dir)) != 0 ||
	    key_generate(&nk) != 0 || key_generate(&rk) != 0)
		abort();
	snprintf(path, sizeof(path), "%s/node.key", dir);
	if (key_save(nk, path) != 0)
		abort();
	key_public_hex(rk->pk, hex);
	snprintf(path, sizeof(path), "%s/stardust.conf", dir);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fprintf(f,
	    "[node]\nname = fuzz\ndata_dir = %s\nroot_key = %s\n"
	    "map_size_mb = 64\nlog_level = error\nlog = stderr\n",
	    dir, hex);
	fclose(f);
	if (config_load(path, &cfg, err, sizeof(err)) != 0 ||
	    node_open(cfg, &fz_node, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_http: %s\n", err);
		abort();
	}
	key_free(nk);
	key_free(rk);
	return 0;
}

static void
fz_check_reply(const struct api_reply *r)
{
	static const int ok[] = { 200, 400, 404, 405, 500 };
	size_t i;
	int known = 0;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		known |= r->status == ok[i];
	fuzz_check(known, "an answer's status is one the API documents");
	fuzz_check(r->status == 500 || r->body != NULL, "an answer has a body");
	if (r->type != NULL && strcmp(r->type, "application/json") == 0 &&
	    r->body != NULL) {
		json_error_t je;
		json_t *o = json_loadb(r->body, r->len, 0, &je), *e;
		fuzz_check(o != NULL, "a JSON answer parses");
		e = json_object_get(o, "error");
		if (r->status != 200) {
			fuzz_check(e != NULL &&
			        json_integer_value(
			            json_object_get(e, "status")) == r->status,
			    "an error answer names its status");
			fuzz_check(
			    json_is_string(json_object_get(e, "message")),
			    "an error answer has a message");
		}
		json_decref(o);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hreq req;
	static const struct api_stats stats;
	struct api_call *call = NULL;
	struct api_reply reply;
	int route, rc;

	hreq_init(&req);
	if (!hreq_feed(&req, (const char *)data, size) || req.bad)
		return 0; /* the server answers these itself (400, 413, ...) */
	rc = api_parse(hreq_method(&req), req.url, &route, &call, &reply);
	fuzz_check(rc == 0 || rc == 1, "api_parse answers or routes");
	fuzz_check(route >= 0 && route < API_R_COUNT, "a known route");
	if (rc == 1) {
		fuzz_check(call == NULL, "no call with an answer");
		fz_check_reply(&reply);
		api_reply_free(&reply);
		return 0;
	}
	api_run(fz_node, call, &stats, &reply);
	fz_check_reply(&reply);
	api_reply_free(&reply);
	api_call_free(call);
	return 0;
}
