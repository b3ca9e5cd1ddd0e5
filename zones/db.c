/*
 * The answer database: the zones served, the local-data store and the
 * --address entries, with a small hash table of apexes / domains so that
 * the deepest match for a query name costs a few probes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zones/db_int.h"

enum { DB_MINCAP = 16 };

static char *db_strdup(const char *s)
{
	size_t n;
	char *d;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

zone_db *zone_db_new(const zone_db_opts *opts)
{
	zone_db *db = calloc(1, sizeof(*db));

	if (!db)
		return NULL;
	if (opts)
		db->opts = *opts;
	if (db->opts.edns_max == 0)
		db->opts.edns_max = 1232;
	if (db->opts.edns_max < 512)
		db->opts.edns_max = 512;
	db->version_str = db_strdup(opts ? opts->version_str : NULL);
	db->ident_str = db_strdup(opts ? opts->ident_str : NULL);
	db->opts.version_str = db->version_str;
	db->opts.ident_str = db->ident_str;
	db->cap = DB_MINCAP;
	db->tab = calloc(db->cap, sizeof(*db->tab));
	if (!db->tab || (opts && opts->version_str && !db->version_str) ||
	    (opts && opts->ident_str && !db->ident_str)) {
		zone_db_free(db);
		return NULL;
	}
	return db;
}

void zone_db_free(zone_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; db->tab && i < db->cap; i++) {
		db_entry *e = &db->tab[i];
		if (!e->lname)
			continue;
		zone_unref(e->z);
		free(e->addr);
		free(e->lname);
	}
	free(db->tab);
	free(db->addr_all);
	zone_unref(db->local);
	free(db->version_str);
	free(db->ident_str);
	zone_acl_free(db->acl);
	free(db->upd_journal);
	zone_keyring_free(db->keys);
	zone_notify_acl_free(db->notify_acl);
	zone_db_signers_free(db);
	free(db);
}

static db_entry *db_lookup(const zone_db *db, const uint8_t *lname,
			   size_t len, uint32_t hash)
{
	size_t mask = db->cap - 1;

	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		db_entry *e = &db->tab[i];
		if (!e->lname)
			return NULL;
		if (e->hash == hash && e->len == len &&
		    memcmp(e->lname, lname, len) == 0)
			return e;
	}
}

static int db_grow(zone_db *db)
{
	size_t ncap = db->cap * 2;
	db_entry *nt = calloc(ncap, sizeof(*nt));

	if (!nt)
		return -ENOMEM;
	for (size_t i = 0; i < db->cap; i++) {
		db_entry *e = &db->tab[i];
		size_t j = e->hash & (ncap - 1);
		if (!e->lname)
			continue;
		while (nt[j].lname)
			j = (j + 1) & (ncap - 1);
		nt[j] = *e;
	}
	free(db->tab);
	db->tab = nt;
	db->cap = ncap;
	return 0;
}

/* Find or create the entry for a lowercased wire name. */
static db_entry *db_entry_get(zone_db *db, const uint8_t *lname)
{
	size_t len = wire_name_len(lname), j;
	uint32_t hash = zone_name_hash(lname, len);
	db_entry *e = db_lookup(db, lname, len, hash);
	int labels;

	if (e)
		return e;
	if (2 * (db->used + 1) > db->cap && db_grow(db) < 0)
		return NULL;
	j = hash & (db->cap - 1);
	while (db->tab[j].lname)
		j = (j + 1) & (db->cap - 1);
	e = &db->tab[j];
	if (!(e->lname = malloc(len)))
		return NULL;
	memcpy(e->lname, lname, len);
	e->len = len;
	e->hash = hash;
	db->used++;
	labels = wire_name_labels(lname);
	if (labels > db->maxlabels)
		db->maxlabels = labels;
	return e;
}

int zone_db_add_zone(zone_db *db, zone *z)
{
	uint8_t lname[WIRE_MAXNAME];
	db_entry *e;

	if (!db || !z)
		return -EINVAL;
	wire_name_lower(lname, zone_origin(z));
	if (!(e = db_entry_get(db, lname)))
		return -ENOMEM;
	if (e->z)
		return -EEXIST;
	zone_ref(z);
	e->z = z;
	db->nzones++;
	return 0;
}

int zone_db_replace_zone(zone_db *db, zone *z)
{
	uint8_t lname[WIRE_MAXNAME];
	size_t len;
	db_entry *e;

	if (!db || !z)
		return -EINVAL;
	len = wire_name_lower(lname, zone_origin(z));
	e = db_lookup(db, lname, len, zone_name_hash(lname, len));
	if (!e || !e->z)
		return -ENOENT;
	zone_ref(z);
	zone_unref(e->z);
	e->z = z;
	return 0;
}

zone *zone_db_get_zone(const zone_db *db, const char *origin)
{
	uint8_t name[WIRE_MAXNAME], lname[WIRE_MAXNAME];
	size_t len;
	const db_entry *e;

	if (!db || !origin || wire_name_from_str(origin, name) < 0)
		return NULL;
	len = wire_name_lower(lname, name);
	e = db_lookup(db, lname, len, zone_name_hash(lname, len));
	return e ? e->z : NULL;
}

void zone_db_set_journal(zone_db *db, zone_journal_fn fn, void *arg)
{
	db->jfn = fn;
	db->jarg = arg;
}

const zone *zone_db_local(const zone_db *db)
{
	return db ? db->local : NULL;
}

int zone_db_set_local(zone_db *db, zone *local)
{
	if (!db)
		return -EINVAL;
	if (local)
		zone_ref(local);
	zone_unref(db->local);
	db->local = local;
	return 0;
}

int zone_db_set_plain_domain(zone_db *db, const char *domain)
{
	uint8_t name[WIRE_MAXNAME];

	if (!db)
		return -EINVAL;
	db->plain_dom[0] = 0;
	if (!domain || !*domain)
		return 0;
	if (wire_name_from_str(domain, name) < 0)
		return -EINVAL;
	if (name[0] + 2 + wire_name_len(name) > WIRE_MAXNAME + 1u)
		return -EINVAL;  /* no room left for a label */
	wire_name_lower(db->plain_dom, name);
	return 0;
}

static void db_addr_set(db_addr *a, int af, const uint8_t *addr,
			uint32_t ttl)
{
	if (af == 4) {
		memcpy(a->a4, addr, 4);
		a->has4 = 1;
		a->ttl4 = ttl;
	} else if (af == 6) {
		memcpy(a->a6, addr, 16);
		a->has6 = 1;
		a->ttl6 = ttl;
	} else {
		a->nx = 1;
	}
}

static db_addr **db_addr_slot(zone_db *db, const char *domain)
{
	uint8_t name[WIRE_MAXNAME], lname[WIRE_MAXNAME];
	db_entry *e;

	if (strcmp(domain, "#") == 0)
		return &db->addr_all;
	if (wire_name_from_str(domain, name) < 0)
		return NULL;
	wire_name_lower(lname, name);
	e = db_entry_get(db, lname);
	return e ? &e->addr : NULL;
}

int zone_db_add_address(zone_db *db, const char *domain, int af,
			const uint8_t *addr, uint32_t ttl)
{
	db_addr **slot;

	if (!db || !domain || (af != 0 && af != 4 && af != 6) ||
	    (af != 0 && !addr))
		return -EINVAL;
	if (!(slot = db_addr_slot(db, domain)))
		return -EINVAL;
	if (!*slot) {
		if (!(*slot = calloc(1, sizeof(**slot))))
			return -ENOMEM;
		db->naddr++;
	}
	db_addr_set(*slot, af, addr, ttl);
	return 0;
}

/* Skip labels of lname until at most maxlabels remain. */
static size_t db_skip(const uint8_t *lname, int labels, int maxlabels)
{
	size_t off = 0;

	for (; labels > maxlabels; labels--)
		off += (size_t)lname[off] + 1;
	return off;
}

static int db_take(const db_entry *e, int zones_only, db_match *m)
{
	if (e->addr && !zones_only) {
		m->e = e;
		m->addr = e->addr;
		m->z = NULL;
		return 1;
	}
	if (e->z) {
		m->e = e;
		m->z = e->z;
		return 1;
	}
	return 0;
}

int db_match_name(const zone_db *db, const uint8_t *lname, size_t len,
		  uint16_t qtype, int zones_only, db_match *m)
{
	int labels = wire_name_labels(lname);
	size_t off = db_skip(lname, labels, db->maxlabels);

	memset(m, 0, sizeof(*m));
	for (;;) {
		const db_entry *e = db_lookup(db, lname + off, len - off,
					      zone_name_hash(lname + off,
							     len - off));
		/* DS at a zone apex: answered by the parent if we have it */
		int ds_apex = e && e->z && off == 0 && qtype == DNS_T_DS &&
			      (!e->addr || zones_only);
		if (e && m->z) {
			if (e->z) {     /* the parent of a DS apex */
				m->e = e;
				m->z = e->z;
				return 1;
			}
		} else if (e && ds_apex) {
			m->e = e;
			m->z = e->z;
		} else if (e && db_take(e, zones_only, m)) {
			return 1;
		}
		if (lname[off] == 0)
			break;
		off += (size_t)lname[off] + 1;
	}
	if (m->z)
		return 1;
	if (!zones_only && db->addr_all) {
		m->addr = db->addr_all;
		return 1;
	}
	return 0;
}
