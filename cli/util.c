#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "err.h"
#include "result.h"

void
cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("stardust: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const struct codes *
cli_codes(struct cli *c)
{
	int rc;

	if (c->codes == NULL && (rc = codes_new(&c->codes)) != 0) {
		cli_error("loading code lists: %s", sd_strerror(rc));
		return NULL;
	}
	return c->codes;
}

const struct config *
cli_config(struct cli *c)
{
	char err[512];

	if (c->cfg == NULL &&
	    config_load(c->config_path, &c->cfg, err, sizeof(err)) != 0) {
		cli_error("%s", err);
		return NULL;
	}
	return c->cfg;
}

int
cli_call(struct cli *c, Sd__Request *req, Sd__Response **resp)
{
	int rc;

	*resp = NULL;
	if (cli_config(c) == NULL)
		return CLI_FAIL;
	if (c->client == NULL &&
	    (rc = client_connect(c->cfg->socket, &c->client)) != 0) {
		cli_error("cannot reach stardustd at %s: %s (is it running?)",
		    c->cfg->socket, sd_strerror(rc));
		return CLI_FAIL;
	}
	if ((rc = client_call(c->client, req, resp)) != 0) {
		cli_error("control socket: %s", sd_strerror(rc));
		*resp = NULL;
		return CLI_FAIL;
	}
	if ((*resp)->code != 0) {
		cli_error("%s",
		    (*resp)->message ? (*resp)->message
		                     : sd_strerror((*resp)->code));
		return CLI_FAIL;
	}
	return CLI_OK;
}

int
cli_member_open(struct cli *c, const ProtobufCBinaryData *rec, struct record *r)
{
	char err[256];

	(void)c;
	if (result_open(rec, r, err, sizeof(err)) != 0) {
		cli_error("daemon sent a bad record: %s", err);
		return -1;
	}
	return 0;
}

int
cli_help_requested(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

void
cli_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int
cli_split_add(char ***list, size_t *n, const char *value)
{
	const char *p = value, *comma;
	char **nv, *item;

	while (*p) {
		comma = strchr(p, ',');
		if (comma == NULL)
			comma = p + strlen(p);
		if (comma > p) {
			if ((item = strndup(p, (size_t)(comma - p))) == NULL)
				return -ENOMEM;
			if ((nv = realloc(*list, (*n + 1) * sizeof(*nv))) ==
			    NULL) {
				free(item);
				return -ENOMEM;
			}
			*list = nv;
			nv[(*n)++] = item;
		}
		p = *comma ? comma + 1 : comma;
	}
	return 0;
}

void
cli_cell(FILE *f, const char *s, size_t width)
{
	size_t room = width > 1 ? width - 1 : 1; /* one column separates */
	size_t chars = 0, i, cut = 0;

	if (s == NULL)
		s = "";
	for (i = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		if (chars == room - 1)
			cut = i;
		chars++;
	}
	if (chars <= room) {
		fputs(s, f);
	} else {
		fwrite(s, 1, cut, f);
		fputs("\xe2\x80\xa6", f); /* an ellipsis */
		chars = room;
	}
	for (; chars < width; chars++)
		fputc(' ', f);
}

int
cli_json_put(json_t *o)
{
	char *s;

	if (o == NULL ||
	    (s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII)) == NULL) {
		json_decref(o);
		cli_error("out of memory");
		return CLI_FAIL;
	}
	puts(s);
	free(s);
	json_decref(o);
	return CLI_OK;
}
