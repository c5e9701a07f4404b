// SPDX-License-Identifier: MIT
/* Certificate/key loading and checks (OpenSSL 3; no key material is ever logged). */
#include "monitor/certs/cert.h"
#include "monitor/core/fileio.h"

#define KEY_MAX (1024 * 1024)

#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *ssl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	return r ? r : "unknown error";
}

void cert_fingerprint_str(const unsigned char sha256[32], char *out, size_t len)
{
	char *hex = OPENSSL_buf2hexstr(sha256, 32);

	snprintf(out, len, "SHA256:%s", hex ? hex : "?");
	OPENSSL_free(hex);
}

int cert_digest(X509 *x, unsigned char sha256[32])
{
	unsigned int n = 0;

	return X509_digest(x, EVP_sha256(), sha256, &n) == 1 && n == 32 ? 0 : -1;
}

static bool any_ip_san(X509 *x)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	bool found = false;

	for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++)
		if (sk_GENERAL_NAME_value(names, i)->type == GEN_IPADD)
			found = true;
	GENERAL_NAMES_free(names);
	return found;
}

static int fileid_get(const char *path, struct fileid *id)
{
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (stat(path, &st) < 0)
		return -1;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->size = st.st_size;
	id->mtime = st.st_mtim;
	id->ctime = st.st_ctim;
	return 0;
}

static bool fileid_eq(const struct fileid *a, const struct fileid *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

const char *cert_file(const struct site *s, const struct certinfo *ci)
{
	return ci->paths ? ci->paths : s->certificate;
}

const char *cert_key_file(const struct site *s, const struct certinfo *ci)
{
	return ci->paths ? ci->paths + strlen(ci->paths) + 1 : s->key;
}

bool cert_unchanged(const struct site *s, const struct certinfo *ci)
{
	struct fileid c, k;

	/* ctime covers chmod too, so a key made world-readable is noticed. */
	return ci->leaf && fileid_get(cert_file(s, ci), &c) == 0 &&
	       fileid_get(cert_key_file(s, ci), &k) == 0 &&
	       fileid_eq(&c, &ci->cert_id) && fileid_eq(&k, &ci->key_id);
}

/* The leaf certificate: readable, PEM; its digest, names and expiry. 0, or -1 (errs). */
static int load_leaf(const struct site *s, struct certinfo *ci, struct errlist *errs)
{
	const char *cf = cert_file(s, ci);
	struct tm tm;
	BIO *b;

	ERR_clear_error();
	b = BIO_new_file(cf, "r");
	if (!b) {
		errlist_add(errs, "site %s: certificate %s: %s", s->name, cf,
			    strerror(errno ? errno : EIO));
		return -1;
	}
	ci->leaf = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!ci->leaf) {
		errlist_add(errs, "site %s: certificate %s: not a PEM certificate (%s)", s->name,
			    cf, ssl_reason());
		return -1;
	}
	if (cert_digest(ci->leaf, ci->sha256) < 0) {
		errlist_add(errs, "site %s: certificate %s: cannot compute its digest", s->name,
			    cf);
		return -1;
	}
	cert_fingerprint_str(ci->sha256, ci->fingerprint, sizeof(ci->fingerprint));
	ci->has_ip_san = any_ip_san(ci->leaf);
	if (ASN1_TIME_to_tm(X509_get0_notAfter(ci->leaf), &tm) == 1)
		ci->not_after = timegm(&tm);
	if (ASN1_TIME_to_tm(X509_get0_notBefore(ci->leaf), &tm) == 1)
		ci->not_before = timegm(&tm);
	return 0;
}

/* The key: not readable by others (unless allowed), PEM, matching the leaf. 0, or -1. */
static int check_key(const struct site *s, const struct certinfo *ci, struct errlist *errs)
{
	const char *kf = cert_key_file(s, ci);
	EVP_PKEY *key = NULL;
	struct stat st;
	char *keybuf = NULL;
	size_t keylen = 0;
	BIO *b = NULL;
	int rc = -1, err;

	/* Read into our own buffer, so that no copy of the key outlives the parse. */
	err = file_read(kf, KEY_MAX, &keybuf, &keylen);
	if (err < 0) {
		errlist_add(errs, "site %s: key %s: %s", s->name, kf,
			    err == -ELOOP ? "is a symlink (refused)" : strerror(-err));
		return -1;
	}
	if (stat(kf, &st) == 0 && (st.st_mode & 077) && !s->allow_readable_key) {
		errlist_add(errs, "site %s: key %s is readable by group or others (mode %04o): "
			    "chmod 600 it, or set allow_readable_key = true", s->name, kf,
			    (unsigned)(st.st_mode & 07777));
		goto out;
	}
	ERR_clear_error();
	b = BIO_new_mem_buf(keybuf, (int)keylen);
	if (!b)
		goto out;
	key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	if (!key)
		errlist_add(errs, "site %s: key %s: not a PEM private key (%s)", s->name, kf,
			    ssl_reason());
	else if (X509_check_private_key(ci->leaf, key) != 1)
		errlist_add(errs, "site %s: key %s does not match certificate %s", s->name, kf,
			    cert_file(s, ci));
	else
		rc = 0;
out:
	EVP_PKEY_free(key);
	BIO_free(b);
	OPENSSL_cleanse(keybuf, keylen);
	free(keybuf);
	return rc;
}

int cert_load(const struct site *s, const struct ipaddr *a, struct certinfo *ci,
	      struct errlist *errs, struct errlist *warns)
{
	char cb[SITE_PATH_MAX], kb[SITE_PATH_MAX];
	int rc = -1;

	memset(ci, 0, sizeof(*ci));
	if (s->unusable) {
		errlist_add(errs, "site %s: %s", s->name, s->unusable);
		return -1;
	}
	if (s->cert_per_address) {
		/* This address's own files; remembered, so that re-checks read the same ones. */
		const char *cf = site_cert_path(s, a ? a : &s->addr, cb, sizeof(cb));
		const char *kf = site_key_path(s, a ? a : &s->addr, kb, sizeof(kb));
		ci->paths = malloc(strlen(cf) + strlen(kf) + 2);
		if (!ci->paths) {
			errlist_add(errs, "site %s: out of memory", s->name);
			return -1;
		}
		strcpy(ci->paths, cf);
		strcpy(ci->paths + strlen(cf) + 1, kf);
		if (a)
			ci->addr = *a;
	}
	/* Identities first: a change racing the reads below shows up as a change next time. */
	fileid_get(cert_file(s, ci), &ci->cert_id);
	fileid_get(cert_key_file(s, ci), &ci->key_id);
	if (load_leaf(s, ci, errs) < 0 || check_key(s, ci, errs) < 0)
		goto out;
	if (X509_cmp_current_time(X509_get0_notAfter(ci->leaf)) <= 0) {
		errlist_add(errs, "site %s: certificate %s has expired", s->name, cert_file(s, ci));
		goto out;
	}
	rc = 0;
out:
	ERR_clear_error();
	if (rc < 0)
		cert_free(ci);
	return rc;
}

void cert_free(struct certinfo *ci)
{
	X509_free(ci->leaf);
	ci->leaf = NULL;
	free(ci->paths);
	ci->paths = NULL;
}

int cert_covers(const struct certinfo *ci, const struct ipaddr *a, const char *server_name)
{
	char ip[IPADDR_STRLEN];

	if (!ci->leaf)
		return 0;
	if (ci->has_ip_san)
		return X509_check_ip_asc(ci->leaf, ipaddr_str(a, ip, sizeof(ip)), 0) == 1;
	if (server_name)
		return X509_check_host(ci->leaf, server_name, 0, 0, NULL) == 1;
	return 1;
}

long cert_days_left(const struct certinfo *ci, time_t now)
{
	double d = difftime(ci->not_after, now) / 86400.0;

	return d < 0 ? (long)d - 1 : (long)d;
}

bool cert_names_host(const struct certinfo *ci, const char *host)
{
	return ci->leaf && X509_check_host(ci->leaf, host, 0, 0, NULL) == 1;
}

struct certcache_ent {
	const char *cert, *key;       /* the policy's strings (outlive the pass) */
	struct certinfo ci;
};

struct certcache {
	struct certcache_ent *slot;
	size_t n;                     /* power of two, at least twice the sites */
};

static uint32_t str_hash(uint32_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

struct certcache *certcache_new(size_t sites)
{
	struct certcache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->n = 16;
	while (c->n < sites * 2)
		c->n *= 2;
	c->slot = calloc(c->n, sizeof(*c->slot));
	if (!c->slot) {
		free(c);
		return NULL;
	}
	return c;
}

static void cert_copy(struct certinfo *dst, const struct certinfo *src)
{
	*dst = *src;
	X509_up_ref(dst->leaf);
}

int certcache_load(struct certcache *c, const struct site *s, struct certinfo *ci,
		   struct errlist *errs, struct errlist *warns)
{
	size_t i;

	/* One file per address: nothing to share. */
	if (!c || s->cert_per_address)
		return cert_load(s, NULL, ci, errs, warns);
	i = str_hash(str_hash(2166136261u, s->certificate), s->key) & (c->n - 1);
	for (; c->slot[i].cert; i = (i + 1) & (c->n - 1))
		if (!strcmp(c->slot[i].cert, s->certificate) && !strcmp(c->slot[i].key, s->key)) {
			cert_copy(ci, &c->slot[i].ci);
			return 0;
		}
	if (cert_load(s, NULL, ci, errs, warns) < 0)
		return -1;
	c->slot[i].cert = s->certificate;
	c->slot[i].key = s->key;
	cert_copy(&c->slot[i].ci, ci);
	return 0;
}

void certcache_free(struct certcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		if (c->slot[i].cert)
			cert_free(&c->slot[i].ci);
	free(c->slot);
	free(c);
}
