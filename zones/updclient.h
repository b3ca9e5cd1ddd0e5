/*
 * zones/updclient.h — the client side of RFC 2136: build an UPDATE
 * message (prerequisites, additions, deletions; optionally TSIG-signed
 * with zones/tsig.c), judge the response to it, and read the few things
 * an UPDATE client asks a server before and after (which zone holds a
 * name, is a record served, the zone's name servers and their glue).
 *
 * Sans-IO: messages in and out as bytes; the shell sends them, picks the
 * id (random) and passes the time.  The same builder makes the UPDATEs
 * dnsvizor applies to its own zones (zone_db_update_local: DHCP lease
 * names, ACME TXT and TLSA records).
 */
#ifndef DV_UPDCLIENT_H
#define DV_UPDCLIENT_H

#include "zones/zones.h"

/* ---- Building an UPDATE ---- */

/* The message under construction in a caller's buffer.  Sections must
 * be written in order: prerequisites, then updates.  An error (no
 * room, a prerequisite after an update) sticks: zone_upd_finish fails. */
typedef struct zone_upd {
	wire_writer w;
	uint16_t npre, nupd;
	int bad;
} zone_upd;

/* RFC 2136 2.4 prerequisite kinds. */
typedef enum zone_upd_pre {
	ZONE_UPD_YXRRSET = 1,      /* RRset exists (value independent) */
	ZONE_UPD_NXRRSET,          /* RRset does not exist */
	ZONE_UPD_YXDOMAIN,         /* name is in use */
	ZONE_UPD_NXDOMAIN,         /* name is not in use */
	ZONE_UPD_VALUE,            /* this RR exists (value dependent) */
} zone_upd_pre;

/* Start an UPDATE for the zone apex (wire name) with this id in buf. */
void zone_upd_start(zone_upd *u, uint8_t *buf, size_t cap, uint16_t id,
		    const uint8_t *apex);
/* A prerequisite; type/rd only where the kind needs them. */
void zone_upd_prereq(zone_upd *u, zone_upd_pre kind, const uint8_t *owner,
		     uint16_t type, const uint8_t *rd, size_t rdlen);
/* Add an RR (class IN). */
void zone_upd_add(zone_upd *u, const uint8_t *owner, uint16_t type,
		  uint32_t ttl, const uint8_t *rd, size_t rdlen);
/* Delete one RR (class NONE), an RRset (class ANY), all of a name. */
void zone_upd_del_rr(zone_upd *u, const uint8_t *owner, uint16_t type,
		     const uint8_t *rd, size_t rdlen);
void zone_upd_del_rrset(zone_upd *u, const uint8_t *owner, uint16_t type);
void zone_upd_del_name(zone_upd *u, const uint8_t *owner);
/* Fill in the counts and, with key, sign (tc keeps the request MAC for
 * zone_updc_judge).  The message length, or -1 (too big, out of order,
 * signing failed). */
long zone_upd_finish(zone_upd *u, const zone_tsig_key *key,
		     zone_tsig_ctx *tc, uint64_t now);

/* ---- Plain queries an UPDATE client sends ---- */

/* A QUERY for qname/qtype/IN (RD clear) into buf; its length or -1. */
long zone_updc_query(uint8_t *buf, size_t cap, uint16_t id,
		     const uint8_t *qname, uint16_t qtype);
/* 1 if resp answers req: QR set, same id and opcode, the same question
 * (name case-insensitive), or no question at all with an error rcode
 * (servers answer a FORMERR that way).  0 otherwise. */
int zone_updc_matches(const uint8_t *req, size_t reqlen,
		      const uint8_t *resp, size_t len);

/* ---- Judging the response to an UPDATE ---- */

typedef enum zone_updc_verdict {
	ZONE_UPDC_OK = 0,          /* NOERROR: the change is made */
	ZONE_UPDC_IGNORE = 1,      /* not the answer to req: keep waiting */
	ZONE_UPDC_RETRY = 2,       /* SERVFAIL: send again later */
	ZONE_UPDC_FAIL = 3,        /* refused or failed: give up */
} zone_updc_verdict;

typedef struct zone_updc_result {
	zone_updc_verdict verdict;
	int rcode;                 /* of the response, -1 when ignored */
	int tsig_bad;              /* signed request, response did not
				      verify (reported, not a verdict: the
				      rcode still says what happened) */
	char why[96];              /* for a log line, "" when OK */
} zone_updc_result;

/* Judge resp to the UPDATE req; tc: the context zone_upd_finish signed
 * with (NULL or tc->key NULL: unsigned; not changed, so every answer to
 * the same request, e.g. after a resend, is verified alike). */
void zone_updc_judge(const uint8_t *req, size_t reqlen, const uint8_t *resp,
		     size_t len, zone_tsig_ctx *tc, uint64_t now,
		     zone_updc_result *r);

/* ---- Reading answers ---- */

/* The apex of the zone holding owner: the owner of a SOA record (any
 * section) at or above owner, lowercased into zone_out.  1 or 0. */
int zone_updc_zone_of(const uint8_t *resp, size_t len, const uint8_t *owner,
		      uint8_t zone_out[WIRE_MAXNAME]);
/* 1 if resp holds TXT owner with the single string txt. */
int zone_updc_has_txt(const uint8_t *resp, size_t len, const uint8_t *owner,
		      const char *txt);

enum { ZONE_UPDC_NS_MAX = 8 };
/* The name servers of a zone as an NS answer lists them, with the
 * addresses its glue gives (port left to the caller). */
typedef struct zone_updc_ns {
	uint8_t name[ZONE_UPDC_NS_MAX][WIRE_MAXNAME];
	int nname;
	struct {
		int af;            /* 4 or 6 */
		uint8_t addr[16];
	} addr[ZONE_UPDC_NS_MAX];
	int naddr;
} zone_updc_ns;
/* Fill ns from an answer to "zone NS"; returns ns->naddr. */
int zone_updc_ns_read(const uint8_t *resp, size_t len, const uint8_t *apex,
		      zone_updc_ns *ns);

#endif
