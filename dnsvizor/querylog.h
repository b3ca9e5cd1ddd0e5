/*
 * dnsvizor/querylog.h — the --log-queries line (querylog.c).
 */
#ifndef DV_QUERYLOG_H
#define DV_QUERYLOG_H

#include <stdint.h>
#include <sys/socket.h>

#include "dnsvizor/ctx.h"

/* dnsmasq's query log lines (see querylog.c).  serial ties the lines of
 * one query together (log-queries=extra shows it and the client's
 * address/port); qname is wire, as asked.  src is "reply" (from a
 * server), "cached" or "config" (local data and zones). */
void dv_log_query(const dv_ctx *ctx, uint32_t serial, const uint8_t *qname,
		  uint16_t qtype, const struct sockaddr *from);
void dv_log_reply(const dv_ctx *ctx, uint32_t serial,
		  const struct sockaddr *from, const char *src,
		  const uint8_t *resp, size_t rlen);
/* msg: the query sent to server (its question is logged). */
void dv_log_forwarded(const dv_ctx *ctx, uint32_t serial,
		      const struct sockaddr *client, const uint8_t *msg,
		      size_t len, const struct sockaddr *server);
/* A message with no readable question: "query[?] (malformed) from
 * ip/proto: RCODE" (or "dropped"). */
void dv_log_malformed(const dv_ctx *ctx, const struct sockaddr *from,
		      const uint8_t *resp, size_t rlen, const char *proto);
/* Which hosts file a local name came from, so that its answers are
 * logged as dnsmasq does ("/etc/hosts NAME is ADDR", not "config").
 * Built with the local data (dv_build_db) when --log-queries is on.
 * name: presentation, absolute.  add: 0 or -1 (ENOMEM: the name is
 * logged as config); done sorts it for the look-ups. */
typedef struct dv_qlog_hosts dv_qlog_hosts;
dv_qlog_hosts *dv_qlog_hosts_new(void);
int dv_qlog_hosts_add(dv_qlog_hosts *h, const char *name, const char *file);
void dv_qlog_hosts_done(dv_qlog_hosts *h);
void dv_qlog_hosts_free(dv_qlog_hosts *h);

/* Names for the log: an RR type ("A", else "TYPE<n>" in buf) and an
 * rcode ("NOERROR", ...). */
const char *dv_type_str(uint16_t t, char *buf, size_t len);
const char *dv_rcode_name(unsigned rc);

#endif
