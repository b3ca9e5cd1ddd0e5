/*
 * resolver/ — recursion: iterator, cache, DNSSEC validation, forwarding.
 * Builds on zones/ (wire codec and data model).  Sans-IO.
 *
 * Not implemented yet (a later issue).  For now it only reports that it
 * has no answer, so the shell answers REFUSED for names outside our zones.
 */
#ifndef DV_RESOLVER_H
#define DV_RESOLVER_H

#include "zones/zones.h"

/* Version string of the resolver module (placeholder API). */
const char *res_version(void);

#endif
