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
	DNS_T_DNSKEY = 48, DNS_T_NSEC3 = 50,
	DNS_T_NSEC3PARAM = 51, DNS_T_TSIG = 250,
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
/* Equality of two rdata of one type in RFC 4034 6.2 canonical form: the
 * names in the rdata of the types listed there (NS, MX, SOA, SRV, ...,
 * not NSEC: RFC 6840 5.1) compare case-insensitively, all else exactly.
 * RRset membership uses this.  1 or 0. */
int wire_rdata_equal(uint16_t type, const uint8_t *a, size_t alen,
		     const uint8_t *b, size_t blen);
/* Lowercase, in place, the names inside rdata of those types (the
 * canonical form RRSIGs are computed over, RFC 4034 6.2). */
void wire_rdata_canon(uint16_t type, uint8_t *rd, size_t len);
/*
 * Presentation <-> wire.  wire_name_from_str accepts "a.b", "a.b." and ".",
 * with \DDD and \X escapes; a relative name is made absolute (root).
 * Returns length or negative status.  wire_name_to_str writes a
 * NUL-terminated string with a trailing dot, escaping as RFC 1035 says;
 * returns the string length or WIRE_ESPACE.
 */
int wire_name_from_str(const char *s, uint8_t out[WIRE_MAXNAME]);
int wire_name_to_str(const uint8_t *name, char *out, size_t outlen);
/* Base64 (RFC 4648 section 4; url != 0: the URL alphabet of section 5,
 * as DoH and ACME use it) into out: padding optional, blanks skipped in
 * the standard alphabet.  Returns the byte count, -1 on bad input or when
 * out is too small. */
long wire_b64_decode(const char *in, size_t len, int url, uint8_t *out,
		     size_t cap);

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
	/* TSIG (RFC 8945): offset of the TSIG RR's owner name when the last
	 * additional record is a TSIG, else 0.  A TSIG that is not the last
	 * record is WQ_FORMERR. */
	uint16_t tsig_off;
	/* RFC 7873 / RFC 5001 options of the OPT record (first of each):
	 * offset of the COOKIE option's data in the message (0: none), its
	 * length (8 or 16..40; other lengths are WQ_FORMERR), and 1 when an
	 * NSID option asks for our server identifier. */
	uint16_t cookie_off;
	uint8_t cookie_len;
	uint8_t nsid;
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
/* The same with EDNS options: opts holds optlen bytes of ready options
 * (code, length, data each). */
int wire_write_opt_opts(wire_writer *w, uint16_t udp_size,
			uint8_t ext_rcode, uint8_t version, uint16_t flags,
			const uint8_t *opts, size_t optlen);

/* The records of a message, one by one (answer, authority, additional;
 * the question section is skipped whatever its count).  The one record
 * walker for code that reads responses (zones/updclient.c,
 * zones/serialwait.c). */
typedef struct wire_rr {
	uint8_t owner[WIRE_MAXNAME];  /* uncompressed, case as sent */
	uint16_t type, rclass;
	uint32_t ttl;
	size_t rdata;                 /* offset of the rdata in the message */
	uint16_t rdlen;
	uint8_t section;              /* 1 answer, 2 authority, 3 additional */
} wire_rr;
typedef struct wire_rr_iter {
	const uint8_t *msg;
	size_t len, pos;
	unsigned left[3];             /* records still to read per section */
} wire_rr_iter;
/* Start: the header is read and the question section skipped.  0 or a
 * negative wire_status (the walk then yields nothing). */
int wire_rr_start(wire_rr_iter *it, const uint8_t *msg, size_t len);
/* The next record into rr: 1, 0 at the end, or a negative wire_status
 * when the message is malformed (the walk stops). */
int wire_rr_next(wire_rr_iter *it, wire_rr *rr);

/* ===================================================================== */
/* 2. Zone store                                                         */
/* ===================================================================== */

/* One RRset: all RRs of one owner/type; rdata kept as uncompressed wire.
 * RRSIGs are kept as one RRset per covered type (RFC 4034 3: an RRSIG
 * has its covered RRset's TTL, so the RRSIGs of one owner may have
 * several): type is DNS_T_RRSIG, covered the type they cover, and a
 * node may hold several RRSIG RRsets.  covered is 0 for other types. */
typedef struct zone_rrset {
	struct zone_rrset *next;  /* next RRset of the same node */
	uint16_t type;
	uint16_t count;           /* number of RRs */
	uint32_t ttl;             /* RFC 2181 5.2: one TTL per RRset (min) */
	uint32_t len;             /* bytes in data */
	uint16_t covered;         /* RRSIG: type covered (fills padding) */
	uint8_t *data;            /* count x { rdlen(2, network order), rdata } */
} zone_rrset;

typedef struct zone zone;     /* one zone (or the local-data store) */
typedef struct zone_db zone_db; /* the set of zones + local data served */

/* Shell-supplied file reader (for zone files and $INCLUDE).  Returns 0 and a
 * malloc'ed buffer (caller frees) or a negative errno. */
typedef int (*zone_read_fn)(void *arg, const char *path, char **data,
			    size_t *len);

/* Shell-supplied sink for load warnings ("file:line: text"). */
typedef void (*zone_warn_fn)(void *arg, const char *msg);

/*
 * Load a zone file.  origin is the zone apex in presentation form; path is
 * passed to rd (a relative $INCLUDE path is joined to the directory of the
 * file that includes it).  Performs
 * the load checks: exactly one SOA at the apex, NS at the apex, no CNAME
 * beside other data, (and glue below delegations is kept as glue).  Data
 * outside the zone is ignored (like BIND and Knot) with a warning.  On
 * error returns NULL and writes "file:line: reason" into err.  The result
 * has one reference.
 */
zone *zone_load(const char *origin, const char *path, zone_read_fn rd,
		void *rdarg, char *err, size_t errlen);
/* Same, with warnings (at most ZONE_LOAD_MAXWARN lines, then a count)
 * passed to warn (NULL: none). */
enum { ZONE_LOAD_MAXWARN = 10 };
zone *zone_load_warn(const char *origin, const char *path, zone_read_fn rd,
		     void *rdarg, zone_warn_fn warn, void *warnarg, char *err,
		     size_t errlen);
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
/* The types of the RRsets lname (lowercased wire) owns in z (z may be
 * NULL): up to max of them are written to types; returns how many there
 * are (0: the name holds no data). */
int zone_name_types(const zone *z, const uint8_t *lname, uint16_t *types,
		    int max);
/* Call fn for every name in z that holds data (lowercased wire, any
 * order) until it returns non-zero (which is returned).  z must not
 * change meanwhile: collect, then change. */
int zone_foreach_name(const zone *z,
		      int (*fn)(void *arg, const uint8_t *lname), void *arg);

/* ===================================================================== */
/* 3. The database and answering                                         */
/* ===================================================================== */

typedef struct zone_db_opts {
	uint16_t edns_max;        /* our max UDP payload (default 1232) */
	uint8_t no_ident;         /* 1: REFUSE CHAOS version.bind/id.server */
	uint8_t ident_all;        /* 1: answer them to every client; 0: only
				     to queries sent to a loopback address
				     (ZONE_Q_LOOPBACK), others REFUSED */
	const char *version_str;  /* CH TXT version.bind answer */
	const char *ident_str;    /* CH TXT id.server / hostname.bind answer */
	uint8_t serial_policy;    /* ZONE_SERIAL_*: serial bump on UPDATE */
	uint8_t recursion;        /* 1: a QUERY for a name none of our data
				     covers is ZONE_PASS (for the resolver)
				     instead of REFUSED */
} zone_db_opts;

enum { ZONE_SERIAL_INCREMENT = 0, ZONE_SERIAL_UNIXTIME = 1 };

/* Per-db counters the shell reads for logs/stats. */
typedef struct zone_stats {
	uint64_t queries, answered, dropped, formerr, refused, notimp,
		 nxdomain, nodata, truncated, badvers;
	uint64_t badtsig;   /* TSIG failures answered NOTAUTH (handle.c) */
	/* DNS cookies seen (handle.c): with a valid server cookie, with a
	 * bad or expired one (answered with a fresh one), client only */
	uint64_t cookie_valid, cookie_bad, cookie_client;
	/* response rate limiting (counted by the shell, zones.h 5.):
	 * responses over the rate, of those sent truncated (slip), sent
	 * as BADCOOKIE, and dropped */
	uint64_t rrl_limited, rrl_slipped, rrl_badcookie, rrl_dropped;
} zone_stats;

zone_db *zone_db_new(const zone_db_opts *opts);
void zone_db_free(zone_db *db);  /* drops references to its zones */
/* Add a zone (takes a new reference).  -EEXIST if the apex is served. */
int zone_db_add_zone(zone_db *db, zone *z);
/* Replace the served zone with z's apex by z (takes a new reference,
 * drops the old one); -ENOENT if no zone with that apex is served. */
int zone_db_replace_zone(zone_db *db, zone *z);
/* Find the zone with this exact apex (borrowed pointer) or NULL. */
zone *zone_db_get_zone(const zone_db *db, const char *origin);
/* Set the local-data store (takes a reference). */
int zone_db_set_local(zone_db *db, zone *local);
/*
 * The DHCP domain (NULL or "": none).  As dnsmasq answers a DHCP client
 * by its plain host name as well as NAME.DOMAIN, a query for a
 * single-label name NAME. that no local data holds is answered from the
 * A/AAAA RRsets of NAME.DOMAIN in the served zone of DOMAIN, with NAME.
 * as owner, unsigned (the zone's RRSIGs are over the other owner); other
 * types and a NAME.DOMAIN without addresses fall through as before.
 * 0 or -EINVAL.
 */
int zone_db_set_plain_domain(zone_db *db, const char *domain);
/* The local-data store (borrowed) or NULL. */
const zone *zone_db_local(const zone_db *db);
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
	ZONE_PASS = 2,      /* not ours: hand the query to the resolver
			       (only with opts.recursion; resp unused) */
} zone_result;

/* How a query arrived: the how argument of zone_db_answer (bits). */
enum {
	ZONE_Q_TCP = 1,           /* over a stream (TCP, DoT, DoH) */
	ZONE_Q_LOOPBACK = 2,      /* sent to a loopback address (127/8, ::1):
				     CHAOS identity queries are answered */
};

/*
 * Answer one query.  how & ZONE_Q_TCP means the message came over TCP
 * (answers up to 65535 bytes, no TC).  Over UDP the limit is 512 without
 * EDNS, else min(max(requester size, 512), opts.edns_max); an answer that
 * does not fit gets TC=1 with the question (and OPT) only.  resp must have
 * room for 65535 bytes over TCP, else for opts.edns_max (at least 512).
 * how & ZONE_Q_LOOPBACK: see zone_db_opts.ident_all.
 */
zone_result zone_db_answer(const zone_db *db, const uint8_t *q, size_t qlen,
			   int how, uint8_t *resp, size_t resp_cap,
			   size_t *resp_len, zone_stats *st);

/* ---- Stream connection limits (connlim.c) ----
 *
 * Which TCP/DoT/DoH connection to close when a new one arrives, so that
 * connection churn from one client cannot push out the others (RFC 7766
 * 6.2.3 leaves the choice to the server).  The shell embeds a
 * zone_cl_link in each connection; the table counts connections per
 * client address (IPv4 or IPv6, the whole address) and keeps each
 * address's connections least recently active first.  No I/O, no clock:
 * "recently" is the order of zone_cl_touch calls.
 */
typedef struct zone_cl_link {
	struct zone_cl_link *prev, *next;   /* same address, LRU order */
	struct zone_cl_addr *owner;         /* NULL: not in the table */
} zone_cl_link;

typedef struct zone_cl zone_cl;

/* An empty table; seed keys its hash (from the shell's random source).
 * NULL when out of memory. */
zone_cl *zone_cl_new(uint64_t seed);
/* Free the table; links still in it are left dangling (owner stays). */
void zone_cl_free(zone_cl *t);

enum { ZONE_CL_ROOM = 0, ZONE_CL_PER_ADDR = 1, ZONE_CL_FULL = 2 };

/*
 * A connection from (af 4 or 6, addr) is about to be added.  Returns the
 * connection to close first, or NULL when there is room; *why is
 * ZONE_CL_ROOM, ZONE_CL_PER_ADDR (that address holds max_per_addr: its
 * own least recently active one) or ZONE_CL_FULL (max_total in use: the
 * least recently active one of the address holding the most, the new
 * client's own on a tie; that address is never under its fair share
 * max_total / addresses).  Call again after closing it: limits lowered
 * by a reload may need several.
 */
zone_cl_link *zone_cl_victim(const zone_cl *t, int af, const uint8_t *addr,
			     int max_total, int max_per_addr, int *why);
/* The least recently active connection of the address holding the most
 * (to free a descriptor), or NULL when the table is empty. */
zone_cl_link *zone_cl_busiest(const zone_cl *t);
/* Count l as a connection from (af, addr), most recently active.
 * 0, or -1 when out of memory (l is not counted). */
int zone_cl_add(zone_cl *t, zone_cl_link *l, int af, const uint8_t *addr);
/* l was active: it becomes its address's most recently active. */
void zone_cl_touch(zone_cl_link *l);
/* l closes (nothing if it was not added). */
void zone_cl_remove(zone_cl *t, zone_cl_link *l);
/* Connections counted for (af, addr)'s key, and in all. */
int zone_cl_count(const zone_cl *t, int af, const uint8_t *addr);
int zone_cl_total(const zone_cl *t);

/* ===================================================================== */
/* 4. Zone maintenance (issue 3): TSIG, UPDATE, journal, transfers,      */
/*    NOTIFY, secondary zones.                                           */
/* ===================================================================== */

enum {
	DNS_R_YXDOMAIN = 6, DNS_R_YXRRSET = 7, DNS_R_NXRRSET = 8,
	DNS_R_NOTAUTH = 9, DNS_R_NOTZONE = 10,
	TSIG_E_BADSIG = 16, TSIG_E_BADKEY = 17, TSIG_E_BADTIME = 18,
	TSIG_E_BADTRUNC = 22,
	DNS_C_NONE = 254,
};

/* ---- NSEC3 hashing (zones/nsec3.c, RFC 5155 5; SHA-1 by OpenSSL) ----
 * zone_nsec3_hash: IH(salt, name, iter) with SHA-1 over the lowercased
 * wire name, ZONE_N3_HASHLEN bytes into out.  zone_nsec3_b32hex: an
 * NSEC3 owner label (32 base32hex characters, RFC 4648 7, either case)
 * to its hash; 0, or -1 when it is not one. */
enum { ZONE_N3_HASHLEN = 20 };
void zone_nsec3_hash(const uint8_t *salt, uint8_t saltlen, uint16_t iter,
		     const uint8_t *name, uint8_t out[ZONE_N3_HASHLEN]);
int zone_nsec3_b32hex(const uint8_t *lab, size_t len,
		      uint8_t out[ZONE_N3_HASHLEN]);

/* ---- TSIG keys and signing (zones/tsig.c; HMACs by OpenSSL) ---- */

enum { TSIG_MAXSECRET = 128, TSIG_MAXMAC = 64 };
typedef enum zone_tsig_alg {
	TSIG_HMAC_MD5 = 1, TSIG_HMAC_SHA1, TSIG_HMAC_SHA224,
	TSIG_HMAC_SHA256, TSIG_HMAC_SHA384, TSIG_HMAC_SHA512,
} zone_tsig_alg;

typedef struct zone_tsig_key {
	uint8_t name[WIRE_MAXNAME];   /* lowercased wire name */
	zone_tsig_alg alg;
	uint8_t secret[TSIG_MAXSECRET];
	size_t secret_len;
} zone_tsig_key;

/* Parse "NAME:ALG:BASE64" (ALG: MD5 SHA1 SHA224 SHA256 SHA384 SHA512 or
 * hmac-sha256 etc., any case).  0 or -1 with a reason in err. */
int zone_tsig_key_parse(const char *spec, zone_tsig_key *k, char *err,
			size_t errlen);

/*
 * The state of one TSIG conversation: a request and its response, or a
 * multi-message transfer (RFC 8945 5.3.1: each later message's MAC covers
 * the previous MAC, the message and the timers).
 */
typedef struct zone_tsig_ctx {
	const zone_tsig_key *key;     /* NULL: unsigned */
	uint16_t error;               /* 0 or TSIG_E_* to put in the reply */
	uint16_t orig_id;
	uint16_t fudge;
	uint64_t time_signed;         /* of the request */
	uint8_t mac[TSIG_MAXMAC];     /* last MAC (request or previous msg) */
	size_t mac_len;
	int nmsg;                     /* messages signed/verified so far */
	uint8_t keyname[WIRE_MAXNAME];/* name from the request (for BADKEY) */
	uint8_t algname[WIRE_MAXNAME];
} zone_tsig_ctx;

typedef struct zone_keyring zone_keyring;
zone_keyring *zone_keyring_new(void);
void zone_keyring_free(zone_keyring *kr);
int zone_keyring_add(zone_keyring *kr, const zone_tsig_key *k); /* -EEXIST */
const zone_tsig_key *zone_keyring_find(const zone_keyring *kr,
				       const uint8_t *lname);

/*
 * Server side.  zone_tsig_verify_request checks the TSIG at q->tsig_off:
 * returns 0 if the message is unsigned (ctx->key NULL), 1 if valid (ctx
 * filled for signing the reply), or -1 with ctx->error set (BADKEY,
 * BADSIG, BADTIME; or FORMERR rcode returned as -2 for a malformed TSIG).
 * zone_tsig_sign appends a TSIG RR to the message in buf (ARCOUNT+1) and
 * chains ctx for the next message; with ctx->error set it writes the
 * unsigned error TSIG RFC 8945 5.3.2 describes (BADTIME: signed, with
 * other data = server time).  Returns 0 or WIRE_ESPACE.
 */
int zone_tsig_verify_request(const zone_keyring *kr, const uint8_t *msg,
			     size_t len, const wire_query *q, uint64_t now,
			     zone_tsig_ctx *ctx);
int zone_tsig_sign(zone_tsig_ctx *ctx, uint8_t *buf, size_t *len,
		   size_t cap, uint64_t now);
/* Bytes the TSIG RR that zone_tsig_sign appends for ctx will take,
 * exactly: reserve it before building a message that must fit. */
size_t zone_tsig_size(const zone_tsig_ctx *ctx);
/* Client side: sign a request we send (NOTIFY, SOA/AXFR/IXFR queries) and
 * verify each response message (multi-message aware).  0 ok, -1 bad. */
int zone_tsig_sign_request(zone_tsig_ctx *ctx, const zone_tsig_key *key,
			   uint8_t *buf, size_t *len, size_t cap,
			   uint64_t now);
int zone_tsig_verify_response(zone_tsig_ctx *ctx, const uint8_t *msg,
			      size_t len, uint64_t now);

/* ---- The request handler: the one entry point for every message ---- */

enum {
	EDNS_O_NSID = 3, EDNS_O_COOKIE = 10,
	DNS_R_BADCOOKIE = 23,         /* extended rcode (RFC 7873 8) */
	ZONE_COOKIE_SECRET = 16,      /* SipHash-2-4 key */
	ZONE_NSID_MAX = 64,
	ZONE_EOPT_MAX = 4 + 40 + 4 + ZONE_NSID_MAX,
};

typedef struct zone_edns_srv zone_edns_srv;  /* cookies + NSID, zones.h 5. */

typedef struct zone_req {
	const uint8_t *q;
	size_t qlen;
	int tcp;
	int af;                       /* 4 or 6 (0: unknown) */
	uint8_t addr[16];             /* client address */
	uint64_t now;                 /* unix time, seconds */
	int loopback;                 /* sent to a loopback address (CHAOS
					 identity answers, ZONE_Q_LOOPBACK) */
	const zone_edns_srv *srv;     /* server cookies / NSID, or NULL */
	uint8_t classify;             /* 1: fill eff->rclass/rhash (RRL) */
	/* Not NULL: zone_db_handle parses the message into *wq (its only
	 * parse) and leaves it there for the caller: on ZONE_PASS it is a
	 * QUERY that wire_query_parse accepted (WQ_OK), to hand to the
	 * resolver (res_query_parsed); after any result, with qlen >= 12,
	 * qname_len 0 means no question could be read (the query log). */
	wire_query *wq;
} zone_req;

typedef struct zone_xfr zone_xfr; /* an outgoing AXFR/IXFR stream */

/* What a request did besides producing the reply. */
typedef struct zone_effects {
	/* UPDATE changed a zone (or several UPDATEs in one call chain): the
	 * shell must append journal[0..journal_len) to the zone's journal
	 * and make it durable BEFORE sending resp.  The bytes live in a db
	 * scratch buffer valid until the next zone_db_handle call. */
	zone *changed;
	const uint8_t *journal;
	size_t journal_len;
	/* A NOTIFY for a secondary zone arrived (already answered in resp). */
	zone *notified;
	/* An accepted AXFR/IXFR over TCP: resp is empty, stream messages
	 * with zone_xfr_next until it returns 0, then zone_xfr_free. */
	zone_xfr *xfr;
	/* With rq->classify, for a plain QUERY answered from our data: the
	 * response class (ZONE_RC_*) and the hash of the name rate limiting
	 * keys it on (zones.h 5.). */
	uint8_t rclass;
	uint32_t rhash;
	/* The query had a usable OPT; its COOKIE verdict (ZONE_COOKIE_*);
	 * the EDNS options (COOKIE, NSID) its reply carries, already in
	 * resp; the shell adds them to a resolver answer (zone_edns_append)
	 * or a rate-limited reply (zone_reply_short). */
	uint8_t edns;
	uint8_t cookie;
	uint16_t udp_lim;             /* the largest UDP reply it may get */
	uint16_t opt_len;
	uint8_t opt[ZONE_EOPT_MAX];   /* last member: not zeroed */
} zone_effects;

/*
 * Handle one message: QUERY (fast path: exactly zone_db_answer), signed
 * queries (TSIG verified, reply signed), UPDATE (RFC 2136/3007),
 * NOTIFY (RFC 1996), AXFR/IXFR (RFC 5936/1995).  eff is zeroed first.
 * With opts.recursion an unsigned QUERY for a name outside our data is
 * ZONE_PASS; a TSIG-signed one is REFUSED (the resolver's reply could
 * not be signed).
 */
zone_result zone_db_handle(zone_db *db, const zone_req *rq, uint8_t *resp,
			   size_t resp_cap, size_t *resp_len,
			   zone_effects *eff, zone_stats *st);

/*
 * Apply an UPDATE message the shell built itself (e.g. DHCP lease names)
 * exactly as a received one: zone section, prerequisites, prescan,
 * application with undo, serial bump (opts.serial_policy), journal
 * record and IXFR history; only the --allow-update check is skipped (the
 * caller is trusted).  eff is zeroed first; eff->changed and the journal
 * are set as for zone_db_handle when the zone changed, and the shell
 * persists and notifies the same way.  Returns the RCODE (DNS_R_*).
 */
int zone_db_update_local(zone_db *db, const uint8_t *msg, size_t len,
			 uint64_t now, zone_effects *eff);

/*
 * Durability hook.  When set, every change an UPDATE (from the network or
 * zone_db_update_local) makes is handed to fn, with its framed journal
 * record, after it is applied and before the reply is built.  fn returns
 * 0 once the record is written (the shell makes it durable before the
 * reply goes out), or -1: then the change is undone (the zone, its serial
 * and its IXFR history are as before) and the UPDATE is answered
 * SERVFAIL with eff->changed NULL.  Without a hook the shell journals
 * eff->journal itself.
 */
typedef int (*zone_journal_fn)(void *arg, zone *z, const uint8_t *rec,
			       size_t len);
void zone_db_set_journal(zone_db *db, zone_journal_fn fn, void *arg);

/* Keys and policy attached to the db (built from config by the shell). */
int zone_db_set_keyring(zone_db *db, zone_keyring *kr); /* takes ownership */
/* The db's keyring (borrowed; NULL when no keys are configured). */
const zone_keyring *zone_db_keyring(const zone_db *db);
/* --allow-update=ZONE,KEYNAME[,TYPE...] (key != NULL) or
 * --allow-update=ZONE,ADDR[/PREFIX] (key == NULL, af/addr/prefix). */
int zone_db_allow_update(zone_db *db, const char *zone_origin,
			 const char *keyname, int af, const uint8_t *addr,
			 int prefix, const uint16_t *types, size_t ntypes);
/* --allow-transfer=ZONE,KEYNAME or ZONE,ADDR[/PREFIX]. */
int zone_db_allow_transfer(zone_db *db, const char *zone_origin,
			   const char *keyname, int af, const uint8_t *addr,
			   int prefix);

/* ---- Zone changes, diffs, journal records (zones/journal.c) ---- */

/*
 * A diff is an IXFR difference sequence (RFC 1995): old SOA, deleted RRs,
 * new SOA, added RRs.  A journal record frames one diff on disk:
 *   magic "DVJ1" (4) | payload length (4) | CRC-32C of payload (4) | payload
 * payload = origin name (wire) | serial_from (4) | serial_to (4) |
 *           ndel (4) | nadd (4) | RRs (owner wire, type, class, ttl,
 *           rdlen, rdata; uncompressed), old SOA first in the deleted
 *           part and new SOA first in the added part.
 * A record whose length or CRC does not check marks a torn tail: it and
 * everything after it is ignored (zone_journal_scan reports where the good
 * part ends so the shell can truncate).
 */
typedef struct zone_journal_rec {
	const uint8_t *payload;
	size_t payload_len;
	uint32_t serial_from, serial_to;
} zone_journal_rec;

/* CRC-32C (Castagnoli) of p[0..n): the checksum of journal records and
 * of other framed state files (the resolver's cache file). */
uint32_t zone_crc32c(const uint8_t *p, size_t n);
/* Scan buf for records: calls fn for each good one, stops at the first
 * bad one (or when fn returns non-zero); returns the number of good
 * bytes before that point. */
size_t zone_journal_scan(const uint8_t *buf, size_t len,
			 int (*fn)(void *arg, const zone_journal_rec *r),
			 void *arg);
/* Offset of the first whole, well-formed record at or after from, or len
 * when there is none.  After a bad record at offset b, next_valid(b + 1)
 * < len means the damage is not a torn tail: valid records follow it. */
size_t zone_journal_next_valid(const uint8_t *buf, size_t len, size_t from);
/* Apply a record's diff to z (serial must match serial_from).  Keeps the
 * diff in z's IXFR history.  0, or -ESTALE (serial mismatch), -EINVAL. */
int zone_journal_apply(zone *z, const zone_journal_rec *r);
/* Undo a record's diff that was the last change applied to z (serial
 * must be serial_to): used when its journal write or sync failed.  Drops
 * it from the IXFR history.  0, -ESTALE, -EINVAL. */
int zone_journal_revert(zone *z, const zone_journal_rec *r);
/* Set z's SOA serial (the operator's recovery of a damaged journal);
 * the IXFR history is forgotten.  0 or -EINVAL. */
int zone_force_serial(zone *z, uint32_t serial);
/* Whole-zone snapshot as zone-file text (ldns presentation), for
 * compaction: malloc'ed buffer in *out. */
int zone_to_text(const zone *z, char **out, size_t *len);

/* ---- IXFR from zone-file edits (zones/zfdiff.c) ---- */

/* What zone_file_diff_record found. */
typedef struct zone_fdiff_stats {
	uint32_t file_del, file_add;  /* RRs the edit deleted / added (SOA
					 aside) */
	uint32_t del, add;            /* of those, what the record changes in
					 the running zone */
	uint32_t del_absent;          /* deletions of RRs the running zone no
					 longer holds: dropped */
	uint32_t add_present;         /* additions of RRs it already holds:
					 dropped */
	uint32_t add_conflict;        /* additions that would put a CNAME
					 beside run-time data: dropped */
	uint8_t soa_changed;          /* SOA fields other than the serial (or
					 its TTL) changed */
	uint8_t file_changed;         /* the files differ at all */
	uint8_t serial_undefined;     /* the file's serial is exactly 2^31
					 from the running one (RFC 1982:
					 undefined): no record, the running
					 zone stays */
	uint32_t serial_from, serial_to;
} zone_fdiff_stats;

/*
 * A primary zone's file was edited: oldf is the zone loaded from the last
 * loaded version of the file, newf from the file now, z the running zone
 * (it may hold changes made at run time since).  The difference between
 * the files (as RR sets) becomes one journal record against z: z's SOA
 * with serial max(z's serial + 1, newf's serial) (RFC 1982; newf's
 * serial is not used when it is exactly 2^31 from z's; the SOA's other
 * fields from newf when the edit changed them).  Like Knot, a
 * deletion of an RR z no longer holds and an addition of one it already
 * holds are left out (counted in st), and so is an addition that would
 * put a CNAME beside data added at run time (RFC 2136 3.4.2.2 leaves out
 * such an UPDATE addition); run-time changes stay.  Nothing is
 * changed here: the shell writes the record, applies it with
 * zone_journal_apply (one IXFR step) and makes it durable before serving
 * it.  Returns 1 and a malloc'ed framed record in *rec; 0 when z would
 * not change (the files hold the same data, or every difference is in z
 * already and the file's serial is not newer); or -EINVAL / -ENOMEM.
 */
int zone_file_diff_record(const zone *z, const zone *oldf, const zone *newf,
			  uint8_t **rec, size_t *rec_len,
			  zone_fdiff_stats *st);
/*
 * zone_file_diff_record for z in db: when db signs z (zone_db_signer),
 * the record also holds what the signer changes for the edit at now (the
 * RRSIGs of the changed RRsets and of the new SOA, the NSEC/NSEC3 chain),
 * as an UPDATE's does: one record, one IXFR step, with no unsigned
 * version in between.  z is changed to compute it and left as it was.
 * Returns as zone_file_diff_record.
 */
int zone_db_file_diff_record(zone_db *db, zone *z, const zone *oldf,
			     const zone *newf, uint64_t now, uint8_t **rec,
			     size_t *rec_len, zone_fdiff_stats *st);

/* ---- Outgoing transfers (zones/xfr.c) ---- */

/* Next message of the stream into buf (TSIG-signed when the request
 * was).  Returns the message length, 0 when the stream is done, or a
 * negative status. */
int zone_xfr_next(zone_xfr *x, uint8_t *buf, size_t cap, uint64_t now);
void zone_xfr_free(zone_xfr *x);

/* ---- NOTIFY out (zones/xfr.c): build a NOTIFY for z's SOA ---- */
int zone_notify_build(const zone *z, uint16_t id, const zone_tsig_key *key,
		      zone_tsig_ctx *ctx, uint64_t now, uint8_t *buf,
		      size_t cap, size_t *len);

/* ---- Secondary zones (zones/xfrin.c) ---- */

/* An empty placeholder for a secondary zone not loaded yet: served as
 * SERVFAIL (expired) until the first transfer.  One reference. */
zone *zone_secondary_new(const char *origin);
/* An empty placeholder for a primary zone whose file did not load:
 * served as SERVFAIL (updates and transfers refused); it has no SOA
 * (zone_soa_timers fails).  One reference. */
zone *zone_unloaded_new(const char *origin);
/* Mark a secondary zone expired (SERVFAIL) or fresh again. */
void zone_secondary_set_expired(zone *z, int expired);
/* Serve z as SERVFAIL (and refuse updates and transfers) or normally
 * again, without making it a secondary: a primary whose stored state is
 * damaged. */
void zone_set_unservable(zone *z, int on);
int zone_is_expired(const zone *z);
/* SOA serial, refresh, retry, expire, minimum of z's apex SOA. 0 / -errno */
int zone_soa_timers(const zone *z, uint32_t t[5]);
/* RFC 1982: 1 if serial a is newer than b. */
int zone_serial_newer(uint32_t a, uint32_t b);
/* RFC 1982 3.2: 1 if a and b are exactly 2^31 apart (neither is newer;
 * the comparison is undefined). */
int zone_serial_undefined(uint32_t a, uint32_t b);
/* Accept NOTIFY for the secondary zone origin from this address
 * (af 4 or 6); without a match only TSIG-signed NOTIFYs are accepted.
 * NOTIFY for a zone we are not a secondary of: NOTAUTH (like NSD/Knot);
 * from someone else: REFUSED. */
int zone_db_allow_notify(zone_db *db, const char *origin, int af,
			 const uint8_t *addr);
/*
 * The incoming-transfer engine.  qtype: DNS_T_SOA (a serial check),
 * DNS_T_AXFR, or DNS_T_IXFR (needs cur; without a usable cur it becomes
 * AXFR).  cur is borrowed and must outlive the transfer.  key: TSIG key to
 * sign the query and verify every response message with, or NULL.
 * zone_xfrin_query writes the query; feed every response message (over
 * TCP without the length prefix) to zone_xfrin_feed:
 *   ZXI_NEED_MORE: wait for the next message;
 *   ZXI_DONE: complete (SOA: zone_xfrin_serial; AXFR/IXFR:
 *             zone_xfrin_result);
 *   ZXI_UPTODATE: IXFR answered with our serial (nothing to do);
 *   ZXI_ERROR: zone_xfrin_error says why; nothing was changed.
 * zone_xfrin_result hands out the new zone (one reference; secondary=1,
 * expired=0).  For an IXFR *jnl receives the malloc'ed journal records
 * (zones.h 4. format) of the applied differences, else NULL.
 */
typedef struct zone_xfrin zone_xfrin;
enum { ZXI_ERROR = -1, ZXI_NEED_MORE = 0, ZXI_DONE = 1, ZXI_UPTODATE = 2 };
zone_xfrin *zone_xfrin_start(const uint8_t *origin, uint16_t qtype,
			     const zone *cur, const zone_tsig_key *key,
			     uint16_t id);
int zone_xfrin_query(zone_xfrin *x, uint8_t *buf, size_t cap, size_t *len,
		     uint64_t now);
int zone_xfrin_feed(zone_xfrin *x, const uint8_t *msg, size_t len,
		    uint64_t now);
zone *zone_xfrin_result(zone_xfrin *x, uint8_t **jnl, size_t *jnl_len);
uint16_t zone_xfrin_qtype(const zone_xfrin *x);
uint32_t zone_xfrin_serial(const zone_xfrin *x);
const char *zone_xfrin_error(const zone_xfrin *x);
void zone_xfrin_free(zone_xfrin *x);

/* ===================================================================== */
/* 5. Abuse resistance (issue 10): DNS cookies (RFC 7873, RFC 9018), NSID */
/*    (RFC 5001), response rate limiting (NSD/Knot RRL)                  */
/* ===================================================================== */

/* SipHash-2-4 of m[0..n) with a 128-bit key (zones/siphash.c). */
uint64_t zone_siphash24(const uint8_t key[16], const uint8_t *m, size_t n);

/* A COOKIE option's data: client cookie and the server cookie (slen 0
 * or 8..32). */
typedef struct zone_cookie {
	uint8_t client[8];
	uint8_t server[32];
	uint8_t slen;
} zone_cookie;
/* Split COOKIE option data; 0, or -1 when its length is malformed
 * (< 8, 9..15, > 40: FORMERR, RFC 7873 5.2.2). */
int zone_cookie_parse(const uint8_t *p, size_t len, zone_cookie *c);

/* What the server side needs: the cookie secrets (the shell makes them
 * from getrandom and rotates them; the previous one still validates) and
 * the NSID payload.  Owned by the shell; zone_req.srv points to it. */
struct zone_edns_srv {
	uint8_t cookies;              /* 1: answer COOKIE options */
	uint8_t has_prev;
	uint8_t secret[ZONE_COOKIE_SECRET], prev[ZONE_COOKIE_SECRET];
	uint8_t nsid[ZONE_NSID_MAX];
	uint16_t nsid_len;            /* 0: no NSID */
};

enum {
	ZONE_COOKIE_NONE = 0,         /* no COOKIE option */
	ZONE_COOKIE_CLIENT = 1,       /* client cookie only */
	ZONE_COOKIE_BAD = 2,          /* server cookie invalid or expired */
	ZONE_COOKIE_VALID = 3,        /* server cookie valid (RFC 9018) */
};

/*
 * The EDNS options for the reply to q (msg is the query it was parsed
 * from, af/addr the client): COOKIE with the client cookie and an RFC
 * 9018 version 1 server cookie (the one received when it is valid, made
 * with the current secret and under 30 minutes old; else a fresh one),
 * and NSID when q asked for it and one is set.  A server cookie is valid
 * when its hash matches with the current or the previous secret and its
 * timestamp is at most 1 hour old and at most 5 minutes in the future.
 * Writes to out (ZONE_EOPT_MAX bytes), returns the length; *verdict
 * gets ZONE_COOKIE_*.
 */
size_t zone_edns_opts(const zone_edns_srv *s, const uint8_t *msg,
		      const wire_query *q, int af, const uint8_t *addr,
		      uint32_t now, uint8_t *out, uint8_t *verdict);

/* Add EDNS options to the OPT record of a complete reply (a resolver
 * answer): 0, or -1 when msg has no OPT or the result would exceed
 * limit (msg unchanged). */
int zone_edns_append(uint8_t *msg, size_t *len, size_t limit,
		     const uint8_t *opts, size_t optlen);

/*
 * Rewrite a reply (header and question as zone_db_handle wrote them) into
 * the short reply rate limiting sends: no records, TC=1 (slip), or
 * RCODE BADCOOKIE (badcookie != 0, RFC 7873 5.2.3; needs edns).  With
 * edns an OPT (payload udp) carrying opts is added.  Returns the new
 * length, or 0 when the reply is unusable.
 */
size_t zone_reply_short(uint8_t *resp, size_t len, size_t cap, int badcookie,
			int edns, uint16_t udp, const uint8_t *opts,
			size_t optlen);

/* Response classes (as NSD/Knot RRL classify): the key of a bucket is the
 * class, the source prefix and a name (answer, any: the query name;
 * nodata, nxdomain: the zone apex; referral: the delegation; wildcard:
 * the wildcard; error: none). */
enum {
	ZONE_RC_NONE = 0, ZONE_RC_ANSWER, ZONE_RC_NODATA, ZONE_RC_NXDOMAIN,
	ZONE_RC_REFERRAL, ZONE_RC_WILDCARD, ZONE_RC_ERROR, ZONE_RC_ANY,
};

typedef struct zone_rrl_opts {
	uint32_t rate;        /* responses per second per bucket (> 0) */
	uint32_t slip;        /* every slip-th limited response is sent
				 short; 0: none, 1: all */
	uint8_t v4_prefix;    /* source prefix lengths (0..32, 0..128) */
	uint8_t v6_prefix;
	uint32_t size;        /* buckets (rounded up to a power of 2; 0:
				 65536) */
	uint64_t seed;        /* hash seed (the shell passes a random one) */
} zone_rrl_opts;

typedef enum zone_rrl_act {
	ZONE_RRL_SEND = 0,    /* within the rate (or exempt) */
	ZONE_RRL_DROP = 1,    /* over: send nothing */
	ZONE_RRL_SLIP = 2,    /* over: send the short reply */
} zone_rrl_act;

typedef struct zone_rrl zone_rrl;
/* The table is allocated here, once; NULL when out of memory. */
zone_rrl *zone_rrl_new(const zone_rrl_opts *o);
void zone_rrl_free(zone_rrl *r);
/* A source never limited (af 4 or 6, prefix in bits).  0 or -ENOMEM. */
int zone_rrl_exempt(zone_rrl *r, int af, const uint8_t *addr, int prefix);
/* Account one response to af/addr of class rclass keyed on rhash at
 * now_ms (any monotonic or wall clock in ms); token bucket of rate per
 * second, burst of one second.  No allocation. */
zone_rrl_act zone_rrl_check(zone_rrl *r, int af, const uint8_t *addr,
			    uint8_t rclass, uint32_t rhash, uint64_t now_ms);

/* ===================================================================== */
/* 6. Signing our own zones (issue 13): keys (zones/sigkey.c, OpenSSL)   */
/*    and online signing (zones/sign.c)                                  */
/* ===================================================================== */

enum {
	ZONE_ALG_ECDSAP256 = 13,      /* RFC 6605 */
	ZONE_ALG_ED25519 = 15,        /* RFC 8080 */
	ZONE_DNSKEY_CSK = 257,        /* flags: zone key + SEP */
	ZONE_SIGN_MAXKEYS = 8,
};

/* A private signing key, parsed from its PKCS#8 DER form (the shell
 * generates and stores keys; nothing here touches files or randomness
 * except what OpenSSL's ECDSA signing draws itself).  flags is the
 * DNSKEY flags field.  NULL with a reason in err. */
typedef struct zone_sigkey zone_sigkey;
zone_sigkey *zone_sigkey_new(const uint8_t *der, size_t len, uint16_t flags,
			     char *err, size_t errlen);
void zone_sigkey_free(zone_sigkey *k);
uint8_t zone_sigkey_alg(const zone_sigkey *k);
uint16_t zone_sigkey_tag(const zone_sigkey *k);   /* RFC 4034 B */
uint16_t zone_sigkey_flags(const zone_sigkey *k);
/* The DNSKEY rdata into out; its length, 0 when cap is too small. */
size_t zone_sigkey_dnskey(const zone_sigkey *k, uint8_t *out, size_t cap);
/* The SHA-256 DS rdata (RFC 4509) for the key at owner; length or -1. */
int zone_sigkey_ds(const zone_sigkey *k, const uint8_t *owner, uint8_t *out,
		   size_t cap);
/* Sign data (RFC 4034 3.1.8.1 input); the signature in DNSSEC form
 * (64 bytes for both algorithms) into sig; its length or -1. */
int zone_sigkey_sign(const zone_sigkey *k, const uint8_t *data, size_t len,
		     uint8_t *sig, size_t cap);

/* How a zone is signed. */
typedef struct zone_sign_opts {
	uint8_t nsec3;        /* 1: NSEC3 (RFC 9276 parameters), 0: NSEC */
	uint32_t validity;    /* signature lifetime, s (0: 14 days) */
	uint32_t refresh;     /* re-sign when less is left, s (0: 7 days) */
	uint32_t backdate;    /* inception before now, s (0: 1 hour) */
	uint32_t jitter;      /* expirations spread over this many s, by a
				 hash of owner and type (0: 1 day) */
} zone_sign_opts;

/* What a key of a signer does now (zone_key_use gives it from the
 * key's timers). */
enum {
	ZONE_KEY_PUBLISH = 1,         /* its DNSKEY is in the apex RRset */
	ZONE_KEY_SIGN_ZONE = 2,       /* signs every RRset but the next */
	ZONE_KEY_SIGN_KEYS = 4,       /* signs DNSKEY, CDS, CDNSKEY */
	ZONE_KEY_CDS = 8,             /* in CDS and CDNSKEY (RFC 7344) */
	ZONE_KEY_CSK_USE = 7,         /* published, signs everything */
};

/* The signing policy of one zone: options and keys.  The DNSKEY RRset
 * holds exactly the published keys (others go), CDS and CDNSKEY exactly
 * the ZONE_KEY_CDS keys (none: no such RRset).  The db owns it
 * (zone_db_set_signer). */
typedef struct zone_signer zone_signer;
zone_signer *zone_signer_new(const zone_sign_opts *o);
/* Takes ownership of k (also on error); a CSK (ZONE_KEY_CSK_USE) or
 * what use says.  0, -ENOSPC, -EINVAL. */
int zone_signer_add_key(zone_signer *s, zone_sigkey *k);
int zone_signer_add_key_use(zone_signer *s, zone_sigkey *k, unsigned use);
void zone_signer_free(zone_signer *s);

/* Sign the primary zone origin with s (db takes ownership of s; a second
 * call for the same zone replaces it).  From then on every change an
 * UPDATE (from the network or zone_db_update_local) makes is signed in
 * the same step: the change, the RRSIGs it invalidates and the new ones,
 * the NSEC/NSEC3 chain's changes and the new SOA's RRSIG are one diff,
 * one journal record, one IXFR step.  0, -ENOENT (not served), -ENOMEM. */
int zone_db_set_signer(zone_db *db, const char *origin, zone_signer *s);
/* The signer of zone z in db, or NULL. */
const zone_signer *zone_db_signer(const zone_db *db, const zone *z);
/*
 * Bring z (a primary zone of db with a signer) to its signed state at
 * now: the published keys of the signer in DNSKEY (and the CDS keys in
 * CDS and CDNSKEY) at the apex, NSEC3PARAM (nsec3), the NSEC/NSEC3
 * chain, a signature by every key that signs that type (DNSKEY, CDS,
 * CDNSKEY: ZONE_KEY_SIGN_KEYS, the rest ZONE_KEY_SIGN_ZONE) on every
 * authoritative RRset (not glue, not NS at a zone cut; DS and NSEC
 * there), valid signatures kept unless they expire within
 * opts.refresh, signatures no such key of ours made removed.  When
 * that changes anything the serial is bumped (opts.serial_policy) and
 * the change is journalled exactly as an UPDATE's (durability hook,
 * eff->changed / eff->journal); nothing else: eff->changed NULL.
 * *next (may be NULL) gets the unix time at which a signature next
 * needs refreshing.  0, or a negative errno (the zone is as before).
 */
int zone_db_sign(zone_db *db, zone *z, uint64_t now, zone_effects *eff,
		 uint64_t *next);

/*
 * Key lifecycle (zones/keyroll.c), as Knot's automatic key management:
 * the timers of a zone's keys (unix seconds, 0 = not set) say what each
 * key does at a time; zone_keyroll_step moves them on by the policy.
 *
 * ZSK rollover by pre-publication (RFC 6781 4.1.1.1, RFC 7583 3.2): the
 * new ZSK is published, signs from dnskey_ttl + propagation later (the
 * old one stops then: everything is re-signed), the old DNSKEY goes
 * max_ttl + propagation after that.  KSK and CSK rollover by double KSK
 * (RFC 6781 4.1.2; a CSK signs everything from its start: double
 * signatures): the new key is published and signs at once; from
 * dnskey_ttl + propagation on ("ready") it is in CDS/CDNSKEY and the
 * shell waits for the parent's DS (ds_seen, set by the shell); ds_ttl +
 * propagation (and max_ttl + propagation for a CSK) after that the old
 * key goes and CDS/CDNSKEY with it (Knot's cds-cdnskey-publish:
 * rollover).  The first key of a role needs no wait (ds_seen = its
 * creation: the operator gives its DS to the parent from the log).
 */
enum {
	ZONE_ROLE_KSK = 1,
	ZONE_ROLE_ZSK = 2,
	ZONE_ROLE_CSK = 3,
};

typedef struct zone_keytimes {
	uint8_t role;                 /* ZONE_ROLE_* */
	uint64_t created, publish, ready, active, retire, remove;
	uint64_t ds_seen;             /* KSK/CSK: the parent has its DS */
} zone_keytimes;

typedef struct zone_keypolicy {
	uint8_t split;                /* 1: KSK + ZSK, 0: one CSK */
	uint64_t zsk_life, ksk_life;  /* s; 0: never rolled by time */
	uint32_t dnskey_ttl, max_ttl, ds_ttl, propagation;
} zone_keypolicy;

/* ZONE_KEY_* of a key at now. */
unsigned zone_key_use(const zone_keytimes *k, uint64_t now);
/* 1 while k is in the zone (not removed) at now. */
int zone_key_live(const zone_keytimes *k, uint64_t now);
/*
 * Move the keys v[0..*n) on at now: a first key for each role the policy
 * wants and has none of, a rollover when a key's lifetime is over or
 * request asks (ZONE_ROLE_* bits), the old key's retire/remove once its
 * successor's timing is known.  New keys are appended (at most cap in
 * all; created = now): the caller makes their key material.  Returns the
 * number of keys changed or added; *next gets the next time something
 * is due (0: nothing).  Idempotent: a second call at now changes nothing.
 */
int zone_keyroll_step(zone_keytimes *v, size_t *n, size_t cap,
		      const zone_keypolicy *p, uint64_t now, unsigned request,
		      uint64_t *next);
/* 1 if the reply msg has owner's DS RR with rdata ds in its answer
 * (*ttl its TTL), 0 if not, -1 if msg is malformed or an error. */
int zone_keyroll_ds_served(const uint8_t *msg, size_t len,
			   const uint8_t *owner, const uint8_t *ds,
			   size_t dslen, uint32_t *ttl);
/* The TTL of z's DNSKEY RRset (the SOA's when there is none) and the
 * largest TTL in z; -EINVAL without an SOA. */
int zone_sign_ttls(const zone *z, uint32_t *dnskey_ttl, uint32_t *max_ttl);

#endif
