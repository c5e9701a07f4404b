// SPDX-License-Identifier: MIT
/* Offline policy check shared by certbindd -t and certbindctl check. */
#include "monitor/daemon/check.h"

#include <sys/stat.h>

#include "monitor/certs/cert.h"
#include "policy/policy.h"

/* Paths with placeholders, as they will be opened: {{site}}, and {{address}} for the site's
 * configured address (a rebind opens the new address's). */
static void print_paths(const struct policy *p, FILE *out)
{
	for (size_t i = 0; i < p->nsites; i++) {
		const struct site *s = &p->sites[i];
		char cb[SITE_PATH_MAX], kb[SITE_PATH_MAX], a[IPADDR_STRLEN];
		if (!s->paths_templated)
			continue;
		fprintf(out, "site %s: certificate %s, key %s%s%s%s\n", s->name,
			site_cert_path(s, &s->addr, cb, sizeof(cb)),
			site_key_path(s, &s->addr, kb, sizeof(kb)),
			s->cert_per_address ? " (for " : "",
			s->cert_per_address ? ipaddr_str(&s->addr, a, sizeof(a)) : "",
			s->cert_per_address ? "; {{address}} follows the binding)" : "");
	}
}

/* The metrics file's directory: missing means no metrics (and, in a unit drop-in without
 * its "-", a service that cannot start). */
static void check_metrics_dir(const struct policy *p, struct errlist *warns)
{
	char dir[512];
	const char *slash;
	struct stat st;

	if (!p->metrics_file || !(slash = strrchr(p->metrics_file, '/')) ||
	    slash == p->metrics_file)
		return;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - p->metrics_file), p->metrics_file);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		errlist_add(warns, "metrics_file %s: its directory %s does not exist: no metrics "
			    "until it does (install prometheus-node-exporter or create it; in a "
			    "systemd drop-in write ReadWritePaths=-%s, with the \"-\")",
			    p->metrics_file, dir, dir);
}

int check_policy(const char *path, FILE *out, FILE *err)
{
	struct errlist errs = { 0 }, warns = { 0 };
	struct policy *p = NULL;
	int rc = 0;

	if (policy_load(path, &p, &errs) < 0) {
		rc = 78;
		goto out;
	}
	for (size_t i = 0; p->warnings && i < p->warnings->n; i++)
		errlist_add(&warns, "%s", p->warnings->msg[i]);
	check_metrics_dir(p, &warns);
	for (size_t i = 0; i < p->nsites; i++) {
		struct errlist cerrs = { 0 };
		struct certinfo ci;
		if (cert_load(&p->sites[i], NULL, &ci, &cerrs, &warns) == 0)
			cert_free(&ci);
		/* One rule: a problem of one site (its certificate, key, or a key HAProxy cannot
		 * find) skips that site, and the others run, as the daemon does; only a policy
		 * error fails the check. A site that issues its own gets one at start. */
		for (size_t k = 0; k < cerrs.n; k++)
			if (p->sites[i].issue.command && !p->sites[i].unusable)
				errlist_add(&warns, "%s (its issue command gets one at start)",
					    cerrs.msg[k]);
			else
				errlist_add(&warns, "%s (this site is skipped; the others run)",
					    cerrs.msg[k]);
		errlist_free(&cerrs);
	}
	if (errs.n)
		rc = 78;
	print_paths(p, out);
out:
	for (size_t i = 0; i < warns.n; i++)
		fprintf(err, "warning: %s\n", warns.msg[i]);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(err, "%s\n", errs.msg[i]);
	if (rc == 0)
		fprintf(out, "%s: configuration OK (%zu site%s)\n", path, p->nsites,
			p->nsites == 1 ? "" : "s");
	else
		fprintf(err, "%s: configuration invalid (%zu problem%s)\n", path, errs.n,
			errs.n == 1 ? "" : "s");
	errlist_free(&errs);
	errlist_free(&warns);
	policy_free(p);
	return rc;
}
