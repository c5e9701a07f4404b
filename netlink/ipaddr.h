/* SPDX-License-Identifier: MIT */
/* IP address value type shared by the address table, the policy and the monitor. */
#ifndef CERTBIND_IPADDR_H
#define CERTBIND_IPADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <string.h>

struct ipaddr {
	sa_family_t family;          /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t b[16];
	} u;
};

/* Longest text forms, with a terminating NUL. */
#define IPADDR_STRLEN INET6_ADDRSTRLEN
#define ENDPOINT_STRLEN (INET6_ADDRSTRLEN + 9)

/* Parses a literal IPv4 or IPv6 address. Returns 0, or -1 if it is not one. */
int ipaddr_parse(const char *s, struct ipaddr *out);
/* Parses "ADDRESS/LEN"; the host bits must be zero. Returns 0 or -1. */
int ipaddr_parse_prefix(const char *s, struct ipaddr *out, unsigned *plen);
static inline size_t ipaddr_len(const struct ipaddr *a)
{
	return a->family == AF_INET6 ? 16 : 4;
}

/* Inline: the event path compares addresses per site and per hash-chain entry. */
static inline bool ipaddr_eq(const struct ipaddr *a, const struct ipaddr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->u.v4.s_addr == b->u.v4.s_addr;
	return !memcmp(a->u.b, b->u.b, 16);
}
/* Total order: IPv4 before IPv6, then numerically. */
int ipaddr_cmp(const struct ipaddr *a, const struct ipaddr *b);
uint32_t ipaddr_hash(const struct ipaddr *a);
bool ipaddr_in_prefix(const struct ipaddr *a, const struct ipaddr *pfx, unsigned plen);
/* Do a and b (one family) have the same bits after the first plen: the same host part? */
bool ipaddr_same_host(const struct ipaddr *a, const struct ipaddr *b, unsigned plen);
/* Text form into buf (at least IPADDR_STRLEN bytes); returns buf. */
const char *ipaddr_str(const struct ipaddr *a, char *buf, size_t len);
/* "ADDRESS:PORT", IPv6 in brackets; a NULL address means "*" (all addresses). */
const char *endpoint_str(const struct ipaddr *a, unsigned port, char *buf, size_t len);
/* "inet" / "inet6" */
const char *family_name(int family);

#endif
