// SPDX-License-Identifier: MIT
/* A small cache of X509 stores, one per CA file (and the system's), reloaded when the file changes. */
#include "monitor/rebind/trust.h"

#include <errno.h>
#include <openssl/err.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TRUST_MAX 16

static struct trust {
	char *path;                /* NULL: the system store */
	X509_STORE *store;
	struct stat st;            /* the file as loaded */
	int used;
} cache[TRUST_MAX];

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static X509_STORE *load(const char *ca_file, char *why, size_t len)
{
	X509_STORE *s = X509_STORE_new();

	if (!s) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	if (ca_file ? X509_STORE_load_file(s, ca_file) != 1 : X509_STORE_set_default_paths(s) != 1) {
		unsigned long e = ERR_peek_last_error();
		snprintf(why, len, "cannot load %s: %s", ca_file ? ca_file : "the system trust store",
			 e ? ERR_reason_error_string(e) : "no certificates");
		ERR_clear_error();
		X509_STORE_free(s);
		return NULL;
	}
	return s;
}

X509_STORE *trust_store(const char *ca_file, char *why, size_t len)
{
	struct stat st = { 0 };
	struct trust *t = NULL, *lru = &cache[0];

	if (ca_file && stat(ca_file, &st) < 0) {
		snprintf(why, len, "cannot read %s: %s", ca_file, strerror(errno));
		return NULL;
	}
	for (int i = 0; i < TRUST_MAX; i++) {
		struct trust *c = &cache[i];
		if (c->store && (ca_file ? c->path && !strcmp(c->path, ca_file) : !c->path))
			t = c;
		if (c->used < lru->used)
			lru = c;
	}
	if (t && (!ca_file || same_file(&t->st, &st))) {
		t->used++;
		return t->store;
	}
	if (!t) {
		/* Few CA files in a policy: replacing the least used one is enough. */
		t = lru;
		X509_STORE_free(t->store);
		free(t->path);
		*t = (struct trust){ 0 };
		if (ca_file && !(t->path = strdup(ca_file))) {
			snprintf(why, len, "out of memory");
			return NULL;
		}
	}
	X509_STORE_free(t->store);
	t->store = load(ca_file, why, len);
	t->st = st;
	t->used++;
	return t->store;
}

void trust_free_all(void)
{
	for (int i = 0; i < TRUST_MAX; i++) {
		X509_STORE_free(cache[i].store);
		free(cache[i].path);
		cache[i] = (struct trust){ 0 };
	}
}
