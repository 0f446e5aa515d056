/*
 * import: read members from a CSV file (with a header row naming the
 * fields) or a JSON Lines file (one object per line), in batches, keeping
 * the line number of every row for error reports. Streaming: memory is
 * bounded by one batch, whatever the file size.
 */
#ifndef SD_IMPORT_H
#define SD_IMPORT_H

#include <stddef.h>

#include "stardust.pb-c.h"

enum { IMPORT_CSV = 1, IMPORT_JSONL = 2 };

#define IMPORT_ROW_MAX (1024 * 1024) /* bytes in one row */

struct import_row {
	long line; /* where the row starts, from 1 */
	Sd__Member *m; /* NULL if the row could not be parsed */
	char err[256]; /* why, when m is NULL */
};

/* Called with each batch; the rows (and their members) are freed after
 * the call returns. A non-zero return stops the import and is returned. */
typedef int (*import_batch_cb)(void *arg, struct import_row *rows, size_t n);

/* import_format(path, name): IMPORT_CSV or IMPORT_JSONL from a format name
 * ("csv", "jsonl") or, if name is NULL, from path's extension; 0 if
 * neither tells. */
int import_format(const char *path, const char *name);

/*
 * import_read(path, format, batch, cb, arg, err, errlen): parse path ("-"
 * for standard input) and call cb with batches of at most batch rows.
 * Whole-file problems (unreadable, bad CSV header) return a negative code
 * with a message in err; row problems are reported per row.
 */
int import_read(const char *path, int format, size_t batch, import_batch_cb cb,
    void *arg, char *err, size_t errlen);

#endif
