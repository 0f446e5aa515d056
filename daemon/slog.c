#include "slog.h"

#include <syslog.h>

void
slog_open(const char *ident)
{
	/* LOG_NDELAY: connect at once, in the main thread, rather than at
	 * the first line some worker thread logs. */
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
slog_write(int level, const char *node, const char *msg)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

	if (level < 0)
		level = 0;
	if (level > 3)
		level = 3;
	syslog(prio[level], "[%s] %s", node, msg);
}

void
slog_close(void)
{
	closelog();
}
