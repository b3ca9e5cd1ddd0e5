/*
 * resolver/ internal (cookie.c): DNS cookies, the client side (RFC 7873,
 * with the RFC 9018 guidance).  The client cookie for a server is
 * SipHash-2-4, keyed with a secret from the shell, of the server's
 * address and port (the source address is the kernel's choice, so it is
 * not part of it); 8 bytes.  Sans-IO.
 */
#ifndef DV_RES_COOKIE_H
#define DV_RES_COOKIE_H

#include <stddef.h>
#include <stdint.h>

#include "resolver/resolver.h"

enum {
	RES_OPT_COOKIE = 10,       /* EDNS option code */
	RES_CC_LEN = 8,            /* client cookie */
	RES_SC_MIN = 8, RES_SC_MAX = 32, /* server cookie */
	RES_R_BADCOOKIE = 23,      /* extended rcode */
};

/* The client cookie for server. */
void res_cookie_client(const uint8_t secret[16], const res_addr *server,
		       uint8_t out[RES_CC_LEN]);

/* What the COOKIE option of a response says. */
typedef enum res_cookie_st {
	RES_COOKIE_NONE = 0,       /* no COOKIE option */
	RES_COOKIE_OK,             /* our client cookie (+ server cookie) */
	RES_COOKIE_BAD,            /* another client cookie, or malformed */
} res_cookie_st;

/*
 * Look at the options of an OPT record (rdata, rdlen) for COOKIE: with
 * RES_COOKIE_OK the server cookie (0 bytes if the server sent none) is
 * copied to sc (RES_SC_MAX bytes) and its length to *sclen.
 */
res_cookie_st res_cookie_check(const uint8_t *rdata, size_t rdlen,
			       const uint8_t cc[RES_CC_LEN], uint8_t *sc,
			       uint8_t *sclen);

#endif
