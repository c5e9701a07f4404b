/* SPDX-License-Identifier: MIT */
/* The policy: global settings and sites, loaded and fully validated from a libconfig file. */
#ifndef CERTBIND_POLICY_H
#define CERTBIND_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "netlink/ipaddr.h"

enum on_change { ONC_ALERT, ONC_REBIND, ONC_IGNORE };
enum on_failure { ONF_ROLLBACK, ONF_ALERT };
enum san_check { SAN_WARN, SAN_REQUIRE, SAN_OFF };
enum nonlocal_bind { NLB_CHECK, NLB_ENABLE, NLB_OFF };
enum target_type { TGT_NGINX, TGT_APACHE, TGT_HAPROXY, TGT_TEMPLATE };
/* What runs a site's targets; each type has a driver (monitor/rebind/driver.h). */
enum server_type { SRV_NGINX, SRV_APACHE, SRV_HAPROXY, SRV_COMMAND };

/*
 * A server: the process that serves some sites' bindings, and how certbind checks, reloads,
 * starts and watches it. Declared in `servers = (...)`, or implicit: sites whose per-site
 * `reload` argv is the same share one (named by that argv).
 */
struct server_cfg {
	char *name;
	enum server_type type;
	bool implicit;
	char **check;            /* argv run against the rendered files, or NULL: none */
	char **reload;           /* argv, or NULL: none (haproxy: the master CLI's reload) */
	bool reload_default;     /* reload is the type's default, not the operator's */
	char **start;            /* argv that starts it when a reload killed it, or NULL */
	char *pid_file;          /* its parent's pid (liveness), or NULL */
	char *master_socket;     /* haproxy: the master CLI, or NULL */
	char *error_log;         /* where it says why a reload did not take, or NULL */
	unsigned reload_timeout_ms;
	int line;
	size_t nsites;
};


struct target {
	enum target_type type;
	bool typed_by_server;    /* no `type`: the site's server's own renderer */

	char *output;
	char *template_path;     /* TGT_TEMPLATE only */
	char *template_text;     /* its content, read (and checked) at load */
};

struct site {
	char *name;
	bool wildcard;           /* address = "*" */
	struct ipaddr addr;
	unsigned port;
	char *interface;         /* NULL: any */
	char *certificate, *key;  /* may hold {{address}} and {{site}}: see site_cert_path */
	bool cert_per_address;   /* they do: one certificate per address */
	bool paths_templated;    /* certificate or key had a placeholder ({{site}} expanded at load) */
	bool allow_readable_key; /* accept a key readable by group/others (e.g. ssl-cert) */
	char *server_name;       /* NULL: none */
	enum on_change on_change;
	struct {
		char *interface;     /* NULL: the one that carried the lost address */
		int family;          /* AF_UNSPEC: the lost address's */
		bool has_prefix;
		struct ipaddr prefix;
		unsigned plen;
		bool same_host;      /* host_part = "same": keep the lost address's host part */
	} follow;
	struct target *targets;
	size_t ntargets;
	char *server_ref;        /* `server = "NAME"`, or NULL */
	const struct server_cfg *server;  /* what runs its targets, or NULL: files only */
	char *backend;           /* haproxy: the frontend's default_backend */
	char *include;           /* apache: the operator's vhost body, Include'd, or NULL */
	char **reload;           /* per-site shorthand: NULL-terminated argv, or NULL */
	unsigned reload_timeout_ms;
	bool verify;
	unsigned verify_timeout_ms;
	char *verify_ca_file;    /* the proof also verifies the served chain against it */
	bool verify_chain;       /* ... or against the system trust store */
	enum on_failure on_failure;
	enum san_check san_check;
	int alert_priority;      /* LOG_* */
	unsigned alert_repeat_s;
	char **alert_command;    /* NULL-terminated argv, or NULL */
	unsigned alert_timeout_ms;
	struct {
		char **command;      /* obtains a certificate for an address, or NULL: none */
		unsigned timeout_ms;
		unsigned renew_before_s; /* RENEW_BEFORE_THIRD: when a third of its lifetime remains */
		unsigned backoff_min_s;  /* after a failure; doubling up to 3600 */
	} issue;
	struct {
		char *track_file;    /* NULL: not a failover site; else what keepalived reads */
		unsigned check_interval_ms;  /* re-proof while it holds the VIP */
	} failover;              /* its address is a VIP that comes and goes (failover.c) */
	enum server_type server_type;
	int line;                /* where the site starts in the policy file */
	char *canon;             /* every setting, canonical (site_equal compares it whole) */
	char *unusable;          /* a problem of this site alone (it is skipped, the others run) */
};

struct policy {
	char *path;
	char *state_file;
	char *control_socket;
	unsigned settle_ms;
	unsigned startup_grace_ms;   /* after start, an absent address is awaited, not lost */
	unsigned expiry_warn_days;
	char *syslog_ident;
	int syslog_facility;     /* LOG_* facility */
	char *metrics_file;      /* NULL: none */
	enum nonlocal_bind nonlocal_bind;
	struct site *sites;
	size_t nsites;
	struct server_cfg *servers;   /* declared, then implicit */
	size_t nservers;
	struct errlist *warnings;     /* "FILE:LINE: message": accepted, but worth a look */
};

/* Collected error messages, each "FILE:LINE: message" (or "FILE: message"). */
struct errlist {
	char **msg;
	size_t n;
};

void errlist_add(struct errlist *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void errlist_free(struct errlist *e);

/*
 * Loads and validates the policy at path. On success returns 0 and *out (caller frees with
 * policy_free). On failure returns -1 with every problem found appended to errs.
 * Certificates are not examined here (see monitor/cert.h): they affect one site only.
 */
int policy_load(const char *path, struct policy **out, struct errlist *errs);
/* The same, from text in memory (name is used in messages). For tests and fuzzing. */
int policy_load_string(const char *text, const char *name, struct policy **out,
		       struct errlist *errs);
void policy_free(struct policy *p);

const struct site *policy_site(const struct policy *p, const char *name);
const struct server_cfg *policy_server(const struct policy *p, const char *name);
const char *server_type_name(enum server_type t);

/* True when both sites have the same settings and templates (used by reload). */
bool site_equal(const struct site *a, const struct site *b);
/* Sites with the same reload argv are taken to share one server. */
bool site_same_server(const struct site *a, const struct site *b);
/* Two NULL-terminated argvs, equal (both NULL counts as equal). */
bool site_argv_eq(char *const *a, char *const *b);
/* A copy of argv (malloc'd), or NULL; argv_free releases it. */
char **argv_dup(char *const *argv);
void argv_free(char **argv);

const char *on_change_name(enum on_change c);
const char *priority_name(int prio);

/* Placeholders a template may use. */
extern const char *const template_placeholders[];
/* ... and a site's certificate, key and issue command. */
extern const char *const path_placeholders[];

#define SITE_PATH_MAX 512
/* issue.renew_before_s unset: renew when a third of the certificate's lifetime remains (as
 * Let's Encrypt advises; 53 hours of a 160-hour certificate, 30 days of a 90-day one). */
#define RENEW_BEFORE_THIRD 0xffffffffu
/* tmpl with {{address}} (a, no brackets; "" if none) and {{site}} replaced; -1 if too long. */
int site_expand(const struct site *s, const char *tmpl, const struct ipaddr *a, char *out,
		size_t len);
/* tmpl with {{site}} alone replaced ({{address}} kept for later); -1 if too long. */
int site_expand_name(const struct site *s, const char *tmpl, char *out, size_t len);
/* The site's certificate and key files for address a (buf holds them when expanded). */
const char *site_cert_path(const struct site *s, const struct ipaddr *a, char *buf, size_t len);
const char *site_key_path(const struct site *s, const struct ipaddr *a, char *buf, size_t len);

#endif
