/*
 * Authoritative answers (RFC 1034 4.3.2, RFC 2181, RFC 2308, RFC 4592,
 * RFC 6891, RFC 8482, RFC 9471) written straight into the caller's
 * buffer: no allocation, a few hash probes per name.
 *
 * Sources are tried in this order for every name of a CNAME chain: the
 * local-data store (exact names), then the deepest of the zone apexes and
 * --address domains that is a suffix of the name.
 */
#include <stddef.h>
#include <string.h>

#include "zones/db_int.h"

enum {
	ANS_MAXCHAIN = 8,   /* CNAME links followed */
	ANS_MAXADDL = 16,   /* NS/MX/SRV targets looked up for additional */
	ANS_OPTLEN = 11,    /* an OPT RR without options */
	ANS_TCPMAX = 65535,
	ANS_UDPMIN = 512,
	DNS_T_TKEY = 249, DNS_T_MAILB = 253, DNS_T_MAILA = 254,
};

typedef enum ans_step {
	STEP_DONE,      /* answered (positive, negative or referral) */
	STEP_CNAME,     /* wrote a CNAME; continue with c->target */
	STEP_NONE,      /* the name is in none of our data */
	STEP_TRUNC,     /* answer or authority did not fit */
} ans_step;

typedef struct ans_ctx {
	const zone_db *db;
	const wire_query *q;
	zone_stats *st;
	wire_writer w;
	size_t qend;            /* writer length after the question */
	int qncomp;             /* compression targets after the question */
	size_t limit;           /* message limit including OPT */
	uint16_t an, ns, ar;
	uint16_t hflags;        /* AA / TC to set in the header */
	uint16_t rcode;         /* may be extended (BADVERS) */
	uint8_t aa_known;       /* AA decided by the first name of the chain */
	uint8_t nodata;
	uint8_t with_opt;
	uint8_t pass;           /* no data of ours covers the qname */
	uint8_t loopback;       /* sent to a loopback address */
	uint8_t dnssec;         /* DO=1: RRSIGs and proofs (RFC 4035 3.1) */
	uint8_t referral, wild; /* for the RRL response class */
	const uint8_t *kname;   /* zone apex / cut / wildcard (RRL key) */
	const uint8_t *xopt;    /* EDNS options for the OPT (cookie, NSID) */
	uint16_t xopt_len;
	const uint8_t *target;  /* CNAME target, points into zone data
				 * or into synth[] */
	int nsynth;             /* synth[] used */
	const zone_node *nsec[8]; /* NSEC/NSEC3 owners put in authority
				   * (no repeats) */
	int nnsec;
	/* names a wildcard CNAME was synthesised for: their proofs go in
	 * authority once the chain's answer section is complete */
	const zone *wpz[2];
	const zone_node *wpce[2]; /* their closest enclosers (NSEC3) */
	int nwp;                /* wpname[] used */
	uint8_t cleared;        /* ans_truncate emptied the message */
	const uint8_t *addl[ANS_MAXADDL];
	const zone *addl_z[ANS_MAXADDL]; /* zone the target is looked up in */
	int naddl;
	/* From here on not cleared per query (written before read; the
	 * counters above say how much is used): */
	/* CNAME targets synthesised from DNAMEs (RFC 6672 2.2), one per
	 * link of the chain */
	uint8_t synth[ANS_MAXCHAIN + 1][WIRE_MAXNAME];
	uint8_t wpname[2][WIRE_MAXNAME];
} ans_ctx;

/* ------------------------------------------------------------------ */
/* Writing RRsets                                                      */
/* ------------------------------------------------------------------ */

static int ans_rrset(ans_ctx *c, uint16_t *cnt, const uint8_t *owner,
		     const zone_rrset *rs, uint32_t ttl)
{
	const uint8_t *p = rs->data, *end = rs->data + rs->len;

	while (p < end) {
		uint16_t l = wire_get16(p);
		if (wire_write_rr(&c->w, owner, rs->type, DNS_C_IN, ttl,
				  p + 2, l, NULL) < 0)
			return -1;
		(*cnt)++;
		p += 2 + (size_t)l;
	}
	return 0;
}

/*
 * RFC 4035 3.1.1: the RRSIGs at node n that cover type, for DO=1 only,
 * with their own TTL (kept per covered type; RFC 4034 3 has it equal the
 * covered RRset's; NSD serves it as stored, without an Original TTL
 * cap).  cap lowers it where the covered RRset goes out with a lower TTL
 * than stored: the SOA of a negative answer (RFC 2308 3), as NSD does.
 */
static int ans_sigs(ans_ctx *c, uint16_t *cnt, const uint8_t *owner,
		    const zone_node *n, uint16_t type, uint32_t cap)
{
	const zone_rrset *rs;

	if (!c->dnssec || !n || !(rs = zone_node_rrsig(n, type)))
		return 0;
	return ans_rrset(c, cnt, owner, rs, rs->ttl < cap ? rs->ttl : cap);
}

/* An RRset of node n with this TTL and (DO=1) its RRSIGs, all of which
 * must fit. */
static int ans_signed(ans_ctx *c, uint16_t *cnt, const uint8_t *owner,
		      const zone_node *n, const zone_rrset *rs, uint32_t ttl)
{
	if (ans_rrset(c, cnt, owner, rs, ttl) < 0)
		return -1;
	return ans_sigs(c, cnt, owner, n, rs->type,
			ttl < rs->ttl ? ttl : UINT32_MAX);
}

/* A question for type RRSIG: every RRSIG RRset of n (one per covered
 * type), each with its own TTL, DO=0 too (as NSD answers); none are
 * signatures over RRSIGs. */
static int ans_all_sigs(ans_ctx *c, const uint8_t *owner, const zone_node *n)
{
	for (const zone_rrset *rs = n->rrsets; rs; rs = rs->next)
		if (rs->type == DNS_T_RRSIG &&
		    ans_rrset(c, &c->an, owner, rs, rs->ttl) < 0)
			return -1;
	return 0;
}

/* An RRset that must not appear partly: on failure the writer is
 * restored (used for the additional section). */
static int ans_rrset_whole(ans_ctx *c, uint16_t *cnt, const uint8_t *owner,
			   const zone_rrset *rs)
{
	size_t len = c->w.len;
	int ncomp = c->w.ncomp;
	uint16_t n = *cnt;

	if (!rs || ans_rrset(c, cnt, owner, rs, rs->ttl) == 0)
		return 0;
	c->w.len = len;
	c->w.ncomp = ncomp;
	*cnt = n;
	return -1;
}

static void ans_set_aa(ans_ctx *c, int aa)
{
	if (c->aa_known)
		return;
	c->aa_known = 1;
	if (aa)
		c->hflags |= DNS_F_AA;
}

/* Remember the names in NS / MX / SRV rdata for the additional section;
 * like NSD they are looked up in the zone the RRset came from only. */
static void ans_note_addl(ans_ctx *c, const zone *z, const zone_rrset *rs)
{
	size_t skip;
	const uint8_t *p = rs->data, *end = rs->data + rs->len;

	if (rs->type == DNS_T_NS)
		skip = 0;
	else if (rs->type == DNS_T_MX)
		skip = 2;
	else if (rs->type == DNS_T_SRV)
		skip = 6;
	else
		return;
	for (; p < end && c->naddl < ANS_MAXADDL; p += 2 + wire_get16(p))
		if (wire_get16(p) > skip) {
			c->addl_z[c->naddl] = z;
			c->addl[c->naddl++] = p + 2 + skip;
		}
}

/* ------------------------------------------------------------------ */
/* Inside a zone                                                       */
/* ------------------------------------------------------------------ */

typedef struct ans_walk {
	const zone_node *node;  /* exact match, else the closest encloser */
	const zone_node *cut;   /* delegation on the way, or NULL */
	size_t cut_off;         /* offset of the cut's name in the qname */
	const zone_node *dname; /* DNAME strictly above the qname, or NULL */
	size_t dname_off;       /* offset of the DNAME owner in the qname */
	int exact;
} ans_walk;

/*
 * Walk down from the apex one label at a time: stops at the first zone
 * cut (except a DS query for the cut itself, which the parent side
 * answers) or at the first missing name (its parent is the closest
 * encloser).  Every name between apex and owner exists as a node, so a
 * missing node means nothing exists below it either.
 */
static void ans_zone_walk(const zone *z, const uint8_t *lname,
			  uint16_t qtype, ans_walk *wk)
{
	uint8_t offs[WIRE_MAXLABELS];
	int nl = 0, k;
	size_t off = 0;

	while (lname[off] && nl < WIRE_MAXLABELS) {
		offs[nl++] = (uint8_t)off;
		off += (size_t)lname[off] + 1;
	}
	wk->node = z->apex;
	wk->cut = NULL;
	wk->dname = NULL;
	wk->exact = 0;
	/* RFC 6672 2.3: a DNAME applies to names strictly below its owner,
	 * the apex included */
	k = nl - z->origin_labels;
	if (k > 0 && (z->apex->flags & ZN_DNAME)) {
		wk->dname = z->apex;
		wk->dname_off = k < nl ? offs[k] : off;
		return;
	}
	for (k--; k >= 0; k--) {
		const zone_node *n = zone_node_find(z, lname + offs[k]);
		if (!n)
			return;
		wk->node = n;
		if ((n->flags & ZN_DELEG) && !(k == 0 && qtype == DNS_T_DS)) {
			wk->cut = n;
			wk->cut_off = offs[k];
			return;
		}
		if (k > 0 && (n->flags & ZN_DNAME)) {
			wk->dname = n;
			wk->dname_off = offs[k];
			return;
		}
	}
	wk->exact = 1;
}

static uint32_t ans_neg_ttl(const zone_rrset *soa)
{
	uint16_t rdlen = wire_get16(soa->data);
	uint32_t min;

	if (rdlen < 20)
		return soa->ttl;
	min = wire_get32(soa->data + 2 + rdlen - 4);
	return min < soa->ttl ? min : soa->ttl;
}

/* SOA in authority for a negative answer (RFC 2308 3). */
static ans_step ans_soa(ans_ctx *c, const zone *z)
{
	const zone_rrset *soa;

	if (z->is_local || !(soa = zone_node_rrset(z->apex, DNS_T_SOA)))
		return STEP_DONE;
	if (ans_signed(c, &c->ns, z->apex->name, z->apex, soa,
		       ans_neg_ttl(soa)) < 0)
		return STEP_TRUNC;
	return STEP_DONE;
}

/* RFC 8482: one RRset for ANY; the lowest type, DNSSEC records last. */
static const zone_rrset *ans_pick_any(const zone_node *n)
{
	const zone_rrset *rs, *best = NULL;

	for (rs = n->rrsets; rs; rs = rs->next) {
		int sig = rs->type == DNS_T_RRSIG || rs->type == DNS_T_NSEC ||
			  rs->type == DNS_T_NSEC3;
		int bsig = best && (best->type == DNS_T_RRSIG ||
				    best->type == DNS_T_NSEC ||
				    best->type == DNS_T_NSEC3);
		if (!best || (bsig && !sig) ||
		    (bsig == sig && rs->type < best->type))
			best = rs;
	}
	return best;
}

/* Answer from a node that matched (exactly or as the wildcard source). */
static ans_step ans_node(ans_ctx *c, const zone *z, const zone_node *n,
			 const uint8_t *owner)
{
	uint16_t qt = c->q->qtype;
	const zone_rrset *rs;

	if (qt == DNS_T_ANY) {
		rs = ans_pick_any(n);
	} else if ((n->flags & ZN_CNAME) && qt != DNS_T_CNAME &&
		   (rs = zone_node_rrset(n, DNS_T_CNAME)) != NULL) {
		if (ans_signed(c, &c->an, owner, n, rs, rs->ttl) < 0)
			return STEP_TRUNC;
		c->target = rs->data + 2;
		return STEP_CNAME;
	} else {
		rs = zone_node_rrset(n, qt);
	}
	if (!rs) {
		c->nodata = 1;
		return ans_soa(c, z);
	}
	c->nodata = 0;
	if (qt == DNS_T_RRSIG)
		return ans_all_sigs(c, owner, n) < 0 ? STEP_TRUNC : STEP_DONE;
	if (ans_signed(c, &c->an, owner, n, rs, rs->ttl) < 0)
		return STEP_TRUNC;
	ans_note_addl(c, z, rs);
	return STEP_DONE;
}

/* Glue addresses for the NS targets of a referral.  RFC 9471: in-domain
 * glue (below the cut) must all fit or TC is set; sibling glue (elsewhere
 * in this zone) is added if there is room. */
static void ans_glue(ans_ctx *c, const zone *z, const zone_node *cut,
		     const zone_rrset *ns, int in_domain)
{
	const uint8_t *p = ns->data, *end = ns->data + ns->len;
	uint8_t lname[WIRE_MAXNAME];

	for (; p < end; p += 2 + wire_get16(p)) {
		const uint8_t *t = p + 2;
		const zone_node *n;
		int r;

		wire_name_lower(lname, t);
		if (!!wire_name_is_sub(lname, cut->lname) != in_domain ||
		    !wire_name_is_sub(lname, z->origin) ||
		    !(n = zone_node_find(z, lname)))
			continue;
		r = ans_rrset_whole(c, &c->ar, t,
				    zone_node_rrset(n, DNS_T_A));
		r |= ans_rrset_whole(c, &c->ar, t,
				     zone_node_rrset(n, DNS_T_AAAA));
		if (r && in_domain)
			c->hflags |= DNS_F_TC;
	}
}

/* The NSEC (or NSEC3) RRset at node n (owner as stored) with its RRSIGs
 * in authority, for DO=1, once per answer.  A node-local lookup. */
static int ans_denial_at(ans_ctx *c, const zone_node *n, uint16_t type)
{
	const zone_rrset *rs;
	int i;

	if (!c->dnssec || !n || !(rs = zone_node_rrset(n, type)))
		return 0;
	for (i = 0; i < c->nnsec; i++)
		if (c->nsec[i] == n)
			return 0;
	if (c->nnsec < (int)(sizeof(c->nsec) / sizeof(c->nsec[0])))
		c->nsec[c->nnsec++] = n;
	return ans_signed(c, &c->ns, n->name, n, rs, rs->ttl);
}

/* RFC 4035 3.1.3.1 / 3.1.4.1: the NSEC at node n. */
static int ans_nsec_at(ans_ctx *c, const zone_node *n)
{
	return ans_denial_at(c, n, DNS_T_NSEC);
}

/* ---- NSEC3 (RFC 5155 7.2), record for record what NSD sends ---- */

/* The NSEC3 matching or covering the hash of lname; *exact says which. */
static int ans_n3(ans_ctx *c, const zone *z, const uint8_t *lname,
		  int *exact)
{
	return ans_denial_at(c, zone_nsec3_find(z, lname, exact),
			     DNS_T_NSEC3);
}

/* The NSEC3 of lname only when it matches (a closest encloser). */
static int ans_n3_match(ans_ctx *c, const zone *z, const uint8_t *lname)
{
	int exact;
	const zone_node *n = zone_nsec3_find(z, lname, &exact);

	return exact ? ans_denial_at(c, n, DNS_T_NSEC3) : 0;
}

/* The NSEC3 covering "*.<ce>" (7.2.1: no wildcard could match). */
static int ans_n3_nowild(ans_ctx *c, const zone *z, const uint8_t *ce)
{
	uint8_t wild[WIRE_MAXNAME + 2];
	size_t len = wire_name_len(ce);
	int exact;

	if (len + 2 > WIRE_MAXNAME)
		return 0;
	wild[0] = 1;
	wild[1] = '*';
	memcpy(wild + 2, ce, len);
	return ans_n3(c, z, wild, &exact);
}

/* The NSEC3 covering the next closer name: lname cut to one label more
 * than the closest encloser ce (RFC 5155 7.2.1, 7.2.6). */
static int ans_n3_next_closer(ans_ctx *c, const zone *z,
			      const uint8_t *lname, const uint8_t *ce)
{
	int skip = wire_name_labels(lname) - wire_name_labels(ce) - 1;
	int exact;

	if (skip < 0)
		return 0;
	while (skip-- > 0)
		lname += (size_t)lname[0] + 1;
	return ans_n3(c, z, lname, &exact);
}

/*
 * No DS at n (a cut, or DS asked at a name that exists), RFC 5155 7.2.4
 * and 7.2.7: n's own NSEC3; without one (Opt-Out) the closest provable
 * encloser's and the NSEC3 covering the next closer name.  Like NSD:
 * when n is the next closer name, only a cut's cover is sent.
 */
static int ans_n3_nods(ans_ctx *c, const zone *z, const zone_node *n)
{
	const uint8_t *p = n->lname, *prev = NULL;
	const zone_node *m;
	int exact;

	m = zone_nsec3_find(z, p, &exact);
	if (exact)
		return ans_denial_at(c, m, DNS_T_NSEC3);
	do {
		prev = p == n->lname ? NULL : p;
		p += (size_t)p[0] + 1;
		m = zone_nsec3_find(z, p, &exact);
	} while (!exact && p[0] && !wire_name_equal(p, z->origin));
	if (exact && ans_denial_at(c, m, DNS_T_NSEC3) < 0)
		return -1;
	if (prev)
		return ans_n3(c, z, prev, &exact);
	return (n->flags & ZN_DELEG) ? ans_n3(c, z, n->lname, &exact) : 0;
}

/* NODATA at a node that exists (7.2.3, 7.2.4; DS at the apex: its own
 * NSEC3).  A node without an NSEC3 (an empty non-terminal above Opt-Out
 * delegations only): the one covering the highest such name below the
 * closest provable encloser, and that encloser's (NSD's choice). */
static int ans_n3_nodata(ans_ctx *c, const zone *z, const zone_node *n)
{
	const uint8_t *p = n->lname, *up;
	const zone_node *m;
	int exact, cover_exact;

	if (c->q->qtype == DNS_T_DS && n != z->apex)
		return ans_n3_nods(c, z, n);
	m = zone_nsec3_find(z, p, &exact);
	if (exact || n == z->apex)
		return exact ? ans_denial_at(c, m, DNS_T_NSEC3) : 0;
	for (up = p + (size_t)p[0] + 1;; up += (size_t)up[0] + 1) {
		m = zone_nsec3_find(z, up, &exact);
		if (exact || !up[0] || wire_name_equal(up, z->origin))
			break;
		p = up;
	}
	if (ans_n3(c, z, p, &cover_exact) < 0)
		return -1;
	return exact ? ans_denial_at(c, m, DNS_T_NSEC3) : 0;
}

/* NXDOMAIN (7.2.2): the next closer name's cover, the closest encloser's
 * NSEC3 (when it has one) and the cover of its wildcard. */
static int ans_n3_nxdomain(ans_ctx *c, const zone *z, const uint8_t *lname,
			   const uint8_t *ce)
{
	if (ans_n3_next_closer(c, z, lname, ce) < 0 ||
	    ans_n3_match(c, z, ce) < 0)
		return -1;
	return ans_n3_nowild(c, z, ce);
}

/* The NSEC covering lname (RFC 4035 3.1.3.2-3.1.3.4), for DO=1. */
static int ans_nsec_cover(ans_ctx *c, const zone *z, const uint8_t *lname)
{
	if (!c->dnssec || z->is_local)
		return 0;
	return ans_nsec_at(c, zone_nsec_cover(z, lname));
}

/* The NSEC covering "*.<closest encloser>": no wildcard could match. */
static int ans_nsec_nowild(ans_ctx *c, const zone *z, const zone_node *ce)
{
	uint8_t wild[WIRE_MAXNAME + 2];
	size_t len = wire_name_len(ce->lname);

	if (!c->dnssec || len + 2 > WIRE_MAXNAME)
		return 0;
	wild[0] = 1;
	wild[1] = '*';
	memcpy(wild + 2, ce->lname, len);
	return ans_nsec_cover(c, z, wild);
}

/* RFC 4035 3.1.4: a referral carries the DS RRset of a signed delegation
 * with its RRSIGs, or the NSEC proving there is no DS. */
static int ans_referral_ds(ans_ctx *c, const zone *z,
			   const zone_node *cut, const uint8_t *owner)
{
	const zone_rrset *ds;

	if (!c->dnssec)
		return 0;
	if ((ds = zone_node_rrset(cut, DNS_T_DS)) != NULL)
		return ans_signed(c, &c->ns, owner, cut, ds, ds->ttl);
	if (zone_nsec3_on(z))
		return ans_n3_nods(c, z, cut);
	return ans_nsec_at(c, cut);
}

static ans_step ans_referral(ans_ctx *c, const zone *z, const zone_node *cut,
			     const uint8_t *owner)
{
	const zone_rrset *ns = zone_node_rrset(cut, DNS_T_NS);

	ans_set_aa(c, 0);
	c->referral = 1;
	c->kname = cut->lname;
	if (!ns)
		return STEP_DONE;
	if (ans_rrset(c, &c->ns, owner, ns, ns->ttl) < 0 ||
	    ans_referral_ds(c, z, cut, owner) < 0)
		return STEP_TRUNC;
	ans_glue(c, z, cut, ns, 1);
	ans_glue(c, z, cut, ns, 0);
	return STEP_DONE;
}

/* RFC 4592: the source of synthesis is "*.<closest encloser>". */
static const zone_node *ans_wildcard(const zone *z, const zone_node *ce)
{
	uint8_t wild[WIRE_MAXNAME + 2];
	size_t len = wire_name_len(ce->lname);

	if (!(ce->flags & ZN_WILDCHILD) || len + 2 > WIRE_MAXNAME)
		return NULL;
	wild[0] = 1;
	wild[1] = '*';
	memcpy(wild + 2, ce->lname, len);
	return zone_node_find(z, wild);
}

/*
 * RFC 6672 2.3: sname is below the DNAME owner at sname + off.  The DNAME
 * RRset (with its RRSIGs for DO=1) and a CNAME from sname to sname with
 * the owner replaced by the DNAME target, TTL the DNAME's, unsigned
 * (5.3.3).  A target over 255 octets is YXDOMAIN, the DNAME alone (2.2).
 * A DNAME whose target is below its own owner would apply again at every
 * link: like NSD the chain stops after its CNAME.
 */
static ans_step ans_dname(ans_ctx *c, const zone_node *n,
			  const uint8_t *sname, size_t off)
{
	const zone_rrset *rs = zone_node_rrset(n, DNS_T_DNAME);
	const uint8_t *t;
	size_t tlen;
	uint8_t *out;

	if (!rs || rs->len < 3)
		return STEP_DONE;
	c->nodata = 0;
	if (ans_signed(c, &c->an, sname + off, n, rs, rs->ttl) < 0)
		return STEP_TRUNC;
	t = rs->data + 2;
	tlen = wire_name_len(t);
	if (off + tlen > WIRE_MAXNAME) {
		c->rcode = DNS_R_YXDOMAIN;
		return STEP_DONE;
	}
	if (c->nsynth >= (int)(sizeof(c->synth) / sizeof(c->synth[0])))
		return STEP_DONE;
	out = c->synth[c->nsynth++];
	memcpy(out, sname, off);
	memcpy(out + off, t, tlen);
	if (wire_write_rr(&c->w, sname, DNS_T_CNAME, DNS_C_IN, rs->ttl, out,
			  (uint16_t)(off + tlen), NULL) < 0)
		return STEP_TRUNC;
	c->an++;
	if (c->q->qtype == DNS_T_CNAME || wire_name_is_sub(t, n->lname))
		return STEP_DONE;
	c->target = out;
	return STEP_CNAME;
}

/* NODATA at a name that exists: its own NSEC, or for an empty
 * non-terminal the NSEC covering it; in an NSEC3 zone 7.2.3/7.2.4. */
static int ans_nodata_proof(ans_ctx *c, const zone *z, const zone_node *n,
			    const uint8_t *lname)
{
	if (!c->dnssec)
		return 0;
	if (zone_nsec3_on(z))
		return ans_n3_nodata(c, z, n);
	return zone_node_rrset(n, DNS_T_NSEC) ? ans_nsec_at(c, n) :
						 ans_nsec_cover(c, z, lname);
}

/* A wildcard answer (RFC 4035 3.1.3.3/3.1.3.4, RFC 5155 7.2.5/7.2.6): no
 * closer match exists; for NODATA also the wildcard's own NSEC (NSEC3:
 * with the closest encloser's). */
static int ans_wild_proof(ans_ctx *c, const zone *z, const zone_node *ce,
			  const zone_node *wild, const uint8_t *lname)
{
	int exact;

	if (!c->dnssec)
		return 0;
	if (!zone_nsec3_on(z))
		return ans_nsec_cover(c, z, lname) < 0 ||
		       (c->nodata && ans_nsec_at(c, wild) < 0) ? -1 : 0;
	if (ans_n3_next_closer(c, z, lname, ce->lname) < 0)
		return -1;
	if (!c->nodata)
		return 0;
	return ans_n3_match(c, z, ce->lname) < 0 ||
	       ans_n3(c, z, wild->lname, &exact) < 0 ? -1 : 0;
}

/* RFC 5155 7.2.8: the owner of an NSEC3 record (its only data) is not
 * in the chain; with DO=1 it does not exist, as for NSD. */
static int ans_n3_owner(const ans_ctx *c, const zone *z, const zone_node *n)
{
	const zone_rrset *rs;

	if (!c->dnssec || n->nchild || !zone_node_rrset(n, DNS_T_NSEC3) ||
	    !zone_nsec3_on(z))
		return 0;
	for (rs = n->rrsets; rs; rs = rs->next)
		if (rs->type != DNS_T_NSEC3 && rs->type != DNS_T_RRSIG)
			return 0;
	return 1;
}

/* NXDOMAIN below the closest encloser ce, with its proof (RFC 4035
 * 3.1.3.2, RFC 5155 7.2.2).  For an NSEC3 owner name NSD proves the
 * apex as the closest encloser and covers the name itself; below one
 * it sends the next closer name's cover alone. */
static ans_step ans_nxdomain(ans_ctx *c, const zone *z, const zone_node *ce,
			     const uint8_t *lname)
{
	int r, exact;

	c->rcode = DNS_R_NXDOMAIN;
	c->nodata = 0;
	if (ans_soa(c, z) == STEP_TRUNC)
		return STEP_TRUNC;
	if (!c->dnssec)
		return STEP_DONE;
	if (!zone_nsec3_on(z))
		r = ans_nsec_cover(c, z, lname) < 0 ||
		    ans_nsec_nowild(c, z, ce) < 0 ? -1 : 0;
	else if (ce->lname == lname || wire_name_equal(ce->lname, lname))
		r = ans_n3_match(c, z, z->origin) < 0 ||
		    ans_n3(c, z, lname, &exact) < 0 ||
		    ans_n3_nowild(c, z, z->origin) < 0 ? -1 : 0;
	else if (ans_n3_owner(c, z, ce))
		r = ans_n3_next_closer(c, z, lname, ce->lname);
	else
		r = ans_n3_nxdomain(c, z, lname, ce->lname);
	return r < 0 ? STEP_TRUNC : STEP_DONE;
}

static ans_step ans_zone(ans_ctx *c, const zone *z, const uint8_t *sname,
			 const uint8_t *lname)
{
	ans_walk wk;
	const zone_node *wild;

	ans_zone_walk(z, lname, c->q->qtype, &wk);
	if (wk.cut)
		return ans_referral(c, z, wk.cut, sname + wk.cut_off);
	ans_set_aa(c, 1);
	c->kname = z->origin;
	if (wk.dname)
		return ans_dname(c, wk.dname, sname, wk.dname_off);
	if (wk.exact && ans_n3_owner(c, z, wk.node))
		return ans_nxdomain(c, z, wk.node, lname);
	if (wk.exact) {
		ans_step r = ans_node(c, z, wk.node, sname);
		if (r == STEP_DONE && c->nodata &&
		    ans_nodata_proof(c, z, wk.node, lname) < 0)
			return STEP_TRUNC;
		return r;
	}
	if ((wild = ans_wildcard(z, wk.node)) != NULL) {
		ans_step r;

		c->wild = 1;
		c->kname = wild->lname;
		r = ans_node(c, z, wild, sname);
		/* a synthesised CNAME: its proof waits for the chain's end
		 * (at most two such links are proven) */
		if (r == STEP_CNAME && c->dnssec && c->nwp < 2) {
			c->wpz[c->nwp] = z;
			c->wpce[c->nwp] = wk.node;
			memcpy(c->wpname[c->nwp++], lname, wire_name_len(lname));
		}
		if (r == STEP_DONE &&
		    ans_wild_proof(c, z, wk.node, wild, lname) < 0)
			return STEP_TRUNC;
		return r;
	}
	return ans_nxdomain(c, z, wk.node, lname);
}

/* ------------------------------------------------------------------ */
/* --address entries and the local store                               */
/* ------------------------------------------------------------------ */

static ans_step ans_address(ans_ctx *c, const db_addr *a,
			    const uint8_t *owner)
{
	uint16_t qt = c->q->qtype;
	int r = 0;

	ans_set_aa(c, 1);
	if (a->nx && !a->has4 && !a->has6) {
		c->rcode = DNS_R_NXDOMAIN;
		c->nodata = 0;
		return STEP_DONE;
	}
	c->nodata = 0;
	if ((qt == DNS_T_A || qt == DNS_T_ANY) && a->has4)
		r = wire_write_rr(&c->w, owner, DNS_T_A, DNS_C_IN, a->ttl4,
				  a->a4, 4, NULL);
	else if ((qt == DNS_T_AAAA || qt == DNS_T_ANY) && a->has6)
		r = wire_write_rr(&c->w, owner, DNS_T_AAAA, DNS_C_IN, a->ttl6,
				  a->a6, 16, NULL);
	else
		c->nodata = 1;
	if (r < 0)
		return STEP_TRUNC;
	if (!c->nodata)
		c->an++;
	return STEP_DONE;
}

/* A plain (single-label) name as NAME.DOMAIN of the DHCP domain
 * (zone_db_set_plain_domain): its A/AAAA with the plain owner, AA, no
 * RRSIGs.  STEP_NONE when the name has no addresses there. */
static ans_step ans_plain(ans_ctx *c, const uint8_t *sname,
			  const uint8_t *lname, size_t len)
{
	const zone_db *db = c->db;
	uint8_t full[WIRE_MAXNAME];
	size_t dlen = wire_name_len(db->plain_dom);
	uint16_t qt = c->q->qtype;
	const zone_rrset *a, *aaaa;
	const zone_node *n;
	db_match m;

	if (!db->plain_dom[0] || len != (size_t)lname[0] + 2 ||
	    len - 1 + dlen > WIRE_MAXNAME)
		return STEP_NONE;
	memcpy(full, lname, len - 1);
	memcpy(full + len - 1, db->plain_dom, dlen);
	if (!db_match_name(db, full, len - 1 + dlen, DNS_T_A, 1, &m) ||
	    !m.z || m.z->expired || !(n = zone_node_find(m.z, full)))
		return STEP_NONE;
	a = zone_node_rrset(n, DNS_T_A);
	aaaa = zone_node_rrset(n, DNS_T_AAAA);
	if (!a && !aaaa)
		return STEP_NONE;
	ans_set_aa(c, 1);
	c->nodata = 1;
	if (a && (qt == DNS_T_A || qt == DNS_T_ANY)) {
		if (ans_rrset(c, &c->an, sname, a, a->ttl) < 0)
			return STEP_TRUNC;
		c->nodata = 0;
	}
	if (aaaa && (qt == DNS_T_AAAA || qt == DNS_T_ANY)) {
		if (ans_rrset(c, &c->an, sname, aaaa, aaaa->ttl) < 0)
			return STEP_TRUNC;
		c->nodata = 0;
	}
	return STEP_DONE;
}

/* One name of the chain: local store, then --address / zones. */
static ans_step ans_one(ans_ctx *c, const uint8_t *sname,
			const uint8_t *lname, size_t len)
{
	const zone_db *db = c->db;
	const zone_node *n;
	db_match m;
	ans_step r;

	if (db->local && (n = zone_node_find(db->local, lname)) != NULL &&
	    n->rrsets) {
		ans_set_aa(c, 1);
		return ans_node(c, db->local, n, sname);
	}
	if ((r = ans_plain(c, sname, lname, len)) != STEP_NONE)
		return r;
	if (!db_match_name(db, lname, len, c->q->qtype, 0, &m))
		return STEP_NONE;
	if (m.addr)
		return ans_address(c, m.addr, sname);
	if (m.z->expired) {
		/* secondary past EXPIRE or never loaded (RFC 1034 4.3.5) */
		c->rcode = DNS_R_SERVFAIL;
		return STEP_DONE;
	}
	return ans_zone(c, m.z, sname, lname);
}

/* ------------------------------------------------------------------ */
/* The chain, the additional section, truncation                        */
/* ------------------------------------------------------------------ */

static void ans_truncate(ans_ctx *c)
{
	c->cleared = 1;
	c->w.len = c->qend;
	c->w.ncomp = c->qncomp;
	c->an = c->ns = c->ar = 0;
	c->naddl = 0;
	c->hflags |= DNS_F_TC;
}

static int ans_seen(const ans_ctx *c, const uint8_t *const *seen, int n,
		    const uint8_t *name)
{
	if (wire_name_equal(name, c->q->qname))
		return 1;
	for (int i = 0; i < n; i++)
		if (wire_name_equal(name, seen[i]))
			return 1;
	return 0;
}

static void ans_chain(ans_ctx *c)
{
	const uint8_t *seen[ANS_MAXCHAIN];
	const uint8_t *sname = c->q->qname, *lname = c->q->lname;
	uint8_t lbuf[WIRE_MAXNAME];
	size_t len = c->q->qname_len;

	for (int links = 0;; links++) {
		ans_step r = ans_one(c, sname, lname, len);

		/* Only the query name itself is handed to the resolver: a
		 * CNAME chain that leaves our data is answered from our
		 * data alone. */
		if (r == STEP_NONE && links == 0 && c->db->opts.recursion)
			c->pass = 1;
		else if (r == STEP_NONE && links == 0)
			c->rcode = DNS_R_REFUSED;
		if (r == STEP_TRUNC)
			ans_truncate(c);
		if (r != STEP_CNAME || links >= ANS_MAXCHAIN ||
		    ans_seen(c, seen, links, c->target))
			return;
		seen[links] = sname = c->target;
		len = wire_name_lower(lbuf, sname);
		lname = lbuf;
	}
}

/* The NSECs (NSEC3s: RFC 5155 7.2.6) proving no closer match for the
 * wildcard CNAMEs of the chain (RFC 4035 3.1.3.3), after its last answer
 * RR. */
static void ans_wild_proofs(ans_ctx *c)
{
	for (int i = 0; i < c->nwp && !c->cleared; i++) {
		const zone *z = c->wpz[i];
		int r = zone_nsec3_on(z) ?
			ans_n3_next_closer(c, z, c->wpname[i],
					   c->wpce[i]->lname) :
			ans_nsec_cover(c, z, c->wpname[i]);
		if (r < 0)
			ans_truncate(c);
	}
}

/* An exact local-store node, or an authoritative (not delegated) node of
 * zone z. */
static const zone_node *ans_addl_node(const zone *z, const uint8_t *lname)
{
	const zone_node *n;
	ans_walk wk;

	if (z->is_local)
		return (n = zone_node_find(z, lname)) && n->rrsets ? n : NULL;
	if (!wire_name_is_sub(lname, z->origin))
		return NULL;
	ans_zone_walk(z, lname, DNS_T_A, &wk);
	return wk.exact && !wk.cut ? wk.node : NULL;
}

/* RFC 4035 3.1.1: an additional RRset's RRSIGs are tried after it and
 * left out (without TC) when they do not fit. */
static void ans_addl_rrset(ans_ctx *c, const uint8_t *t, const zone_node *n,
			   uint16_t type)
{
	const zone_rrset *rs = zone_node_rrset(n, type);
	size_t len;
	int ncomp;
	uint16_t ar;

	if (!rs || ans_rrset_whole(c, &c->ar, t, rs) < 0)
		return;
	len = c->w.len;
	ncomp = c->w.ncomp;
	ar = c->ar;
	if (ans_sigs(c, &c->ar, t, n, type, UINT32_MAX) < 0) {
		c->w.len = len;
		c->w.ncomp = ncomp;
		c->ar = ar;
	}
}

static void ans_additional(ans_ctx *c)
{
	uint8_t lname[WIRE_MAXNAME];

	for (int i = 0; i < c->naddl; i++) {
		const uint8_t *t = c->addl[i];
		const zone_node *n;
		int dup = 0;

		for (int j = 0; j < i && !dup; j++)
			dup = wire_name_equal(t, c->addl[j]);
		wire_name_lower(lname, t);
		if (dup || !(n = ans_addl_node(c->addl_z[i], lname)))
			continue;
		ans_addl_rrset(c, t, n, DNS_T_A);
		ans_addl_rrset(c, t, n, DNS_T_AAAA);
	}
}

/* ------------------------------------------------------------------ */
/* Special queries                                                     */
/* ------------------------------------------------------------------ */

/* CH TXT version.bind / id.server and friends. */
static void ans_chaos(ans_ctx *c)
{
	static const uint8_t vb[] = "\7version\4bind", vs[] = "\7version\6server",
		is[] = "\2id\6server", hb[] = "\10hostname\4bind";
	const uint8_t *ln = c->q->lname;
	const char *txt = NULL;
	uint8_t rd[256];
	size_t n;

	if (wire_name_equal(ln, vb) || wire_name_equal(ln, vs))
		txt = c->db->opts.version_str;
	else if (wire_name_equal(ln, is) || wire_name_equal(ln, hb))
		txt = c->db->opts.ident_str;
	if (!txt || c->db->opts.no_ident ||
	    (!c->db->opts.ident_all && !c->loopback)) {
		c->rcode = DNS_R_REFUSED;
		return;
	}
	c->hflags |= DNS_F_AA;
	if (c->q->qtype != DNS_T_TXT && c->q->qtype != DNS_T_ANY) {
		c->nodata = 1;
		return;
	}
	n = strlen(txt);
	n = n > 255 ? 255 : n;
	rd[0] = (uint8_t)n;
	memcpy(rd + 1, txt, n);
	if (wire_write_rr(&c->w, c->q->qname, DNS_T_TXT, DNS_C_CH, 0, rd,
			  (uint16_t)(n + 1), NULL) == 0)
		c->an++;
	else
		ans_truncate(c);
}

/*
 * Query types that are not data: zone transfers are refused until they
 * exist; OPT and TSIG belong in the additional section only (FORMERR);
 * TKEY, MAILA and MAILB are kinds of query we do not implement (NOTIMP).
 * Returns the rcode, or -1 if the type is answered from data.
 */
static int ans_meta_rcode(uint16_t qtype)
{
	switch (qtype) {
	case DNS_T_AXFR:
	case DNS_T_IXFR:
		return DNS_R_REFUSED;
	case DNS_T_OPT:
	case DNS_T_TSIG:
		return DNS_R_FORMERR;
	case DNS_T_TKEY:
	case DNS_T_MAILA:
	case DNS_T_MAILB:
		return DNS_R_NOTIMP;
	default:
		return -1;
	}
}

static void ans_query(ans_ctx *c)
{
	int rc = ans_meta_rcode(c->q->qtype);

	if (rc >= 0)
		c->rcode = (uint16_t)rc;
	else if (c->q->qclass == DNS_C_CH)
		ans_chaos(c);
	else if (c->q->qclass != DNS_C_IN && c->q->qclass != DNS_C_ANY)
		c->rcode = DNS_R_REFUSED;
	else {
		ans_chain(c);
		ans_wild_proofs(c);
		ans_additional(c);
	}
}

/* ------------------------------------------------------------------ */
/* Message frame                                                       */
/* ------------------------------------------------------------------ */

static size_t ans_limit(const zone_db *db, const wire_query *q, int how,
			size_t cap)
{
	size_t lim;

	if (how & ZONE_Q_TCP)
		lim = ANS_TCPMAX;
	else if (!q->has_edns)
		lim = ANS_UDPMIN;
	else {
		lim = q->edns_udp < ANS_UDPMIN ? ANS_UDPMIN : q->edns_udp;
		if (lim > db->opts.edns_max)
			lim = db->opts.edns_max;
	}
	return lim < cap ? lim : cap;
}

/* Header placeholder and the question (if it parsed). */
static int ans_start(ans_ctx *c, uint8_t *resp, size_t cap, int how)
{
	static const uint8_t zero[WIRE_HDRLEN];
	const wire_query *q = c->q;

	size_t optlen = c->with_opt ? ANS_OPTLEN + (size_t)c->xopt_len : 0;

	c->limit = ans_limit(c->db, q, how, cap);
	if (c->limit < WIRE_HDRLEN + optlen)
		return -1;
	wire_writer_init(&c->w, resp, cap, c->limit - optlen);
	if (wire_write(&c->w, zero, sizeof(zero)) < 0)
		return -1;
	if (q->question_end && q->qname_len) {
		if (wire_write_name(&c->w, q->qname, 1) < 0 ||
		    wire_write16(&c->w, q->qtype) < 0 ||
		    wire_write16(&c->w, q->qclass) < 0)
			return -1;
	}
	c->qend = c->w.len;
	c->qncomp = c->w.ncomp;
	return 0;
}

static void ans_finish(ans_ctx *c)
{
	const wire_query *q = c->q;
	uint8_t *h = c->w.buf;
	/* RA: we offer recursion (RFC 1035 4.1.1), so answers from our own
	 * data say so too, as a client expects of its resolver */
	uint16_t flags = (uint16_t)(DNS_F_QR | (q->opcode << 11) |
				    (q->flags & (DNS_F_RD | DNS_F_CD)) |
				    (c->db->opts.recursion ? DNS_F_RA : 0) |
				    c->hflags | (c->rcode & 0xf));
	uint16_t ar = c->ar;

	if (c->with_opt) {
		c->w.limit = c->limit;
		if (wire_write_opt_opts(&c->w, c->db->opts.edns_max,
					(uint8_t)(c->rcode >> 4), 0,
					q->edns_flags & EDNS_F_DO, c->xopt,
					c->xopt_len) == 0)
			ar++;
	}
	wire_put16(h, q->id);
	wire_put16(h + 2, flags);
	wire_put16(h + 4, c->qend > WIRE_HDRLEN ? 1 : 0);
	wire_put16(h + 6, c->an);
	wire_put16(h + 8, c->ns);
	wire_put16(h + 10, ar);
}

static void ans_count(const ans_ctx *c, zone_stats *st)
{
	st->answered++;
	if (c->hflags & DNS_F_TC)
		st->truncated++;
	switch (c->rcode) {
	case DNS_R_FORMERR: st->formerr++; break;
	case DNS_R_REFUSED: st->refused++; break;
	case DNS_R_NOTIMP: st->notimp++; break;
	case DNS_R_NXDOMAIN: st->nxdomain++; break;
	case DNS_R_BADVERS: st->badvers++; break;
	case DNS_R_NOERROR:
		if (c->nodata)
			st->nodata++;
		break;
	default: break;
	}
}

/* The response class and key name rate limiting uses (zones.h 5.). */
static void ans_classify(const ans_ctx *c, zone_effects *eff)
{
	const uint8_t *name = c->kname;
	uint8_t rc;

	if (c->rcode == DNS_R_NXDOMAIN)
		rc = ZONE_RC_NXDOMAIN;
	else if (c->rcode != DNS_R_NOERROR)
		rc = ZONE_RC_ERROR, name = (const uint8_t *)"";
	else if (c->q->qtype == DNS_T_ANY)
		rc = ZONE_RC_ANY, name = c->q->lname;
	else if (c->referral)
		rc = ZONE_RC_REFERRAL;
	else if (c->nodata)
		rc = ZONE_RC_NODATA;
	else if (c->wild)
		rc = ZONE_RC_WILDCARD;
	else
		rc = ZONE_RC_ANSWER, name = c->q->lname;
	if (!name)
		name = c->q->question_end ? c->q->lname : (const uint8_t *)"";
	eff->rclass = rc;
	eff->rhash = zone_name_hash(name, wire_name_len(name));
}

static void ans_dispatch(ans_ctx *c, wire_qresult pr)
{
	if (pr == WQ_FORMERR)
		c->rcode = DNS_R_FORMERR;
	else if (pr == WQ_BADVERS)
		c->rcode = DNS_R_BADVERS;
	else if (c->q->opcode != DNS_OP_QUERY)
		c->rcode = DNS_R_NOTIMP;
	else
		ans_query(c);
}

zone_result zone_db_answer(const zone_db *db, const uint8_t *q, size_t qlen,
			   int how, uint8_t *resp, size_t resp_cap,
			   size_t *resp_len, zone_stats *st)
{
	wire_query wq;
	wire_qresult pr = wire_query_parse(q, qlen, &wq);

	return zone_answer_parsed(db, &wq, pr, how, resp, resp_cap, resp_len,
				  st, NULL, 0);
}

zone_result zone_answer_parsed(const zone_db *db, const wire_query *wq,
			       wire_qresult pr, int how, uint8_t *resp,
			       size_t resp_cap, size_t *resp_len,
			       zone_stats *st, zone_effects *eff,
			       int classify)
{
	zone_stats dummy;
	ans_ctx c;

	if (!st) {
		memset(&dummy, 0, sizeof(dummy));
		st = &dummy;
	}
	st->queries++;
	memset(&c, 0, offsetof(ans_ctx, synth));  /* not the name buffers */
	c.db = db;
	c.q = wq;
	c.st = st;
	c.loopback = (how & ZONE_Q_LOOPBACK) != 0;
	c.dnssec = wq->has_edns && (wq->edns_flags & EDNS_F_DO);
	c.with_opt = wq->has_edns || pr == WQ_BADVERS;
	if (eff && c.with_opt) {
		c.xopt = eff->opt;
		c.xopt_len = eff->opt_len;
	}
	if (pr == WQ_DROP || ans_start(&c, resp, resp_cap, how) < 0) {
		st->dropped++;
		return ZONE_DROP;
	}
	ans_dispatch(&c, pr);
	if (c.pass) {
		*resp_len = 0;
		return ZONE_PASS;
	}
	ans_finish(&c);
	ans_count(&c, st);
	if (eff && classify)
		ans_classify(&c, eff);
	*resp_len = c.w.len;
	return ZONE_REPLY;
}
