/*
 * acme/ engine internals shared by engine.c (actions, requests, timers),
 * flow.c (response handling: the RFC 8555 order flow) and state.c
 * (persistence).
 */
#ifndef DV_ACME_ENGINE_INT_H
#define DV_ACME_ENGINE_INT_H

#include <jansson.h>

#include "acme/acme_int.h"

enum gstate { G_DIR, G_ACCOUNT, G_READY };

enum ostate {
	O_IDLE,          /* waiting for o->due */
	O_NEW,           /* POST newOrder */
	O_RESUME,        /* POST-as-GET a saved order URL */
	O_AUTHZ,         /* POST-as-GET authorization cur */
	O_PUBLISH,       /* queue PUBLISH + WAIT_PUBLISHED */
	O_WAITPUB,       /* until every TXT is visible */
	O_CHALL,         /* POST {} to challenge cur */
	O_POLL_AUTHZ,    /* POST-as-GET authorization cur until valid */
	O_FINALIZE,      /* POST the CSR */
	O_POLL_ORDER,    /* POST-as-GET the order until valid */
	O_CERT,          /* POST-as-GET the certificate chain */
};

enum rkind { R_NONE, R_DIR, R_NONCE, R_ACCOUNT, R_ARI, R_ORDER_NEW,
	     R_ORDER_GET, R_AUTHZ, R_CHALL, R_FINALIZE, R_CERT };

enum {
	ARI_DEFAULT_WAIT = 6 * 3600, /* next renewalInfo check (RFC 9773) */
	ARI_MIN_WAIT = 60,
	ARI_MAX_WAIT = 86400,
};

typedef struct ac_authz {
	char *url;
	char *domain;        /* identifier value (no wildcard label) */
	char *chall_url;
	char *token;
	char rrname[ACME_NAME_MAX + 20];
	char txt[44];
	unsigned char valid, published, visible, answered;
} ac_authz;

typedef struct ac_order {
	char *id;
	char **names;
	size_t nnames;
	acme_key_type key_type;
	uint8_t *csr;        /* acme_order_csr orders: the CSR (DER) */
	size_t csr_len;
	int64_t not_before, not_after;
	int64_t due;         /* next issue */
	char *ari_id;        /* RFC 9773 certificate id of the current
			      * certificate, NULL: unknown */
	int64_t ari_next;    /* next renewalInfo check */
	unsigned backoff;    /* seconds of the last failure backoff, 0 none */
	/* in flight */
	int state;
	int resumed;         /* O_RESUME tried (restart once) */
	int finalized;
	char *url;
	char *finalize_url;
	char *cert_url;
	char *key_pem;       /* certificate key of this issue */
	ac_authz *az;
	size_t naz, cur;
	unsigned polls;
	int64_t wake;        /* poll time */
	int64_t pub_deadline;
} ac_order;

typedef struct ac_qitem {
	acme_act_type type;
	char *order_id, *name, *txt, *token, *text, *problem;
	char *key_pem, *chain_pem, *account_url, *account_key;
	int64_t not_before, not_after, retry_at;
} ac_qitem;

struct acme_ctx {
	char *dir_url, *email, *eab_kid;
	uint8_t eab_key[256];
	size_t eab_len;
	int agree_tos;
	acme_key *akey;
	char *akey_pem, *jwk, thumb[44];
	char *acct_url;
	void (*random)(void *, void *, size_t);
	void *random_arg;
	unsigned poll_max, publish_timeout, backoff_min, backoff_max;

	int gstate;
	char *u_nonce, *u_account, *u_order, *tos;
	char *u_renewal;     /* renewalInfo (RFC 9773), NULL: not offered */
	long ari_order;      /* order whose renewalInfo is asked for */
	char *ari_url;
	char *nonce;
	int64_t gwake;
	unsigned gbackoff;
	int badnonce_used;

	ac_order *orders;
	size_t norders;
	long active;         /* index in orders, -1 none */

	int inflight;
	enum rkind rk;
	long r_order;        /* order of the request in flight */

	ac_qitem *q;
	size_t qn, qcap;
	ac_qitem sink;       /* where ac_push writes when the queue cannot
				grow (the action is dropped) */
	ac_qitem last;       /* strings of the action handed out last */
	char *last_body;
	char *last_url;
	int dirty;
};

/* engine.c */
ac_qitem *ac_push(acme_ctx *c, acme_act_type type, const ac_order *o);
void ac_log(acme_ctx *c, const ac_order *o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ac_order_fail(acme_ctx *c, ac_order *o, const char *text,
		   const char *problem, int64_t retry_after, int64_t now);
void ac_global_fail(acme_ctx *c, const char *text, const char *problem,
		    int64_t retry_after, int64_t now);
void ac_order_reset(ac_order *o);
int64_t ac_renew_due(acme_ctx *c, const ac_order *o, int64_t now);
/* The RFC 9773 id of the certificate in pem (o->ari_id); ari_next now. */
void ac_ari_set(ac_order *o, const char *pem, size_t len, int64_t now);
ac_order *ac_order_find(acme_ctx *c, const char *id);
int ac_valid_name(const char *name);
char *ac_strdup(const char *s);

/* flow.c */
void ac_handle(acme_ctx *c, const acme_http_response *r, int64_t now);
int64_t ac_retry_after(const char *v, int64_t now);

#endif
