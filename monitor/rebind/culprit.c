// SPDX-License-Identifier: MIT
/* Matching a server's error words (checker output, error log) to the sites of a batch. */
#include "monitor/rebind/culprit.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Characters that continue an address or a path: a match next to one is part of a longer name. */
static bool continues(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '/' || c == '_' || c == '-' ||
	       c == ':' || c == '~';
}

bool culprit_names(const char *line, size_t linelen, const char *needle)
{
	size_t n = strlen(needle);

	if (!n || n > linelen)
		return false;
	for (const char *p = line; p + n <= line + linelen; p++) {
		if (memcmp(p, needle, n))
			continue;
		/* Brackets end a name: HAProxy writes "[198.51.100.20:443]". */
		bool before = p > line && continues(p[-1]);
		/* "FILE:12" (nginx, HAProxy) and "FILE:" (Apache) end a file name with a colon;
		 * an endpoint ends with its port, so a following digit continues it. */
		char c = p + n < line + linelen ? p[n] : '\0';
		bool after = c && continues(c) && !(needle[0] == '/' && c == ':');
		if (!before && !after)
			return true;
	}
	return false;
}

static enum culprit_kind names_item(const char *line, size_t len, const struct pipe_item *it)
{
	const struct site *s = it->site;
	char ep[ENDPOINT_STRLEN], cb[SITE_PATH_MAX], kb[SITE_PATH_MAX];
	const struct ipaddr *a = it->wildcard ? NULL : &it->to;

	if (a && culprit_names(line, len, endpoint_str(a, s->port, ep, sizeof(ep))))
		return CK_NEW;
	for (size_t i = 0; i < s->ntargets; i++)
		if (culprit_names(line, len, s->targets[i].output))
			return CK_NEW;
	if ((s->include && culprit_names(line, len, s->include)) ||
	    culprit_names(line, len, site_cert_path(s, a, cb, sizeof(cb))) ||
	    culprit_names(line, len, site_key_path(s, a, kb, sizeof(kb))))
		return CK_INPUT;
	return CK_NONE;
}

/* "LEVEL MSG" from the level's start..end and the message's start..e. */
static const char *join(const char *lvl, const char *lend, const char *msg, const char *e,
			size_t *n, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s %.*s", (int)(lend - lvl), lvl, (int)(e - msg), msg);
	*n = strlen(buf);
	return buf;
}

/* nginx: "2026/12/03 08:02:59 [emerg] 9811#9811: msg" -> "[emerg] msg", or NULL. */
static const char *nginx_unstamp(const char *p, size_t *n, char *buf, size_t len)
{
	const char *e = p + *n, *lend, *q;
	int d;

	if (*n <= 20 || sscanf(p, "%*4d/%*2d/%*2d %*2d:%*2d:%2d", &d) != 1 || p[19] != ' ')
		return NULL;
	lend = memchr(p + 20, ']', (size_t)(e - p - 20));
	q = lend ? memchr(lend, ':', (size_t)(e - lend)) : NULL;
	return q && q + 2 <= e ? join(p + 20, lend + 1, q + 2, e, n, buf, len) : NULL;
}

/* Apache: "[Thu Dec 03 ...] [core:emerg] [pid 9:tid 9] msg" -> "[core:emerg] msg", or NULL. */
static const char *apache_unstamp(const char *p, size_t *n, char *buf, size_t len)
{
	const char *e = p + *n, *q, *lvl, *lend, *rest;

	if (*n <= 2 || p[0] != '[' || !(q = memchr(p, ']', *n)) || !memchr(p, ':', (size_t)(q - p)) ||
	    q + 2 >= e || q[1] != ' ' || q[2] != '[')
		return NULL;
	lvl = q + 2;
	if (!(lend = memchr(lvl, ']', (size_t)(e - lvl))))
		return NULL;
	for (rest = lend + 1; rest < e && *rest == ' '; rest++)
		;
	if (rest + 5 < e && !strncmp(rest, "[pid ", 5) && (q = memchr(rest, ']', (size_t)(e - rest))))
		rest = q + 1 + (q + 1 < e && q[1] == ' ');
	return join(lvl, lend + 1, rest, e, n, buf, len);
}

/* A log line without its time stamp and process ids; other lines are kept as they are. */
static const char *unstamp(const char *p, size_t *n, char *buf, size_t len)
{
	const char *u = nginx_unstamp(p, n, buf, len);

	if (!u)
		u = apache_unstamp(p, n, buf, len);
	return u ? u : p;
}

enum culprit_kind culprit_kind(const char *text, const struct pipe_item *it, char *buf,
			       size_t len)
{
	for (const char *p = text; p && *p; ) {
		size_t n = strcspn(p, "\n");
		enum culprit_kind k = n ? names_item(p, n, it) : CK_NONE;
		if (k != CK_NONE) {
			while (n && (p[n - 1] == '\r' || p[n - 1] == ' '))
				n--;
			while (n && *p == ' ')
				p++, n--;
			char tmp[1024];
			const char *u = unstamp(p, &n, tmp, sizeof(tmp));
			snprintf(buf, len, "%.*s", (int)n, u);
			return k;
		}
		p += n + (p[n] == '\n');
	}
	return CK_NONE;
}

const char *culprit_line(const char *text, const struct pipe_item *it, char *buf, size_t len)
{
	return culprit_kind(text, it, buf, len) != CK_NONE ? buf : NULL;
}

void culprit_mark(struct pipe_item *items, size_t n, const bool *pend, const char *words,
		  const char *log, const char *prefix)
{
	char line[400];

	for (size_t i = 0; i < n; i++) {
		struct pipe_item *it = &items[i];
		if (!pend[i] || it->outcome != PO_FAILED)
			continue;
		enum culprit_kind k = words ? culprit_kind(words, it, line, sizeof(line)) : CK_NONE;
		if (k == CK_NONE && log)
			k = culprit_kind(log, it, line, sizeof(line));
		if (k != CK_NONE) {
			snprintf(it->reason, sizeof(it->reason), "%s%s", prefix, line);
			it->hint = NULL;
			it->disable = k == CK_INPUT;
		} else {
			it->again = true;
		}
	}
}

void culprit_explain(struct pipe_item *items, size_t n, const char *log)
{
	char line[400];

	for (size_t i = 0; i < n; i++) {
		struct pipe_item *it = &items[i];
		size_t len = strlen(it->reason);
		if (it->outcome == PO_FAILED && culprit_line(log, it, line, sizeof(line)))
			snprintf(it->reason + len, sizeof(it->reason) - len,
				 "; the server's error log: %s", line);
	}
}
