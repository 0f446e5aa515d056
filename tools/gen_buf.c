/*
 * gen_buf: sdgen's strings (see gen_int.h). struct gen_buf is a growable
 * NUL-terminated string; struct gen_list is a '|'-separated word list
 * split once into an array of pointers into its own copy. Each owns its
 * memory until gen_buf's owner frees p or gen_list_free is called.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_int.h"

/* ---- growable strings ---- */

static int
gen_buf_grow(struct gen_buf *b, size_t more)
{
	char *np;
	size_t ncap;

	if (b->len + more + 1 <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < b->len + more + 1)
		ncap *= 2;
	if ((np = realloc(b->p, ncap)) == NULL)
		return -ENOMEM;
	b->p = np;
	b->cap = ncap;
	return 0;
}

int
gen_buf_add(struct gen_buf *b, const char *s, size_t n)
{
	if (gen_buf_grow(b, n) != 0)
		return -ENOMEM;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int
gen_buf_str(struct gen_buf *b, const char *s)
{
	return gen_buf_add(b, s, strlen(s));
}

int
gen_buf_printf(struct gen_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || gen_buf_grow(b, (size_t)n) != 0)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void
gen_buf_reset(struct gen_buf *b)
{
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

/* ---- '|'-separated word lists ---- */

int
gen_list_init(struct gen_list *l, const char *s)
{
	size_t i, n = 1;
	char *p;

	memset(l, 0, sizeof(*l));
	if (s == NULL || s[0] == '\0')
		return 0;
	for (i = 0; s[i]; i++)
		n += s[i] == '|';
	if ((l->mem = strdup(s)) == NULL ||
	    (l->v = calloc(n, sizeof(*l->v))) == NULL) {
		free(l->mem);
		l->mem = NULL;
		return -ENOMEM;
	}
	for (p = l->mem;; p++) {
		l->v[l->n++] = p;
		if ((p = strchr(p, '|')) == NULL)
			break;
		*p = '\0';
	}
	return 0;
}

void
gen_list_free(struct gen_list *l)
{
	free(l->mem);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

const char *
gen_list_pick(const struct gen_list *l, struct gen_rng *r)
{
	return l->n ? l->v[gen_rng_below(r, l->n)] : NULL;
}
