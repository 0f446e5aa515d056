/*
 * test_config: base/config.c. Defaults and path resolution of a valid
 * file, and for every kind of mistake an error that names the file, the
 * line and the problem, with nothing returned.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "err.h"

#define RK                                                                     \
	"00112233445566778899aabbccddeeff"                                     \
	"102132435465768798a9bacbdcedfe0f"

static char dir[PATH_MAX]; /* realpath of the test directory */
static char cfgpath[PATH_MAX + 32];
static int nfiles;

/* Writes text to a new file in dir and returns its path (static). */
static const char *
cfg_write(const char *text)
{
	FILE *f;

	snprintf(cfgpath, sizeof(cfgpath), "%s/c%d.conf", dir, nfiles++);
	if ((f = fopen(cfgpath, "w")) == NULL || fputs(text, f) == EOF ||
	    fclose(f) != 0) {
		perror(cfgpath);
		exit(2);
	}
	return cfgpath;
}

static char *
join(const char *a, const char *b)
{
	static char buf[2][PATH_MAX + 64];
	static int i;

	i = !i;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", a, b);
	return buf[i];
}

/*
 * CFG_BAD(text, want): loading text fails with SD_ECONFIG, nothing comes
 * back, and the message names the file and contains want (which names
 * the line where there is one).
 */
#define CFG_BAD(text, want)                                                    \
	do {                                                                   \
		struct config *c_ = NULL;                                      \
		char e_[1024] = "";                                            \
		const char *p_ = cfg_write(text);                              \
		CHECK_INT(config_load(p_, &c_, e_, sizeof(e_)), SD_ECONFIG);   \
		CHECK(c_ == NULL);                                             \
		CHECK_CONTAINS(e_, (want));                                    \
		CHECK_CONTAINS(e_, p_);                                        \
		config_free(c_);                                               \
	} while (0)

static void
test_minimal(void)
{
	struct config *c = NULL;
	char err[1024] = "";
	const char *p;
	int rc, i;

	p = cfg_write("[node]\nroot_key = " RK "\n");
	rc = config_load(p, &c, err, sizeof(err));
	CHECK_INT(rc, 0);
	if (rc != 0) {
		fprintf(stderr, "config_load: %s\n", err);
		return;
	}
	CHECK_STR(c->path, p);
	CHECK_STR(c->name, "stardust");
	CHECK_STR(c->data_dir, dir);
	CHECK_STR(c->db_dir, join(dir, "db"));
	CHECK_STR(c->key_file, join(dir, "node.key"));
	CHECK_STR(c->socket, join(dir, "control.sock"));
	CHECK_INT(c->map_size_mb, 4096);
	CHECK_INT(c->log_level, SDLOG_INFO);
	CHECK_INT(c->max_outbound, 8);
	CHECK_INT(c->max_inbound, 16);
	CHECK_INT(c->log, CONFIG_LOG_AUTO);
	for (i = 0; i < 16; i++) {
		CHECK_INT(c->root_key[i], 0x11 * i);
		CHECK_INT(c->root_key[16 + i],
		    0x10 + 0x11 * i - (i == 15 ? 0x100 : 0));
	}
	config_free(c);
	config_free(NULL);
}

static void
test_full(void)
{
	struct config *c = NULL;
	char err[1024] = "", rel[PATH_MAX + 64], *cwd;
	const char *p;
	int rc;

	p = cfg_write("# A node\n"
	              "; another comment\n"
	              "[node]\n"
	              "name = Lapland Agency\n"
	              "data_dir = data\n"
	              "root_key = " RK "\n"
	              "key_file = keys/n.key\n"
	              "socket = run/s.sock\n"
	              "map_size_mb = 1048576\n"
	              "log_level = debug\n"
	              "max_outbound = 3\n"
	              "max_inbound = 5\n");
	rc = config_load(p, &c, err, sizeof(err));
	CHECK_INT(rc, 0);
	if (rc == 0) {
		CHECK_INT(c->max_outbound, 3);
		CHECK_INT(c->max_inbound, 5);
		CHECK_STR(c->name, "Lapland Agency");
		CHECK_STR(c->data_dir, join(dir, "data"));
		snprintf(rel, sizeof(rel), "%s/data/db", dir);
		CHECK_STR(c->db_dir, rel);
		/* Relative to the file, not to data_dir. */
		CHECK_STR(c->key_file, join(dir, "keys/n.key"));
		CHECK_STR(c->socket, join(dir, "run/s.sock"));
		CHECK_INT(c->map_size_mb, 1048576);
		CHECK_INT(c->log_level, SDLOG_DEBUG);
		config_free(c);
	} else {
		fprintf(stderr, "config_load: %s\n", err);
	}

	/* Absolute paths stay; key_file defaults into data_dir. */
	c = NULL;
	p = cfg_write("[node]\nroot_key=" RK "\ndata_dir=/var/lib/sd\n"
	              "log_level=error\n");
	rc = config_load(p, &c, err, sizeof(err));
	CHECK_INT(rc, 0);
	if (rc == 0) {
		CHECK_STR(c->data_dir, "/var/lib/sd");
		CHECK_STR(c->db_dir, "/var/lib/sd/db");
		CHECK_STR(c->key_file, "/var/lib/sd/node.key");
		CHECK_STR(c->socket, "/var/lib/sd/control.sock");
		CHECK_INT(c->log_level, SDLOG_ERROR);
		config_free(c);
	}

	/* Loaded through a relative path, the paths are still absolute and
	 * relative to the file's directory. */
	c = NULL;
	cwd = getcwd(NULL, 0);
	CHECK(cwd != NULL && chdir("/") == 0);
	snprintf(rel, sizeof(rel), ".%s", p);
	rc = config_load(rel, &c, err, sizeof(err));
	CHECK_INT(rc, 0);
	if (rc == 0) {
		CHECK_STR(c->path, p);
		CHECK_STR(c->key_file, "/var/lib/sd/node.key");
		config_free(c);
	}
	if (cwd != NULL && chdir(cwd) != 0)
		perror(cwd);
	free(cwd);

	/* The annotated example of config.h, verbatim with a real key. */
	c = NULL;
	p = cfg_write(
	    "[node]\n"
	    "name = Lapland            # a label for people\n"
	    "data_dir = .              # relative paths are relative to the "
	    "file\n"
	    "root_key = " RK "       # the federation root's public key\n"
	    "key_file = node.key       # default: <data_dir>/node.key\n"
	    "socket = control.sock     # default: <data_dir>/control.sock\n"
	    "map_size_mb = 4096        # LMDB map size\n"
	    "log_level = info          # error, warn, info, debug\n");
	rc = config_load(p, &c, err, sizeof(err));
	CHECK_INT(rc, 0);
	if (rc == 0) {
		CHECK_STR(c->name, "Lapland");
		CHECK_STR(c->data_dir, dir);
		CHECK_STR(c->key_file, join(dir, "node.key"));
		CHECK_INT(c->map_size_mb, 4096);
		config_free(c);
	} else {
		fprintf(stderr, "config.h example refused: %s\n", err);
	}

	/* config_write_new writes a file config_load takes back. */
	c = NULL;
	snprintf(rel, sizeof(rel), "%s/new.conf", dir);
	CHECK_INT(config_write_new(rel, "Vilnius", RK), 0);
	CHECK_INT(config_write_new(rel, "Vilnius", RK), -EEXIST);
	rc = config_load(rel, &c, err, sizeof(err));
	CHECK_INT(rc, 0);
	if (rc == 0) {
		CHECK_STR(c->name, "Vilnius");
		CHECK_INT(c->root_key[1], 0x11);
		config_free(c);
	}
	unlink(rel);
}

/* The `log` key: each of its four values, and anything else refused with
 * its line. */
static void
test_log(void)
{
	static const struct {
		const char *value;
		int want;
	} ok[] = {
		{ "auto", CONFIG_LOG_AUTO },
		{ "stderr", CONFIG_LOG_STDERR },
		{ "file", CONFIG_LOG_FILE },
		{ "syslog", CONFIG_LOG_SYSLOG },
		{ "syslog   # inline comment", CONFIG_LOG_SYSLOG },
	};
	char text[256], err[1024];
	struct config *c;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		c = NULL;
		err[0] = '\0';
		snprintf(text, sizeof(text),
		    "[node]\nroot_key = " RK "\n"
		    "log = %s\n",
		    ok[i].value);
		rc = config_load(cfg_write(text), &c, err, sizeof(err));
		CHECK_INT(rc, 0);
		if (rc != 0) {
			fprintf(stderr, "config_load: %s\n", err);
			continue;
		}
		CHECK_INT(c->log, ok[i].want);
		config_free(c);
	}
	CFG_BAD("[node]\nroot_key = " RK "\nlog = journald\n",
	    "line 3: log must be auto, stderr, file or syslog");
	CFG_BAD("[node]\nroot_key = " RK "\nlog = Syslog\n",
	    "line 3: log must be auto, stderr, file or syslog");
	CFG_BAD("[node]\nroot_key = " RK "\nlog =\n", "line 3: log must be");
	CFG_BAD("[node]\nroot_key = " RK "\nlog = syslog file\n",
	    "line 3: log must be");
	CFG_BAD("[node]\nlog = file\nroot_key = " RK "\nlog = syslog\n",
	    "line 4: duplicate key 'log'");
	/* log and log_level are two keys, not one a prefix of the other. */
	c = NULL;
	rc = config_load(cfg_write("[node]\nroot_key = " RK "\n"
	                           "log_level = debug\nlog = file\n"),
	    &c, err, sizeof(err));
	CHECK_INT(rc, 0);
	if (rc == 0) {
		CHECK_INT(c->log, CONFIG_LOG_FILE);
		CHECK_INT(c->log_level, SDLOG_DEBUG);
		config_free(c);
	}
}

static void
test_errors(void)
{
	char text[1024], longdir[300];
	static struct config sentinel;
	struct config *c = &sentinel; /* must stay untouched */
	char err[1024] = "";

	CFG_BAD("[node]\nroot_key = " RK "\n[peer]\naddress = x:1\n",
	    "line 4: unknown section [peer]");
	CFG_BAD("[Node]\nroot_key = " RK "\n", "line 2: unknown section");
	CFG_BAD("[node]\nroot_key = " RK "\nmax_outbound = 65\n",
	    "max_outbound must be 0 to 64");
	CFG_BAD("[node]\nroot_key = " RK "\nmax_inbound = 257\n",
	    "max_inbound must be 0 to 256");
	CFG_BAD("[node]\nroot_key = " RK "\nmax_outbound = -1\n",
	    "max_outbound must be 0 to 64");
	CFG_BAD("root_key = " RK "\n", "line 1: unknown section");
	CFG_BAD("[node]\nroot_key = " RK "\nport = 7400\n",
	    "line 3: unknown key 'port'");
	CFG_BAD("[node]\nname = a\nroot_key = " RK "\nname = b\n",
	    "line 4: duplicate key 'name'");
	CFG_BAD("[node]\nroot_key = " RK "\nroot_key = " RK "\n",
	    "line 3: duplicate key 'root_key'");

	CFG_BAD("[node]\nroot_key = 0011\n",
	    "line 2: root_key must be 64 hex digits");
	CFG_BAD("[node]\n\nroot_key = " RK "0\n",
	    "line 3: root_key must be 64 hex digits");
	CFG_BAD("[node]\nroot_key = 0g112233445566778899aabbccddeeff"
	        "102132435465768798a9bacbdcedfe0f\n",
	    "line 2: root_key must be 64 hex digits");
	CFG_BAD("[node]\nroot_key =\n", "line 2: root_key must be 64 hex");

	CFG_BAD("[node]\nroot_key = " RK "\nmap_size_mb = 0\n",
	    "line 3: map_size_mb must be 1 to 1048576");
	CFG_BAD("[node]\nroot_key = " RK "\nmap_size_mb = lots\n",
	    "line 3: map_size_mb must be 1 to 1048576");
	CFG_BAD("[node]\nroot_key = " RK "\nmap_size_mb = 12abc\n",
	    "line 3: map_size_mb must be 1 to 1048576");
	CFG_BAD("[node]\nroot_key = " RK "\nmap_size_mb = -1\n",
	    "line 3: map_size_mb must be 1 to 1048576");
	CFG_BAD("[node]\nroot_key = " RK "\nmap_size_mb = 1048577\n",
	    "line 3: map_size_mb must be 1 to 1048576");
	CFG_BAD("[node]\nroot_key = " RK "\nmap_size_mb =\n",
	    "line 3: map_size_mb must be 1 to 1048576");
	CFG_BAD("[node]\nroot_key = " RK "\nmap_size_mb = 99999999999999999999"
	        "999\n",
	    "line 3: map_size_mb must be 1 to 1048576");

	CFG_BAD("[node]\nroot_key = " RK "\nlog_level = verbose\n",
	    "line 3: log_level must be error, warn, info or debug");
	CFG_BAD("[node]\nroot_key = " RK "\nlog_level = INFO\n",
	    "line 3: log_level must be");

	CFG_BAD("[node]\nname = x\n", "root_key is required");
	CFG_BAD("", "root_key is required");

	CFG_BAD("[node]\nroot_key = " RK "\nthis line has no equals sign\n",
	    "line 3: syntax error");
	CFG_BAD("[node\nroot_key = " RK "\n", "line 1: syntax error");

	CFG_BAD("[node]\nroot_key = " RK "\nname =\n",
	    "line 3: 'name' must be 1 to 1024 characters");

	/* The first mistake is the one reported, with its own line. */
	CFG_BAD("[node]\nfoo = 1\nroot_key = " RK "\nbar = 2\n",
	    "line 2: unknown key 'foo'");
	CFG_BAD("[node]\nroot_key = " RK "\ngarbage\nfoo = 1\n",
	    "line 3: syntax error");
	CFG_BAD("[node]\nlog_level = loud\nroot_key = " RK "\n"
	        "map_size_mb = 0\n",
	    "line 2: log_level must be");

	/* A socket path a Unix socket cannot hold (sun_path is 108 bytes,
	 * the project allows 99), set explicitly or through data_dir. */
	memset(longdir, 'd', sizeof(longdir));
	longdir[120] = '\0';
	snprintf(text, sizeof(text),
	    "[node]\nroot_key = " RK "\n"
	    "socket = /%s/s.sock\n",
	    longdir);
	CFG_BAD(text, "is too long for a Unix socket");
	snprintf(text, sizeof(text),
	    "[node]\nroot_key = " RK "\n"
	    "data_dir = /%s\n",
	    longdir);
	CFG_BAD(text, "socket path '/ddd");
	/* 99 bytes is the most there is room for. */
	{
		struct config *ok = NULL;

		memset(longdir, 'e', 92);
		longdir[0] = '/';
		memcpy(longdir + 92, "/s.sock", 8); /* 99 bytes */
		snprintf(text, sizeof(text),
		    "[node]\nroot_key = " RK "\n"
		    "socket = %s\n",
		    longdir);
		CHECK_INT(
		    config_load(cfg_write(text), &ok, err, sizeof(err)), 0);
		CHECK(ok != NULL && strlen(ok->socket) == 99);
		config_free(ok);
		longdir[92] = 'e';
		memcpy(longdir + 93, "/s.sock", 8); /* 100 bytes */
		snprintf(text, sizeof(text),
		    "[node]\nroot_key = " RK "\n"
		    "socket = %s\n",
		    longdir);
		CFG_BAD(text, "at most 99 bytes");
	}

	/*
	 * Values may be up to 1024 characters: a 300-character name is
	 * either taken whole or refused with the line it is on (line 3),
	 * never cut short or blamed on a line the file does not have.
	 */
	{
		struct config *ok = NULL;
		char name[301];
		int rc;

		memset(name, 'n', 300);
		name[300] = '\0';
		snprintf(text, sizeof(text),
		    "[node]\nroot_key = " RK "\n"
		    "name = %s\n",
		    name);
		err[0] = '\0';
		rc = config_load(cfg_write(text), &ok, err, sizeof(err));
		if (rc == 0) {
			CHECK_STR(ok->name, name);
			config_free(ok);
		} else {
			CHECK_INT(rc, SD_ECONFIG);
			CHECK_CONTAINS(err, "line 3:");
		}
	}

	/* A file that does not exist. */
	err[0] = '\0';
	CHECK_INT(config_load(join(dir, "missing.conf"), &c, err, sizeof(err)),
	    -ENOENT);
	CHECK(c == &sentinel);
	CHECK_CONTAINS(err, "missing.conf");
}

int
main(void)
{
	char *tmp = check_tmpdir();
	int i;

	if (realpath(tmp, dir) == NULL) {
		perror(tmp);
		return 2;
	}
	test_minimal();
	test_full();
	test_log();
	test_errors();
	for (i = 0; i < nfiles; i++) {
		snprintf(cfgpath, sizeof(cfgpath), "%s/c%d.conf", dir, i);
		unlink(cfgpath);
	}
	rmdir(dir);
	return check_done("test_config");
}
