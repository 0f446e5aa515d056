#include "par.h"

#include <pthread.h>

void
par_run2(void *(*fn)(void *), void *a, void *b)
{
	pthread_t helper;
	int threaded = pthread_create(&helper, NULL, fn, b) == 0;

	fn(a);
	if (threaded)
		pthread_join(helper, NULL);
	else
		fn(b);
}
