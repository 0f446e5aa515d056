/*
 * cli: shared state and helpers of the stardust command-line tool.
 */
#ifndef SD_CLI_H
#define SD_CLI_H

#include <jansson.h>
#include <stdio.h>

#include "client.h"
#include "codes.h"
#include "config.h"

/* Exit statuses. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

struct cli {
	const char *config_path; /* -c, $STARDUST_CONFIG or ./stardust.conf */
	struct config *cfg; /* loaded on first use */
	struct codes *codes; /* loaded on first use */
	struct client *client; /* connected on first use */
};

/* cli_error(fmt, ...): "stardust: <message>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* cli_config(c): the configuration (loaded on first use), or NULL after
 * printing an error. */
const struct config *cli_config(struct cli *c);

/* cli_codes(c): the code lists, or NULL after printing an error. */
const struct codes *cli_codes(struct cli *c);

/*
 * cli_call(c, req, resp): send req to the local daemon (loading the
 * config and connecting on first use). On a daemon-side error the message
 * is printed, *resp is still set (for row errors) and CLI_FAIL returned;
 * on a transport error *resp is NULL and CLI_FAIL returned.
 */
int cli_call(struct cli *c, Sd__Request *req, Sd__Response **resp);

/*
 * cli_member_open(c, rec, r): open a member record of the daemon's answer
 * (result_open, with the code lists). 0 with r set (free with
 * record_close), or -1 after printing an error.
 */
int cli_member_open(
    struct cli *c, const ProtobufCBinaryData *rec, struct record *r);

/* cli_help_requested(argc, argv): 1 if -h or --help is among argv. */
int cli_help_requested(int argc, char **argv);

/* cli_split_add(list, n, value): append value's comma-separated items to
 * a NULL-free string array (caller frees with cli_strv_free). */
int cli_split_add(char ***list, size_t *n, const char *value);
void cli_strv_free(char **v, size_t n);

/* cli_json_put(o): print o on one line (compact, ASCII) and decref it.
 * CLI_OK, or CLI_FAIL if o is NULL (out of memory). */
int cli_json_put(json_t *o);

/* cli_cell(f, s, width): print s in a column of width characters (code
 * points): at most width - 1 of s, cut with an ellipsis, then spaces. */
void cli_cell(FILE *f, const char *s, size_t width);

int cmd_node(struct cli *c, int argc, char **argv);
int cmd_federation(struct cli *c, int argc, char **argv);
int cmd_cert(struct cli *c, int argc, char **argv);
int cmd_status(struct cli *c, int argc, char **argv);
int cmd_peers(struct cli *c, int argc, char **argv);
int cmd_member(struct cli *c, int argc, char **argv);
int cmd_import(struct cli *c, int argc, char **argv);
int cmd_export(struct cli *c, int argc, char **argv);
int cmd_search(struct cli *c, int argc, char **argv);
int cmd_match(struct cli *c, int argc, char **argv);
int cmd_consortium(struct cli *c, int argc, char **argv);
int cmd_fsck(struct cli *c, int argc, char **argv);

#endif
