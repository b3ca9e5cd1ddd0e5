/*
 * ACME engine: configuration, the action queue, building the next HTTP
 * request (JWS, RFC 8555 6.2) from the state, timers.  The response side
 * is in flow.c.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme/engine_int.h"

char *ac_strdup(const char *s)
{
	size_t n;
	char *d;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	if ((d = malloc(n)))
		memcpy(d, s, n);
	return d;
}

/* LDH labels, an optional leading "*." (RFC 8555 7.1.3), at least two
 * labels. */
int ac_valid_name(const char *name)
{
	size_t len = strlen(name), lab = 0, labels = 1;
	const char *p = name;

	if (!strncmp(p, "*.", 2))
		p += 2;
	if (!*p || len > ACME_NAME_MAX || *p == '.' || p[strlen(p) - 1] == '.')
		return 0;
	for (; *p; p++) {
		if (*p == '.') {
			if (!lab || p[-1] == '-')
				return 0;
			lab = 0;
			labels++;
		} else if (isalnum((unsigned char)*p) || (*p == '-' && lab)) {
			if (++lab > 63)
				return 0;
		} else
			return 0;
	}
	return labels >= 2 && p[-1] != '-';
}

static void qitem_free(ac_qitem *q)
{
	free(q->order_id); free(q->name); free(q->txt); free(q->token);
	free(q->text); free(q->problem); free(q->key_pem); free(q->chain_pem);
	free(q->account_url); free(q->account_key);
	memset(q, 0, sizeof *q);
}

ac_qitem *ac_push(acme_ctx *c, acme_act_type type, const ac_order *o)
{
	ac_qitem *q;

	if (c->qn == c->qcap) {
		size_t cap = c->qcap ? c->qcap * 2 : 16;
		ac_qitem *nq = realloc(c->q, cap * sizeof *nq);

		if (!nq) {  /* dropped: the caller's strings go nowhere */
			qitem_free(&c->sink);
			return &c->sink;
		}
		c->q = nq;
		c->qcap = cap;
	}
	q = &c->q[c->qn++];
	memset(q, 0, sizeof *q);
	q->type = type;
	q->order_id = o ? ac_strdup(o->id) : NULL;
	return q;
}

void ac_log(acme_ctx *c, const ac_order *o, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	ac_push(c, ACME_ACT_LOG, o)->text = ac_strdup(buf);
}

static void free_names(char **names, size_t n)
{
	while (n)
		free(names[--n]);
	free(names);
}

void ac_order_reset(ac_order *o)
{
	size_t i;

	for (i = 0; i < o->naz; i++) {
		free(o->az[i].url);
		free(o->az[i].domain);
		free(o->az[i].chall_url);
		free(o->az[i].token);
	}
	free(o->az);
	free(o->url);
	free(o->finalize_url);
	free(o->cert_url);
	free(o->key_pem);
	o->az = NULL;
	o->url = o->finalize_url = o->cert_url = o->key_pem = NULL;
	o->naz = o->cur = o->polls = 0;
	o->wake = o->pub_deadline = 0;
	o->state = O_IDLE;
	o->resumed = o->finalized = 0;
}

void ac_ari_set(ac_order *o, const char *pem, size_t len, int64_t now)
{
	free(o->ari_id);
	o->ari_id = ac_ari_cert_id(pem, len);
	o->ari_next = now;
}

static void order_free(ac_order *o)
{
	ac_order_reset(o);
	free(o->ari_id);
	free(o->id);
	free_names(o->names, o->nnames);
	free(o->csr);
}

int64_t ac_renew_due(acme_ctx *c, const ac_order *o, int64_t now)
{
	int64_t nb = o->not_before, life, due;
	uint32_t r = 0;

	if (o->not_after <= 0)
		return now;
	if (nb <= 0 || nb >= o->not_after)
		nb = o->not_after - 90 * 86400;
	life = o->not_after - nb;
	c->random(c->random_arg, &r, sizeof r);
	/* 2/3 of the lifetime, up to 3% earlier so that many instances do
	 * not all come back in the same second */
	due = nb + life * 2 / 3 - (int64_t)(r % (uint32_t)(life * 3 / 100 + 1));
	return due < now ? now : due;
}

ac_order *ac_order_find(acme_ctx *c, const char *id)
{
	size_t i;

	for (i = 0; i < c->norders; i++)
		if (!strcmp(c->orders[i].id, id))
			return &c->orders[i];
	return NULL;
}

static int valid_id(const char *id)
{
	if (!id || !*id || strlen(id) > 128 || *id == '.')
		return 0;
	for (; *id; id++)
		if (!isalnum((unsigned char)*id) && !strchr("._-", *id))
			return 0;
	return 1;
}

static ac_order *order_add(acme_ctx *c, const char *id, char *const *names,
			   size_t n, char *err, size_t errlen)
{
	ac_order *no, *o;
	size_t i;

	if (!valid_id(id) || ac_order_find(c, id)) {
		snprintf(err, errlen, "acme: bad or duplicate order id '%s'",
			 id ? id : "");
		return NULL;
	}
	if (!n || n > ACME_NAMES_MAX) {
		snprintf(err, errlen, "acme: order %s: 1..%d names", id,
			 ACME_NAMES_MAX);
		return NULL;
	}
	for (i = 0; i < n; i++)
		if (!ac_valid_name(names[i])) {
			snprintf(err, errlen, "acme: order %s: bad name '%s'",
				 id, names[i]);
			return NULL;
		}
	if (!(no = realloc(c->orders, (c->norders + 1) * sizeof *no)))
		return NULL;
	c->orders = no;
	o = &no[c->norders];
	memset(o, 0, sizeof *o);
	if (!(o->id = ac_strdup(id)) || !(o->names = calloc(n, sizeof *o->names))) {
		free(o->id);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		char *p = o->names[i] = ac_strdup(names[i]);

		for (; p && *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (!o->names[i]) {
			free_names(o->names, i);
			free(o->id);
			return NULL;
		}
	}
	o->nnames = n;
	c->norders++;
	return o;
}

static int cfg_copy(acme_ctx *c, const acme_cfg *cfg, char *err, size_t errlen)
{
	long n;

	if (!cfg->directory_url || !cfg->random || !cfg->account_key_pem) {
		snprintf(err, errlen, "acme: directory URL, account key and "
			 "random callback are required");
		return -1;
	}
	if (!(c->akey = ac_key_load(cfg->account_key_pem, err, errlen)))
		return -1;
	if (!(c->jwk = ac_key_jwk(c->akey)) ||
	    ac_key_thumbprint(c->akey, c->thumb, sizeof c->thumb))
		return -1;
	if (cfg->eab_kid) {
		n = cfg->eab_hmac_key ? ac_b64url_decode(cfg->eab_hmac_key,
			c->eab_key, sizeof c->eab_key) : -1;
		if (n <= 0) {
			snprintf(err, errlen, "acme: bad EAB HMAC key (base64url)");
			return -1;
		}
		c->eab_len = (size_t)n;
		c->eab_kid = ac_strdup(cfg->eab_kid);
	}
	c->dir_url = ac_strdup(cfg->directory_url);
	c->email = ac_strdup(cfg->contact_email);
	c->akey_pem = ac_strdup(cfg->account_key_pem);
	c->acct_url = ac_strdup(cfg->account_url);
	c->agree_tos = cfg->agree_tos;
	c->random = cfg->random;
	c->random_arg = cfg->random_arg;
	c->poll_max = cfg->poll_max ? cfg->poll_max : 30;
	c->publish_timeout = cfg->publish_timeout ? cfg->publish_timeout : 3600;
	c->backoff_min = cfg->backoff_min ? cfg->backoff_min : 60;
	c->backoff_max = cfg->backoff_max ? cfg->backoff_max : 86400;
	return c->dir_url && c->akey_pem ? 0 : -1;
}

acme_ctx *acme_new(const acme_cfg *cfg, char *err, size_t errlen)
{
	acme_ctx *c = calloc(1, sizeof *c);
	size_t i;

	snprintf(err, errlen, "acme: out of memory");
	if (!c)
		return NULL;
	c->active = -1;
	c->ari_order = -1;
	if (cfg_copy(c, cfg, err, errlen))
		goto fail;
	for (i = 0; i < cfg->norders; i++) {
		const acme_order_cfg *oc = &cfg->orders[i];
		ac_order *o = order_add(c, oc->id, (char *const *)oc->names,
					oc->nnames, err, errlen);

		if (!o)
			goto fail;
		o->key_type = oc->key_type;
		o->not_before = oc->not_before;
		o->not_after = oc->not_after;
		o->due = ac_renew_due(c, o, cfg->now);
		if (oc->cert_pem)
			ac_ari_set(o, oc->cert_pem, strlen(oc->cert_pem),
				   cfg->now);
	}
	return c;
fail:
	acme_free(c);
	return NULL;
}

void acme_free(acme_ctx *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->norders; i++)
		order_free(&c->orders[i]);
	for (i = 0; i < c->qn; i++)
		qitem_free(&c->q[i]);
	qitem_free(&c->last);
	qitem_free(&c->sink);
	free(c->q);
	free(c->orders);
	free(c->dir_url); free(c->email); free(c->eab_kid); free(c->akey_pem);
	free(c->jwk); free(c->acct_url); free(c->u_nonce); free(c->u_account);
	free(c->u_order); free(c->tos); free(c->nonce); free(c->last_body);
	free(c->u_renewal); free(c->ari_url);
	free(c->last_url);
	ac_key_free(c->akey);
	free(c);
}

static unsigned next_backoff(acme_ctx *c, unsigned cur)
{
	if (!cur)
		return c->backoff_min;
	return cur >= c->backoff_max / 2 ? c->backoff_max : cur * 2;
}

static void unpublish_all(acme_ctx *c, ac_order *o)
{
	size_t i;

	for (i = 0; i < o->naz; i++) {
		ac_authz *z = &o->az[i];
		ac_qitem *q;

		if (!z->published)
			continue;
		q = ac_push(c, ACME_ACT_UNPUBLISH, o);
		q->name = ac_strdup(z->rrname);
		q->txt = ac_strdup(z->txt);
		q->token = ac_strdup(z->token);
		z->published = 0;
	}
}

void ac_order_fail(acme_ctx *c, ac_order *o, const char *text,
		   const char *problem, int64_t retry_after, int64_t now)
{
	ac_qitem *q;

	unpublish_all(c, o);
	o->backoff = next_backoff(c, o->backoff);
	o->due = now + o->backoff;
	if (retry_after > o->due)
		o->due = retry_after;
	q = ac_push(c, ACME_ACT_ERROR, o);
	q->text = ac_strdup(text);
	q->problem = ac_strdup(problem);
	q->retry_at = o->due;
	ac_order_reset(o);
	if (c->active >= 0 && &c->orders[c->active] == o)
		c->active = -1;
	c->dirty = 1;
}

void ac_global_fail(acme_ctx *c, const char *text, const char *problem,
		    int64_t retry_after, int64_t now)
{
	ac_qitem *q;

	c->gbackoff = next_backoff(c, c->gbackoff);
	c->gwake = now + c->gbackoff;
	if (retry_after > c->gwake)
		c->gwake = retry_after;
	q = ac_push(c, ACME_ACT_ERROR, NULL);
	q->text = ac_strdup(text);
	q->problem = ac_strdup(problem);
	q->retry_at = c->gwake;
}

/* ---- requests ---- */

typedef struct ac_req {
	enum rkind kind;
	const char *method, *url, *accept;
	char *payload;       /* POST: JSON text, "" for POST-as-GET */
	int jwk;             /* sign with jwk (newAccount) instead of kid */
} ac_req;

static char *b64s(const char *s)
{
	return ac_b64url(s, strlen(s));
}

/* RFC 8555 7.3.4: a JWS by the EAB MAC key over the account JWK. */
static json_t *eab_jws(acme_ctx *c)
{
	json_t *prot = json_pack("{s:s,s:s,s:s}", "alg", "HS256",
				 "kid", c->eab_kid, "url", c->u_account);
	char *ps = prot ? json_dumps(prot, JSON_COMPACT) : NULL;
	char *p64 = ps ? b64s(ps) : NULL, *j64 = b64s(c->jwk), *in = NULL;
	char *sig = NULL;
	json_t *out = NULL;
	size_t len;

	if (p64 && j64 && (in = malloc(len = strlen(p64) + strlen(j64) + 2))) {
		snprintf(in, len, "%s.%s", p64, j64);
		sig = ac_hmac256(c->eab_key, c->eab_len, in, strlen(in));
	}
	if (sig)
		out = json_pack("{s:s,s:s,s:s}", "protected", p64,
				"payload", j64, "signature", sig);
	json_decref(prot);
	free(ps); free(p64); free(j64); free(in); free(sig);
	return out;
}

static char *jws(acme_ctx *c, const ac_req *r)
{
	json_t *prot = json_pack("{s:s,s:s,s:s}", "alg", ac_key_alg(c->akey),
				 "nonce", c->nonce, "url", r->url);
	char *ps = NULL, *p64 = NULL, *pl64 = NULL, *in = NULL, *sig = NULL;
	char *out = NULL;
	json_t *body;
	size_t len;

	if (!prot)
		return NULL;
	if (r->jwk)
		json_object_set_new(prot, "jwk", json_loads(c->jwk, 0, NULL));
	else
		json_object_set_new(prot, "kid", json_string(c->acct_url));
	if ((ps = json_dumps(prot, JSON_COMPACT | JSON_SORT_KEYS)) &&
	    (p64 = b64s(ps)) && (pl64 = b64s(r->payload)) &&
	    (in = malloc(len = strlen(p64) + strlen(pl64) + 2))) {
		snprintf(in, len, "%s.%s", p64, pl64);
		sig = ac_sign(c->akey, in, strlen(in));
	}
	if (sig && (body = json_pack("{s:s,s:s,s:s}", "protected", p64,
				     "payload", pl64, "signature", sig))) {
		out = json_dumps(body, JSON_COMPACT);
		json_decref(body);
	}
	json_decref(prot);
	free(ps); free(p64); free(pl64); free(in); free(sig);
	return out;
}

static char *account_payload(acme_ctx *c)
{
	json_t *p = json_object();
	char *out, mail[300];

	if (!p)
		return NULL;
	if (c->agree_tos)
		json_object_set_new(p, "termsOfServiceAgreed", json_true());
	if (c->email) {
		snprintf(mail, sizeof mail, "mailto:%s", c->email);
		json_object_set_new(p, "contact", json_pack("[s]", mail));
	}
	if (c->eab_kid)
		json_object_set_new(p, "externalAccountBinding", eab_jws(c));
	out = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	return out;
}

static char *order_payload(const ac_order *o)
{
	json_t *ids = json_array(), *p;
	char *out;
	size_t i;

	for (i = 0; ids && i < o->nnames; i++)
		json_array_append_new(ids, json_pack("{s:s,s:s}", "type", "dns",
						     "value", o->names[i]));
	if (!(p = json_pack("{s:o}", "identifiers", ids)))
		return NULL;
	out = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	return out;
}

static char *finalize_payload(acme_ctx *c, ac_order *o)
{
	acme_key *k = NULL;
	uint8_t *der = NULL;
	size_t len = 0;
	char err[128], *b64 = NULL, *out = NULL;
	json_t *p;

	if (o->csr) {
		b64 = ac_b64url(o->csr, o->csr_len);
	} else {
		if (!o->key_pem) {
			k = ac_key_new(o->key_type);
			o->key_pem = k ? ac_key_pem(k) : NULL;
			c->dirty = 1;
		} else
			k = ac_key_load(o->key_pem, err, sizeof err);
		if (k && (der = ac_csr_build(k, o->names, o->nnames, &len)))
			b64 = ac_b64url(der, len);
	}
	if (b64 && (p = json_pack("{s:s}", "csr", b64))) {
		out = json_dumps(p, JSON_COMPACT);
		json_decref(p);
	}
	ac_key_free(k);
	free(der);
	free(b64);
	return out;
}

static int post_as_get(ac_req *r, enum rkind kind, const char *url)
{
	r->kind = kind;
	r->method = "POST";
	r->url = url;
	r->payload = ac_strdup("");
	return r->url && r->payload ? 1 : -1;
}

static int post(ac_req *r, enum rkind kind, const char *url, char *payload)
{
	r->kind = kind;
	r->method = "POST";
	r->url = url;
	r->payload = payload;
	return url && payload ? 1 : -1;
}

static void publish(acme_ctx *c, ac_order *o, int64_t now)
{
	size_t i;

	for (i = 0; i < o->naz; i++) {
		ac_authz *z = &o->az[i];
		ac_qitem *q;

		if (z->valid || z->published)
			continue;
		q = ac_push(c, ACME_ACT_PUBLISH, o);
		q->name = ac_strdup(z->rrname);
		q->txt = ac_strdup(z->txt);
		q->token = ac_strdup(z->token);
		z->published = 1;
		q = ac_push(c, ACME_ACT_WAIT_PUBLISHED, o);
		q->name = ac_strdup(z->rrname);
		q->txt = ac_strdup(z->txt);
		q->token = ac_strdup(z->token);
	}
	o->state = O_WAITPUB;
	o->pub_deadline = now + c->publish_timeout;
}

/* The first authorization at or after i still wanting `what`. */
static size_t next_az(const ac_order *o, size_t i, int answered)
{
	for (; i < o->naz; i++)
		if (!o->az[i].valid && (!answered || !o->az[i].answered))
			break;
	return i;
}

/* The order's next request: 1 with r filled, 0 nothing now, -1 error. */
static int order_step(acme_ctx *c, ac_order *o, ac_req *r, int64_t now)
{
	switch (o->state) {
	case O_NEW:
		return post(r, R_ORDER_NEW, c->u_order, order_payload(o));
	case O_RESUME:
	case O_POLL_ORDER:
		if (o->wake > now)
			return 0;
		return post_as_get(r, R_ORDER_GET, o->url);
	case O_AUTHZ:
		return post_as_get(r, R_AUTHZ, o->az[o->cur].url);
	case O_PUBLISH:
		publish(c, o, now);
		return 0;
	case O_WAITPUB:
		for (o->cur = 0; o->cur < o->naz; o->cur++)
			if (!o->az[o->cur].valid && !o->az[o->cur].visible)
				return 0;
		o->state = O_CHALL;
		o->cur = next_az(o, 0, 1);
		/* fall through */
	case O_CHALL:
		if (o->cur >= o->naz)
			return -1;
		return post(r, R_CHALL, o->az[o->cur].chall_url, ac_strdup("{}"));
	case O_POLL_AUTHZ:
		if (o->wake > now)
			return 0;
		return post_as_get(r, R_AUTHZ, o->az[o->cur].url);
	case O_FINALIZE:
		return post(r, R_FINALIZE, o->finalize_url, finalize_payload(c, o));
	case O_CERT:
		r->accept = "application/pem-certificate-chain";
		return post_as_get(r, R_CERT, o->cert_url);
	}
	return 0;
}

static ac_order *pick_order(acme_ctx *c, int64_t now)
{
	ac_order *best = NULL;
	size_t i;

	if (c->active >= 0)
		return &c->orders[c->active];
	for (i = 0; i < c->norders; i++)
		if (c->orders[i].due <= now && (!best || c->orders[i].due < best->due))
			best = &c->orders[i];
	if (!best)
		return NULL;
	c->active = best - c->orders;
	best->state = best->url ? O_RESUME : O_NEW;
	if (best->state == O_NEW)
		ac_log(c, best, "ordering a certificate for %s%s", best->names[0],
		       best->nnames > 1 ? " and more" : "");
	return best;
}

/* RFC 9773: between orders, ask the CA's renewalInfo about a current
 * certificate whose check is due (GET, no JWS). */
static int ari_step(acme_ctx *c, ac_req *r, int64_t now)
{
	size_t i;

	if (!c->u_renewal)
		return 0;
	for (i = 0; i < c->norders; i++) {
		ac_order *o = &c->orders[i];
		size_t n;

		if (!o->ari_id || o->ari_next > now || o->due <= now)
			continue;
		n = strlen(c->u_renewal) + strlen(o->ari_id) + 2;
		free(c->ari_url);
		if (!(c->ari_url = malloc(n)))
			return 0;
		snprintf(c->ari_url, n, "%s%s%s", c->u_renewal,
			 c->u_renewal[strlen(c->u_renewal) - 1] == '/' ?
			 "" : "/", o->ari_id);
		c->ari_order = (long)i;
		r->kind = R_ARI;
		r->method = "GET";
		r->url = c->ari_url;
		return 1;
	}
	return 0;
}

static int global_step(acme_ctx *c, ac_req *r, int64_t now)
{
	ac_order *o;
	int rc;

	if (c->gwake > now)
		return 0;
	if (c->gstate == G_DIR) {
		r->kind = R_DIR;
		r->method = "GET";
		r->url = c->dir_url;
		return 1;
	}
	if (c->gstate == G_ACCOUNT) {
		if (c->tos && !c->agree_tos) {
			char msg[600];

			snprintf(msg, sizeof msg, "the CA's terms (%s) must be "
				 "agreed with --acme-agree-tos", c->tos);
			c->gbackoff = c->backoff_max / 2;
			ac_global_fail(c, msg, NULL, 0, now);
			return 0;
		}
		r->jwk = 1;
		return post(r, R_ACCOUNT, c->u_account, account_payload(c));
	}
	if (c->active < 0 && ari_step(c, r, now))
		return 1;
	if (!(o = pick_order(c, now)))
		return 0;
	rc = order_step(c, o, r, now);
	if (rc < 0)
		ac_order_fail(c, o, "internal error (out of memory)", NULL, 0, now);
	return rc;
}

static void hand_out(acme_ctx *c, acme_action *a)
{
	ac_qitem *q = &c->last;

	a->type = q->type;
	a->order_id = q->order_id;
	a->name = q->name;
	a->txt = q->txt;
	a->token = q->token;
	a->text = q->text;
	a->problem_type = q->problem;
	a->key_pem = q->key_pem;
	a->chain_pem = q->chain_pem;
	a->account_url = q->account_url;
	a->account_key_pem = q->account_key;
	a->not_before = q->not_before;
	a->not_after = q->not_after;
	a->retry_at = q->retry_at;
}

static void release(acme_ctx *c)
{
	qitem_free(&c->last);
	free(c->last_body);
	free(c->last_url);
	c->last_body = c->last_url = NULL;
}

static int http_action(acme_ctx *c, ac_req *r, acme_action *a)
{
	if (!strcmp(r->method, "POST")) {
		if (!c->nonce) {
			/* a fresh nonce first; the same request is built
			 * again from the unchanged state afterwards */
			free(r->payload);
			memset(r, 0, sizeof *r);
			r->kind = R_NONCE;
			r->method = "HEAD";
			r->url = c->u_nonce;
		} else {
			c->last_body = jws(c, r);
			free(c->nonce);
			c->nonce = NULL;
			free(r->payload);
			if (!c->last_body)
				return -1;
		}
	}
	if (!r->url || !(c->last_url = ac_strdup(r->url)))
		return -1;
	a->type = ACME_ACT_HTTP;
	a->method = r->method;
	a->url = c->last_url;
	a->accept = r->accept;
	if (c->last_body) {
		a->content_type = "application/jose+json";
		a->body = c->last_body;
		a->body_len = strlen(c->last_body);
	}
	c->inflight = 1;
	c->rk = r->kind;
	c->r_order = c->active;
	return 0;
}

acme_act_type acme_next_action(acme_ctx *c, acme_action *a, int64_t now)
{
	ac_req r;
	int rc;

	release(c);
	memset(a, 0, sizeof *a);
	for (;;) {
		if (c->qn) {
			c->last = c->q[0];
			memmove(c->q, c->q + 1, --c->qn * sizeof *c->q);
			hand_out(c, a);
			return a->type;
		}
		if (c->inflight)
			return ACME_ACT_NONE;
		memset(&r, 0, sizeof r);
		rc = global_step(c, &r, now);
		if (rc > 0) {
			if (http_action(c, &r, a) == 0)
				return ACME_ACT_HTTP;
			release(c);
			memset(a, 0, sizeof *a);
			ac_global_fail(c, "internal error building a request",
				       NULL, 0, now);
			continue;
		}
		free(r.payload);
		if (!c->qn)
			return ACME_ACT_NONE;
	}
}

int acme_on_http_response(acme_ctx *c, const acme_http_response *r,
			  int64_t now)
{
	release(c);
	if (!c->inflight)
		return -1;
	c->inflight = 0;
	ac_handle(c, r, now);
	return 0;
}

static ac_authz *find_token(acme_ctx *c, const char *token, ac_order **op)
{
	ac_order *o = c->active >= 0 ? &c->orders[c->active] : NULL;
	size_t i;

	if (!o || o->state != O_WAITPUB || !token)
		return NULL;
	*op = o;
	for (i = 0; i < o->naz; i++)
		if (o->az[i].token && o->az[i].published &&
		    !strcmp(o->az[i].token, token))
			return &o->az[i];
	return NULL;
}

int acme_on_published(acme_ctx *c, const char *token, int64_t now)
{
	char tok[256];
	ac_order *o;
	ac_authz *z;

	(void)now;
	/* token may point into the last action, which release() frees */
	snprintf(tok, sizeof(tok), "%s", token ? token : "");
	release(c);
	if (!(z = find_token(c, tok, &o)))
		return -1;
	z->visible = 1;
	return 0;
}

int acme_on_publish_failed(acme_ctx *c, const char *token,
			   const char *reason, int64_t now)
{
	ac_order *o;
	char msg[600], tok[256];

	/* token and reason may point into the last action (release) */
	snprintf(tok, sizeof(tok), "%s", token ? token : "");
	snprintf(msg, sizeof msg, "publishing the dns-01 TXT record failed: %s",
		 reason ? reason : "unknown reason");
	release(c);
	if (!find_token(c, tok, &o))
		return -1;
	ac_order_fail(c, o, msg, NULL, 0, now);
	return 0;
}

static int64_t tmin(int64_t a, int64_t b)
{
	return a < 0 || (b >= 0 && b < a) ? b : a;
}

int64_t acme_next_timer(const acme_ctx *c)
{
	const ac_order *o;
	int64_t t = -1;
	size_t i;

	if (c->inflight)
		return -1;           /* the response comes first */
	if (c->gwake)
		t = c->gwake;
	if (c->active >= 0) {
		o = &c->orders[c->active];
		if (o->state == O_WAITPUB)
			t = tmin(t, o->pub_deadline);
		else if (o->wake && (o->state == O_POLL_AUTHZ ||
			 o->state == O_POLL_ORDER || o->state == O_RESUME))
			t = tmin(t, o->wake);
		return t;
	}
	for (i = 0; i < c->norders; i++) {
		t = tmin(t, c->orders[i].due);
		if (c->u_renewal && c->orders[i].ari_id)
			t = tmin(t, c->orders[i].ari_next);
	}
	return t;
}

void acme_on_timer(acme_ctx *c, int64_t now)
{
	ac_order *o = c->active >= 0 ? &c->orders[c->active] : NULL;

	release(c);
	if (c->gwake && c->gwake <= now)
		c->gwake = 0;
	if (o && o->state == O_WAITPUB && o->pub_deadline <= now)
		ac_order_fail(c, o, "the dns-01 TXT records did not become "
			      "visible at every authoritative server in time",
			      NULL, 0, now);
}

/* ---- orders at run time ---- */

int acme_order_csr(acme_ctx *c, const char *id, const uint8_t *csr_der,
		   size_t len, int64_t now, char *err, size_t errlen)
{
	char **names = NULL;
	size_t n = 0;
	ac_order *o;

	release(c);
	if (ac_csr_names(csr_der, len, &names, &n)) {
		snprintf(err, errlen, "acme: unusable CSR (bad signature or "
			 "no names)");
		return -1;
	}
	if ((o = ac_order_find(c, id)) && o->csr)
		acme_order_remove(c, id);
	o = order_add(c, id, names, n, err, errlen);
	free_names(names, n);
	if (!o)
		return -1;
	if (!(o->csr = malloc(len))) {
		acme_order_remove(c, id);
		return -1;
	}
	memcpy(o->csr, csr_der, len);
	o->csr_len = len;
	o->due = now;
	c->dirty = 1;
	return 0;
}

int acme_order_remove(acme_ctx *c, const char *id)
{
	ac_order *o;
	long i;

	release(c);
	if (!(o = ac_order_find(c, id)))
		return -1;
	i = o - c->orders;
	unpublish_all(c, o);
	if (c->active == i)
		c->active = -1;
	else if (c->active > i)
		c->active--;
	if (c->inflight && c->r_order == i)
		c->r_order = -2;     /* its response is ignored */
	else if (c->inflight && c->r_order > i)
		c->r_order--;
	order_free(o);
	memmove(o, o + 1, (size_t)((long)c->norders - i - 1) * sizeof *o);
	c->norders--;
	c->dirty = 1;
	return 0;
}

int acme_order_renew_now(acme_ctx *c, const char *id, int64_t now)
{
	ac_order *o;

	release(c);
	if (!(o = ac_order_find(c, id)))
		return -1;
	o->due = now;
	o->backoff = 0;
	return 0;
}
