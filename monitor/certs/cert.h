/* SPDX-License-Identifier: MIT */
/* A site's certificate and key, checked with OpenSSL: readable, PEM, matching, in date. */
#ifndef CERTBIND_CERT_H
#define CERTBIND_CERT_H

#include <openssl/x509.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <time.h>

#include "netlink/ipaddr.h"
#include "policy/policy.h"

#define FINGERPRINT_LEN (7 + 32 * 3)   /* "SHA256:" + "AA:" x 32, minus one, plus NUL */

/* A file's identity: when all of it is unchanged, so is the content. */
struct fileid {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

struct certinfo {
	X509 *leaf;                   /* owned */
	struct fileid cert_id, key_id;  /* the files as they were when checked */
	unsigned char sha256[32];
	char fingerprint[FINGERPRINT_LEN];
	time_t not_before, not_after;
	bool has_ip_san;
	char *paths;                  /* per-address sites: "CERT\0KEY" as expanded, else NULL */
	struct ipaddr addr;           /* per-address sites: the address they were expanded for */
};

/*
 * Loads and checks site s's certificate and key (for a per-address site: the files for a,
 * or for its configured address when a is NULL). Problems that make the site unusable
 * (unreadable, not PEM, key mismatch, expired) are appended to errs as "site NAME: ..."
 * and -1 is returned; warnings (key readable by others) go to warns. Returns 0 when usable.
 */
int cert_load(const struct site *s, const struct ipaddr *a, struct certinfo *ci,
	      struct errlist *errs, struct errlist *warns);
/* The files ci was loaded from (a per-address site's expanded paths). */
const char *cert_file(const struct site *s, const struct certinfo *ci);
const char *cert_key_file(const struct site *s, const struct certinfo *ci);
void cert_free(struct certinfo *ci);
/* Are the site's certificate and key files still exactly the ones ci was loaded from? */
bool cert_unchanged(const struct site *s, const struct certinfo *ci);

/*
 * One load pass (start-up, reload) over many sites that share a certificate and key reads
 * and checks each pair once. Failures are not cached: every site reports its own.
 */
struct certcache;
struct certcache *certcache_new(size_t sites);
int certcache_load(struct certcache *c, const struct site *s, struct certinfo *ci,
		   struct errlist *errs, struct errlist *warns);
void certcache_free(struct certcache *c);

/* "SHA256:AA:BB:..." of a DER certificate digest. */
void cert_fingerprint_str(const unsigned char sha256[32], char *out, size_t len);
int cert_digest(X509 *x, unsigned char sha256[32]);

/*
 * SPEC's SAN rule for address a: 1 covered (or nothing to check), 0 not covered.
 * With IP SANs, a must be among them; with DNS names only, server_name must match.
 */
int cert_covers(const struct certinfo *ci, const struct ipaddr *a, const char *server_name);
/* Does the certificate name host (DNS SANs, or CN without SANs, wildcards allowed)? */
bool cert_names_host(const struct certinfo *ci, const char *host);
/* Whole days until expiry (negative once expired). */
long cert_days_left(const struct certinfo *ci, time_t now);

#endif
