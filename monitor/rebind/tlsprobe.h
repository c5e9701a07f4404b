/* SPDX-License-Identifier: MIT */
/* A non-blocking TLS handshake to an endpoint, driven by the event loop, yielding the leaf. */
#ifndef CERTBIND_TLSPROBE_H
#define CERTBIND_TLSPROBE_H

#include <openssl/ssl.h>
#include <stdint.h>

#include "netlink/ipaddr.h"

struct tlsprobe;

/* A client context for probes: no chain verification (we pin the leaf's digest). */
SSL_CTX *tlsprobe_ctx_new(void);

/* Starts connecting to a:port with SNI sni (may be NULL). NULL on immediate failure. */
struct tlsprobe *tlsprobe_start(SSL_CTX *ctx, const struct ipaddr *a, unsigned port,
				const char *sni);
int tlsprobe_fd(const struct tlsprobe *p);
/* EPOLLIN/EPOLLOUT the probe waits for. */
uint32_t tlsprobe_events(const struct tlsprobe *p);
/* Advances: 1 handshake done (digest filled), 0 in progress, -1 failed (see error). */
int tlsprobe_step(struct tlsprobe *p, unsigned char sha256[32]);
const char *tlsprobe_error(const struct tlsprobe *p);
/*
 * After a handshake: does the served chain verify against store, for the address a, as a
 * client connecting by IP would (X509_check_ip)? 0 yes; -1 no, with why filled.
 */
int tlsprobe_verify_chain(const struct tlsprobe *p, X509_STORE *store, const struct ipaddr *a,
			  char *why, size_t len);
void tlsprobe_free(struct tlsprobe *p);

#endif
