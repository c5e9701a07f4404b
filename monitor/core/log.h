/* SPDX-License-Identifier: MIT */
/* Logging in OpenBSD's shape: syslog always, stderr with -f; logfmt event lines. */
#ifndef CERTBIND_LOG_H
#define CERTBIND_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

void log_init(const char *ident, int facility, bool to_stderr, bool verbose);
bool log_verbose(void);
bool log_stderr(void);
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   /* + strerror */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * One event line: `event=NAME key=value ...`, values quoted when they hold spaces, quotes,
 * '=' or control characters (escaped, so that a hostile value can never start a new line).
 */
struct ev {
	char buf[2048];
	size_t len;
	bool overflow;
	char reason[256];         /* the reason= field, kept for who reports it later */
};

void ev_begin(struct ev *e, const char *event);
void ev_add(struct ev *e, const char *key, const char *val);
void ev_addf(struct ev *e, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *ev_str(const struct ev *e);
void ev_emit(struct ev *e, int prio);

#endif
