/*
 * dnsvizor/addr.h — socket addresses (addr.c): parse, print, classify.
 */
#ifndef DV_ADDR_H
#define DV_ADDR_H

#include <stdint.h>
#include <sys/socket.h>

#include "dnsvizor/ctx.h"

/*
 * Parse a textual IPv4/IPv6 address (optionally "fe80::1%ifname") with a
 * port into a.  Returns 0, or -1 with a reason in err.
 */
int dv_addr_parse(const char *ip, int port, dv_addr *a, char *err,
		  size_t errlen);
/* Fill a->str from a->ss ("127.0.0.1#53", "::1#53"). */
void dv_addr_format(dv_addr *a);
/* Is sa a loopback address (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104)? */
int dv_sa_loopback(const struct sockaddr *sa);
/* The client address of ss for zone_cl_*: its family (4 or 6, 0 when
 * neither) and bytes in key. */
int dv_sa_key(const struct sockaddr_storage *ss, uint8_t key[16]);
/* A socket address from a family (4, else 6), address bytes and port,
 * as the cores keep them; its length. */
socklen_t dv_sa_make(int af, const uint8_t *addr, uint16_t port,
		     struct sockaddr_storage *ss);
/* The other way: address bytes and port of sa; its family (4 or 6), or
 * 0 when it is neither. */
int dv_sa_split(const struct sockaddr *sa, uint8_t addr[16], uint16_t *port);
/* The IP of sa as text ("?" when it is neither IPv4 nor IPv6). */
void dv_sa_ntop(const struct sockaddr *sa, char *out, size_t outlen);

#endif
