/* SPDX-License-Identifier: MIT */
/* Certificates replaced on disk are noticed: inotify on their directories (ACME clients rename). */
#ifndef CERTBIND_CERTNOTIFY_H
#define CERTBIND_CERTNOTIFY_H

#include "monitor/sites/siteinfo.h"

/* Starts watching (0), or -1 when inotify is unavailable (logged; reloads still re-check). */
int certnotify_init(struct sites *set);
/* Watches the directories of every site's certificate and key (new ones only). */
void certnotify_watch_all(struct sites *set);
void certnotify_free(struct sites *set);
/*
 * Re-checks si's certificate and carries out the consequences: a usable certificate again
 * puts a failed site back in play; a changed one is rendered and proven at the binding.
 */
void certnotify_recheck(struct siteinfo *si);

#endif
