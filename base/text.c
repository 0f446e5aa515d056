#include "text.h"

#include <errno.h>
#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "err.h"

static const char *text_stopwords[] = {
	"an",
	"and",
	"are",
	"as",
	"at",
	"be",
	"by",
	"for",
	"from",
	"in",
	"is",
	"it",
	"its",
	"of",
	"on",
	"or",
	"the",
	"to",
	"with",
};

int
text_is_stopword(const char *tok, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(text_stopwords) / sizeof(text_stopwords[0]); i++)
		if (strlen(text_stopwords[i]) == len &&
		    memcmp(text_stopwords[i], tok, len) == 0)
			return 1;
	return 0;
}

int
text_fold(const char *s, char **out)
{
	utf8proc_uint8_t *dst = NULL;
	utf8proc_ssize_t n;
	size_t i, len = strlen(s);
	char *o;

	/* Plain ASCII (most of a directory's text) folds to lower case and
	 * nothing else; skip utf8proc's decomposition for it. */
	for (i = 0; i < len && (unsigned char)s[i] < 0x80; i++)
		;
	if (i == len) {
		if ((o = malloc(len + 1)) == NULL)
			return -ENOMEM;
		for (i = 0; i <= len; i++)
			o[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32)
			                                    : s[i];
		*out = o;
		return 0;
	}

	n = utf8proc_map((const utf8proc_uint8_t *)s, 0, &dst,
	    UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPAT |
	        UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK |
	        UTF8PROC_IGNORE);
	if (n < 0)
		return n == UTF8PROC_ERROR_NOMEM ? -12 : SD_EINVAL;
	*out = (char *)dst;
	return 0;
}

static int
text_is_word(utf8proc_int32_t cp)
{
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO: return 1;
	default: return 0;
	}
}

int
text_tokens(const char *s, text_token_cb cb, void *arg)
{
	char *f;
	size_t off = 0, len, start = 0;
	int in_word = 0, rc;
	utf8proc_int32_t cp;
	utf8proc_ssize_t n;

	if ((rc = text_fold(s, &f)) != 0)
		return rc;
	len = strlen(f);
	for (;;) {
		int word = 0;
		n = 0;
		if (off < len) {
			n = utf8proc_iterate((const utf8proc_uint8_t *)f + off,
			    (utf8proc_ssize_t)(len - off), &cp);
			if (n <= 0) {
				rc = SD_EINVAL;
				break;
			}
			word = text_is_word(cp);
		}
		if (word && !in_word) {
			start = off;
			in_word = 1;
		} else if (!word && in_word) {
			size_t tl = off - start;
			in_word = 0;
			if (tl > TEXT_TOKEN_MAX) {
				/* Cut on a character boundary. */
				tl = TEXT_TOKEN_MAX;
				while (tl > 0 &&
				    ((unsigned char)f[start + tl] & 0xc0) ==
				        0x80)
					tl--;
			}
			if (tl >= 2 && !text_is_stopword(f + start, tl) &&
			    (rc = cb(arg, f + start, tl)) != 0)
				break;
		}
		if (off >= len) {
			rc = 0;
			break;
		}
		off += (size_t)n;
	}
	free(f);
	return rc;
}

struct text_stem {
	struct sb_stemmer *sb;
};

int
text_stem_new(struct text_stem **out)
{
	struct text_stem *s;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	if ((s->sb = sb_stemmer_new("english", "UTF_8")) == NULL) {
		free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

void
text_stem_free(struct text_stem *s)
{
	if (s == NULL)
		return;
	sb_stemmer_delete(s->sb);
	free(s);
}

const char *
text_stem(struct text_stem *s, const char *tok, size_t len, size_t *out_len)
{
	const sb_symbol *r;
	int n;

	*out_len = len;
	/* Digits and codes ("iso9001", "3d") are left as they are. */
	if (s == NULL || len < 3)
		return tok;
	r = sb_stemmer_stem(s->sb, (const sb_symbol *)tok, (int)len);
	n = sb_stemmer_length(s->sb);
	if (r == NULL || n <= 0 || n > TEXT_TOKEN_MAX)
		return tok;
	*out_len = (size_t)n;
	return (const char *)r;
}
