/*
 * text: Unicode case and accent folding and tokenising for the index.
 *
 * Text is folded with utf8proc (NFKD, case fold, marks stripped), so
 * "Jyväskylä" and "JYVASKYLA" both become "jyvaskyla". Tokens are maximal
 * runs of letters and digits; tokens shorter than two bytes and a short
 * list of English stop words are dropped. Pure functions, any thread.
 */
#ifndef SD_TEXT_H
#define SD_TEXT_H

#include <stddef.h>

#define TEXT_TOKEN_MAX 64 /* longer tokens are cut to this many bytes */

/* text_fold(s, out): the folded form of the UTF-8 string s in *out
 * (malloc'd, caller frees). SD_EINVAL if s is not valid UTF-8. */
int text_fold(const char *s, char **out);

/* Called once per token; a non-zero return stops tokenising and is
 * returned by text_tokens. tok is not NUL-terminated. */
typedef int (*text_token_cb)(void *arg, const char *tok, size_t len);

/* text_tokens(s, cb, arg): fold s and call cb for each token in order. */
int text_tokens(const char *s, text_token_cb cb, void *arg);

/* text_is_stopword(tok, len): 1 for a dropped English stop word. */
int text_is_stopword(const char *tok, size_t len);

/*
 * English stemming (Snowball's Porter2 through libstemmer), so "recycling",
 * "recycled" and "recycles" are one index term. A stemmer is not
 * thread-safe: each thread or transaction makes its own (cheap).
 */
struct text_stem;

/* text_stem_new(out): a stemmer in *out. -ENOMEM. */
int text_stem_new(struct text_stem **out);

/* text_stem_free(s): NULL harmless. */
void text_stem_free(struct text_stem *s);

/*
 * text_stem(s, tok, len, out_len): the stem of the folded token tok; the
 * result is valid until the next call on s. With s NULL, or if stemming
 * fails, tok itself. Never longer than TEXT_TOKEN_MAX.
 */
const char *
text_stem(struct text_stem *s, const char *tok, size_t len, size_t *out_len);

#endif
