#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "key.h"

struct config_parse {
	struct config *c;
	char dir[PATH_MAX];
	char *data_dir, *key_file, *socket;
	int have_root;
	unsigned seen;
	char err[256];
	FILE *f;
	int line; /* lines read so far */
	int err_line; /* where err was found */
	char vbuf[1100];
};

/* libinih's reader: counts lines and refuses one longer than its buffer
 * (Debian's libinih splits such a line silently). */
static char *
config_reader(char *str, int num, void *stream)
{
	struct config_parse *p = stream;

	if (fgets(str, num, p->f) == NULL)
		return NULL;
	p->line++;
	if (strchr(str, '\n') == NULL && !feof(p->f)) {
		if (p->err[0] == '\0') {
			snprintf(p->err, sizeof(p->err),
			    "line is too long (at most %d bytes)", num - 2);
			p->err_line = p->line;
		}
		return NULL;
	}
	return str;
}

/* Cuts an inline comment (" # ..." or " ; ...") off a value. */
static const char *
config_value(struct config_parse *p, const char *value)
{
	size_t i, n;

	snprintf(p->vbuf, sizeof(p->vbuf), "%s", value);
	for (i = 1; p->vbuf[i]; i++)
		if ((p->vbuf[i] == '#' || p->vbuf[i] == ';') &&
		    (p->vbuf[i - 1] == ' ' || p->vbuf[i - 1] == '\t')) {
			p->vbuf[i] = '\0';
			break;
		}
	n = strlen(p->vbuf);
	while (n > 0 && (p->vbuf[n - 1] == ' ' || p->vbuf[n - 1] == '\t'))
		p->vbuf[--n] = '\0';
	return p->vbuf;
}

static char *
config_abs(const char *dir, const char *p)
{
	char *out;
	size_t n;

	if (p[0] == '/')
		return strdup(p);
	if (strcmp(p, ".") == 0)
		return strdup(dir);
	n = strlen(dir) + 1 + strlen(p) + 1;
	if ((out = malloc(n)) == NULL)
		return NULL;
	snprintf(out, n, "%s/%s", dir, p);
	return out;
}

static const char *config_keys[] = {
	"name",
	"data_dir",
	"root_key",
	"key_file",
	"socket",
	"map_size_mb",
	"log_level",
	"log",
	"listen",
	"http",
	"peers",
	"gossip_ms",
	"max_outbound",
	"max_inbound",
	"publish_wait_ms",
};

/* config_ulong(p, name, value, lo, hi, out): value as a decimal number
 * in [lo, hi], or an error naming the key and the range. */
static int
config_ulong(struct config_parse *p, const char *name, const char *value,
    unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(value, &end, 10);
	if (errno || *end || end == value || *value == '-' || v < lo ||
	    v > hi) {
		snprintf(p->err, sizeof(p->err), "%s must be %lu to %lu", name,
		    lo, hi);
		return SD_ECONFIG;
	}
	*out = v;
	return 0;
}

static int config_handle(struct config_parse *p, const char *section,
    const char *name, const char *value);

static int
config_handler(
    void *user, const char *section, const char *name, const char *value)
{
	struct config_parse *p = user;
	int rc;

	/* Keep the first problem only: libinih goes on after an error. */
	if (p->err[0])
		return 0;
	value = config_value(p, value);
	rc = config_handle(p, section, name, value);
	if (!rc && p->err_line == 0)
		p->err_line = p->line;
	return rc;
}

static int
config_handle(struct config_parse *p, const char *section, const char *name,
    const char *value)
{
	size_t i, nkeys = sizeof(config_keys) / sizeof(config_keys[0]);
	char **slot = NULL;

	if (strcmp(section, "node") != 0) {
		snprintf(
		    p->err, sizeof(p->err), "unknown section [%s]", section);
		return 0;
	}
	for (i = 0; i < nkeys; i++)
		if (strcmp(name, config_keys[i]) == 0)
			break;
	if (i == nkeys) {
		snprintf(p->err, sizeof(p->err), "unknown key '%s'", name);
		return 0;
	}
	if (p->seen & (1u << i)) {
		snprintf(p->err, sizeof(p->err), "duplicate key '%s'", name);
		return 0;
	}
	p->seen |= 1u << i;
	if (strcmp(name, "name") == 0) {
		slot = &p->c->name;
	} else if (strcmp(name, "data_dir") == 0) {
		slot = &p->data_dir;
	} else if (strcmp(name, "key_file") == 0) {
		slot = &p->key_file;
	} else if (strcmp(name, "socket") == 0) {
		slot = &p->socket;
	} else if (strcmp(name, "root_key") == 0) {
		if (key_public_parse(value, p->c->root_key) != 0) {
			snprintf(p->err, sizeof(p->err),
			    "root_key must be 64 hex digits");
			return 0;
		}
		p->have_root = 1;
	} else if (strcmp(name, "map_size_mb") == 0) {
		unsigned long v;
		if (config_ulong(p, name, value, 1, 1048576, &v) != 0)
			return 0;
		p->c->map_size_mb = v;
	} else if (strcmp(name, "listen") == 0) {
		struct sockaddr_storage ss;
		if (config_addr_parse(value, &ss) != 0) {
			snprintf(p->err, sizeof(p->err),
			    "listen must be a numeric address and port, e.g. "
			    "127.0.0.1:7401");
			return 0;
		}
		slot = &p->c->listen;
	} else if (strcmp(name, "http") == 0) {
		struct sockaddr_storage ss;
		if (config_addr_parse(value, &ss) != 0) {
			snprintf(p->err, sizeof(p->err),
			    "http must be a numeric address and port, e.g. "
			    "127.0.0.1:8470");
			return 0;
		}
		slot = &p->c->http;
	} else if (strcmp(name, "peers") == 0) {
		const char *q = value;
		while (*q) {
			struct sockaddr_storage ss;
			size_t len = strcspn(q, ", ");
			char one[128];
			if (len == 0) {
				q++;
				continue;
			}
			if (len >= sizeof(one) ||
			    p->c->npeers == CONFIG_PEERS_MAX) {
				snprintf(p->err, sizeof(p->err),
				    "peers: at most %d addresses of ip:port",
				    CONFIG_PEERS_MAX);
				return 0;
			}
			memcpy(one, q, len);
			one[len] = '\0';
			if (config_addr_parse(one, &ss) != 0) {
				snprintf(p->err, sizeof(p->err),
				    "peers: '%.60s' is not a numeric ip:port",
				    one);
				return 0;
			}
			char **nv = realloc(
			    p->c->peers, (p->c->npeers + 1) * sizeof(*nv));
			if (nv == NULL ||
			    (nv[p->c->npeers] = strdup(one)) == NULL) {
				if (nv != NULL)
					p->c->peers = nv;
				return 0;
			}
			p->c->peers = nv;
			p->c->npeers++;
			q += len;
		}
	} else if (strcmp(name, "gossip_ms") == 0) {
		unsigned long v;
		if (config_ulong(p, name, value, 10, 600000, &v) != 0)
			return 0;
		p->c->gossip_ms = (unsigned)v;
	} else if (strcmp(name, "max_outbound") == 0) {
		unsigned long v;
		if (config_ulong(p, name, value, 0, 64, &v) != 0)
			return 0;
		p->c->max_outbound = (unsigned)v;
	} else if (strcmp(name, "max_inbound") == 0) {
		unsigned long v;
		if (config_ulong(p, name, value, 0, 256, &v) != 0)
			return 0;
		p->c->max_inbound = (unsigned)v;
	} else if (strcmp(name, "publish_wait_ms") == 0) {
		unsigned long v;
		if (config_ulong(p, name, value, 0, 600000, &v) != 0)
			return 0;
		p->c->publish_wait_ms = (unsigned)v;
	} else if (strcmp(name, "log_level") == 0) {
		static const char *lv[] = { "error", "warn", "info", "debug" };
		int j;
		for (j = 0; j < 4; j++)
			if (strcmp(value, lv[j]) == 0)
				break;
		if (j == 4) {
			snprintf(p->err, sizeof(p->err),
			    "log_level must be error, warn, info or "
			    "debug");
			return 0;
		}
		p->c->log_level = j;
	} else if (strcmp(name, "log") == 0) {
		static const char *lt[] = { "auto", "stderr", "file",
			"syslog" };
		int j;
		for (j = 0; j < 4; j++)
			if (strcmp(value, lt[j]) == 0)
				break;
		if (j == 4) {
			snprintf(p->err, sizeof(p->err),
			    "log must be auto, stderr, file or syslog");
			return 0;
		}
		p->c->log = j;
	}
	if (slot != NULL) {
		if (value[0] == '\0' || strlen(value) > 1024) {
			snprintf(p->err, sizeof(p->err),
			    "'%s' must be 1 to 1024 characters", name);
			return 0;
		}
		if ((*slot = strdup(value)) == NULL)
			return 0;
	}
	return 1;
}

int
config_load(const char *path, struct config **out, char *err, size_t errlen)
{
	struct config_parse p;
	struct config *c;
	char real[PATH_MAX], *slash;
	int rc = 0, line;

	memset(&p, 0, sizeof(p));
	if (realpath(path, real) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -ENOMEM;
	c->map_size_mb = 4096;
	c->log_level = SDLOG_INFO;
	c->gossip_ms = 1000;
	c->max_outbound = 8;
	c->max_inbound = 16;
	c->publish_wait_ms = 5000;
	p.c = c;
	snprintf(p.dir, sizeof(p.dir), "%s", real);
	if ((slash = strrchr(p.dir, '/')) != NULL)
		*(slash == p.dir ? slash + 1 : slash) = '\0';
	if ((p.f = fopen(real, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -errno;
		goto out;
	}
	line = ini_parse_stream(config_reader, &p, config_handler, &p);
	fclose(p.f);
	if (line == 0 && p.err[0])
		line = p.err_line; /* a line too long ends the stream */
	if (line != 0) {
		if (p.err[0] && p.err_line == line)
			snprintf(
			    err, errlen, "%s: line %d: %s", path, line, p.err);
		else
			snprintf(err, errlen, "%s: line %d: syntax error", path,
			    line);
		rc = SD_ECONFIG;
		goto out;
	}
	if (!p.have_root) {
		snprintf(err, errlen, "%s: root_key is required", path);
		rc = SD_ECONFIG;
		goto out;
	}
	if ((c->path = strdup(real)) == NULL ||
	    (c->data_dir = config_abs(p.dir, p.data_dir ? p.data_dir : ".")) ==
	        NULL ||
	    (c->db_dir = config_abs(c->data_dir, "db")) == NULL ||
	    (c->key_file = p.key_file
	            ? config_abs(p.dir, p.key_file)
	            : config_abs(c->data_dir, "node.key")) == NULL ||
	    (c->socket = p.socket
	            ? config_abs(p.dir, p.socket)
	            : config_abs(c->data_dir, "control.sock")) == NULL ||
	    (c->name == NULL && (c->name = strdup("stardust")) == NULL)) {
		rc = -ENOMEM;
		goto out;
	}
	if (strlen(c->socket) >= 100) {
		snprintf(err, errlen,
		    "%s: socket path '%s' is too long for a "
		    "Unix socket (at most 99 bytes)",
		    path, c->socket);
		rc = SD_ECONFIG;
		goto out;
	}
out:
	free(p.data_dir);
	free(p.key_file);
	free(p.socket);
	if (rc == 0)
		*out = c;
	else
		config_free(c);
	return rc;
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->name);
	free(c->data_dir);
	free(c->db_dir);
	free(c->key_file);
	free(c->socket);
	free(c->listen);
	free(c->http);
	for (size_t i = 0; i < c->npeers; i++)
		free(c->peers[i]);
	free(c->peers);
	free(c);
}

void
config_print(const struct config *c, FILE *f)
{
	static const char *lv[] = { "error", "warn", "info", "debug" };
	static const char *lt[] = { "auto", "stderr", "file", "syslog" };
	char hex[65];

	key_public_hex(c->root_key, hex);
	fprintf(f, "# %s\n[node]\n", c->path);
	fprintf(f, "name = %s\n", c->name);
	fprintf(f, "data_dir = %s\n", c->data_dir);
	fprintf(f, "root_key = %s\n", hex);
	fprintf(f, "key_file = %s\n", c->key_file);
	fprintf(f, "socket = %s\n", c->socket);
	fprintf(f, "map_size_mb = %zu\n", c->map_size_mb);
	fprintf(f, "log_level = %s\n", lv[c->log_level]);
	fprintf(f, "log = %s\n", lt[c->log]);
	if (c->listen)
		fprintf(f, "listen = %s\n", c->listen);
	if (c->http)
		fprintf(f, "http = %s\n", c->http);
	if (c->npeers) {
		fprintf(f, "peers =");
		for (size_t i = 0; i < c->npeers; i++)
			fprintf(f, "%s %s", i ? "," : "", c->peers[i]);
		fprintf(f, "\n");
	}
	fprintf(f, "gossip_ms = %u\n", c->gossip_ms);
	fprintf(f, "max_outbound = %u\n", c->max_outbound);
	fprintf(f, "max_inbound = %u\n", c->max_inbound);
	fprintf(f, "publish_wait_ms = %u\n", c->publish_wait_ms);
}

int
config_addr_parse(const char *s, struct sockaddr_storage *out)
{
	char host[64];
	const char *colon;
	char *end;
	unsigned long port;
	size_t hl;

	memset(out, 0, sizeof(*out));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL || close[1] != ':')
			return SD_EINVAL;
		hl = (size_t)(close - s - 1);
		if (hl >= sizeof(host))
			return SD_EINVAL;
		memcpy(host, s + 1, hl);
		colon = close + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return SD_EINVAL;
		hl = (size_t)(colon - s);
		if (hl >= sizeof(host))
			return SD_EINVAL;
		memcpy(host, s, hl);
	}
	host[hl] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port == 0 || port > 65535)
		return SD_EINVAL;
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)out)->sin_addr) ==
	    1) {
		((struct sockaddr_in *)out)->sin_family = AF_INET;
		((struct sockaddr_in *)out)->sin_port = htons((uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET6, host,
	        &((struct sockaddr_in6 *)out)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)out)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)out)->sin6_port = htons((uint16_t)port);
		return 0;
	}
	return SD_EINVAL;
}

int
config_write_new(const char *path, const char *name, const char *root_key_hex)
{
	FILE *f;
	int fd, rc = 0;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) <
	    0)
		return -errno;
	if ((f = fdopen(fd, "w")) == NULL) {
		rc = -errno;
		close(fd);
		return rc;
	}
	fprintf(f,
	    "# Stardust node configuration; see docs/OPERATIONS.md.\n"
	    "[node]\nname = %s\ndata_dir = .\nroot_key = %s\n"
	    "map_size_mb = 4096\nlog_level = info\n",
	    name, root_key_hex);
	if (fflush(f) != 0 || fsync(fd) != 0)
		rc = -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}
