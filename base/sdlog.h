/*
 * sdlog: the log levels every layer speaks (config's log_level, the
 * daemon's log lines, the sync session's log callback). Named SDLOG_* so
 * that they do not clash with <syslog.h>'s LOG_* macros; daemon/slog.c
 * maps them onto syslog priorities.
 */
#ifndef SD_SDLOG_H
#define SD_SDLOG_H

enum { SDLOG_ERROR = 0, SDLOG_WARN = 1, SDLOG_INFO = 2, SDLOG_DEBUG = 3 };

#endif
