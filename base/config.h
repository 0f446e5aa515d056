/*
 * config: a node's configuration file (INI, parsed with libinih).
 *
 *   [node]
 *   name = Lapland            # a label for people
 *   data_dir = .              # relative paths are relative to the file
 *   root_key = <64 hex>       # the federation root's public key
 *   key_file = node.key       # default: <data_dir>/node.key
 *   socket = control.sock     # default: <data_dir>/control.sock
 *   map_size_mb = 4096        # LMDB map size
 *   log_level = info          # error, warn, info, debug
 *   log = auto                # auto, stderr, file, syslog
 *   listen = 127.0.0.1:7401   # peer port (numeric address); default none
 *   http = 127.0.0.1:8470     # HTTP API and web page; default none
 *   peers = 127.0.0.1:7402, 127.0.0.1:7403   # bootstrap peers
 *   gossip_ms = 1000          # digest interval
 *   max_outbound = 8          # outbound connections, counting `peers`;
 *                             # more are dialled from certificate addresses
 *   max_inbound = 16          # certified inbound peers kept; more are
 *                             # served a grace (the root's records: other
 *                             # nodes' addresses), then closed
 *   publish_wait_ms = 5000    # with `peers`: after a start, writes wait
 *                             # this long at most for a peer's digest
 *                             # (which tells the own seq the federation
 *                             # has seen: a restored backup is behind)
 *
 * Unknown sections or keys, duplicate keys and bad values are errors. See
 * docs/OPERATIONS.md for every key.
 */
#ifndef SD_CONFIG_H
#define SD_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sdlog.h"

/* Where the daemon's log lines go (the `log` key). AUTO: stderr with -d,
 * else <data_dir>/stardustd.log, as before the key existed. */
enum {
	CONFIG_LOG_AUTO = 0,
	CONFIG_LOG_STDERR = 1,
	CONFIG_LOG_FILE = 2,
	CONFIG_LOG_SYSLOG = 3
};

struct config {
	char *path; /* absolute path of the file */
	char *name;
	char *data_dir; /* absolute */
	char *db_dir; /* <data_dir>/db */
	char *key_file; /* absolute */
	char *socket; /* absolute */
	uint8_t root_key[32];
	size_t map_size_mb;
	int log_level;
	int log; /* CONFIG_LOG_* */
	char *listen; /* "ip:port" or NULL: no peer listener */
	char *http; /* "ip:port" or NULL: no HTTP server */
	char **peers; /* bootstrap peer addresses, "ip:port" */
	size_t npeers;
	unsigned gossip_ms;
	unsigned max_outbound;
	unsigned max_inbound;
	unsigned publish_wait_ms;
};

#define CONFIG_PEERS_MAX 64

/* config_addr_parse(s, out): parse a numeric "ipv4:port" or
 * "[ipv6]:port" into out (a struct sockaddr_storage). 0 or SD_EINVAL. */
struct sockaddr_storage;
int config_addr_parse(const char *s, struct sockaddr_storage *out);

/*
 * config_load(path, out, err, errlen): parse path into *out (free with
 * config_free). On error a negative code and a message naming the line.
 */
int
config_load(const char *path, struct config **out, char *err, size_t errlen);

/* config_free(c): release; NULL harmless. */
void config_free(struct config *c);

/* config_print(c, f): write the effective configuration, every key. */
void config_print(const struct config *c, FILE *f);

/* config_write_new(path, name, data_dir, root_key_hex): create a new
 * config file (refuses to overwrite). */
int
config_write_new(const char *path, const char *name, const char *root_key_hex);

#endif
