// SPDX-License-Identifier: MIT
/* IP address parsing, comparison and formatting (inet_pton/inet_ntop underneath). */
#include "netlink/ipaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int ipaddr_parse(const char *s, struct ipaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (!s)
		return -1;
	if (inet_pton(AF_INET, s, &out->u.v4) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &out->u.v6) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return -1;
}

int ipaddr_parse_prefix(const char *s, struct ipaddr *out, unsigned *plen)
{
	char buf[IPADDR_STRLEN + 8];
	const char *slash = s ? strchr(s, '/') : NULL;
	char *end;
	unsigned long n;

	if (!slash || (size_t)(slash - s) >= IPADDR_STRLEN || !slash[1])
		return -1;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (ipaddr_parse(buf, out) < 0)
		return -1;
	n = strtoul(slash + 1, &end, 10);
	if (*end || slash[1] < '0' || slash[1] > '9' || n > ipaddr_len(out) * 8)
		return -1;
	*plen = (unsigned)n;
	/* Host bits set is almost always a typo for another network: refuse it. */
	for (unsigned i = *plen; i < ipaddr_len(out) * 8; i++)
		if (out->u.b[i / 8] & (0x80u >> (i % 8)))
			return -1;
	return 0;
}

int ipaddr_cmp(const struct ipaddr *a, const struct ipaddr *b)
{
	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	return memcmp(a->u.b, b->u.b, ipaddr_len(a));
}

uint32_t ipaddr_hash(const struct ipaddr *a)
{
	/* FNV-1a: addresses are short and not chosen by an adversary who sees the table. */
	uint32_t h = 2166136261u ^ a->family;
	for (size_t i = 0; i < ipaddr_len(a); i++)
		h = (h ^ a->u.b[i]) * 16777619u;
	return h;
}

bool ipaddr_in_prefix(const struct ipaddr *a, const struct ipaddr *pfx, unsigned plen)
{
	if (a->family != pfx->family || plen > ipaddr_len(a) * 8)
		return false;
	if (memcmp(a->u.b, pfx->u.b, plen / 8))
		return false;
	if (plen % 8) {
		uint8_t mask = (uint8_t)(0xff00u >> (plen % 8));
		if ((a->u.b[plen / 8] ^ pfx->u.b[plen / 8]) & mask)
			return false;
	}
	return true;
}

bool ipaddr_same_host(const struct ipaddr *a, const struct ipaddr *b, unsigned plen)
{
	size_t bits = ipaddr_len(a) * 8;

	if (a->family != b->family || plen > bits)
		return false;
	for (size_t i = plen; i < bits; i++) {
		uint8_t m = (uint8_t)(0x80u >> (i % 8));
		if ((a->u.b[i / 8] ^ b->u.b[i / 8]) & m)
			return false;
	}
	return true;
}

const char *ipaddr_str(const struct ipaddr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family, a->u.b, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *endpoint_str(const struct ipaddr *a, unsigned port, char *buf, size_t len)
{
	char ip[IPADDR_STRLEN];

	if (!a)
		snprintf(buf, len, "*:%u", port);
	else if (a->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", ipaddr_str(a, ip, sizeof(ip)), port);
	else
		snprintf(buf, len, "%s:%u", ipaddr_str(a, ip, sizeof(ip)), port);
	return buf;
}

const char *family_name(int family)
{
	return family == AF_INET6 ? "inet6" : family == AF_INET ? "inet" : "unspec";
}
