/* libFuzzer target: the input is an UPDATE message (the opcode is forced
 * to UPDATE) handled by zone_db_handle against a small zone that the
 * client's address may change freely.  Each input runs twice on a fresh
 * zone, and the zone's structure is checked after every run: every node
 * is found by its name, child counts and flags match, no empty leaf stays,
 * the RR count is right. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zones/maint_int.h"

static const char fz_zone[] =
	"$ORIGIN example.com.\n"
	"$TTL 3600\n"
	"@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
	"@ NS ns1\n"
	"@ NS ns2\n"
	"ns1 A 192.0.2.53\n"
	"www A 192.0.2.80\n"
	"www A 192.0.2.81\n"
	"www TXT \"t\"\n"
	"alias CNAME www\n"
	"*.wild A 192.0.2.99\n"
	"a.b.ent TXT \"deep\"\n"
	"sub NS ns.sub\n"
	"ns.sub A 192.0.2.100\n";

typedef struct fz_inv {
	const zone *z;
	size_t nodes, rrs;
} fz_inv;

static int fz_count_child(void *arg, zone_node *n)
{
	void **a = arg;
	const zone_node *p = a[0];
	uint32_t *cnt = a[1];

	if (n->lname[0] &&
	    zone_node_find(a[2], n->lname + n->lname[0] + 1) == p)
		(*cnt)++;
	return 0;
}

/* Every RR of an RRset files under it (RRSIGs: one RRset per covered
 * type, each RR covering that type) and no other RRset has its key. */
static int rrset_keyed(const zone_node *n, const zone_rrset *rs)
{
	for (const uint8_t *p = rs->data; p < rs->data + rs->len;
	     p += 2 + wire_get16(p))
		if (zone_rr_covered(rs->type, p + 2, wire_get16(p)) !=
		    rs->covered)
			return 0;
	for (const zone_rrset *o = n->rrsets; o; o = o->next)
		if (o != rs && o->type == rs->type &&
		    o->covered == rs->covered)
			return 0;
	return 1;
}

static int fz_node(void *arg, zone_node *n)
{
	fz_inv *c = arg;
	uint32_t cnt = 0;
	void *a[3] = { n, &cnt, (void *)c->z };
	const zone_rrset *rs;

	c->nodes++;
	for (rs = n->rrsets; rs; rs = rs->next) {
		if (rs->count == 0 || !rrset_keyed(n, rs))
			abort();
		c->rrs += rs->count;
	}
	if (zone_node_find(c->z, n->lname) != n)
		abort();
	if (!wire_name_is_sub(n->lname, c->z->origin))
		abort();
	if (c->z->nnodes < 200)
		zone_foreach_node(c->z, fz_count_child, a);
	else
		cnt = n->nchild;
	if (cnt != n->nchild || !!(n->flags & ZN_HASCHILD) != (cnt > 0))
		abort();
	if (!!(n->flags & ZN_CNAME) != !!zone_node_rrset(n, DNS_T_CNAME))
		abort();
	if (n != c->z->apex && !n->rrsets && !n->nchild)
		abort();
	return 0;
}

static void fz_check(const zone *z)
{
	fz_inv c = { z, 0, 0 };

	zone_foreach_node(z, fz_node, &c);
	if (c.nodes != z->nnodes || c.rrs != z->nrr)
		abort();
	if (!zone_node_rrset(z->apex, DNS_T_SOA) ||
	    !zone_node_rrset(z->apex, DNS_T_NS))
		abort();
}

static zone_db *fz_db(zone **zp)
{
	static const uint8_t lo[4] = { 127, 0, 0, 0 };
	char err[256];
	zone_db *db = zone_db_new(NULL);
	zone *z = zone_load_text("example.com.", "fuzz.zone", fz_zone,
				 strlen(fz_zone), NULL, NULL, err,
				 sizeof(err));

	if (!db || !z)
		abort();
	zone_db_add_zone(db, z);
	zone_unref(z);
	zone_db_allow_update(db, "example.com", NULL, 4, lo, 8, NULL, 0);
	*zp = z;
	return db;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t resp[65536];
	uint8_t *msg;
	zone_req rq;
	zone_effects eff;
	size_t len = 0;
	zone *z;
	zone_db *db;

	if (size < WIRE_HDRLEN || size > 65535)
		return 0;
	msg = malloc(size);
	if (!msg)
		return 0;
	memcpy(msg, data, size);
	msg[2] = (uint8_t)((msg[2] & 0x87) | (DNS_OP_UPDATE << 3));
	db = fz_db(&z);
	memset(&rq, 0, sizeof(rq));
	rq.q = msg;
	rq.qlen = size;
	rq.tcp = 1;
	rq.af = 4;
	rq.addr[0] = 127;
	rq.addr[3] = 1;
	rq.now = 1700000000;
	for (int i = 0; i < 2; i++) {
		zone_db_handle(db, &rq, resp, sizeof(resp), &len, &eff, NULL);
		if (len > sizeof(resp))
			abort();
		if (eff.changed && (eff.changed != z || !eff.journal_len))
			abort();
		fz_check(z);
	}
	zone_db_free(db);
	free(msg);
	return 0;
}
