// SPDX-License-Identifier: MIT
/* Syslog/stderr logging and the logfmt event-line builder. */
#include "monitor/core/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool use_stderr;
static bool verbose;
static const char *prio_names[] = { "emerg", "alert", "crit", "err", "warning", "notice",
				    "info", "debug" };

void log_init(const char *ident, int facility, bool to_stderr, bool verb)
{
	/* openlog() keeps the pointer, not the string: keep our own copy of it. */
	static char ident_copy[64];

	use_stderr = to_stderr;
	verbose = verb;
	snprintf(ident_copy, sizeof(ident_copy), "%s", ident);
	closelog();
	openlog(ident_copy, LOG_PID | LOG_NDELAY, facility);
	setlogmask(verbose ? LOG_UPTO(LOG_DEBUG) : LOG_UPTO(LOG_INFO));
}

bool log_stderr(void)
{
	return use_stderr;
}

bool log_verbose(void)
{
	return verbose;
}

__attribute__((format(printf, 2, 0)))
static void vlog(int prio, const char *fmt, va_list ap)
{
	char msg[4096];

	if (prio == LOG_DEBUG && !verbose)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	syslog(prio, "%s", msg);
	if (use_stderr)
		fprintf(stderr, "certbindd: %s: %s\n", prio_names[prio & 7], msg);
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	char msg[4096];
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_msg(LOG_WARNING, "%s: %s", msg, strerror(saved));
	errno = saved;
}

#define LOGFN(name, prio) \
	void name(const char *fmt, ...) \
	{ \
		va_list ap; \
		va_start(ap, fmt); \
		vlog(prio, fmt, ap); \
		va_end(ap); \
	}
LOGFN(log_warnx, LOG_WARNING)
LOGFN(log_info, LOG_INFO)
LOGFN(log_debug, LOG_DEBUG)

static void put(struct ev *e, const char *s, size_t n)
{
	if (e->len + n >= sizeof(e->buf)) {
		e->overflow = true;
		n = sizeof(e->buf) - 1 - e->len;
	}
	memcpy(e->buf + e->len, s, n);
	e->len += n;
	e->buf[e->len] = '\0';
}

void ev_begin(struct ev *e, const char *event)
{
	e->len = 0;
	e->overflow = false;
	e->buf[0] = '\0';
	e->reason[0] = '\0';
	ev_add(e, "event", event);
}

/* logfmt quotes a value that is empty or holds white space, a quote, = or a backslash. */
static bool needs_quotes(const char *val)
{
	if (!*val)
		return true;
	for (const unsigned char *c = (const unsigned char *)val; *c; c++)
		if (*c <= ' ' || *c == '"' || *c == '=' || *c == '\\' || *c == 0x7f)
			return true;
	return false;
}

/* val in quotes: quotes and backslashes escaped, control characters as \xNN. */
static void put_quoted(struct ev *e, const char *val)
{
	put(e, "\"", 1);
	for (const unsigned char *c = (const unsigned char *)val; *c; c++) {
		char esc[8];
		if (*c == '"' || *c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*c;
			put(e, esc, 2);
		} else if (*c < ' ' || *c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", *c);
			put(e, esc, 4);
		} else {
			put(e, (const char *)c, 1);
		}
	}
	put(e, "\"", 1);
}

void ev_add(struct ev *e, const char *key, const char *val)
{
	if (!val)
		val = "";
	if (!strcmp(key, "reason"))
		snprintf(e->reason, sizeof(e->reason), "%s", val);
	if (e->len)
		put(e, " ", 1);
	put(e, key, strlen(key));
	put(e, "=", 1);
	if (needs_quotes(val))
		put_quoted(e, val);
	else
		put(e, val, strlen(val));
}

void ev_addf(struct ev *e, const char *key, const char *fmt, ...)
{
	char val[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	ev_add(e, key, val);
}

const char *ev_str(const struct ev *e)
{
	return e->buf;
}

void ev_emit(struct ev *e, int prio)
{
	log_msg(prio, "%s", e->buf);
}
