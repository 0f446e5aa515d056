/* The daemon's configuration parser: any file is either a configuration
 * that prints and reloads to the same thing, or a refusal with a
 * message. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "sdtest.h"

/* A real file: config_load resolves its path (a memfd has none). */
static char fz_dir[512];

static void
fz_write(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || (n > 0 && fwrite(p, 1, n, f) != n) || fclose(f) != 0)
		abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sdtest_tmpdir("sdfuzzc", fz_dir, sizeof(fz_dir)) != 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *c = NULL;
	char path[600], path2[600], err[512] = "";
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/a.conf", fz_dir);
	snprintf(path2, sizeof(path2), "%s/b.conf", fz_dir);
	fz_write(path, data, size);
	rc = config_load(path, &c, err, sizeof(err));
	if (rc != 0) {
		fuzz_check(err[0] != '\0', "refused without a message");
	} else {
		/* What it prints, it reads back. */
		char *buf = NULL;
		size_t blen = 0;
		struct config *c2 = NULL;
		if ((f = open_memstream(&buf, &blen)) == NULL)
			abort();
		config_print(c, f);
		fclose(f);
		fz_write(path2, buf, blen);
		rc = config_load(path2, &c2, err, sizeof(err));
		if (rc != 0)
			fprintf(stderr, "reload: %s\n%s", err, buf);
		fuzz_check(rc == 0, "the printed configuration does not load");
		config_free(c2);
		free(buf);
	}
	config_free(c);
	return 0;
}
