/*
 * The resolver's events (res_event, resolver.h) as log lines.  At
 * --log-level=debug the engine traces every upstream query, reply and
 * timeout and what the validator made of each RRset and zone, so that a
 * failure can be diagnosed from the log alone:
 *
 *   trace: query 127.0.0.1#53/udp www.example. A
 *   trace: reply 127.0.0.1#53/udp www.example. A: NOERROR qr aa; an 2
 *          ns 0 ar 1; 1 ms
 *   trace: dnssec www.example. A (from 127.0.0.1#53): bogus (EDE 6:
 *          www.example.: signature does not verify)
 *
 * Without debug the engine builds no trace event.  Warnings (an
 * algorithm we do not validate, RFC 5011 anchor changes) come at any
 * level.  A leaf: calls only the logger and querylog.c's names.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "dnsvizor/querylog.h"
#include "dnsvizor/restrace.h"

static void ev_server(const res_event *ev, int transport, char *out,
		      size_t len)
{
	static const char *const tr[] = { "udp", "tcp", "tls" };
	char ip[INET6_ADDRSTRLEN];

	if (!ev->server) {
		snprintf(out, len, "cache");
		return;
	}
	if (!inet_ntop(ev->server->af == 4 ? AF_INET : AF_INET6,
		       ev->server->addr, ip, sizeof(ip)))
		snprintf(ip, sizeof(ip), "?");
	if (transport)
		snprintf(out, len, "%s#%u/%s", ip, ev->server->port,
			 ev->transport < 3 ? tr[ev->transport] : "?");
	else
		snprintf(out, len, "%s#%u", ip, ev->server->port);
}

static void ev_flags(uint16_t f, char *out, size_t len)
{
	static const struct {
		uint16_t bit;
		const char *s;
	} fl[] = {
		{ DNS_F_QR, "qr" }, { DNS_F_AA, "aa" }, { DNS_F_TC, "tc" },
		{ DNS_F_RD, "rd" }, { DNS_F_RA, "ra" }, { DNS_F_AD, "ad" },
		{ DNS_F_CD, "cd" },
	};
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
		if ((f & fl[i].bit) && n + 4 < len)
			n += (size_t)snprintf(out + n, len - n, " %s",
					      fl[i].s);
}

static void ev_trace(const dv_logger *lg, const res_event *ev,
		     const char *name, const char *type)
{
	char srv[80], fl[40];

	ev_server(ev, ev->kind != RES_EV_VALIDATED, srv, sizeof(srv));
	switch (ev->kind) {
	case RES_EV_QUERY:
		dv_log(lg, DV_LOG_DEBUG, "trace: query %s %s %s", srv, name,
		       type);
		break;
	case RES_EV_REPLY:
		ev_flags(ev->flags, fl, sizeof(fl));
		dv_log(lg, DV_LOG_DEBUG, "trace: reply %s %s %s: %s%s; an %u "
		       "ns %u ar %u; %u ms", srv, name, type,
		       dv_rcode_name((unsigned)ev->rcode), fl, ev->an, ev->ns,
		       ev->ar, ev->ms);
		break;
	case RES_EV_TIMEOUT:
		dv_log(lg, DV_LOG_DEBUG, "trace: no reply %s %s %s: %s", srv,
		       name, type, ev->why ? ev->why : "");
		break;
	default:
		if (ev->ede)
			dv_log(lg, DV_LOG_DEBUG, "trace: dnssec %s %s (from "
			       "%s): %s (EDE %u: %s)", name, type, srv,
			       ev->state, ev->ede, ev->why);
		else
			dv_log(lg, DV_LOG_DEBUG, "trace: dnssec %s %s (from "
			       "%s): %s (%s)", name, type, srv, ev->state,
			       ev->why);
		break;
	}
}

void dv_rs_event(void *arg, const res_event *ev)
{
	const dv_logger *lg = arg;
	char name[1024], tb[16];
	const char *type;

	if (!ev->name || wire_name_to_str(ev->name, name, sizeof(name)) < 0)
		snprintf(name, sizeof(name), "?");
	type = ev->type ? dv_type_str(ev->type, tb, sizeof(tb)) : "*";
	switch (ev->kind) {
	case RES_EV_UNSUPPORTED:
		if (ev->alg)
			dv_log_bounded(lg, DV_LOG_WARN, "DNSSEC: %s is "
				       "insecure: unsupported DS algorithm %u "
				       "(key tag %u), not validated (RFC 4035 "
				       "5.2, RFC 8624)", name, ev->alg,
				       ev->keytag);
		else
			dv_log_bounded(lg, DV_LOG_WARN, "DNSSEC: %s is "
				       "insecure: unsupported DS digest type "
				       "%u (key tag %u), not validated (RFC "
				       "4035 5.2, RFC 8624)", name,
				       ev->digest, ev->keytag);
		break;
	case RES_EV_ANCHOR:
		dv_log(lg, DV_LOG_INFO, "trust anchor %s key %u: %s%s%s", name,
		       ev->keytag, ev->state, ev->why && *ev->why ? ": " : "",
		       ev->why ? ev->why : "");
		break;
	default:
		ev_trace(lg, ev, name, type);
		break;
	}
}
