/* SPDX-License-Identifier: MIT */
/* Trust stores for proofs that validate the served chain: a CA file, or the system's. */
#ifndef CERTBIND_TRUST_H
#define CERTBIND_TRUST_H

#include <openssl/x509_vfy.h>
#include <stddef.h>

/*
 * The store for ca_file (NULL: the system trust store), loaded once and again only when the
 * file changed; NULL with why filled when it cannot be loaded. Owned by the cache.
 */
X509_STORE *trust_store(const char *ca_file, char *why, size_t len);
/* Frees the cache (shutdown). */
void trust_free_all(void);

#endif
