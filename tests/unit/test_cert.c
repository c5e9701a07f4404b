// SPDX-License-Identifier: MIT
/* Certificate checks on generated certificates (RSA and ECDSA): fingerprint, SANs, key
 * match, expiry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/certs/cert.h"
#include "monitor/sites/issue.h"

static char dir[64];

static EVP_PKEY *keygen(bool rsa)
{
	return rsa ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
		   : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

/* Self-signed certificate for key, valid from -days_before to +days_after, with san. */
static X509 *mkcert(EVP_PKEY *key, long days_before, long days_after, const char *san)
{
	X509 *x = X509_new();
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -days_before * 86400);
	X509_gmtime_adj(X509_getm_notAfter(x), days_after * 86400);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"test", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
	assert_non_null(ext);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	return x;
}

static void write_pair(const char *name, X509 *x, EVP_PKEY *key, char *cpath, char *kpath)
{
	FILE *f;

	sprintf(cpath, "%s/%s.pem", dir, name);
	sprintf(kpath, "%s/%s.key", dir, name);
	f = fopen(cpath, "w");
	PEM_write_X509(f, x);
	fclose(f);
	f = fopen(kpath, "w");
	PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	chmod(kpath, 0600);
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/certbind-ut-cert-%d", getpid());
	return mkdir(dir, 0700);
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

struct fixture {
	char cpath[128], kpath[128];
	struct site s;
	struct certinfo ci;
	X509 *x;
	EVP_PKEY *key;
};

static int load(struct fixture *f, const char *name, bool rsa, long before, long after,
		const char *san, struct errlist *errs, struct errlist *warns)
{
	f->key = keygen(rsa);
	assert_non_null(f->key);
	f->x = mkcert(f->key, before, after, san);
	write_pair(name, f->x, f->key, f->cpath, f->kpath);
	f->s = (struct site){ .name = (char *)name, .certificate = f->cpath, .key = f->kpath };
	return cert_load(&f->s, NULL, &f->ci, errs, warns);
}

static void done(struct fixture *f)
{
	cert_free(&f->ci);
	X509_free(f->x);
	EVP_PKEY_free(f->key);
}

static void check_fingerprint(bool rsa)
{
	struct fixture f;
	struct errlist errs = { 0 };
	unsigned char md[32], *der = NULL;
	char want[FINGERPRINT_LEN] = "SHA256";
	regex_t re;
	int len;

	assert_int_equal(load(&f, rsa ? "rsa" : "ec", rsa, 1, 90, "DNS:www.example.test", &errs,
			      NULL), 0);
	assert_int_equal(errs.n, 0);
	/* The form: SHA256: and 32 upper-case hex pairs separated by colons. */
	assert_int_equal(regcomp(&re, "^SHA256(:[0-9A-F]{2}){32}$", REG_EXTENDED), 0);
	assert_int_equal(regexec(&re, f.ci.fingerprint, 0, NULL, 0), 0);
	regfree(&re);
	/* The value: SHA-256 of the DER encoding, computed independently here. */
	len = i2d_X509(f.x, &der);
	assert_true(len > 0);
	assert_int_equal(EVP_Digest(der, (size_t)len, md, NULL, EVP_sha256(), NULL), 1);
	OPENSSL_free(der);
	for (int i = 0; i < 32; i++)
		sprintf(want + strlen(want), ":%02X", md[i]);
	assert_string_equal(f.ci.fingerprint, want);
	assert_memory_equal(f.ci.sha256, md, 32);
	done(&f);
}

static void test_fingerprint_rsa(void **state) { check_fingerprint(true); }
static void test_fingerprint_ec(void **state) { check_fingerprint(false); }

static void test_san_checks(void **state)
{
	struct fixture f;
	struct errlist errs = { 0 };
	struct ipaddr a;

	assert_int_equal(load(&f, "san", false, 1, 90,
			      "DNS:www.example.test,IP:192.0.2.200,IP:2001:db8::200", &errs, NULL), 0);
	assert_true(f.ci.has_ip_san);
	ipaddr_parse("192.0.2.200", &a);
	assert_int_equal(cert_covers(&f.ci, &a, NULL), 1);
	ipaddr_parse("2001:db8::200", &a);
	assert_int_equal(cert_covers(&f.ci, &a, NULL), 1);
	ipaddr_parse("192.0.2.201", &a);
	assert_int_equal(cert_covers(&f.ci, &a, "www.example.test"), 0);
	assert_true(cert_names_host(&f.ci, "www.example.test"));
	assert_false(cert_names_host(&f.ci, "other.example.test"));
	done(&f);
	/* DNS names only: the address does not matter, server_name does. */
	assert_int_equal(load(&f, "dns", true, 1, 90, "DNS:*.example.test", &errs, NULL), 0);
	assert_false(f.ci.has_ip_san);
	assert_int_equal(cert_covers(&f.ci, &a, "www.example.test"), 1);
	assert_int_equal(cert_covers(&f.ci, &a, "www.example.org"), 0);
	assert_int_equal(cert_covers(&f.ci, &a, NULL), 1);
	done(&f);
}

static void test_key_mismatch(void **state)
{
	struct fixture a, b;
	struct errlist errs = { 0 };
	struct site s;
	struct certinfo ci;

	assert_int_equal(load(&a, "a", true, 1, 90, "DNS:a.test", &errs, NULL), 0);
	assert_int_equal(load(&b, "b", false, 1, 90, "DNS:b.test", &errs, NULL), 0);
	s = (struct site){ .name = "mix", .certificate = a.cpath, .key = b.kpath };
	assert_int_equal(cert_load(&s, NULL, &ci, &errs, NULL), -1);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.msg[0], "site mix: key "));
	assert_non_null(strstr(errs.msg[0], "does not match certificate"));
	errlist_free(&errs);
	/* Not PEM at all. */
	s = (struct site){ .name = "junk", .certificate = "/etc/hostname", .key = b.kpath };
	assert_int_equal(cert_load(&s, NULL, &ci, &errs, NULL), -1);
	assert_non_null(strstr(errs.msg[0], "site junk: certificate /etc/hostname: not a PEM certificate"));
	errlist_free(&errs);
	s = (struct site){ .name = "gone", .certificate = "/nonexistent.pem", .key = b.kpath };
	assert_int_equal(cert_load(&s, NULL, &ci, &errs, NULL), -1);
	assert_non_null(strstr(errs.msg[0], "No such file or directory"));
	errlist_free(&errs);
	done(&a);
	done(&b);
}

static void test_expiry(void **state)
{
	struct fixture f;
	struct errlist errs = { 0 }, warns = { 0 };

	assert_int_equal(load(&f, "old", false, 30, -1, "DNS:old.test", &errs, NULL), -1);
	assert_non_null(strstr(errs.msg[0], "site old: certificate"));
	assert_non_null(strstr(errs.msg[0], "has expired"));
	errlist_free(&errs);
	X509_free(f.x);
	EVP_PKEY_free(f.key);
	assert_int_equal(load(&f, "soon", true, 1, 5, "DNS:soon.test", &errs, &warns), 0);
	assert_in_range(cert_days_left(&f.ci, time(NULL)), 4, 5);
	assert_int_equal(warns.n, 0);
	done(&f);
}

/* Renewal: a third of the lifetime before expiry unless renew_before_s says otherwise. */
static void test_renew_before(void **state)
{
	struct fixture f;
	struct errlist errs = { 0 }, warns = { 0 };

	/* 160 hours as Let's Encrypt's shortlived profile: renewed 53 h 20 min before expiry. */
	struct certinfo ci = { .not_before = 1800000000, .not_after = 1800000000 + 160 * 3600 };
	struct site s = { .name = "ip" };
	s.issue.renew_before_s = RENEW_BEFORE_THIRD;
	assert_int_equal(issue_renew_before(&s, &ci), 160 * 3600 / 3);
	s.issue.renew_before_s = 3600;
	assert_int_equal(issue_renew_before(&s, &ci), 3600);
	/* From a real certificate (valid from a day ago for 90 more): its notBefore is read. */
	assert_int_equal(load(&f, "third", false, 1, 90, "DNS:t.test", &errs, &warns), 0);
	assert_in_range(f.ci.not_after - f.ci.not_before, 91 * 86400 - 60, 91 * 86400 + 60);
	f.s.issue.renew_before_s = RENEW_BEFORE_THIRD;
	assert_int_equal(issue_renew_before(&f.s, &f.ci), (f.ci.not_after - f.ci.not_before) / 3);
	done(&f);
}

static void test_key_mode_warning(void **state)
{
	struct fixture f;
	struct errlist errs = { 0 }, warns = { 0 };

	assert_int_equal(load(&f, "mode", false, 1, 90, "DNS:m.test", &errs, &warns), 0);
	cert_free(&f.ci);
	chmod(f.kpath, 0640);
	assert_int_equal(cert_load(&f.s, NULL, &f.ci, &errs, &warns), -1);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.msg[0], "site mode: key "));
	assert_non_null(strstr(errs.msg[0], "is readable by group or others (mode 0640)"));
	errlist_free(&errs);
	f.s.allow_readable_key = true;
	assert_int_equal(cert_load(&f.s, NULL, &f.ci, &errs, &warns), 0);
	assert_int_equal(errs.n + warns.n, 0);
	done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fingerprint_rsa), cmocka_unit_test(test_fingerprint_ec),
		cmocka_unit_test(test_san_checks), cmocka_unit_test(test_key_mismatch),
		cmocka_unit_test(test_expiry), cmocka_unit_test(test_key_mode_warning),
		cmocka_unit_test(test_renew_before),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
