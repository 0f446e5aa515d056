/*
 * check: the tiny assertion helpers of Stardust's C unit tests. Each test
 * program is one ctest test; it prints every failed check with its place
 * and exits non-zero if any failed.
 */
#ifndef SD_CHECK_H
#define SD_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdtest.h"

static int check_failures;
static int check_count;

#define CHECK(cond)                                                            \
	do {                                                                   \
		check_count++;                                                 \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			    __LINE__, #cond);                                  \
			check_failures++;                                      \
		}                                                              \
	} while (0)

#define CHECK_INT(a, b)                                                        \
	do {                                                                   \
		long long check_a_ = (long long)(a),                           \
		          check_b_ = (long long)(b);                           \
		check_count++;                                                 \
		if (check_a_ != check_b_) {                                    \
			fprintf(stderr,                                        \
			    "%s:%d: check failed: %s == %s (%lld != %lld)\n",  \
			    __FILE__, __LINE__, #a, #b, check_a_, check_b_);   \
			check_failures++;                                      \
		}                                                              \
	} while (0)

#define CHECK_STR(a, b)                                                        \
	do {                                                                   \
		const char *check_a_ = (a), *check_b_ = (b);                   \
		check_count++;                                                 \
		if (check_a_ == NULL || check_b_ == NULL ||                    \
		    strcmp(check_a_, check_b_) != 0) {                         \
			fprintf(stderr,                                        \
			    "%s:%d: check failed: %s == %s (\"%s\" != "        \
			    "\"%s\")\n",                                       \
			    __FILE__, __LINE__, #a, #b,                        \
			    check_a_ ? check_a_ : "(null)",                    \
			    check_b_ ? check_b_ : "(null)");                   \
			check_failures++;                                      \
		}                                                              \
	} while (0)

/* CHECK_CONTAINS(haystack, needle): a message names the problem. */
#define CHECK_CONTAINS(h, n)                                                   \
	do {                                                                   \
		const char *check_h_ = (h), *check_n_ = (n);                   \
		check_count++;                                                 \
		if (check_h_ == NULL || strstr(check_h_, check_n_) == NULL) {  \
			fprintf(stderr,                                        \
			    "%s:%d: check failed: \"%s\" contains \"%s\"\n",   \
			    __FILE__, __LINE__,                                \
			    check_h_ ? check_h_ : "(null)", check_n_);         \
			check_failures++;                                      \
		}                                                              \
	} while (0)

/* check_tmpdir(): a new empty directory under $TMPDIR (or /tmp), in a
 * static buffer; the test exits (status 2) if it cannot be made. */
static inline char *
check_tmpdir(void)
{
	static char buf[256];
	int rc;

	if ((rc = sdtest_tmpdir("sdtest", buf, sizeof(buf))) != 0) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(-rc));
		exit(2);
	}
	return buf;
}

static inline int
check_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
	return check_failures ? 1 : 0;
}

#endif
