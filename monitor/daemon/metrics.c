// SPDX-License-Identifier: MIT
/* The Prometheus textfile (node_exporter's textfile collector), written atomically. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/core/fileio.h"
#include "monitor/core/log.h"
#include "monitor/daemon/daemon.h"

#define METRICS_MIN_INTERVAL_MS 1000   /* a storm rewrites the file at most once a second */

static char *format(struct daemon *d, size_t *len)
{
	const struct sites *set = &d->sites;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return NULL;
	fputs("# HELP certbind_site_bound Whether the site's binding is live (1) or not (0).\n"
	      "# TYPE certbind_site_bound gauge\n", f);
	for (size_t i = 0; i < set->n; i++)
		fprintf(f, "certbind_site_bound{site=\"%s\"} %d\n", set->v[i].cfg->name,
			set->v[i].fsm.state == SS_BOUND || set->v[i].fsm.state == SS_WILDCARD);
	fputs("# HELP certbind_cert_expiry_timestamp_seconds When the site's certificate expires.\n"
	      "# TYPE certbind_cert_expiry_timestamp_seconds gauge\n", f);
	for (size_t i = 0; i < set->n; i++)
		if (set->v[i].fsm.cert_ok)
			fprintf(f, "certbind_cert_expiry_timestamp_seconds{site=\"%s\"} %lld\n",
				set->v[i].cfg->name, (long long)set->v[i].cert.not_after);
	fputs("# HELP certbind_rebinds_total Rebinds attempted, by result.\n"
	      "# TYPE certbind_rebinds_total counter\n", f);
	for (size_t i = 0; i < set->n; i++) {
		fprintf(f, "certbind_rebinds_total{site=\"%s\",result=\"ok\"} %lu\n",
			set->v[i].cfg->name, set->v[i].fsm.rebinds_ok);
		fprintf(f, "certbind_rebinds_total{site=\"%s\",result=\"failed\"} %lu\n",
			set->v[i].cfg->name, set->v[i].fsm.rebinds_failed);
	}
	fprintf(f, "# HELP certbind_address_events_total Address and link events received.\n"
		"# TYPE certbind_address_events_total counter\n"
		"certbind_address_events_total %lu\n"
		"# HELP certbind_netlink_resyncs_total Re-dumps after lost netlink events.\n"
		"# TYPE certbind_netlink_resyncs_total counter\n"
		"certbind_netlink_resyncs_total %lu\n",
		d->nl ? nlwatch_events(d->nl) : 0, d->nl ? nlwatch_resyncs(d->nl) : 0);
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
