/*
 * acme/ — ACME client engine (RFC 8555) for DNS-01 certificates, with
 * external account binding (RFC 8555 7.3.4), RFC 7638 JWK thumbprints and
 * RFC 7807 problem documents.  Sans-IO: the shell makes the HTTPS
 * requests, publishes the TXT records, writes the files and keeps the
 * clock; the engine says what to do next ("actions") and consumes the
 * results.  It never calls socket, file, clock or random functions:
 * random bytes (renewal jitter) come from cfg.random.  OpenSSL's own DRBG
 * is used inside key generation and ECDSA/RSA signing (EVP), which is
 * pure computation as far as the process is concerned.
 *
 * Times are wall-clock seconds since the Unix epoch (int64_t): renewal
 * dates must survive a restart.
 *
 * Driving loop (shell):
 *
 *	ctx = acme_new(&cfg, err, sizeof err);
 *	acme_state_load(ctx, saved_json, len, now);   // optional
 *	loop:
 *		while (acme_next_action(ctx, &a, now) != ACME_ACT_NONE)
 *			carry out a (see acme_act_type);
 *		arm a timer at acme_next_timer(ctx);  // -1: none
 *		on HTTP completion:  acme_on_http_response(ctx, &resp, now)
 *		on TXT visible:      acme_on_published(ctx, a.token, now)
 *		on timer:            acme_on_timer(ctx, now)
 *		after any call:      persist acme_state_save(ctx) if changed
 *	                             (acme_state_dirty)
 *
 * At most one HTTP request is outstanding at a time: after an
 * ACME_ACT_HTTP action the engine hands out no further HTTP action until
 * acme_on_http_response was called for it (transport failures are
 * reported as status 0).  Orders are worked on one at a time.  The
 * directory is fetched and the account registered right at start-up
 * (so that a terms-of-service or EAB problem shows at once), orders when
 * they are due.  Names are lower-cased, without a trailing dot.
 *
 * Every pointer inside an acme_action stays valid until the next call
 * into the engine with the same ctx.  Strings are NUL-terminated.
 */
#ifndef DV_ACME_H
#define DV_ACME_H

#include <stddef.h>
#include <stdint.h>

typedef struct acme_ctx acme_ctx;

typedef enum acme_key_type {
	ACME_KEY_EC_P256 = 0,        /* default: ECDSA P-256 (ES256) */
	ACME_KEY_RSA2048 = 1,
	ACME_KEY_RSA3072 = 2,
} acme_key_type;

enum {
	ACME_NAMES_MAX = 100,        /* names per order (Let's Encrypt: 100) */
	ACME_NAME_MAX = 253,
	ACME_RENEW_MIN_VALID = 14 * 86400, /* TLSA flow: renew within 14 days */
};

/* One certificate to keep issued. */
typedef struct acme_order_cfg {
	const char *id;              /* stable, unique: [A-Za-z0-9._-]+ (file
				      * name stem for the shell) */
	const char *const *names;    /* DNS names; "*.example.com" allowed;
				      * the first is the CSR's CN */
	size_t nnames;
	acme_key_type key_type;      /* certificate key (new key per issue) */
	int64_t not_before;          /* current certificate, 0: none */
	int64_t not_after;           /* renewal at 2/3 of its lifetime */
	const char *cert_pem;        /* the current certificate (PEM, leaf
				      * first) or NULL: with it, a CA that
				      * offers ACME Renewal Information (RFC
				      * 9773) can move the renewal earlier */
} acme_order_cfg;

typedef struct acme_cfg {
	const char *directory_url;   /* e.g. https://acme-v02.api.letsencrypt.org/directory */
	const char *contact_email;   /* NULL: no contact */
	int agree_tos;               /* --acme-agree-tos: send
				      * termsOfServiceAgreed:true */
	const char *eab_kid;         /* external account binding, or NULL */
	const char *eab_hmac_key;    /* base64url, as the CA hands it out */
	const char *account_key_pem; /* required: PKCS#8/traditional PEM, EC
				      * P-256 (ES256) or RSA >= 2048 (RS256);
				      * see acme_key_generate */
	const char *account_url;     /* known account (from STORE_ACCOUNT),
				      * NULL: newAccount first */
	const acme_order_cfg *orders;
	size_t norders;
	void (*random)(void *arg, void *buf, size_t len); /* required */
	void *random_arg;
	int64_t now;
	/* tunables, 0: default */
	unsigned poll_max;           /* polls per authz/order (30) */
	unsigned publish_timeout;    /* seconds for WAIT_PUBLISHED (3600) */
	unsigned backoff_min;        /* failed order retry: 60 s, doubling, */
	unsigned backoff_max;        /* ... up to 86400 s */
} acme_cfg;

/* NULL with a reason in err (bad key, bad names, missing callback). */
acme_ctx *acme_new(const acme_cfg *cfg, char *err, size_t errlen);
void acme_free(acme_ctx *c);

typedef enum acme_act_type {
	ACME_ACT_NONE = 0,
	/* Make an HTTPS request: method, url, accept; for POST also body
	 * (body_len bytes) with content_type "application/jose+json".
	 * Answer with acme_on_http_response. */
	ACME_ACT_HTTP,
	/* Add TXT record `name` (e.g. "_acme-challenge.example.com", the
	 * wildcard label removed) with value `txt` to the zone; several
	 * values may exist for one name at once (example.com and
	 * *.example.com).  Idempotent: after a restart the same value may
	 * be published again. */
	ACME_ACT_PUBLISH,
	/* Remove that TXT value again (success or failure). */
	ACME_ACT_UNPUBLISH,
	/* Tell the engine (acme_on_published(token)) once `name` TXT `txt`
	 * is served by every authoritative server of the zone. */
	ACME_ACT_WAIT_PUBLISHED,
	/* Persist account_url and account_key_pem (0600). */
	ACME_ACT_STORE_ACCOUNT,
	/* Persist the certificate of order_id: chain_pem (leaf first),
	 * key_pem (NULL for acme_order_csr orders), not_before/not_after;
	 * then reload TLS. */
	ACME_ACT_STORE_CERT,
	/* Informational text (progress). */
	ACME_ACT_LOG,
	/* An order (order_id, or NULL: account/directory) failed: text
	 * explains (with the CA's problem type and detail); retried at
	 * retry_at. */
	ACME_ACT_ERROR,
} acme_act_type;

typedef struct acme_action {
	acme_act_type type;
	const char *order_id;        /* NULL for account-level actions */
	/* HTTP */
	const char *method;          /* "GET", "HEAD", "POST" */
	const char *url;
	const char *accept;          /* Accept header value, or NULL */
	const char *content_type;    /* POST: "application/jose+json" */
	const char *body;
	size_t body_len;
	/* PUBLISH / UNPUBLISH / WAIT_PUBLISHED */
	const char *name;            /* "_acme-challenge.<domain>" */
	const char *txt;             /* key authorization digest (43 chars) */
	const char *token;           /* handle for acme_on_published */
	/* STORE_ACCOUNT */
	const char *account_url;
	const char *account_key_pem;
	/* STORE_CERT */
	const char *key_pem;
	const char *chain_pem;
	int64_t not_before, not_after;
	/* LOG / ERROR */
	const char *text;
	const char *problem_type;    /* ERROR: the CA's problem "type" or NULL */
	int64_t retry_at;            /* ERROR: next attempt */
} acme_action;

/* Next thing to do, ACME_ACT_NONE when the engine waits (for a response,
 * a publication or a timer). */
acme_act_type acme_next_action(acme_ctx *c, acme_action *a, int64_t now);

/* The response to the last ACME_ACT_HTTP.  status 0: transport failure
 * (DNS, connect, TLS verification, timeout).  Header values are NULL
 * when absent; link holds every Link header value joined by ", ". */
typedef struct acme_http_response {
	int status;
	const char *replay_nonce;
	const char *location;
	const char *retry_after;     /* delta-seconds or an HTTP-date */
	const char *link;
	const char *content_type;
	const uint8_t *body;
	size_t body_len;
} acme_http_response;

/* 0, or -1 when no request was outstanding (ignored). */
int acme_on_http_response(acme_ctx *c, const acme_http_response *r,
			  int64_t now);
/* WAIT_PUBLISHED `token` is visible everywhere.  -1: unknown token. */
int acme_on_published(acme_ctx *c, const char *token, int64_t now);
/* Publishing failed (e.g. the name is not in a zone we serve): the order
 * fails with `reason` and is retried later. */
int acme_on_publish_failed(acme_ctx *c, const char *token,
			   const char *reason, int64_t now);

/* Earliest time acme_on_timer wants to run, -1: none (also while an
 * HTTP request is outstanding).  May be <= now: run acme_on_timer and
 * drain acme_next_action again. */
int64_t acme_next_timer(const acme_ctx *c);
void acme_on_timer(acme_ctx *c, int64_t now);

/* ---- orders added at run time ---- */

/* Order a certificate for a given CSR (DER), e.g. from a TLSA 3 255 0
 * record (robur flow): the names come from the CSR (SANs, else CN); no
 * key is generated, STORE_CERT has key_pem NULL.  Starts now; replaces a
 * CSR order of the same id.  -1 with err (bad CSR, bad names). */
int acme_order_csr(acme_ctx *c, const char *id, const uint8_t *csr_der,
		   size_t len, int64_t now, char *err, size_t errlen);
/* Drop an order (e.g. its TLSA record went away). -1: unknown id. */
int acme_order_remove(acme_ctx *c, const char *id);
/* Renew this order now (e.g. certificate revoked, operator request). */
int acme_order_renew_now(acme_ctx *c, const char *id, int64_t now);

/* ---- persistence of in-flight state (the shell owns the file) ---- */

/* JSON text (malloc'ed, NUL-terminated) with the account URL, each
 * order's in-flight order URL, its certificate key (PEM: keep the file
 * 0600), renewal time and backoff.  NULL on allocation failure. */
char *acme_state_save(const acme_ctx *c);
/* Restore what acme_state_save wrote (after acme_new, before the first
 * action).  Orders unknown to the configuration are dropped; an order
 * in flight is resumed by fetching its URL (and restarted cleanly if
 * the CA no longer knows it or it became invalid).  -1: unparsable
 * (the engine then starts fresh). */
int acme_state_load(acme_ctx *c, const char *json, size_t len,
		    int64_t now);
/* Non-zero when the state changed since the last acme_state_save. */
int acme_state_dirty(const acme_ctx *c);

/* ---- helpers usable by the shell (pure computation) ---- */

/* A new private key as PKCS#8 PEM (malloc'ed), NULL on failure. */
char *acme_key_generate(acme_key_type type);

typedef enum acme_cert_check {
	ACME_CERT_OK = 0,            /* key and names match, valid long enough */
	ACME_CERT_BAD = 1,           /* unparsable certificate or CSR */
	ACME_CERT_KEY_MISMATCH = 2,  /* different public key */
	ACME_CERT_NAMES_MISMATCH = 3,/* the certificate lacks a CSR name */
	ACME_CERT_EXPIRING = 4,      /* notAfter < now + min_valid */
} acme_cert_check;

/* Does certificate cert_der (e.g. TLSA 3 0 0) belong to csr_der (TLSA 3
 * 255 0): same public key, every CSR name (SANs, else CN) among the
 * certificate's DNS SANs, and valid for at least min_valid seconds after
 * now?  *not_after (may be NULL) gets the certificate's expiry. */
acme_cert_check acme_cert_check_csr(const uint8_t *cert_der, size_t cert_len,
				    const uint8_t *csr_der, size_t csr_len,
				    int64_t now, int64_t min_valid,
				    int64_t *not_after);

/* notBefore/notAfter of the first certificate in a PEM text; -1 bad. */
int acme_cert_times(const char *pem, size_t len, int64_t *not_before,
		    int64_t *not_after);

/* RFC 8555 8.4 TXT value for `token` with this account key:
 * base64url(SHA-256(token "." base64url(JWK thumbprint))); out >= 44
 * bytes.  -1 on a bad key. */
int acme_dns01_value(const char *account_key_pem, const char *token,
		     char *out, size_t outlen);

#endif
