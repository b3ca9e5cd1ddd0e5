/*
 * Socket addresses: parsing "ip[%scope]" with a port into a dv_addr, its
 * printable "ip#port" form, and the small sockaddr helpers shared by the
 * listeners (net.c), outgoing queries and the configuration.  A leaf: it
 * calls no other shell file.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsvizor/addr.h"

static int dv_addr_scope(const char *s, uint32_t *scope)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s && *end == '\0') {
		*scope = (uint32_t)v;
		return 0;
	}
	*scope = if_nametoindex(s);
	return *scope ? 0 : -1;
}

static int dv_addr_parse6(const char *ip, int port, dv_addr *a)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->ss;
	char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	char *pct;

	if (strlen(ip) >= sizeof(buf))
		return -1;
	strcpy(buf, ip);
	pct = strchr(buf, '%');
	if (pct)
		*pct++ = '\0';
	if (inet_pton(AF_INET6, buf, &s6->sin6_addr) != 1)
		return -1;
	if (pct && dv_addr_scope(pct, &s6->sin6_scope_id) < 0)
		return -1;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons((uint16_t)port);
	a->len = sizeof(*s6);
	a->wildcard = IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr);
	return 0;
}

/* Is sa a loopback address (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104)? */
int dv_sa_loopback(const struct sockaddr *sa)
{
	const struct in6_addr *a6;

	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr)
			>> 24) == 127;
	if (sa->sa_family != AF_INET6)
		return 0;
	a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	return IN6_IS_ADDR_LOOPBACK(a6) ||
	       (IN6_IS_ADDR_V4MAPPED(a6) && a6->s6_addr[12] == 127);
}

/* The client address of ss for zone_cl_*: its family (4 or 6, 0 when
 * neither) and bytes in key. */
int dv_sa_key(const struct sockaddr_storage *ss, uint8_t key[16])
{
	memset(key, 0, 16);
	if (ss->ss_family == AF_INET) {
		memcpy(key, &((const struct sockaddr_in *)ss)->sin_addr, 4);
		return 4;
	}
	if (ss->ss_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
		return 6;
	}
	return 0;
}

int dv_addr_parse(const char *ip, int port, dv_addr *a, char *err,
		  size_t errlen)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&a->ss;

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		a->len = sizeof(*s4);
		a->wildcard = s4->sin_addr.s_addr == htonl(INADDR_ANY);
	} else if (dv_addr_parse6(ip, port, a) < 0) {
		snprintf(err, errlen, "listen-address: bad IP address '%s'",
			 ip);
		return -1;
	}
	dv_addr_format(a);
	return 0;
}

void dv_sa_ntop(const struct sockaddr *sa, char *out, size_t outlen)
{
	const void *p = NULL;

	if (sa->sa_family == AF_INET)
		p = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		p = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (!p || !inet_ntop(sa->sa_family, p, out, (socklen_t)outlen))
		snprintf(out, outlen, "?");
}

void dv_addr_format(dv_addr *a)
{
	char ip[INET6_ADDRSTRLEN];
	char ifn[IF_NAMESIZE] = "";
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;
	int port;

	dv_sa_ntop((const struct sockaddr *)&a->ss, ip, sizeof(ip));
	port = ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	if (a->ss.ss_family == AF_INET6 && s6->sin6_scope_id &&
	    !if_indextoname(s6->sin6_scope_id, ifn))
		snprintf(ifn, sizeof(ifn), "%u", s6->sin6_scope_id);
	snprintf(a->str, sizeof(a->str), "%s%s%s#%d", ip, ifn[0] ? "%" : "",
		 ifn, port);
}

socklen_t dv_sa_make(int af, const uint8_t *addr, uint16_t port,
		     struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (af == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, addr, 4);
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	memcpy(&s6->sin6_addr, addr, 16);
	return sizeof(*s6);
}

int dv_sa_split(const struct sockaddr *sa, uint8_t addr[16], uint16_t *port)
{
	memset(addr, 0, 16);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		memcpy(addr, &s4->sin_addr, 4);
		*port = ntohs(s4->sin_port);
		return 4;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		memcpy(addr, &s6->sin6_addr, 16);
		*port = ntohs(s6->sin6_port);
		return 6;
	}
	return 0;
}
