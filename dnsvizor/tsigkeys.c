/*
 * TSIG keys from the configuration: --dns-key=NAME:ALG:BASE64 (robur's
 * dnsvizor format) and --dns-key-file=FILE.  A key file holds BIND /
 * tsig-keygen style blocks
 *     key "name" { algorithm hmac-sha256; secret "base64"; };
 * and/or NAME:ALG:BASE64 entries, with #, // and C comments.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsvizor/dnsvizor.h"

enum { KF_TOKMAX = 1024 };

typedef struct kf_lexer {
	const char *p, *end;
	unsigned line;
	char tok[KF_TOKMAX];
	int quoted;
} kf_lexer;

/* Skip blanks and comments; 0, or -1 on an unterminated comment. */
static int kf_skip(kf_lexer *lx)
{
	while (lx->p < lx->end) {
		if (*lx->p == '\n')
			lx->line++;
		if (isspace((unsigned char)*lx->p)) {
			lx->p++;
		} else if (*lx->p == '#' || (*lx->p == '/' &&
			   lx->p + 1 < lx->end && lx->p[1] == '/')) {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
		} else if (*lx->p == '/' && lx->p + 1 < lx->end &&
			   lx->p[1] == '*') {
			for (lx->p += 2; lx->p + 1 < lx->end &&
			     !(lx->p[0] == '*' && lx->p[1] == '/'); lx->p++)
				lx->line += *lx->p == '\n';
			if (lx->p + 1 >= lx->end)
				return -1;
			lx->p += 2;
		} else
			return 0;
	}
	return 0;
}

/* Next token into lx->tok: a quoted string, one of { } ;, or a word.
 * 1 token, 0 end of input, -1 error. */
static int kf_next(kf_lexer *lx)
{
	size_t n = 0;

	if (kf_skip(lx) < 0)
		return -1;
	if (lx->p >= lx->end)
		return 0;
	lx->quoted = *lx->p == '"';
	if (lx->quoted) {
		for (lx->p++; lx->p < lx->end && *lx->p != '"'; lx->p++)
			if (n + 1 < KF_TOKMAX && *lx->p != '\n')
				lx->tok[n++] = *lx->p;
		if (lx->p >= lx->end)
			return -1;
		lx->p++;
	} else if (strchr("{};", *lx->p)) {
		lx->tok[n++] = *lx->p++;
	} else {
		while (lx->p < lx->end && !isspace((unsigned char)*lx->p) &&
		       !strchr("{};\"", *lx->p) && n + 1 < KF_TOKMAX)
			lx->tok[n++] = *lx->p++;
	}
	lx->tok[n] = 0;
	return 1;
}

static int kf_expect(kf_lexer *lx, const char *want)
{
	return kf_next(lx) == 1 && !lx->quoted && strcmp(lx->tok, want) == 0
	       ? 0 : -1;
}

static int kf_add(zone_keyring *kr, const char *spec, char *why,
		  size_t whylen)
{
	zone_tsig_key k;
	int r;

	if (zone_tsig_key_parse(spec, &k, why, whylen) < 0)
		return -1;
	r = kr ? zone_keyring_add(kr, &k) : 0;
	if (r == -EEXIST)
		snprintf(why, whylen, "key defined twice");
	else if (r < 0)
		snprintf(why, whylen, "out of memory");
	return r < 0 ? -1 : 0;
}

/* One statement inside a key block: algorithm A; | secret "S"; */
static int kf_stmt(kf_lexer *lx, char *alg, size_t alglen, char *secret,
		   size_t seclen)
{
	int is_alg = strcmp(lx->tok, "algorithm") == 0;

	if (lx->quoted || (!is_alg && strcmp(lx->tok, "secret") != 0))
		return -1;
	if (kf_next(lx) != 1)
		return -1;
	snprintf(is_alg ? alg : secret, is_alg ? alglen : seclen, "%s",
		 lx->tok);
	return kf_expect(lx, ";");
}

/* After "key": "name" { algorithm A; secret "S"; }; */
static int kf_block(kf_lexer *lx, zone_keyring *kr, char *why,
		    size_t whylen)
{
	char name[KF_TOKMAX], alg[64] = "", secret[KF_TOKMAX] = "";
	char spec[3 * KF_TOKMAX];

	if (kf_next(lx) != 1 || !strcmp(lx->tok, "{")) {
		snprintf(why, whylen, "expected key NAME {");
		return -1;
	}
	snprintf(name, sizeof(name), "%s", lx->tok);
	if (kf_expect(lx, "{") < 0) {
		snprintf(why, whylen, "expected '{' after key %.60s", name);
		return -1;
	}
	while (kf_next(lx) == 1 && !(strcmp(lx->tok, "}") == 0 &&
				     !lx->quoted)) {
		if (kf_stmt(lx, alg, sizeof(alg), secret, sizeof(secret)) < 0) {
			snprintf(why, whylen, "expected 'algorithm NAME;' or "
				 "'secret \"BASE64\";' in key %.60s", name);
			return -1;
		}
	}
	if (strcmp(lx->tok, "}") != 0 || kf_expect(lx, ";") < 0 || !alg[0] ||
	    !secret[0]) {
		snprintf(why, whylen, "key %.60s: needs algorithm and secret, "
			 "and must end with '};'", name);
		return -1;
	}
	snprintf(spec, sizeof(spec), "%s:%s:%s", name, alg, secret);
	return kf_add(kr, spec, why, whylen);
}

int dv_keyfile_parse(const char *text, size_t len, const char *fname,
		     zone_keyring *kr, char *err, size_t errlen)
{
	kf_lexer lx = { .p = text, .end = text + len, .line = 1 };
	char why[256] = "";
	int r, rc = 0;

	while (rc == 0 && (r = kf_next(&lx)) == 1) {
		if (!lx.quoted && strcmp(lx.tok, "key") == 0)
			rc = kf_block(&lx, kr, why, sizeof(why));
		else if (!lx.quoted && strchr(lx.tok, ':'))
			rc = kf_add(kr, lx.tok, why, sizeof(why));
		else {
			snprintf(why, sizeof(why), "unexpected '%.40s'",
				 lx.tok);
			rc = -1;
		}
	}
	if (rc == 0 && r < 0) {
		snprintf(why, sizeof(why), "unterminated string or comment");
		rc = -1;
	}
	if (rc < 0)
		snprintf(err, errlen, "%s:%u: %s", fname, lx.line, why);
	return rc;
}

/* Read and parse one key file into kr (NULL: only check). */
int dv_keyfile_load(const char *path, zone_keyring *kr, char *err,
		    size_t errlen)
{
	char *data = NULL;
	size_t len = 0;
	int r = dv_read_file(NULL, path, &data, &len);

	if (r < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return -1;
	}
	r = dv_keyfile_parse(data, len, path, kr, err, errlen);
	free(data);
	return r;
}

int dv_keys_build(const dv_config *cfg, zone_db *db, char *err,
		  size_t errlen)
{
	zone_keyring *kr;
	int rc = 0;

	if (cfg->dns_keys.n == 0 && cfg->dns_key_files.n == 0)
		return 0;
	if (!(kr = zone_keyring_new())) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; rc == 0 && i < cfg->dns_keys.n; i++) {
		int r = zone_keyring_add(kr, &cfg->dns_keys.v[i]);

		if (r < 0) {
			char name[1024];

			if (wire_name_to_str(cfg->dns_keys.v[i].name, name,
					     sizeof(name)) < 0)
				snprintf(name, sizeof(name), "?");
			snprintf(err, errlen, "dns-key=%s...: %s", name,
				 r == -EEXIST ? "key defined twice"
				 : "out of memory");
			rc = -1;
		}
	}
	for (size_t i = 0; rc == 0 && i < cfg->dns_key_files.n; i++)
		rc = dv_keyfile_load(cfg->dns_key_files.v[i], kr, err, errlen);
	if (rc < 0) {
		zone_keyring_free(kr);
		return -1;
	}
	return zone_db_set_keyring(db, kr);
}
