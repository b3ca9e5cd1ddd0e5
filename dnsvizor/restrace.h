/*
 * dnsvizor/restrace.h — the resolver's events as log lines (restrace.c):
 * the DNSSEC/upstream trace at --log-level=debug, and warnings.
 */
#ifndef DV_RESTRACE_H
#define DV_RESTRACE_H

#include "dnsvizor/dnsvizor.h"
#include "resolver/resolver.h"

/* cfg.on_event of the resolver: arg is the dv_logger. */
void dv_rs_event(void *arg, const res_event *ev);

#endif
