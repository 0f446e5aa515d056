/*
 * slog: the daemon's log lines to syslog (the `log = syslog` setting).
 *
 * The only file that includes <syslog.h> (the project's levels are
 * sdlog.h's SDLOG_*, apart from syslog's LOG_*). The connection to the
 * syslog daemon is libc's own process-wide state; node_log is its only
 * writer, main() opens and closes it.
 */
#ifndef SD_SLOG_H
#define SD_SLOG_H

/* slog_open(ident): connect to syslog (facility daemon, pid in every
 * line) under the name ident, which must stay valid until slog_close.
 * Main thread, before other threads start. */
void slog_open(const char *ident);

/*
 * slog_write(level, node, msg): send "[node] msg" with the priority of
 * level, one of sdlog.h's SDLOG_ERROR (0), SDLOG_WARN (1), SDLOG_INFO
 * (2) or SDLOG_DEBUG (3): err, warning, info, debug. Any thread.
 */
void slog_write(int level, const char *node, const char *msg);

/* slog_close(): disconnect; harmless if slog_open was not called. */
void slog_close(void);

#endif
