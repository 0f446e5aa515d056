/* The CSV and JSON Lines import parsers (present/import.c, present/memberio.c),
 * then the validation every parsed row meets in the daemon: input byte 0
 * picks the format, the rest is the file. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "codes.h"
#include "fuzz.h"
#include "import.h"
#include "record.h"

static struct codes *fz_codes;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (codes_new(&fz_codes) != 0)
		abort();
	return 0;
}

static int
fz_rows(void *arg, struct import_row *rows, size_t n)
{
	char err[256];
	size_t i;

	(void)arg;
	for (i = 0; i < n; i++) {
		if (rows[i].m == NULL) {
			fuzz_check(rows[i].err[0] != '\0',
			    "row refused without a message");
			continue;
		}
		(void)record_member_validate(
		    fz_codes, rows[i].m, err, sizeof(err));
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], err[256];
	int fd;

	if (size == 0)
		return 0;
	if ((fd = memfd_create("fuzz_import", 0)) < 0)
		abort();
	if (size > 1 && write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	(void)import_read(path, data[0] & 1 ? IMPORT_JSONL : IMPORT_CSV, 7,
	    fz_rows, NULL, err, sizeof(err));
	close(fd);
	return 0;
}
