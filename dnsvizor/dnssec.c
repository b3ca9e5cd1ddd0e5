/*
 * Online signing of our own zones (--dnssec-sign): the keys, their
 * lifecycle and the refresh timer.  The shell's one file that makes
 * DNSSEC keys (OpenSSL key generation draws randomness, so it lives
 * here, not in zones/).
 *
 * Keys: <state-dir>/dnssec/<zone>+<alg>+<tag>.key (zone named as in
 * persist.c: no trailing dot, "root", %XX), 0600, replaced atomically
 * (dv_write_atomic).  A text file of "name: value" lines: the zone, the
 * algorithm, the DNSKEY flags, the key tag, the role (csk, ksk, zsk)
 * and the key's timers (created, publish, ready, active, retire,
 * remove, ds-seen: unix seconds, 0 = not set), then the private key as
 * base64 PKCS#8 DER.  Keys of another algorithm are ignored (logged):
 * algorithm rollovers are not done.  A removed key's file stays (its
 * remove time has passed; it is not loaded again).
 *
 * Lifecycle (zones/keyroll.c decides, by the --dnssec-policy): on each
 * tick the zone's key files are read, zone_keyroll_step moves their
 * timers on, new keys are made and written first, changed timers
 * after (a kill -9 between the two is repaired by the next step), and
 * the signer gets each key with what it does now.  A request file
 * <zone>.request (written by --dnssec-rollover, read at the next tick:
 * SIGHUP) asks for a rollover now or says the parent has the new DS.
 * While a new KSK/CSK waits for its DS, the --dnssec-parent servers are
 * asked for it (a DS query through outq.c, each tick and at least every
 * DK_POLL seconds); when all of them serve it, the key's ds-seen is set
 * and the old key goes after the DS TTL.
 *
 * Signing: zone_db_sign after start-up (a zone file loaded for the
 * first time gets signed: one journalled change, serial + 1), after a
 * SIGHUP, and from a timer at the time the earliest signature needs
 * renewal or a key timer is due (at most an hour apart, and when the
 * test clock moves).  Changes made at run time are signed by zones/ in
 * the same change, and so are zone-file edits (persist.c,
 * zone_db_file_diff_record): the signers are attached before persist.c
 * opens or reloads the zones.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/evp.h>

#include "dnsvizor/addr.h"
#include "dnsvizor/clock.h"
#include "dnsvizor/dnssec.h"
#include "dnsvizor/outq.h"
#include "dnsvizor/persist.h"
#include "zones/updclient.h"

enum {
	DK_PATHMAX = 4096,
	DK_DERMAX = 512,
	DK_TEXTMAX = 4096,
	DK_REFRESH_MAX = 3600,        /* look at least hourly */
	DK_MAXKEYS = ZONE_SIGN_MAXKEYS,
	DK_POLL = 300,                /* ask the parent this often, s */
	DK_MAXPARENTS = 8,
	DK_DSMAX = 64,
};

/* One zone's state between ticks: what its keys did (for the log) and
 * the poll of the parent's servers for a new DS. */
typedef struct dk_zone {
	char *zone;
	uint16_t tag[DK_MAXKEYS];
	unsigned use[DK_MAXKEYS];
	int n;
	uint8_t ds[DK_DSMAX];         /* the DS polled for */
	size_t dslen;
	int asked, answered, seen;    /* servers in this round */
	int ds_ok;                    /* every server served it */
	uint32_t ds_ttl;              /* the largest TTL it was served with */
	uint64_t polled;              /* last round started */
} dk_zone;

struct dv_dnssec {
	struct event *timer;
	uint64_t armed;
	dk_zone *z;
	size_t nz;
	int asked;                    /* a DS query went out (cancel them) */
};

typedef struct dv_dkey {
	zone_keytimes t, was;         /* now, and as read (write if moved) */
	uint8_t alg;
	uint16_t flags, tag;
	uint8_t der[DK_DERMAX];
	size_t der_len;
	int isnew;
} dv_dkey;

/* ---- names and files ---- */

static int dk_dir(const dv_ctx *ctx, char *out, size_t cap)
{
	const char *sd = ctx->cfg.state_dir;

	if (!sd || !*sd)
		return -1;
	return snprintf(out, cap, "%s/dnssec", sd) < (int)cap ? 0 : -1;
}

static const char *const dk_roles[] = { "?", "ksk", "zsk", "csk" };

static uint8_t dk_role_of(const char *v)
{
	for (uint8_t r = 1; r <= 3; r++)
		if (!strcasecmp(v, dk_roles[r]))
			return r;
	return 0;
}

/* The timer fields of the key file, by name. */
static uint64_t *dk_timer(zone_keytimes *t, const char *name)
{
	struct { const char *n; uint64_t *f; } v[] = {
		{ "created", &t->created }, { "publish", &t->publish },
		{ "ready", &t->ready }, { "active", &t->active },
		{ "retire", &t->retire }, { "remove", &t->remove },
		{ "ds-seen", &t->ds_seen },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!strcmp(name, v[i].n))
			return v[i].f;
	return NULL;
}

static int dk_parse(const char *text, dv_dkey *k)
{
	char line[DK_TEXTMAX];
	const char *p = text;

	memset(k, 0, sizeof(*k));
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		uint64_t *f;
		char *v;

		if (n >= sizeof(line))
			return -1;
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (nl != NULL);
		if (line[0] == ';' || !(v = strchr(line, ':')))
			continue;
		*v++ = '\0';
		while (*v == ' ')
			v++;
		if (!strcmp(line, "algorithm"))
			k->alg = (uint8_t)strtoul(v, NULL, 10);
		else if (!strcmp(line, "flags"))
			k->flags = (uint16_t)strtoul(v, NULL, 10);
		else if (!strcmp(line, "role"))
			k->t.role = dk_role_of(v);
		else if ((f = dk_timer(&k->t, line)))
			*f = strtoull(v, NULL, 10);
		else if (!strcmp(line, "private-key")) {
			long d = wire_b64_decode(v, strlen(v), 0, k->der,
						 sizeof(k->der));
			if (d <= 0)
				return -1;
			k->der_len = (size_t)d;
		}
	}
	if (!k->t.role)                  /* the first files: one CSK */
		k->t.role = ZONE_ROLE_CSK;
	if ((k->t.role & ZONE_ROLE_KSK) && !k->t.ready && !k->t.ds_seen)
		k->t.ds_seen = k->t.ready = k->t.created;
	k->was = k->t;
	return k->alg && k->flags && k->der_len ? 0 : -1;
}

static int dk_write(const char *path, const char *origin, const dv_dkey *k)
{
	char text[DK_TEXTMAX];
	unsigned char b64[DK_DERMAX * 2];
	const zone_keytimes *t = &k->t;
	int n;

	EVP_EncodeBlock(b64, k->der, (int)k->der_len);
	n = snprintf(text, sizeof(text),
		     "; dnsvizor DNSSEC key (--dnssec-sign); keep it secret\n"
		     "zone: %s\nalgorithm: %u\nflags: %u\ntag: %u\n"
		     "role: %s\ncreated: %llu\npublish: %llu\nready: %llu\n"
		     "active: %llu\nretire: %llu\nremove: %llu\n"
		     "ds-seen: %llu\nprivate-key: %s\n", origin,
		     k->alg, k->flags, k->tag, dk_roles[t->role & 3],
		     (unsigned long long)t->created,
		     (unsigned long long)t->publish,
		     (unsigned long long)t->ready,
		     (unsigned long long)t->active,
		     (unsigned long long)t->retire,
		     (unsigned long long)t->remove,
		     (unsigned long long)t->ds_seen, b64);
	if (n < 0 || (size_t)n >= sizeof(text))
		return -1;
	return dv_write_atomic(path, text, (size_t)n, 0600);
}

/* A new private key of alg as PKCS#8 DER, with the flags of its role. */
static int dk_generate(uint8_t alg, uint8_t role, dv_dkey *k)
{
	EVP_PKEY *pk = alg == ZONE_ALG_ED25519 ?
		       EVP_PKEY_Q_keygen(NULL, NULL, "ED25519") :
		       EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	unsigned char *p = k->der;
	int n;

	if (!pk)
		return -1;
	n = i2d_PrivateKey(pk, NULL);
	if (n > 0 && (size_t)n <= sizeof(k->der))
		n = i2d_PrivateKey(pk, &p);
	EVP_PKEY_free(pk);
	if (n <= 0 || (size_t)n > sizeof(k->der))
		return -1;
	k->der_len = (size_t)n;
	k->alg = alg;
	k->flags = (role & ZONE_ROLE_KSK) ? ZONE_DNSKEY_CSK : 256;
	return 0;
}

/* "ZONE IN DS tag alg 2 HEX" for key k of origin. */
static int dk_ds_text(const char *origin, const zone_sigkey *k, char *out,
		      size_t cap)
{
	uint8_t owner[WIRE_MAXNAME], ds[64];
	int n, o;

	if (wire_name_from_str(origin, owner) < 0 ||
	    (n = zone_sigkey_ds(k, owner, ds, sizeof(ds))) < 4)
		return -1;
	o = snprintf(out, cap, "%s IN DS %u %u %u ", origin, wire_get16(ds),
		     ds[2], ds[3]);
	for (int i = 4; i < n && o > 0 && (size_t)o + 3 < cap; i++)
		o += snprintf(out + o, cap - (size_t)o, "%02x", ds[i]);
	return 0;
}

/* ---- loading ---- */

typedef struct dk_set {
	dv_dkey k[DK_MAXKEYS];
	int n;
} dk_set;

static void dk_key_path(const char *dir, const char *origin,
			const dv_dkey *k, char *path, size_t cap)
{
	char zn[1024];

	dv_persist_file_base(origin, zn, sizeof(zn));
	if ((size_t)snprintf(path, cap, "%s/%s+%03u+%05u.key", dir, zn,
			     k->alg, k->tag) >= cap)
		path[0] = '\0';   /* no such file: the write fails */
}

static zone_sigkey *dk_sigkey(const dv_dkey *k, char *why, size_t whylen)
{
	return zone_sigkey_new(k->der, k->der_len, k->flags, why, whylen);
}

/* The key in path, when it is of alg and not removed at now. */
static void dk_load_one(dv_ctx *ctx, const char *path, uint8_t alg,
			uint64_t now, dk_set *set)
{
	char *text = NULL, why[256];
	size_t len;
	dv_dkey *k = &set->k[set->n];
	zone_sigkey *sk;

	if (set->n == DK_MAXKEYS)
		return;
	if (dv_read_file(NULL, path, &text, &len) < 0 ||
	    dk_parse(text, k) < 0) {
		dv_log(&ctx->lg, DV_LOG_ERR, "dnssec: %s: cannot read the key "
		       "file", path);
		free(text);
		return;
	}
	free(text);
	if (k->alg != alg) {
		dv_log(&ctx->lg, DV_LOG_WARN, "dnssec: %s: algorithm %u, not "
		       "the configured %u: not used", path, k->alg, alg);
		return;
	}
	if (!zone_key_live(&k->t, now))
		return;
	if (!(sk = dk_sigkey(k, why, sizeof(why)))) {
		dv_log(&ctx->lg, DV_LOG_ERR, "dnssec: %s: %s", path, why);
		return;
	}
	k->tag = zone_sigkey_tag(sk);
	zone_sigkey_free(sk);
	set->n++;
}

/* The live keys of spec's zone in dir. */
static void dk_scan(dv_ctx *ctx, const char *dir, const dv_sign_spec *spec,
		    uint64_t now, dk_set *set)
{
	char zn[1024], path[DK_PATHMAX];
	size_t zl;
	struct dirent *e;
	DIR *d = opendir(dir);

	set->n = 0;
	if (!d)
		return;
	dv_persist_file_base(spec->zone, zn, sizeof(zn));
	zl = strlen(zn);
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n < zl + 5 || strncmp(e->d_name, zn, zl) != 0 ||
		    e->d_name[zl] != '+' || strcmp(e->d_name + n - 4, ".key"))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
				     e->d_name) >= sizeof(path))
			continue;
		dk_load_one(ctx, path, spec->alg, now, set);
	}
	closedir(d);
}

/* ---- requests (--dnssec-rollover) ---- */

static int dk_req_path(const dv_ctx *ctx, const char *origin, char *path,
		       size_t cap)
{
	char dir[DK_PATHMAX], zn[1024];

	if (dk_dir(ctx, dir, sizeof(dir)) < 0)
		return -1;
	dv_persist_file_base(origin, zn, sizeof(zn));
	return (size_t)snprintf(path, cap, "%s/%s.request", dir, zn) < cap ?
	       0 : -1;
}

static const struct { const char *word; unsigned what; } dk_reqs[] = {
	{ "zsk", ZONE_ROLE_ZSK }, { "ksk", ZONE_ROLE_KSK },
	{ "csk", ZONE_ROLE_CSK }, { "ksk-submitted", DV_ROLL_SUBMITTED },
};

/* The requests waiting for origin (DV_ROLL_* and ZONE_ROLE_* bits). */
static unsigned dk_requests(dv_ctx *ctx, const char *origin)
{
	char path[DK_PATHMAX], *text = NULL, *tok, *save = NULL;
	size_t len;
	unsigned what = 0;

	if (dk_req_path(ctx, origin, path, sizeof(path)) < 0 ||
	    access(path, F_OK) != 0 ||
	    dv_read_file(NULL, path, &text, &len) < 0)
		return 0;
	for (tok = strtok_r(text, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save))
		for (size_t i = 0; i < sizeof(dk_reqs) / sizeof(dk_reqs[0]);
		     i++)
			if (!strcasecmp(tok, dk_reqs[i].word))
				what |= dk_reqs[i].what;
	free(text);
	return what;
}

static void dk_requests_done(dv_ctx *ctx, const char *origin)
{
	char path[DK_PATHMAX];

	if (dk_req_path(ctx, origin, path, sizeof(path)) == 0)
		unlink(path);
}

int dv_dnssec_request(dv_ctx *ctx, FILE *out, char *err, size_t errlen)
{
	const dv_roll_req *r = &ctx->cfg.dnssec_rollover;
	char path[DK_PATHMAX], dir[DK_PATHMAX], *old = NULL, text[256];
	const char *word = "";
	struct stat st;
	size_t len = 0;
	int n;

	for (size_t i = 0; i < sizeof(dk_reqs) / sizeof(dk_reqs[0]); i++)
		if (dk_reqs[i].what == r->what)
			word = dk_reqs[i].word;
	if (dk_dir(ctx, dir, sizeof(dir)) < 0 ||
	    dk_req_path(ctx, r->zone, path, sizeof(path)) < 0) {
		snprintf(err, errlen, "dnssec-rollover: no --state-dir");
		return -1;
	}
	mkdir(dir, 0700);
	if (access(path, F_OK) == 0)
		dv_read_file(NULL, path, &old, &len);
	n = snprintf(text, sizeof(text), "%.*s%s\n", old ? (int)len : 0,
		     old ? old : "", word);
	free(old);
	if (n < 0 || (size_t)n >= sizeof(text) ||
	    dv_write_atomic(path, text, (size_t)n, 0600) < 0) {
		snprintf(err, errlen, "dnssec-rollover: cannot write %s: %s",
			 path, strerror(errno));
		return -1;
	}
	/* the daemon may run as another user (--user): the request is
	 * for the owner of the key directory to read and remove */
	if (stat(dir, &st) == 0 && chown(path, st.st_uid, st.st_gid) < 0)
		fprintf(out, "warning: cannot give %s to uid %u: %s\n", path,
			(unsigned)st.st_uid, strerror(errno));
	fprintf(out, "%s: %s requested in %s; send SIGHUP to the running "
		"dnsvizor\n", r->zone, word, path);
	return 0;
}

/* ---- the lifecycle ---- */

static const char *dk_role_name(const zone_keytimes *t)
{
	return dk_roles[t->role & 3];
}

static dk_zone *dk_zone_of(dv_ctx *ctx, const char *origin)
{
	struct dv_dnssec *d = ctx->dnssec;
	dk_zone *v;

	for (size_t i = 0; i < d->nz; i++)
		if (!strcasecmp(d->z[i].zone, origin))
			return &d->z[i];
	if (!(v = realloc(d->z, (d->nz + 1) * sizeof(*v))))
		return NULL;
	d->z = v;
	memset(&v[d->nz], 0, sizeof(*v));
	if (!(v[d->nz].zone = strdup(origin)))
		return NULL;
	return &v[d->nz++];
}

/* The new key is ready for the parent: its DS, once more. */
static void dk_log_submit(dv_ctx *ctx, const char *origin, const dv_dkey *k)
{
	char ds[512], why[256];
	zone_sigkey *sk = dk_sigkey(k, why, sizeof(why));

	int parents = 0;

	for (size_t i = 0; i < ctx->cfg.dnssec_parent.n; i++)
		parents += !strcasecmp(ctx->cfg.dnssec_parent.v[i].zone,
				       origin);
	if (sk && dk_ds_text(origin, sk, ds, sizeof(ds)) == 0)
		dv_log(&ctx->lg, DV_LOG_INFO, "dnssec: zone %s: key %u is "
		       "ready; waiting for the parent's DS: %s%s", origin,
		       k->tag, ds, parents ? "" : " (no --dnssec-parent: "
		       "say when it is there with --dnssec-rollover="
		       "ZONE,ksk-submitted)");
	zone_sigkey_free(sk);
}

/* Log what changed in what the keys do. */
static void dk_log_uses(dv_ctx *ctx, dk_zone *zs, const char *origin,
			const dk_set *set, const unsigned *use)
{
	static const char *const what[] = {
		"published", "signs the zone", "signs the DNSKEY set",
		"in CDS/CDNSKEY",
	};

	for (int i = 0; i < set->n; i++) {
		unsigned was = 0;
		char buf[256] = "";
		size_t o = 0;
		for (int j = 0; j < zs->n; j++)
			if (zs->tag[j] == set->k[i].tag)
				was = zs->use[j];
		if (was == use[i])
			continue;
		for (int b = 0; b < 4; b++)
			if (use[i] & (1u << b))
				o += (size_t)snprintf(buf + o, sizeof(buf) - o,
						      "%s%s", o ? ", " : "",
						      what[b]);
		dv_log(&ctx->lg, DV_LOG_INFO, "dnssec: zone %s: key %u (%s): "
		       "%s", origin, set->k[i].tag,
		       dk_role_name(&set->k[i].t), o ? buf : "removed");
		if ((use[i] & ZONE_KEY_CDS) && !(was & ZONE_KEY_CDS))
			dk_log_submit(ctx, origin, &set->k[i]);
	}
	for (int j = 0; j < zs->n; j++) {
		int found = 0;
		for (int i = 0; i < set->n; i++)
			found |= zs->tag[j] == set->k[i].tag;
		if (!found)
			dv_log(&ctx->lg, DV_LOG_INFO, "dnssec: zone %s: key "
			       "%u: removed", origin, zs->tag[j]);
	}
	zs->n = set->n;
	for (int i = 0; i < set->n; i++) {
		zs->tag[i] = set->k[i].tag;
		zs->use[i] = use[i];
	}
}

/* Make the key material of the new key k; write it.  0 or -1. */
static int dk_make(dv_ctx *ctx, const char *dir, const dv_sign_spec *spec,
		   dv_dkey *k, char *err, size_t errlen)
{
	char path[DK_PATHMAX], ds[512], why[256];
	zone_keytimes t = k->t;
	zone_sigkey *sk;

	if (dk_generate(spec->alg, t.role, k) < 0 ||
	    !(sk = dk_sigkey(k, why, sizeof(why)))) {
		snprintf(err, errlen, "dnssec-sign: %s: cannot make a key",
			 spec->zone);
		return -1;
	}
	k->t = t;
	k->tag = zone_sigkey_tag(sk);
	mkdir(dir, 0700);
	dk_key_path(dir, spec->zone, k, path, sizeof(path));
	if (dk_write(path, spec->zone, k) < 0) {
		zone_sigkey_free(sk);
		snprintf(err, errlen, "dnssec-sign: %s: cannot write %s: %s",
			 spec->zone, path, strerror(errno));
		return -1;
	}
	k->was = k->t;
	if ((t.role & ZONE_ROLE_KSK) &&
	    dk_ds_text(spec->zone, sk, ds, sizeof(ds)) == 0)
		dv_log(&ctx->lg, DV_LOG_INFO, "dnssec: zone %s: new key %u "
		       "(%s, %s) in %s; DS for the parent: %s", spec->zone,
		       k->tag, dv_sign_alg_name(k->alg), dk_role_name(&t),
		       path, ds);
	else
		dv_log(&ctx->lg, DV_LOG_INFO, "dnssec: zone %s: new key %u "
		       "(%s, %s) in %s", spec->zone, k->tag,
		       dv_sign_alg_name(k->alg), dk_role_name(&t), path);
	zone_sigkey_free(sk);
	return 0;
}

/* Write the keys whose timers moved (after the new ones). */
static void dk_write_moved(dv_ctx *ctx, const char *dir,
			   const dv_sign_spec *spec, dk_set *set)
{
	char path[DK_PATHMAX];

	for (int i = 0; i < set->n; i++) {
		dv_dkey *k = &set->k[i];
		if (!memcmp(&k->t, &k->was, sizeof(k->t)))
			continue;
		dk_key_path(dir, spec->zone, k, path, sizeof(path));
		if (dk_write(path, spec->zone, k) < 0) {
			dv_log(&ctx->lg, DV_LOG_ERR, "dnssec: cannot write %s: "
			       "%s", path, strerror(errno));
			continue;
		}
		k->was = k->t;
		if (k->t.remove)
			dv_log(&ctx->lg, DV_LOG_INFO, "dnssec: zone %s: key %u "
			       "(%s) retires at %llu, goes at %llu",
			       spec->zone, k->tag, dk_role_name(&k->t),
			       (unsigned long long)k->t.retire,
			       (unsigned long long)k->t.remove);
	}
}

/* The parent has the DS of the key waiting for it (a request or the
 * poll said so): from now on the old key's end is known. */
static int dk_ds_seen(dv_ctx *ctx, const char *origin, dk_set *set,
		      uint64_t now)
{
	int n = 0;

	for (int i = 0; i < set->n; i++) {
		zone_keytimes *t = &set->k[i].t;
		if (!(t->role & ZONE_ROLE_KSK) || t->ds_seen || !t->ready ||
		    t->ready > now)
			continue;
		t->ds_seen = now;
		n++;
		dv_log(&ctx->lg, DV_LOG_INFO, "dnssec: zone %s: the parent "
		       "has the DS of key %u", origin, set->k[i].tag);
	}
	return n;
}

static void dk_poll(dv_ctx *ctx, dk_zone *zs, const dv_sign_spec *spec,
		    const dv_dkey *k, uint64_t now);

/* One zone's keys at now: move the timers, make and write keys, give
 * the signer each key with its use.  *next: when to look again. */
static int dk_zone_keys(dv_ctx *ctx, const dv_sign_spec *spec, zone *z,
			uint64_t now, uint64_t *next, char *err,
			size_t errlen)
{
	dv_policy_spec pol = dv_policy_of(&ctx->cfg.dnssec_policy,
					  spec->zone);
	zone_keypolicy kp = {
		.split = pol.split, .zsk_life = pol.zsk_life,
		.ksk_life = pol.ksk_life, .ds_ttl = pol.ds_ttl,
		.propagation = pol.propagation,
	};
	zone_keytimes t[DK_MAXKEYS];
	unsigned use[DK_MAXKEYS], req;
	char dir[DK_PATHMAX], why[256];
	dk_zone *zs = dk_zone_of(ctx, spec->zone);
	dk_set *set = calloc(1, sizeof(*set));
	size_t n;
	zone_signer *s;
	zone_sign_opts o = { .nsec3 = spec->nsec3 };
	int rc = -1, waiting = -1;

	if (!set || !zs) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (dk_dir(ctx, dir, sizeof(dir)) < 0) {
		snprintf(err, errlen, "dnssec-sign: %s: no --state-dir for "
			 "the keys", spec->zone);
		goto out;
	}
	dk_scan(ctx, dir, spec, now, set);
	req = dk_requests(ctx, spec->zone);
	/* the old key's end is fixed now: by the DS TTL the parent serves
	 * when that is longer than the policy's */
	if (zs->ds_ok && zs->ds_ttl > kp.ds_ttl)
		kp.ds_ttl = zs->ds_ttl;
	if (((req & DV_ROLL_SUBMITTED) || zs->ds_ok) &&
	    !dk_ds_seen(ctx, spec->zone, set, now) &&
	    (req & DV_ROLL_SUBMITTED))
		dv_log(&ctx->lg, DV_LOG_WARN, "dnssec: zone %s: ksk-submitted, "
		       "but no key is waiting for its DS (ignored)",
		       spec->zone);
	zs->ds_ok = 0;
	zone_sign_ttls(z, &kp.dnskey_ttl, &kp.max_ttl);
	n = (size_t)set->n;
	for (size_t i = 0; i < n; i++)
		t[i] = set->k[i].t;
	if (zone_keyroll_step(t, &n, DK_MAXKEYS, &kp, now, req & 3, next) < 0)
		dv_log(&ctx->lg, DV_LOG_ERR, "dnssec: zone %s: too many keys",
		       spec->zone);
	for (size_t i = 0; i < n; i++) {
		set->k[i].t = t[i];
		if ((int)i >= set->n) {
			set->k[i].isnew = 1;
			if (dk_make(ctx, dir, spec, &set->k[i], err,
				    errlen) < 0)
				goto out;
		}
	}
	set->n = (int)n;
	dk_write_moved(ctx, dir, spec, set);
	if (req)
		dk_requests_done(ctx, spec->zone);
	if (!(s = zone_signer_new(&o))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (int i = 0; i < set->n; i++) {
		zone_sigkey *sk;
		use[i] = zone_key_use(&set->k[i].t, now);
		if (use[i] & ZONE_KEY_CDS)
			waiting = i;
		if (use[i] && (sk = dk_sigkey(&set->k[i], why, sizeof(why))))
			zone_signer_add_key_use(s, sk, use[i]);
	}
	dk_log_uses(ctx, zs, spec->zone, set, use);
	if (zone_db_set_signer(ctx->db, spec->zone, s) < 0) {
		snprintf(err, errlen, "dnssec-sign: %s: not served",
			 spec->zone);
		goto out;
	}
	if (waiting >= 0) {
		dk_poll(ctx, zs, spec, &set->k[waiting], now);
		if (*next == 0 || zs->polled + DK_POLL < *next)
			*next = zs->polled + DK_POLL;
	}
	rc = 0;
out:
	free(set);
	return rc;
}

/* ---- the parent's DS (--dnssec-parent) ---- */

static int dk_poll_cb(void *arg, uint64_t user, int status,
		      const uint8_t *msg, size_t len);

static void dk_poll_done(dv_ctx *ctx, dk_zone *zs)
{
	if (zs->answered < zs->asked)
		return;
	dv_log(&ctx->lg, DV_LOG_INFO, "dnssec: zone %s: %d of %d parent "
	       "servers serve the new DS", zs->zone, zs->seen, zs->asked);
	if (zs->seen == zs->asked && zs->asked > 0) {
		zs->ds_ok = 1;
		dv_dnssec_clock_moved(ctx);      /* a tick now */
	}
}

static int dk_poll_cb(void *arg, uint64_t user, int status,
		      const uint8_t *msg, size_t len)
{
	dv_ctx *ctx = arg;
	dk_zone *zs;
	uint8_t owner[WIRE_MAXNAME];
	uint32_t ttl;

	if (!ctx->dnssec || user >= ctx->dnssec->nz)
		return 0;
	zs = &ctx->dnssec->z[user];
	zs->answered++;
	if (status == DV_OQ_REPLY && wire_name_from_str(zs->zone, owner) > 0 &&
	    zone_keyroll_ds_served(msg, len, owner, zs->ds, zs->dslen,
				   &ttl) == 1) {
		zs->seen++;
		if (ttl > zs->ds_ttl)
			zs->ds_ttl = ttl;
	}
	dk_poll_done(ctx, zs);
	return 0;
}

/* Ask every --dnssec-parent server of spec's zone for the DS of k (once
 * per DK_POLL, or at once when the DS asked for changed). */
static void dk_poll(dv_ctx *ctx, dk_zone *zs, const dv_sign_spec *spec,
		    const dv_dkey *k, uint64_t now)
{
	uint8_t owner[WIRE_MAXNAME], ds[DK_DSMAX], q[WIRE_HDRLEN +
						   WIRE_MAXNAME + 4];
	char why[256];
	zone_sigkey *sk = dk_sigkey(k, why, sizeof(why));
	int dl = -1;
	long ql;

	if (sk && wire_name_from_str(spec->zone, owner) > 0)
		dl = zone_sigkey_ds(sk, owner, ds, sizeof(ds));
	zone_sigkey_free(sk);
	if (dl <= 0)
		return;
	if (zs->dslen == (size_t)dl && !memcmp(zs->ds, ds, (size_t)dl) &&
	    (zs->answered < zs->asked || now < zs->polled + DK_POLL))
		return;
	memcpy(zs->ds, ds, (size_t)dl);
	zs->dslen = (size_t)dl;
	zs->polled = now;
	zs->asked = zs->answered = zs->seen = 0;
	zs->ds_ttl = 0;
	if ((ql = zone_updc_query(q, sizeof(q), 0, owner, DNS_T_DS)) < 0)
		return;
	for (size_t i = 0; i < ctx->cfg.dnssec_parent.n; i++) {
		const dv_peer_spec *p = &ctx->cfg.dnssec_parent.v[i];
		struct sockaddr_storage ss;
		dv_oq_req r;
		if (strcasecmp(p->zone, spec->zone))
			continue;
		memset(&r, 0, sizeof(r));
		r.server_len = dv_sa_make(p->addr.af, p->addr.addr,
					  p->addr.port, &ss);
		r.server = (const struct sockaddr *)&ss;
		r.msg = q;
		r.len = (size_t)ql;
		r.o.retries = 2;
		r.cb = dk_poll_cb;
		r.arg = ctx;
		r.user = (uint64_t)(zs - ctx->dnssec->z);
		zs->asked++;
		ctx->dnssec->asked = 1;
		if (!dv_outq_query(dv_outq_of(ctx), &r))
			zs->answered++;
	}
	if (zs->asked)
		dv_log(&ctx->lg, DV_LOG_INFO, "dnssec: zone %s: asking %d "
		       "parent servers for the DS of key %u", spec->zone,
		       zs->asked, k->tag);
}

/* ---- signing ---- */

/* Sign every zone (what is due); arm the timer for the next time.  0,
 * or -1 with err when a zone's keys could not be made. */
static int dk_sign_all(dv_ctx *ctx, char *err, size_t errlen)
{
	uint64_t now = dv_now_s(), at = now + DK_REFRESH_MAX;
	const dv_sign_specs *l = &ctx->cfg.dnssec_sign;
	int ret = 0;

	for (size_t i = 0; i < l->n; i++) {
		zone *z = zone_db_get_zone(ctx->db, l->v[i].zone);
		zone_effects eff;
		uint64_t next = 0, knext = 0;
		int rc;

		if (!z)
			continue;
		if (dk_zone_keys(ctx, &l->v[i], z, now, &knext, err,
				 errlen) < 0) {
			ret = -1;
			continue;
		}
		if (knext > now && knext < at)
			at = knext;
		if (!zone_db_signer(ctx->db, z))
			continue;
		rc = zone_db_sign(ctx->db, z, now, &eff, &next);
		if (rc < 0 && rc != -EINVAL)
			dv_log(&ctx->lg, DV_LOG_ERR, "dnssec: zone %s: signing "
			       "failed: %s", l->v[i].zone, strerror(-rc));
		else if (eff.changed)
			dv_log(&ctx->lg, DV_LOG_INFO, "dnssec: zone %s signed, "
			       "serial %u", l->v[i].zone, zone_serial(z));
		if (next > now && next < at)
			at = next;
	}
	if (dv_persist_sync(ctx) < 0) {  /* undone: try again soon */
		dv_log(&ctx->lg, DV_LOG_ERR, "dnssec: journal not synced; "
		       "retrying in a minute");
		at = now + 60;
	}
	if (ctx->dnssec && ctx->dnssec->timer)
		dv_timer_at(ctx->dnssec->timer, &ctx->dnssec->armed,
			    at * 1000);
	return ret;
}

static void dk_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	dv_ctx *ctx = arg;
	char err[1024];

	(void)fd;
	(void)what;
	ctx->dnssec->armed = 0;
	if (dk_sign_all(ctx, err, sizeof(err)) < 0)
		dv_log(&ctx->lg, DV_LOG_ERR, "dnssec: %s", err);
}

/* Keys loaded (or made), their lifecycle moved on and the signers put
 * on ctx->db, without signing: before persist.c opens or reloads the
 * zones, so that a zone-file edit found there is signed in its own
 * change (zone_db_file_diff_record). */
static int dk_attach_all(dv_ctx *ctx, char *err, size_t errlen)
{
	uint64_t now = dv_now_s();
	const dv_sign_specs *l = &ctx->cfg.dnssec_sign;

	for (size_t i = 0; i < l->n; i++) {
		zone *z = zone_db_get_zone(ctx->db, l->v[i].zone);
		uint64_t knext = 0;

		if (z && dk_zone_keys(ctx, &l->v[i], z, now, &knext, err,
				      errlen) < 0)
			return -1;
	}
	return 0;
}

int dv_dnssec_attach(dv_ctx *ctx, char *err, size_t errlen)
{
	if (ctx->cfg.dnssec_sign.n == 0)
		return 0;
	if (!ctx->dnssec &&
	    (!(ctx->dnssec = calloc(1, sizeof(*ctx->dnssec))) ||
	     !(ctx->dnssec->timer = evtimer_new(ctx->base, dk_timer_cb,
						ctx)))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return dk_attach_all(ctx, err, errlen);
}

int dv_dnssec_start(dv_ctx *ctx, char *err, size_t errlen)
{
	if (ctx->cfg.dnssec_sign.n == 0)
		return 0;
	if (!ctx->dnssec && dv_dnssec_attach(ctx, err, errlen) < 0)
		return -1;
	return dk_sign_all(ctx, err, errlen);
}

void dv_dnssec_reattach(dv_ctx *ctx)
{
	char err[1024];

	if (dv_dnssec_attach(ctx, err, sizeof(err)) < 0)
		dv_log(&ctx->lg, DV_LOG_ERR, "dnssec: %s", err);
}

void dv_dnssec_reload(dv_ctx *ctx)
{
	char err[1024];

	if (ctx->dnssec && dk_sign_all(ctx, err, sizeof(err)) < 0)
		dv_log(&ctx->lg, DV_LOG_ERR, "dnssec: %s", err);
}

void dv_dnssec_clock_moved(dv_ctx *ctx)
{
	char err[1024];

	if (ctx->dnssec && dk_sign_all(ctx, err, sizeof(err)) < 0)
		dv_log(&ctx->lg, DV_LOG_ERR, "dnssec: %s", err);
}

int dv_dnssec_print_ds(dv_ctx *ctx, FILE *out, char *err, size_t errlen)
{
	char line[512], dir[DK_PATHMAX], why[256];
	const dv_sign_spec *spec = NULL;
	uint8_t w[WIRE_MAXNAME], w2[WIRE_MAXNAME];
	dk_set *set;
	int found = 0;

	if (wire_name_from_str(ctx->cfg.print_ds, w) < 0) {
		snprintf(err, errlen, "print-ds: bad zone name '%s'",
			 ctx->cfg.print_ds);
		return -1;
	}
	for (size_t i = 0; i < ctx->cfg.dnssec_sign.n; i++)
		if (wire_name_from_str(ctx->cfg.dnssec_sign.v[i].zone, w2) > 0
		    && wire_name_equal(w, w2))
			spec = &ctx->cfg.dnssec_sign.v[i];
	if (!spec) {
		snprintf(err, errlen, "print-ds: %s is not a --dnssec-sign "
			 "zone", ctx->cfg.print_ds);
		return -1;
	}
	if (dk_dir(ctx, dir, sizeof(dir)) < 0 ||
	    !(set = calloc(1, sizeof(*set)))) {
		snprintf(err, errlen, "print-ds: no --state-dir");
		return -1;
	}
	dk_scan(ctx, dir, spec, dv_now_s(), set);
	for (int i = 0; i < set->n; i++) {
		zone_sigkey *sk;
		if (!(set->k[i].t.role & ZONE_ROLE_KSK) ||
		    !(sk = dk_sigkey(&set->k[i], why, sizeof(why))))
			continue;
		if (dk_ds_text(spec->zone, sk, line, sizeof(line)) == 0) {
			fprintf(out, "%s\n", line);
			found = 1;
		}
		zone_sigkey_free(sk);
	}
	free(set);
	if (!found) {
		snprintf(err, errlen, "dnssec-sign: %s: no key in %s (one is "
			 "made when dnsvizor starts with --dnssec-sign)",
			 spec->zone, dir);
		return -1;
	}
	return 0;
}

void dv_dnssec_free(dv_ctx *ctx)
{
	if (!ctx->dnssec)
		return;
	if (ctx->dnssec->asked)
		dv_outq_cancel_all(dv_outq_of(ctx), dk_poll_cb, ctx);
	if (ctx->dnssec->timer)
		event_free(ctx->dnssec->timer);
	for (size_t i = 0; i < ctx->dnssec->nz; i++)
		free(ctx->dnssec->z[i].zone);
	free(ctx->dnssec->z);
	free(ctx->dnssec);
	ctx->dnssec = NULL;
}
