/*
 * zones/ — the DNS data plane of dnsvizor.
 *
 * Sans-IO: nothing in this module does socket, file, clock or random I/O.
 * The shell passes bytes in (zone file text via a read callback, query
 * packets) and gets bytes out (answers).
 *
 * Three parts:
 *   1. wire codec   (wire_*)  : bounds-checked reading and writing of DNS
 *                               messages, names with compression.
 *   2. zone store   (zone_*)  : zones compiled from zone files (parsed with
 *                               ldns) into a name table with ready wire RRsets;
 *                               local (synthesized) data in the same form.
 *   3. answering    (zone_db_answer): RFC 1034 4.3.2 / RFC 2181 / 2308 /
 *                               4592 / 6891 / 8482 authoritative answers.
 *
 * Errors: functions return an explicit status (0 = ok, negative = error) and
 * fill a caller-supplied error buffer where a message is useful.  Nothing in
 * here exits or prints.
 */
#ifndef DV_ZONES_H
#define DV_ZONES_H

#include <stddef.h>
#include <stdint.h>

/* ===================================================================== */
/* 1. Wire codec                                                         */
/* ===================================================================== */

enum {
	WIRE_MAXNAME = 255,      /* max uncompressed wire name length */
	WIRE_MAXLABELS = 128,
	WIRE_HDRLEN = 12,
	WIRE_MAXCOMP = 64,       /* compression targets remembered by a writer */
};

typedef enum wire_status {
	WIRE_OK = 0,
	WIRE_ESHORT = -1,   /* ran past the end of the message */
	WIRE_EBADNAME = -2, /* label > 63, name > 255, bad label type */
	WIRE_ELOOP = -3,    /* compression pointer loop / forward pointer */
	WIRE_ESPACE = -4,   /* writer: does not fit in the limit */
	WIRE_EFORMAT = -5,  /* structurally invalid message */
} wire_status;

/* DNS constants used across modules */
enum {
	DNS_T_A = 1, DNS_T_NS = 2, DNS_T_CNAME = 5, DNS_T_SOA = 6,
	DNS_T_PTR = 12, DNS_T_HINFO = 13, DNS_T_MX = 15, DNS_T_TXT = 16,
	DNS_T_AAAA = 28, DNS_T_SRV = 33, DNS_T_NAPTR = 35, DNS_T_DNAME = 39,
	DNS_T_OPT = 41, DNS_T_DS = 43, DNS_T_RRSIG = 46, DNS_T_NSEC = 47,
	DNS_T_DNSKEY = 48, DNS_T_NSEC3 = 50, DNS_T_TSIG = 250,
	DNS_T_IXFR = 251, DNS_T_AXFR = 252, DNS_T_ANY = 255, DNS_T_CAA = 257,
	DNS_C_IN = 1, DNS_C_CH = 3, DNS_C_ANY = 255,
	DNS_R_NOERROR = 0, DNS_R_FORMERR = 1, DNS_R_SERVFAIL = 2,
	DNS_R_NXDOMAIN = 3, DNS_R_NOTIMP = 4, DNS_R_REFUSED = 5,
	DNS_R_BADVERS = 16, /* extended rcode, needs OPT */
	DNS_OP_QUERY = 0, DNS_OP_NOTIFY = 4, DNS_OP_UPDATE = 5,
	DNS_F_QR = 0x8000, DNS_F_AA = 0x0400, DNS_F_TC = 0x0200,
	DNS_F_RD = 0x0100, DNS_F_RA = 0x0080, DNS_F_AD = 0x0020,
	DNS_F_CD = 0x0010,
	EDNS_F_DO = 0x8000,
};

static inline uint16_t wire_get16(const uint8_t *p)
{ return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t wire_get32(const uint8_t *p)
{ return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	 ((uint32_t)p[2] << 8) | p[3]; }
static inline void wire_put16(uint8_t *p, uint16_t v)
{ p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void wire_put32(uint8_t *p, uint32_t v)
{ p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; }

/*
 * Read the (possibly compressed) name at msg[*pos] into out as an
 * uncompressed wire name.  *pos is advanced past the name as it appears in
 * the message (2 bytes for a pointer).  Pointers must point backwards
 * (strictly before the current label), the total decompressed length is at
 * most 255, labels at most 63.  Returns the length of out (>= 1) or a
 * negative wire_status.  out may be NULL to only validate and skip.
 */
int wire_name_read(const uint8_t *msg, size_t len, size_t *pos,
		   uint8_t out[WIRE_MAXNAME]);

/* Length of a well-formed uncompressed wire name (including the root 0). */
size_t wire_name_len(const uint8_t *name);
/* Number of labels, root not counted ("." = 0, "a.b." = 2). */
int wire_name_labels(const uint8_t *name);
/* Copy with ASCII letters lowercased; returns length. */
size_t wire_name_lower(uint8_t *dst, const uint8_t *src);
/* Case-insensitive equality of two uncompressed wire names. */
int wire_name_equal(const uint8_t *a, const uint8_t *b);
/* 1 if name is equal to or below parent (case-insensitive). */
int wire_name_is_sub(const uint8_t *name, const uint8_t *parent);
/* DNSSEC canonical order compare (RFC 4034 6.1): <0, 0, >0. */
int wire_name_cmp(const uint8_t *a, const uint8_t *b);
/*
 * Presentation <-> wire.  wire_name_from_str accepts "a.b", "a.b." and ".",
 * with \DDD and \X escapes; a relative name is made absolute (root).
 * Returns length or negative status.  wire_name_to_str writes a
 * NUL-terminated string with a trailing dot, escaping as RFC 1035 says;
 * returns the string length or WIRE_ESPACE.
 */
int wire_name_from_str(const char *s, uint8_t out[WIRE_MAXNAME]);
int wire_name_to_str(const uint8_t *name, char *out, size_t outlen);

/* A parsed query: header, the single question, and the OPT record. */
typedef struct wire_query {
	uint16_t id;
	uint16_t flags;           /* header flags word (QR, opcode, ... rcode) */
	uint16_t qdcount, ancount, nscount, arcount;
	uint8_t opcode;           /* (flags >> 11) & 0xf */
	uint8_t qname[WIRE_MAXNAME];  /* as sent, case preserved */
	uint8_t lname[WIRE_MAXNAME];  /* lowercased copy */
	uint16_t qname_len;
	uint16_t qtype, qclass;
	uint16_t question_end;    /* offset just past the question */
	/* EDNS (RFC 6891) */
	uint8_t has_edns;         /* 1 if exactly one valid OPT was seen */
	uint8_t edns_version;
	uint16_t edns_udp;        /* requester's payload size, as sent */
	uint16_t edns_flags;      /* DO bit etc. */
	uint8_t edns_ext_rcode;
} wire_query;

typedef enum wire_qresult {
	WQ_OK = 0,       /* parsed; answer it */
	WQ_DROP = 1,     /* no usable header (< 12 bytes) or QR=1: drop silently */
	WQ_FORMERR = 2,  /* header ok, rest malformed (bad question, trailing
			    junk is tolerated, 2 OPTs, OPT not at root, bad
			    RR framing): answer FORMERR echoing the header
			    (and the question if it parsed) */
	WQ_BADVERS = 3,  /* OPT version > 0: answer BADVERS with OPT */
} wire_qresult;

/*
 * Parse a query message.  Always fills as much of q as it could parse (id,
 * flags, opcode are valid whenever the result is not WQ_DROP; qname/qtype/
 * qclass/question_end are valid when qdcount == 1 and the question parsed).
 * A QUERY must have qdcount == 1 (else FORMERR).  Answer/authority records
 * are skipped (framing checked), additional records are scanned for OPT.
 */
wire_qresult wire_query_parse(const uint8_t *pkt, size_t len, wire_query *q);

/* A bounded message writer with name compression. */
typedef struct wire_writer {
	uint8_t *buf;
	size_t cap;       /* hard size of buf */
	size_t limit;     /* max message size allowed (<= cap), e.g. 512 */
	size_t len;       /* bytes written */
	uint16_t comp[WIRE_MAXCOMP]; /* offsets of names written (targets) */
	int ncomp;
} wire_writer;

void wire_writer_init(wire_writer *w, uint8_t *buf, size_t cap, size_t limit);
/* Append raw bytes / integers; WIRE_ESPACE if over limit (nothing written). */
int wire_write(wire_writer *w, const void *p, size_t n);
int wire_write16(wire_writer *w, uint16_t v);
int wire_write32(wire_writer *w, uint32_t v);
/* Append an uncompressed wire name, compressing against earlier names when
 * compress != 0 and remembering it as a compression target. */
int wire_write_name(wire_writer *w, const uint8_t *name, int compress);
/*
 * Append one RR.  rdata is the uncompressed wire rdata; names inside the
 * rdata of NS, CNAME, PTR, MX, SOA (RFC 1035 types, RFC 3597 s4) are
 * compressed, everything else is copied.  On WIRE_ESPACE the writer is
 * restored to its state before the call.  Returns 0 or negative status.
 * If ttl_off is not NULL it receives the offset of the TTL field.
 */
int wire_write_rr(wire_writer *w, const uint8_t *owner, uint16_t type,
		  uint16_t rclass, uint32_t ttl, const uint8_t *rdata,
		  uint16_t rdlen, size_t *ttl_off);
/* Append an OPT pseudo-RR (root owner, no options). */
int wire_write_opt(wire_writer *w, uint16_t udp_size, uint8_t ext_rcode,
		   uint8_t version, uint16_t flags);

/* ===================================================================== */
/* 2. Zone store                                                         */
/* ===================================================================== */

/* One RRset: all RRs of one owner/type; rdata kept as uncompressed wire. */
typedef struct zone_rrset {
	struct zone_rrset *next;  /* next RRset of the same node */
	uint16_t type;
	uint16_t count;           /* number of RRs */
	uint32_t ttl;             /* RFC 2181 5.2: one TTL per RRset (min) */
	uint32_t len;             /* bytes in data */
	uint8_t *data;            /* count x { rdlen(2, network order), rdata } */
} zone_rrset;

typedef struct zone zone;     /* one zone (or the local-data store) */
typedef struct zone_db zone_db; /* the set of zones + local data served */

/* Shell-supplied file reader (for zone files and $INCLUDE).  Returns 0 and a
 * malloc'ed buffer (caller frees) or a negative errno. */
typedef int (*zone_read_fn)(void *arg, const char *path, char **data,
			    size_t *len);

/*
 * Load a zone file.  origin is the zone apex in presentation form; path is
 * passed to rd (a relative $INCLUDE path is joined to the directory of the
 * file that includes it).  Performs
 * the load checks: exactly one SOA at the apex, NS at the apex, no data
 * outside the zone, no CNAME beside other data, (and glue below
 * delegations is kept as glue).  On error returns NULL and writes
 * "file:line: reason" into err.  The result has one reference.
 */
zone *zone_load(const char *origin, const char *path, zone_read_fn rd,
		void *rdarg, char *err, size_t errlen);
/* Same, from a text buffer already in memory (name is used in messages). */
zone *zone_load_text(const char *origin, const char *name, const char *text,
		     size_t len, zone_read_fn rd, void *rdarg, char *err,
		     size_t errlen);
void zone_ref(zone *z);
void zone_unref(zone *z);
/* Apex name (uncompressed wire) and SOA serial. */
const uint8_t *zone_origin(const zone *z);
uint32_t zone_serial(const zone *z);
size_t zone_rr_count(const zone *z);

/*
 * Local data (dnsmasq-style hosts, host-record, cname, mx-host, ...): a
 * store that answers exact names only, authoritatively, with no SOA.
 * zone_local_add_rr takes one RR in presentation format (absolute names,
 * e.g. "host.lan. 0 IN A 192.0.2.1"), parsed with ldns.  Duplicate RRs
 * are merged.  A CNAME beside other data is rejected with an error.
 */
zone *zone_local_new(void);
int zone_local_add_rr(zone *z, const char *rr_text, char *err, size_t errlen);

/* Lookup helpers (used by answering and by tests). */
const zone_rrset *zone_find_rrset(const zone *z, const uint8_t *lname,
				  uint16_t type);

/* ===================================================================== */
/* 3. The database and answering                                         */
/* ===================================================================== */

typedef struct zone_db_opts {
	uint16_t edns_max;        /* our max UDP payload (default 1232) */
	uint8_t no_ident;         /* 1: REFUSE CHAOS version.bind/id.server */
	const char *version_str;  /* CH TXT version.bind answer */
	const char *ident_str;    /* CH TXT id.server / hostname.bind answer */
} zone_db_opts;

/* Per-db counters the shell reads for logs/stats. */
typedef struct zone_stats {
	uint64_t queries, answered, dropped, formerr, refused, notimp,
		 nxdomain, nodata, truncated, badvers;
} zone_stats;

zone_db *zone_db_new(const zone_db_opts *opts);
void zone_db_free(zone_db *db);  /* drops references to its zones */
/* Add a zone (takes a new reference).  -EEXIST if the apex is served. */
int zone_db_add_zone(zone_db *db, zone *z);
/* Find the zone with this exact apex (borrowed pointer) or NULL. */
zone *zone_db_get_zone(const zone_db *db, const char *origin);
/* Set the local-data store (takes a reference). */
int zone_db_set_local(zone_db *db, zone *local);
/*
 * --address=/domain/addr: names at or below domain answer A/AAAA with addr
 * (af = 4 or 6, addr 4 or 16 bytes); other types get NODATA.  addr == NULL
 * (af = 0) means NXDOMAIN for the domain and everything below.  The
 * longest matching domain wins; domain "#" matches every name.  Repeating a
 * domain with another family adds that family.
 */
int zone_db_add_address(zone_db *db, const char *domain, int af,
			const uint8_t *addr, uint32_t ttl);

typedef enum zone_result {
	ZONE_REPLY = 0,     /* resp holds the answer; send it */
	ZONE_DROP = 1,      /* send nothing */
} zone_result;

/*
 * Answer one query.  tcp != 0 means the message came over TCP (answers up
 * to 65535 bytes, no TC).  Over UDP the limit is 512 without EDNS, else
 * min(max(requester size, 512), opts.edns_max); an answer that does not fit
 * gets TC=1 with the question (and OPT) only.  resp must have room for
 * 65535 bytes when tcp != 0, else for opts.edns_max (at least 512).
 */
zone_result zone_db_answer(const zone_db *db, const uint8_t *q, size_t qlen,
			   int tcp, uint8_t *resp, size_t resp_cap,
			   size_t *resp_len, zone_stats *st);

#endif
