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
/* Names for the log: an RR type ("A", else "TYPE<n>" in buf) and an
 * rcode ("NOERROR", ...). */
const char *dv_type_str(uint16_t t, char *buf, size_t len);
const char *dv_rcode_name(unsigned rc);

#endif
