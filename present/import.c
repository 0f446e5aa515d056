#include "import.h"

#include <csv.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "memberio.h"

#define IMPORT_COLS_MAX 64

int
import_format(const char *path, const char *name)
{
	const char *dot;

	if (name != NULL) {
		if (strcmp(name, "csv") == 0)
			return IMPORT_CSV;
		if (strcmp(name, "jsonl") == 0 || strcmp(name, "ndjson") == 0)
			return IMPORT_JSONL;
		return 0;
	}
	if ((dot = strrchr(path, '.')) == NULL)
		return 0;
	if (strcmp(dot, ".csv") == 0)
		return IMPORT_CSV;
	if (strcmp(dot, ".jsonl") == 0 || strcmp(dot, ".ndjson") == 0 ||
	    strcmp(dot, ".json") == 0)
		return IMPORT_JSONL;
	return 0;
}

struct batch {
	struct import_row *rows;
	size_t n, max;
	import_batch_cb cb;
	void *arg;
	int rc;
};

static void
batch_clear(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		memberio_free(b->rows[i].m);
	b->n = 0;
}

static int
batch_flush(struct batch *b)
{
	if (b->n > 0 && b->rc == 0)
		b->rc = b->cb(b->arg, b->rows, b->n);
	batch_clear(b);
	return b->rc;
}

/* The next row slot, flushing a full batch first. */
static struct import_row *
batch_row(struct batch *b, long line)
{
	struct import_row *r;

	if (b->n == b->max && batch_flush(b) != 0)
		return NULL;
	r = &b->rows[b->n++];
	memset(r, 0, sizeof(*r));
	r->line = line;
	return r;
}

/* ---- CSV ---- */

struct csvstate {
	struct batch *b;
	char *cols[IMPORT_COLS_MAX];
	int ncols;
	Sd__Member *m; /* the row being built */
	int field; /* index of the next field in the row */
	long line, row_line;
	size_t row_bytes;
	char rowerr[256];
	int header_done;
	char fatal[256];
};

static void
csv_field_cb(void *s, size_t len, void *arg)
{
	struct csvstate *cs = arg;
	char *v;
	int rc;

	if (cs->fatal[0])
		return;
	if (!cs->header_done) {
		if (cs->ncols == IMPORT_COLS_MAX) {
			snprintf(cs->fatal, sizeof(cs->fatal),
			    "line 1: more than %d columns", IMPORT_COLS_MAX);
			return;
		}
		if ((v = strndup(s ? s : "", len)) == NULL) {
			snprintf(cs->fatal, sizeof(cs->fatal), "out of memory");
			return;
		}
		cs->cols[cs->ncols++] = v;
		return;
	}
	if (cs->field == 0 && cs->m == NULL && cs->rowerr[0] == '\0' &&
	    (cs->m = memberio_new()) == NULL) {
		snprintf(cs->fatal, sizeof(cs->fatal), "out of memory");
		return;
	}
	if (cs->rowerr[0] == '\0') {
		if (cs->field >= cs->ncols) {
			snprintf(cs->rowerr, sizeof(cs->rowerr),
			    "more fields than the header's %d columns",
			    cs->ncols);
		} else if ((v = strndup(s ? s : "", len)) == NULL) {
			snprintf(cs->fatal, sizeof(cs->fatal), "out of memory");
		} else {
			rc = memberio_set(cs->m, cs->cols[cs->field], v, 0,
			    cs->rowerr, sizeof(cs->rowerr));
			if (rc != 0 && cs->rowerr[0] == '\0')
				snprintf(cs->rowerr, sizeof(cs->rowerr), "%s",
				    sd_strerror(rc));
			free(v);
		}
	}
	cs->field++;
}

static void
csv_row_cb(int c, void *arg)
{
	struct csvstate *cs = arg;
	struct import_row *r;
	int i, j;

	(void)c;
	if (cs->fatal[0])
		return;
	/* With CSV_REPALL_NL a blank line (or the second byte of a CRLF) is
	 * a row without fields: skip it, but keep counting lines. */
	if (cs->header_done ? cs->field == 0 : cs->ncols == 0) {
		cs->row_line = cs->line + 1;
		return;
	}
	if (!cs->header_done) {
		cs->header_done = 1;
		for (i = 0; i < cs->ncols; i++) {
			if (!memberio_is_field(cs->cols[i])) {
				snprintf(cs->fatal, sizeof(cs->fatal),
				    "line 1: unknown column '%.40s'",
				    cs->cols[i]);
				return;
			}
			for (j = 0; j < i; j++)
				if (strcmp(cs->cols[i], cs->cols[j]) == 0) {
					snprintf(cs->fatal, sizeof(cs->fatal),
					    "line 1: column '%.40s' appears "
					    "twice",
					    cs->cols[i]);
					return;
				}
		}
		goto next;
	}
	if (cs->rowerr[0] == '\0' && cs->field < cs->ncols)
		snprintf(cs->rowerr, sizeof(cs->rowerr),
		    "%d fields where the header has %d", cs->field, cs->ncols);
	if ((r = batch_row(cs->b, cs->row_line)) == NULL) {
		snprintf(cs->fatal, sizeof(cs->fatal), "import stopped");
		goto next;
	}
	if (cs->rowerr[0]) {
		snprintf(r->err, sizeof(r->err), "%s", cs->rowerr);
		memberio_free(cs->m);
	} else {
		r->m = cs->m;
	}
	cs->m = NULL;
next:
	cs->field = 0;
	cs->rowerr[0] = '\0';
	cs->row_bytes = 0;
	cs->row_line = cs->line + 1;
}

static int
import_csv(FILE *f, struct batch *b, char *err, size_t errlen)
{
	struct csv_parser p;
	struct csvstate cs;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0, i;

	memset(&cs, 0, sizeof(cs));
	cs.b = b;
	cs.row_line = 1;
	if (csv_init(&p,
	        CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL |
	            CSV_REPALL_NL) != 0)
		return -ENOMEM;
	while ((n = getline(&line, &cap, f)) > 0) {
		const char *s = line;
		cs.line++;
		if (cs.line == 1 && n >= 3 &&
		    memcmp(line, "\xef\xbb\xbf", 3) == 0) {
			s += 3; /* a UTF-8 byte order mark */
			n -= 3;
		}
		cs.row_bytes += (size_t)n;
		if (cs.row_bytes > IMPORT_ROW_MAX) {
			snprintf(err, errlen,
			    "line %ld: row longer than %d bytes "
			    "(an unclosed quote?)",
			    cs.row_line, IMPORT_ROW_MAX);
			rc = SD_ETOOBIG;
			goto out;
		}
		if (csv_parse(&p, s, (size_t)n, csv_field_cb, csv_row_cb,
		        &cs) != (size_t)n) {
			snprintf(err, errlen, "line %ld: %s", cs.line,
			    csv_strerror(csv_error(&p)));
			rc = SD_EINVAL;
			goto out;
		}
		if (cs.fatal[0] || b->rc)
			break;
	}
	if (!cs.fatal[0] && b->rc == 0 &&
	    csv_fini(&p, csv_field_cb, csv_row_cb, &cs) != 0) {
		snprintf(err, errlen, "line %ld: %s", cs.row_line,
		    csv_error(&p) == CSV_EPARSE ? "unterminated quoted field"
		                                : csv_strerror(csv_error(&p)));
		rc = SD_EINVAL;
		goto out;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "read error: %s", strerror(errno));
		rc = -EIO;
		goto out;
	}
	if (cs.fatal[0]) {
		snprintf(err, errlen, "%s", cs.fatal);
		rc = b->rc ? b->rc : SD_EINVAL;
		goto out;
	}
	if (!cs.header_done) {
		snprintf(err, errlen, "empty file: a header row is required");
		rc = SD_EINVAL;
	}
out:
	memberio_free(cs.m);
	for (i = 0; i < cs.ncols; i++)
		free(cs.cols[i]);
	csv_free(&p);
	free(line);
	return rc;
}

/* ---- JSON Lines ---- */

static int
import_jsonl(FILE *f, struct batch *b, char *err, size_t errlen)
{
	struct import_row *r;
	json_error_t je;
	json_t *obj;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long lineno = 0;
	int rc = 0;

	while ((n = getline(&line, &cap, f)) > 0) {
		lineno++;
		if ((size_t)n > IMPORT_ROW_MAX) {
			snprintf(err, errlen, "line %ld: longer than %d bytes",
			    lineno, IMPORT_ROW_MAX);
			rc = SD_ETOOBIG;
			break;
		}
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if ((r = batch_row(b, lineno)) == NULL)
			break;
		obj = json_loadb(line, (size_t)n, JSON_REJECT_DUPLICATES, &je);
		if (obj == NULL) {
			snprintf(r->err, sizeof(r->err), "invalid JSON: %s",
			    je.text);
			continue;
		}
		if ((r->m = memberio_new()) == NULL) {
			json_decref(obj);
			rc = -ENOMEM;
			break;
		}
		if ((rc = memberio_from_json(
		         obj, r->m, r->err, sizeof(r->err))) != 0) {
			if (r->err[0] == '\0')
				snprintf(r->err, sizeof(r->err), "%s",
				    sd_strerror(rc));
			memberio_free(r->m);
			r->m = NULL;
			rc = 0;
		}
		json_decref(obj);
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "read error: %s", strerror(errno));
		rc = -EIO;
	}
	free(line);
	return rc;
}

int
import_read(const char *path, int format, size_t batch, import_batch_cb cb,
    void *arg, char *err, size_t errlen)
{
	struct batch b;
	FILE *f;
	int rc;

	memset(&b, 0, sizeof(b));
	if (batch == 0)
		batch = 1;
	if ((b.rows = calloc(batch, sizeof(*b.rows))) == NULL)
		return -ENOMEM;
	b.max = batch;
	b.cb = cb;
	b.arg = arg;
	if (strcmp(path, "-") == 0) {
		f = stdin;
	} else if ((f = fopen(path, "r")) == NULL) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(b.rows);
		return rc;
	}
	rc = format == IMPORT_CSV ? import_csv(f, &b, err, errlen)
	                          : import_jsonl(f, &b, err, errlen);
	if (rc == 0)
		rc = batch_flush(&b);
	else
		batch_clear(&b);
	if (rc == 0)
		rc = b.rc;
	if (f != stdin)
		fclose(f);
	free(b.rows);
	return rc;
}
