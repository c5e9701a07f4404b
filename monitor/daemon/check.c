// SPDX-License-Identifier: MIT
/* Offline policy check shared by certbindd -t and certbindctl check. */
#include "monitor/daemon/check.h"

#include "monitor/certs/cert.h"
#include "policy/policy.h"

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
