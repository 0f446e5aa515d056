/*
 * codes: the official code lists Stardust validates against.
 *
 * ISO 3166-1 alpha-2 countries, NUTS 2024 regions (levels 1-3) and
 * NACE Rev. 2 / Rev. 2.1 activity codes (all four levels). The lists are
 * compiled into the binary from data/ (CSV), so a node needs no data files
 * at run time. A struct codes is immutable after codes_new() and may be
 * shared by any number of threads.
 */
#ifndef SD_CODES_H
#define SD_CODES_H

#include <stddef.h>

struct codes;

enum { CODES_NACE_REV2_1 = 0, CODES_NACE_REV2 = 1 };

/* codes_new(out): parse the embedded lists into *out (owned by the caller,
 * release with codes_free). Returns 0 or a negative error. */
int codes_new(struct codes **out);

/* codes_free(c): release c. codes_free(NULL) is a no-op. */
void codes_free(struct codes *c);

/* codes_country(c, alpha2): the English name of an ISO 3166-1 alpha-2
 * code (upper case), or NULL if unknown. Valid as long as c. */
const char *codes_country(const struct codes *c, const char *alpha2);

/* codes_nuts(c, code, iso_country, level): 0 if code is a NUTS region
 * (level 1-3); *iso_country receives its ISO 3166-1 country (NUTS "EL" is
 * ISO "GR", "UK" is "GB"; static storage), *level its level. Either output
 * may be NULL. SD_ENOTFOUND otherwise. */
int codes_nuts(const struct codes *c, const char *code,
    const char **iso_country, int *level);

/* codes_nace(c, rev, code, section, level): 0 if code (as in the official
 * list: "C", "25", "25.6", "25.62") exists in NACE revision rev;
 * *section receives its section letter and *level its level (1-4).
 * SD_ENOTFOUND otherwise. */
int codes_nace(const struct codes *c, int rev, const char *code, char *section,
    int *level);

/* codes_nace_label(c, rev, code): the label, or NULL if unknown. */
const char *codes_nace_label(const struct codes *c, int rev, const char *code);

/*
 * The input forms of codes (docs/FORMATS.md, "Codes as typed"): what a
 * person or a file may write, in any case, brought to the form records
 * and the index use. Each writes at most outlen bytes (NUL included) to
 * out and returns 0, or SD_EINVAL (out undefined) if in is no such code.
 *
 * codes_norm_country: an ISO 3166-1 alpha-2 country ("fi" -> "FI"); the
 *   EU's "EL" and "UK" (ISO's exceptional reservations, NUTS' country
 *   codes) are Greece's "GR" and the United Kingdom's "GB".
 * codes_norm_nuts: a NUTS region of level 1-3 ("fi1d" -> "FI1D"), or a
 *   country at level 0 as codes_norm_country reads it ("el" -> "GR").
 * codes_norm_nace: a NACE code of revision rev (CODES_NACE_*, or -1 for
 *   either: then the code must exist in one of them): a section letter
 *   ("c" -> "C"), or a division, group or class ("25", "25.6", "25.62"),
 *   optionally after its section letter ("C25.62", "c2562" is not: the
 *   dot is required) -> without it. The letter must be the code's own
 *   section in rev (with -1: in a revision where the code exists).
 */
int codes_norm_country(
    const struct codes *c, const char *in, char *out, size_t outlen);
int codes_norm_nuts(
    const struct codes *c, const char *in, char *out, size_t outlen);
int codes_norm_nace(
    const struct codes *c, int rev, const char *in, char *out, size_t outlen);

#endif
