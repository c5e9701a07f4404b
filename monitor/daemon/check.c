// SPDX-License-Identifier: MIT
/* Offline policy check shared by certbindd -t and certbindctl check. */
#include "monitor/daemon/check.h"

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
	for (size_t i = 0; i < p->nsites; i++) {
		struct errlist cerrs = { 0 };
		struct certinfo ci;
		if (cert_load(&p->sites[i], NULL, &ci, &cerrs, &warns) == 0)
			cert_free(&ci);
		/* A site that issues its own certificate gets one at start: not an error. */
		for (size_t k = 0; k < cerrs.n; k++)
			if (p->sites[i].issue.command)
				errlist_add(&warns, "%s (its issue command gets one at start)",
					    cerrs.msg[k]);
			else
				errlist_add(&errs, "%s", cerrs.msg[k]);
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
