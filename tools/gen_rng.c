/*
 * gen_rng: the random numbers of sdgen (see gen_int.h), our own so the
 * output never depends on the C library: xoshiro256** seeded by
 * splitmix64, uniform integers without modulo bias, weighted choice over
 * integer weights, and the FNV-1a hash that turns the run's scope into
 * part of the seed. Owns nothing but the cumulative tables of struct
 * gen_wtab, which gen_wtab_free releases.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "err.h"
#include "gen_int.h"

/* ---- PRNG: xoshiro256** seeded with splitmix64 ---- */

static uint64_t
gen_splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
gen_rng_seed(struct gen_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = gen_splitmix(&x);
}

static uint64_t
gen_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
gen_rng_next(struct gen_rng *r)
{
	uint64_t *s = r->s, res = gen_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = gen_rotl(s[3], 45);
	return res;
}

/* A uniform integer in [0, n), without modulo bias; n > 0. */
uint64_t
gen_rng_below(struct gen_rng *r, uint64_t n)
{
	uint64_t lim = -n % n, v;

	do
		v = gen_rng_next(r);
	while (v < lim);
	return v % n;
}

/* A uniform integer in [lo, hi]. */
uint32_t
gen_rng_range(struct gen_rng *r, uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)gen_rng_below(r, (uint64_t)hi - lo + 1);
}

/* 1 with probability pct/100. */
int
gen_rng_pct(struct gen_rng *r, unsigned pct)
{
	return gen_rng_below(r, 100) < pct;
}

uint64_t
gen_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* ---- weighted choice (integer weights, so results never depend on
 * floating-point rounding) ---- */

int
gen_wtab_init(struct gen_wtab *w, const uint32_t *weights, size_t n)
{
	uint64_t sum = 0;
	size_t i;

	w->n = 0;
	if ((w->cdf = calloc(n ? n : 1, sizeof(*w->cdf))) == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		sum += weights[i];
		w->cdf[i] = sum;
	}
	w->n = n;
	return sum > 0 ? 0 : SD_EINVAL;
}

/* Zipf-like weights 1/rank over n items. */
int
gen_wtab_zipf(struct gen_wtab *w, size_t n)
{
	uint32_t *wt;
	size_t i;
	int rc;

	if ((wt = calloc(n ? n : 1, sizeof(*wt))) == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		wt[i] = (uint32_t)(1000000u / (i + 1));
	rc = gen_wtab_init(w, wt, n);
	free(wt);
	return rc;
}

size_t
gen_wtab_pick(const struct gen_wtab *w, struct gen_rng *r)
{
	uint64_t x = gen_rng_below(r, w->cdf[w->n - 1]);
	size_t lo = 0, hi = w->n - 1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (w->cdf[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

void
gen_wtab_free(struct gen_wtab *w)
{
	free(w->cdf);
	w->cdf = NULL;
	w->n = 0;
}
