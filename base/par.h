/*
 * par: the two-core split used where a batch of records is signed or
 * verified: one half on the calling thread, the other on a helper thread
 * at the same time.
 */
#ifndef SD_PAR_H
#define SD_PAR_H

/*
 * par_run2(fn, a, b): fn(a) on this thread while fn(b) runs on a new
 * thread; returns when both are done. If no thread can be made, fn(b)
 * runs here afterwards. fn's return value is ignored: results go through
 * a and b.
 */
void par_run2(void *(*fn)(void *), void *a, void *b);

#endif
