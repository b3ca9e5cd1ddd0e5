/*
 * dnsvizor/querylog.h — the --log-queries line (querylog.c).
 */
#ifndef DV_QUERYLOG_H
#define DV_QUERYLOG_H

#include <stdint.h>
#include <sys/socket.h>

#include "dnsvizor/ctx.h"

/* One query log line.  qname (wire, as asked) and qtype come from
 * the query's one parse (zone_req.wq); qname NULL: malformed. */
void dv_log_query(const dv_ctx *ctx, const uint8_t *qname, uint16_t qtype,
		  const struct sockaddr *from, const uint8_t *resp,
		  size_t rlen, const char *proto);

#endif
