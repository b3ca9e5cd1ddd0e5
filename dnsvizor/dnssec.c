/*
 * Online signing of our own zones (--dnssec-sign): the keys and the
 * refresh timer.  The shell's one file that makes DNSSEC keys (OpenSSL
 * key generation draws randomness, so it lives here, not in zones/).
 *
 * Keys: <state-dir>/dnssec/<zone>+<alg>+<tag>.key (zone named as in
 * persist.c: no trailing dot, "root", %XX), 0600, written once with
 * dv_write_atomic.  A text file of "name: value" lines: the zone, the
 * algorithm, the DNSKEY flags, the key tag, the role (csk) and the
 * key's timers (created, publish, active, retire, remove: unix seconds,
 * 0 = not set; rollovers will move keys through them), then the private
 * key as base64 PKCS#8 DER.  The first start with --dnssec-sign makes a
 * CSK (flags 257) of the configured algorithm and logs its DS; later
 * starts load it.  Keys of another algorithm are ignored (logged):
 * algorithm rollovers are not done yet.
 *
 * Signing: zone_db_sign after start-up (a zone file loaded for the
 * first time gets signed: one journalled change, serial + 1), after a
 * SIGHUP, and from a timer at the time the earliest signature needs
 * renewal (at most an hour apart, and when the test clock moves).
 * Changes made at run time are signed by zones/ in the same change, and
 * so are zone-file edits (persist.c, zone_db_file_diff_record): the
 * signers are attached before persist.c opens or reloads the zones.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <event2/event.h>
#include <openssl/evp.h>

#include "dnsvizor/clock.h"
#include "dnsvizor/dnssec.h"
#include "dnsvizor/persist.h"

enum {
	DK_PATHMAX = 4096,
	DK_DERMAX = 512,
	DK_TEXTMAX = 4096,
	DK_REFRESH_MAX = 3600,        /* look at least hourly */
};

struct dv_dnssec {
	struct event *timer;
	uint64_t armed;
};

typedef struct dv_dkey {
	uint8_t alg;
	uint16_t flags, tag;
	uint64_t created, publish, active, retire, remove;
	uint8_t der[DK_DERMAX];
	size_t der_len;
} dv_dkey;

/* ---- names and files ---- */

static void dk_zname(const char *origin, char *out, size_t cap)
{
	size_t n = strlen(origin), o = 0;

	if (n && origin[n - 1] == '.')
		n--;
	if (n == 0) {
		snprintf(out, cap, "root");
		return;
	}
	for (size_t i = 0; i < n && o + 4 < cap; i++) {
		unsigned char c = (unsigned char)origin[i];
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-' || c == '_')
			out[o++] = (char)c;
		else if (c >= 'A' && c <= 'Z')
			out[o++] = (char)(c + 32);
		else
			o += (size_t)snprintf(out + o, cap - o, "%%%02X", c);
	}
	out[o] = '\0';
}

static int dk_dir(const dv_ctx *ctx, char *out, size_t cap)
{
	const char *sd = ctx->cfg.state_dir;

	if (!sd || !*sd)
		return -1;
	return snprintf(out, cap, "%s/dnssec", sd) < (int)cap ? 0 : -1;
}

static int dk_parse(const char *text, dv_dkey *k)
{
	char line[DK_TEXTMAX];
	const char *p = text;

	memset(k, 0, sizeof(*k));
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
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
		else if (!strcmp(line, "created"))
			k->created = strtoull(v, NULL, 10);
		else if (!strcmp(line, "publish"))
			k->publish = strtoull(v, NULL, 10);
		else if (!strcmp(line, "active"))
			k->active = strtoull(v, NULL, 10);
		else if (!strcmp(line, "retire"))
			k->retire = strtoull(v, NULL, 10);
		else if (!strcmp(line, "remove"))
			k->remove = strtoull(v, NULL, 10);
		else if (!strcmp(line, "private-key")) {
			long d = wire_b64_decode(v, strlen(v), 0, k->der,
						 sizeof(k->der));
			if (d <= 0)
				return -1;
			k->der_len = (size_t)d;
		}
	}
	return k->alg && k->flags && k->der_len ? 0 : -1;
}

static int dk_write(const char *path, const char *origin, const dv_dkey *k)
{
	char text[DK_TEXTMAX];
	unsigned char b64[DK_DERMAX * 2];
	int n;

	EVP_EncodeBlock(b64, k->der, (int)k->der_len);
	n = snprintf(text, sizeof(text),
		     "; dnsvizor DNSSEC key (--dnssec-sign); keep it secret\n"
		     "zone: %s\nalgorithm: %u\nflags: %u\ntag: %u\n"
		     "role: csk\ncreated: %llu\npublish: %llu\nactive: %llu\n"
		     "retire: %llu\nremove: %llu\nprivate-key: %s\n", origin,
		     k->alg, k->flags, k->tag,
		     (unsigned long long)k->created,
		     (unsigned long long)k->publish,
		     (unsigned long long)k->active,
		     (unsigned long long)k->retire,
		     (unsigned long long)k->remove, b64);
	if (n < 0 || (size_t)n >= sizeof(text))
		return -1;
	return dv_write_atomic(path, text, (size_t)n, 0600);
}

/* A new private key of alg as PKCS#8 DER. */
static int dk_generate(uint8_t alg, dv_dkey *k)
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
	k->flags = ZONE_DNSKEY_CSK;
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
	zone_sigkey *k[ZONE_SIGN_MAXKEYS];
	int n;
} dk_set;

static void dk_set_free(dk_set *s)
{
	for (int i = 0; i < s->n; i++)
		zone_sigkey_free(s->k[i]);
	s->n = 0;
}

static void dk_load_one(dv_ctx *ctx, const char *path, uint8_t alg,
			dk_set *set)
{
	char *text = NULL, why[256];
	size_t len;
	dv_dkey k;
	zone_sigkey *sk;

	if (dv_read_file(NULL, path, &text, &len) < 0 ||
	    dk_parse(text, &k) < 0) {
		dv_log(&ctx->lg, DV_LOG_ERR, "dnssec: %s: cannot read the key "
		       "file", path);
		free(text);
		return;
	}
	free(text);
	if (k.alg != alg) {
		dv_log(&ctx->lg, DV_LOG_WARN, "dnssec: %s: algorithm %u, not "
		       "the configured %u: not used", path, k.alg, alg);
		return;
	}
	if (k.remove || set->n == ZONE_SIGN_MAXKEYS)
		return;
	sk = zone_sigkey_new(k.der, k.der_len, k.flags, why, sizeof(why));
	if (!sk) {
		dv_log(&ctx->lg, DV_LOG_ERR, "dnssec: %s: %s", path, why);
		return;
	}
	set->k[set->n++] = sk;
}

/* The keys of spec's zone in dir. */
static void dk_scan(dv_ctx *ctx, const char *dir, const dv_sign_spec *spec,
		    dk_set *set)
{
	char zn[1024], path[DK_PATHMAX];
	size_t zl;
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	dk_zname(spec->zone, zn, sizeof(zn));
	zl = strlen(zn);
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n < zl + 5 || strncmp(e->d_name, zn, zl) != 0 ||
		    e->d_name[zl] != '+' || strcmp(e->d_name + n - 4, ".key"))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
				     e->d_name) >= sizeof(path))
			continue;
		dk_load_one(ctx, path, spec->alg, set);
	}
	closedir(d);
}

/* A new CSK for spec's zone, stored and logged with its DS. */
static int dk_create(dv_ctx *ctx, const char *dir, const dv_sign_spec *spec,
		     dk_set *set, char *err, size_t errlen)
{
	char zn[1024], path[DK_PATHMAX], ds[512], why[256];
	dv_dkey k;
	zone_sigkey *sk;

	memset(&k, 0, sizeof(k));
	if (dk_generate(spec->alg, &k) < 0 ||
	    !(sk = zone_sigkey_new(k.der, k.der_len, k.flags, why,
				   sizeof(why)))) {
		snprintf(err, errlen, "dnssec-sign: %s: cannot make a key",
			 spec->zone);
		return -1;
	}
	k.tag = zone_sigkey_tag(sk);
	k.created = k.publish = k.active = dv_now_s();
	dk_zname(spec->zone, zn, sizeof(zn));
	mkdir(dir, 0700);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s+%03u+%05u.key", dir,
			     zn, k.alg, k.tag) >= sizeof(path) ||
	    dk_write(path, spec->zone, &k) < 0) {
		zone_sigkey_free(sk);
		snprintf(err, errlen, "dnssec-sign: %s: cannot write %s: %s",
			 spec->zone, path, strerror(errno));
		return -1;
	}
	set->k[set->n++] = sk;
	if (dk_ds_text(spec->zone, sk, ds, sizeof(ds)) == 0)
		dv_log(&ctx->lg, DV_LOG_INFO, "dnssec: zone %s: new key %u "
		       "(%s, CSK) in %s; DS for the parent: %s", spec->zone,
		       k.tag, dv_sign_alg_name(k.alg), path, ds);
	return 0;
}

static int dk_keys(dv_ctx *ctx, const dv_sign_spec *spec, int create,
		   dk_set *set, char *err, size_t errlen)
{
	char dir[DK_PATHMAX];

	set->n = 0;
	if (dk_dir(ctx, dir, sizeof(dir)) < 0) {
		snprintf(err, errlen, "dnssec-sign: %s: no --state-dir for "
			 "the keys", spec->zone);
		return -1;
	}
	dk_scan(ctx, dir, spec, set);
	if (set->n == 0 && create)
		return dk_create(ctx, dir, spec, set, err, errlen);
	if (set->n == 0) {
		snprintf(err, errlen, "dnssec-sign: %s: no key in %s (one is "
			 "made when dnsvizor starts with --dnssec-sign)",
			 spec->zone, dir);
		return -1;
	}
	return 0;
}

/* ---- signing ---- */

static int dk_attach(dv_ctx *ctx, const dv_sign_spec *spec, char *err,
		     size_t errlen)
{
	zone_sign_opts o = { .nsec3 = spec->nsec3 };
	zone_signer *s;
	dk_set set;

	if (dk_keys(ctx, spec, 1, &set, err, errlen) < 0)
		return -1;
	if (!(s = zone_signer_new(&o))) {
		dk_set_free(&set);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int i = 0; i < set.n; i++)
		zone_signer_add_key(s, set.k[i]);
	if (zone_db_set_signer(ctx->db, spec->zone, s) < 0) {
		snprintf(err, errlen, "dnssec-sign: %s: not served",
			 spec->zone);
		return -1;
	}
	return 0;
}

/* Sign every zone (what is due); arm the timer for the next time. */
static void dk_sign_all(dv_ctx *ctx)
{
	uint64_t now = dv_now_s(), at = now + DK_REFRESH_MAX;
	const dv_sign_specs *l = &ctx->cfg.dnssec_sign;

	for (size_t i = 0; i < l->n; i++) {
		zone *z = zone_db_get_zone(ctx->db, l->v[i].zone);
		zone_effects eff;
		uint64_t next = 0;
		int rc;

		if (!z || !zone_db_signer(ctx->db, z))
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
}

static void dk_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	dv_ctx *ctx = arg;

	(void)fd;
	(void)what;
	ctx->dnssec->armed = 0;
	dk_sign_all(ctx);
}

static int dk_attach_all(dv_ctx *ctx, char *err, size_t errlen)
{
	for (size_t i = 0; i < ctx->cfg.dnssec_sign.n; i++)
		if (dk_attach(ctx, &ctx->cfg.dnssec_sign.v[i], err, errlen) < 0)
			return -1;
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
	dk_sign_all(ctx);
	return 0;
}

void dv_dnssec_reattach(dv_ctx *ctx)
{
	char err[1024];

	if (dv_dnssec_attach(ctx, err, sizeof(err)) < 0)
		dv_log(&ctx->lg, DV_LOG_ERR, "dnssec: %s", err);
}

void dv_dnssec_reload(dv_ctx *ctx)
{
	if (ctx->dnssec)
		dk_sign_all(ctx);
}

void dv_dnssec_clock_moved(dv_ctx *ctx)
{
	if (ctx->dnssec)
		dk_sign_all(ctx);
}

int dv_dnssec_print_ds(dv_ctx *ctx, FILE *out, char *err, size_t errlen)
{
	char line[512];
	const dv_sign_spec *spec = NULL;
	uint8_t w[WIRE_MAXNAME], w2[WIRE_MAXNAME];
	dk_set set;

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
	if (dk_keys(ctx, spec, 0, &set, err, errlen) < 0)
		return -1;
	for (int i = 0; i < set.n; i++)
		if (dk_ds_text(spec->zone, set.k[i], line, sizeof(line)) == 0)
			fprintf(out, "%s\n", line);
	dk_set_free(&set);
	return 0;
}

void dv_dnssec_free(dv_ctx *ctx)
{
	if (!ctx->dnssec)
		return;
	if (ctx->dnssec->timer)
		event_free(ctx->dnssec->timer);
	free(ctx->dnssec);
	ctx->dnssec = NULL;
}
