// SPDX-License-Identifier: MIT
/* The Prometheus textfile (node_exporter's textfile collector), written atomically. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monitor/core/fileio.h"
#include "monitor/core/log.h"
#include "monitor/daemon/daemon.h"
#include "monitor/rebind/driver.h"
#include "monitor/sites/siteview.h"

#define METRICS_MIN_INTERVAL_MS 1000   /* a storm rewrites the file at most once a second */

/* A label value in Prometheus' text format: backslash, quote and newline escaped. */
static void put_label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A declared server's name; an implicit one is named by its reload command, as before. */
static const char *server_label(const struct site *s)
{
	return s->server ? s->server->name : "(none)";
}

/* One line per site: what it is (endpoint, server, driver, fingerprint) and whether proven. */
static void site_families(FILE *f, const struct sites *set)
{
	char ep[ENDPOINT_STRLEN];

	family(f, "certbind_site_info", "gauge", "A site: its endpoint, state (bound, unverified, "
	       "waiting, unbound, failed, wildcard, standby), server, driver and certificate "
	       "fingerprint (always 1).");
	for (size_t i = 0; i < set->n; i++) {
		struct siteview v;
		siteview_get(&set->v[i], &v);
		fprintf(f, "certbind_site_info{site=\"%s\",endpoint=\"%s\",state=\"%s\",server=\"",
			v.cfg->name, endpoint_str(v.addr, v.cfg->port, ep, sizeof(ep)), v.state_name);
		put_label(f, server_label(v.cfg));
		fprintf(f, "\",driver=\"%s\",fingerprint=\"%s\"} 1\n",
			server_type_name(v.cfg->server_type), v.fingerprint ? v.fingerprint : "");
	}
	family(f, "certbind_site_bound", "gauge", "Whether a handshake proved the site's binding (1) "
	       "or not (0).");
	for (size_t i = 0; i < set->n; i++) {
		struct siteview v;
		siteview_get(&set->v[i], &v);
		fprintf(f, "certbind_site_bound{site=\"%s\"} %d\n", v.cfg->name, v.proven);
	}
	if (set->ntracks)
		family(f, "certbind_failover_track", "gauge", "What a failover track file tells "
		       "keepalived: 1 unhealthy (the VIP must leave this host), 0 healthy.");
	for (size_t t = 0; t < set->ntracks; t++) {
		fprintf(f, "certbind_failover_track{file=\"");
		put_label(f, set->tracks[t].path);
		fprintf(f, "\"} %d\n", set->tracks[t].written == 1);
	}
	family(f, "certbind_site_last_proof_timestamp_seconds", "gauge",
	       "When a handshake last proved the site's binding.");
	for (size_t i = 0; i < set->n; i++) {
		struct siteview v;
		siteview_get(&set->v[i], &v);
		if (v.proven_at)
			fprintf(f, "certbind_site_last_proof_timestamp_seconds{site=\"%s\"} %lld\n",
				v.cfg->name, v.proven_at);
	}
}

/* The certificate of each site: expiry (x509_cert_not_after's meaning) and coverage. */
static void cert_families(FILE *f, const struct sites *set, unsigned warn_days)
{
	family(f, "certbind_cert_expiry_timestamp_seconds", "gauge", "When the site's certificate "
	       "expires.");
	for (size_t i = 0; i < set->n; i++) {
		struct siteview v;
		siteview_get(&set->v[i], &v);
		if (v.cert)
			fprintf(f, "certbind_cert_expiry_timestamp_seconds{site=\"%s\"} %lld\n",
				v.cfg->name, v.not_after);
	}
	family(f, "certbind_cert_covers_address", "gauge", "Whether the site's certificate covers "
	       "its bound address (IP SANs, or server_name for DNS-only certificates).");
	for (size_t i = 0; i < set->n; i++) {
		struct siteview v;
		siteview_get(&set->v[i], &v);
		if (v.cert && v.addr)
			fprintf(f, "certbind_cert_covers_address{site=\"%s\"} %d\n", v.cfg->name,
				cert_covers(v.cert, v.addr, v.cfg->server_name));
	}
	family(f, "certbind_expiry_warn_seconds", "gauge", "expiry_warn_days of the policy, in "
	       "seconds (for alert rules).");
	fprintf(f, "certbind_expiry_warn_seconds %llu\n", (unsigned long long)warn_days * 86400);
}

static void counter_families(FILE *f, const struct sites *set)
{
	family(f, "certbind_rebinds_total", "counter", "Rebinds attempted, by result.");
	for (size_t i = 0; i < set->n; i++) {
		struct siteview v;
		siteview_get(&set->v[i], &v);
		fprintf(f, "certbind_rebinds_total{site=\"%s\",result=\"ok\"} %lu\n",
			v.cfg->name, v.rebinds_ok);
		fprintf(f, "certbind_rebinds_total{site=\"%s\",result=\"failed\"} %lu\n",
			v.cfg->name, v.rebinds_failed);
	}
	family(f, "certbind_rollbacks_total", "counter", "Failed rebinds whose files were restored.");
	for (size_t i = 0; i < set->n; i++) {
		struct siteview v;
		siteview_get(&set->v[i], &v);
		fprintf(f, "certbind_rollbacks_total{site=\"%s\"} %lu\n", v.cfg->name, v.rollbacks);
	}
	family(f, "certbind_issue_failures_total", "counter", "Certificate issue commands that "
	       "failed.");
	for (size_t i = 0; i < set->n; i++) {
		struct siteview v;
		siteview_get(&set->v[i], &v);
		fprintf(f, "certbind_issue_failures_total{site=\"%s\"} %u\n", v.cfg->name,
			v.issue_failures);
	}
}

static void daemon_families(FILE *f, struct daemon *d)
{
	const struct sites *set = &d->sites;

	family(f, "certbind_reload_duration_seconds", "gauge", "How long the server's last reload "
	       "by certbindd took.");
	for (size_t i = 0; i < set->nservers; i++) {
		fputs("certbind_reload_duration_seconds{server=\"", f);
		put_label(f, set->servers[i].name);
		fprintf(f, "\"} %.3f\n", set->servers[i].last_reload_ms / 1000.0);
	}
	family(f, "certbind_build_info", "gauge", "The running certbindd (always 1).");
	fprintf(f, "certbind_build_info{version=\"%s\"} 1\n", CERTBIND_VERSION);
	family(f, "certbind_address_events_total", "counter", "Address and link events received.");
	fprintf(f, "certbind_address_events_total %lu\n", d->nl ? nlwatch_events(d->nl) : 0);
	family(f, "certbind_netlink_resyncs_total", "counter", "Re-dumps after lost netlink events.");
	fprintf(f, "certbind_netlink_resyncs_total %lu\n", d->nl ? nlwatch_resyncs(d->nl) : 0);
	/* Written on every change and, under the systemd watchdog, at least every minute: an
	 * old value means a dead daemon (the alert rules' "stale" test). */
	family(f, "certbind_metrics_timestamp_seconds", "gauge", "When certbindd wrote this file.");
	fprintf(f, "certbind_metrics_timestamp_seconds %lld\n", (long long)time(NULL));
}

static char *format(struct daemon *d, size_t *len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return NULL;
	site_families(f, &d->sites);
	cert_families(f, &d->sites, d->pol->expiry_warn_days);
	counter_families(f, &d->sites);
	daemon_families(f, d);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	*len = size;
	return buf;
}

static void write_now(struct daemon *d)
{
	size_t len;
	char *buf;
	int err;

	d->sites.metrics_dirty = false;
	d->metrics_written = now_ms();
	buf = format(d, &len);
	if (!buf)
		return;
	err = file_replace(d->pol->metrics_file, buf, len, 0644);
	free(buf);
	if (err < 0 && !d->metrics_failed) {
		log_msg(LOG_WARNING, "cannot write metrics file %s: %s", d->pol->metrics_file,
			strerror(-err));
		d->metrics_failed = true;
	} else if (err == 0) {
		d->metrics_failed = false;
	}
}

static void on_metrics_timer(void *arg)
{
	struct daemon *d = arg;

	if (d->sites.metrics_dirty)
		write_now(d);
}

void metrics_flush(struct daemon *d, bool force)
{
	uint64_t now = now_ms();

	if (!d->pol->metrics_file || d->dry_run || !d->sites.metrics_dirty)
		return;
	if (force || !d->metrics_written || now >= d->metrics_written + METRICS_MIN_INTERVAL_MS) {
		loop_cancel(&d->L, &d->metrics_timer);
		write_now(d);
		return;
	}
	if (!timer_armed(&d->metrics_timer)) {
		d->metrics_timer = (struct timer){ .fn = on_metrics_timer, .arg = d };
		loop_arm(&d->L, &d->metrics_timer, d->metrics_written + METRICS_MIN_INTERVAL_MS);
	}
}
