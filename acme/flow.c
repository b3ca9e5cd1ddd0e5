/*
 * ACME engine, response side: what each CA answer means for the account
 * and the order in flight (RFC 8555 7.1-7.5), problem documents
 * (RFC 7807), nonces (6.5: badNonce retried once), Retry-After.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acme/engine_int.h"

#define ERR_NS "urn:ietf:params:acme:error:"

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int set_str(char **dst, const char *s)
{
	char *d;

	if (!s)
		return -1;
	if (!(d = ac_strdup(s)))
		return -1;
	free(*dst);
	*dst = d;
	return 0;
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* RFC 9110 10.2.3: delta-seconds or an IMF-fixdate; 0 when absent or
 * unparsable.  Clamped to a day. */
int64_t ac_retry_after(const char *v, int64_t now)
{
	static const char mon[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char m[4] = "";
	int d, y, hh, mm, ss;
	const char *p;
	int64_t t;

	if (!v)
		return 0;
	while (*v == ' ')
		v++;
	if (*v >= '0' && *v <= '9') {
		char *end;
		unsigned long long n = strtoull(v, &end, 10);

		return now + (int64_t)(n > 86400 ? 86400 : n);
	}
	if (sscanf(v, "%*3s, %d %3s %d %d:%d:%d", &d, m, &y, &hh, &mm, &ss) != 6 ||
	    strlen(m) != 3 || !(p = strstr(mon, m)) || (p - mon) % 3 ||
	    d < 1 || d > 31 || y < 1970 || y > 9999 || hh < 0 || hh > 23 ||
	    mm < 0 || mm > 59 || ss < 0 || ss > 60)
		return 0;
	t = days_from_civil(y, (unsigned)((p - mon) / 3 + 1), (unsigned)d) * 86400 +
	    hh * 3600 + mm * 60 + ss;
	if (t < now)
		return now;
	return t > now + 86400 ? now + 86400 : t;
}

static int64_t poll_wait(acme_ctx *c, ac_order *o, const acme_http_response *r,
			 int64_t now)
{
	int64_t ra = ac_retry_after(r->retry_after, now);
	/* at once (a CA that validates quickly is done by then), then
	 * 1, 2, 4 ... 64 s; the CA's Retry-After wins */
	int64_t d = o->polls == 0 ? 0 :
		    (int64_t)1 << (o->polls < 7 ? o->polls - 1 : 6);

	(void)c;
	return ra > now ? ra : now + d;
}

/* "TEXT: TYPE: DETAIL (HTTP n)" from a problem document, if any. */
static void problem_text(json_t *pd, int status, const char *what,
			 char *buf, size_t len, const char **type)
{
	const char *t = pd ? jstr(pd, "type") : NULL;
	const char *d = pd ? jstr(pd, "detail") : NULL;
	json_t *subs = pd ? json_object_get(pd, "subproblems") : NULL;
	json_t *sub = json_is_array(subs) ? json_array_get(subs, 0) : NULL;
	const char *sd = sub ? jstr(sub, "detail") : NULL;

	*type = t;
	if (status)
		snprintf(buf, len, "%s: %s: %s%s%s (HTTP %d)", what,
			 t ? t : "error", d ? d : "no detail", sd ? "; " : "",
			 sd ? sd : "", status);
	else
		snprintf(buf, len, "%s: no response from the CA", what);
}

/* The first authorization at or after i that is not valid yet. */
static size_t open_az(const ac_order *o, size_t i)
{
	while (i < o->naz && o->az[i].valid)
		i++;
	return i;
}

static void fail(acme_ctx *c, ac_order *o, const acme_http_response *r,
		 json_t *pd, const char *what, int64_t now)
{
	char msg[1024];
	const char *type = NULL;
	int64_t ra = ac_retry_after(r->retry_after, now);

	if (r->status >= 200 && r->status < 300)
		snprintf(msg, sizeof msg, "%s", what);
	else
		problem_text(pd, r->status, what, msg, sizeof msg, &type);
	if (o)
		ac_order_fail(c, o, msg, type, ra, now);
	else
		ac_global_fail(c, msg, type, ra, now);
}

/* ---- directory and account ---- */

static void on_directory(acme_ctx *c, const acme_http_response *r, json_t *j,
			 int64_t now)
{
	json_t *meta = json_object_get(j, "meta");

	if (r->status != 200 || set_str(&c->u_nonce, jstr(j, "newNonce")) ||
	    set_str(&c->u_account, jstr(j, "newAccount")) ||
	    set_str(&c->u_order, jstr(j, "newOrder"))) {
		fail(c, NULL, r, j, "ACME directory unusable", now);
		return;
	}
	free(c->tos);
	c->tos = ac_strdup(meta ? jstr(meta, "termsOfService") : NULL);
	free(c->u_renewal);
	c->u_renewal = ac_strdup(jstr(j, "renewalInfo"));
	if (meta && json_is_true(json_object_get(meta,
	    "externalAccountRequired")) && !c->eab_kid && !c->acct_url) {
		c->gbackoff = c->backoff_max / 2;
		fail(c, NULL, r, NULL, "the CA requires external account "
		     "binding (EAB key id and HMAC key)", now);
		return;
	}
	c->gstate = c->acct_url ? G_READY : G_ACCOUNT;
	c->gbackoff = 0;
}

static void on_account(acme_ctx *c, const acme_http_response *r, json_t *j,
		       int64_t now)
{
	ac_qitem *q;
	const char *st = jstr(j, "status");

	if ((r->status != 200 && r->status != 201) || !r->location ||
	    !*r->location || (st && strcmp(st, "valid"))) {
		fail(c, NULL, r, j, "ACME account registration failed", now);
		return;
	}
	if (set_str(&c->acct_url, r->location))
		return;
	c->gstate = G_READY;
	c->gbackoff = 0;
	c->dirty = 1;
	q = ac_push(c, ACME_ACT_STORE_ACCOUNT, NULL);
	q->account_url = ac_strdup(c->acct_url);
	q->account_key = ac_strdup(c->akey_pem);
}

/* ---- orders ---- */

static int order_authzs(acme_ctx *c, ac_order *o, json_t *j)
{
	json_t *a = json_object_get(j, "authorizations");
	size_t i, n = json_is_array(a) ? json_array_size(a) : 0;

	(void)c;
	if (!n || n > 2 * ACME_NAMES_MAX)
		return -1;
	for (i = 0; i < o->naz; i++) {
		free(o->az[i].url); free(o->az[i].domain);
		free(o->az[i].chall_url); free(o->az[i].token);
	}
	free(o->az);
	o->naz = 0;
	if (!(o->az = calloc(n, sizeof *o->az)))
		return -1;
	for (i = 0; i < n; i++) {
		json_t *u = json_array_get(a, i);

		if (!json_is_string(u) ||
		    !(o->az[i].url = ac_strdup(json_string_value(u)))) {
			o->naz = i;
			return -1;
		}
		o->naz = i + 1;
	}
	o->cur = 0;
	return 0;
}

static void handle_order(acme_ctx *c, ac_order *o, const acme_http_response *r,
			 json_t *j, int64_t now)
{
	const char *st = jstr(j, "status");

	if (!st || set_str(&o->finalize_url, jstr(j, "finalize"))) {
		fail(c, o, r, NULL, "order object without status or finalize URL", now);
		return;
	}
	if (!strcmp(st, "pending") && !o->finalized) {
		if (order_authzs(c, o, j)) {
			fail(c, o, r, NULL, "order without authorizations", now);
			return;
		}
		o->state = O_AUTHZ;
	} else if (!strcmp(st, "ready") && !o->finalized) {
		o->state = O_FINALIZE;
	} else if (!strcmp(st, "processing") || !strcmp(st, "ready") ||
		   !strcmp(st, "pending")) {
		if (++o->polls > c->poll_max) {
			fail(c, o, r, NULL, "order still not valid after "
			     "the maximum number of polls", now);
			return;
		}
		o->state = O_POLL_ORDER;
		o->wake = poll_wait(c, o, r, now);
	} else if (!strcmp(st, "valid")) {
		if (set_str(&o->cert_url, jstr(j, "certificate"))) {
			fail(c, o, r, NULL, "valid order without certificate URL", now);
			return;
		}
		o->state = O_CERT;
	} else {
		json_t *e = json_object_get(j, "error");
		char msg[64];

		snprintf(msg, sizeof msg, "order %s", st);
		r = &(acme_http_response){ .status = 403 };
		fail(c, o, r, json_is_object(e) ? e : NULL, msg, now);
	}
}

static void on_order(acme_ctx *c, ac_order *o, const acme_http_response *r,
		     json_t *j, int64_t now)
{
	if (c->rk == R_ORDER_NEW) {
		if (r->status != 201 || !r->location || !*r->location) {
			fail(c, o, r, j, "newOrder failed", now);
			return;
		}
		set_str(&o->url, r->location);
		c->dirty = 1;
		ac_log(c, o, "order %s", o->url);
	} else if (r->status != 200) {
		/* a saved order the CA no longer has: start over once */
		if (o->state == O_RESUME && !o->resumed && r->status >= 400 &&
		    r->status < 500) {
			ac_order_reset(o);
			o->resumed = 1;
			o->state = O_NEW;
			ac_log(c, o, "saved order unusable, ordering anew");
			return;
		}
		fail(c, o, r, j, "fetching the order failed", now);
		return;
	}
	if (o->state == O_RESUME) {
		const char *st = jstr(j, "status");

		if (st && !strcmp(st, "invalid")) {
			ac_order_reset(o);
			o->resumed = 1;
			o->state = O_NEW;
			ac_log(c, o, "saved order invalid, ordering anew");
			return;
		}
		o->resumed = 1;
	}
	handle_order(c, o, r, j, now);
}

/* The dns-01 challenge of an authorization object. */
static json_t *dns01(json_t *j)
{
	json_t *ch = json_object_get(j, "challenges"), *v;
	size_t i;

	json_array_foreach(ch, i, v) {
		const char *t = jstr(v, "type");

		if (t && !strcmp(t, "dns-01"))
			return v;
	}
	return NULL;
}

/* Is dom (an authorization's identifier) one of the order's names? A
 * CA must not make us publish TXT records for names we did not ask
 * for. */
static int ours(const ac_order *o, const char *dom)
{
	size_t i;
	const char *n;

	for (i = 0; i < o->nnames; i++) {
		n = o->names[i];
		if (!strncmp(n, "*.", 2))
			n += 2;
		if (!strcasecmp(n, dom))
			return 1;
	}
	return 0;
}

static int authz_setup(acme_ctx *c, const ac_order *o, ac_authz *z, json_t *j)
{
	json_t *id = json_object_get(j, "identifier"), *ch = dns01(j);
	const char *dom = id ? jstr(id, "value") : NULL;
	const char *tok = ch ? jstr(ch, "token") : NULL;
	char *ka;
	size_t len;

	if (!dom || !tok || !ac_valid_name(dom) || !ours(o, dom) ||
	    strlen(tok) > 256 || set_str(&z->domain, dom) ||
	    set_str(&z->token, tok) || set_str(&z->chall_url, jstr(ch, "url")))
		return -1;
	snprintf(z->rrname, sizeof z->rrname, "_acme-challenge.%s", dom);
	/* RFC 8555 8.1 key authorization, 8.4 its digest as the TXT value */
	if (!(ka = malloc(len = strlen(tok) + sizeof c->thumb + 2)))
		return -1;
	snprintf(ka, len, "%s.%s", tok, c->thumb);
	ac_sha256_b64(ka, strlen(ka), z->txt);
	free(ka);
	return 0;
}

static void challenge_failed(acme_ctx *c, ac_order *o, json_t *j,
			     const char *st, int64_t now)
{
	json_t *ch = dns01(j), *e = ch ? json_object_get(ch, "error") : NULL;
	char msg[ACME_NAME_MAX + 80];

	snprintf(msg, sizeof msg, "authorization for %s %s",
		 o->az[o->cur].domain ? o->az[o->cur].domain : "?", st);
	fail(c, o, &(acme_http_response){ .status = 403 },
	     json_is_object(e) ? e : NULL, msg, now);
}

static void az_valid(acme_ctx *c, ac_order *o)
{
	ac_authz *z = &o->az[o->cur];
	ac_qitem *q;

	z->valid = 1;
	if (!z->published)
		return;
	q = ac_push(c, ACME_ACT_UNPUBLISH, o);
	q->name = ac_strdup(z->rrname);
	q->txt = ac_strdup(z->txt);
	q->token = ac_strdup(z->token);
	z->published = 0;
}

/* After fetching authorization cur (state O_AUTHZ). */
static void authz_fetched(acme_ctx *c, ac_order *o, json_t *j, const char *st,
			  int64_t now)
{
	if (!strcmp(st, "valid")) {
		az_valid(c, o);
	} else if (!strcmp(st, "pending")) {
		if (authz_setup(c, o, &o->az[o->cur], j)) {
			fail(c, o, &(acme_http_response){ .status = 200 }, NULL,
			     "authorization without a usable dns-01 challenge", now);
			return;
		}
	} else {
		challenge_failed(c, o, j, st, now);
		return;
	}
	if (++o->cur < o->naz)
		return;
	o->cur = open_az(o, 0);
	o->state = o->cur < o->naz ? O_PUBLISH : O_FINALIZE;
}

static void authz_polled(acme_ctx *c, ac_order *o, const acme_http_response *r,
			 json_t *j, const char *st, int64_t now)
{
	if (!strcmp(st, "valid")) {
		az_valid(c, o);
		o->polls = 0;
		o->wake = 0;
		o->cur = open_az(o, 0);
		if (o->cur >= o->naz) {
			ac_log(c, o, "all authorizations valid, finalizing");
			o->state = O_FINALIZE;
		}
		return;
	}
	if (strcmp(st, "pending")) {
		challenge_failed(c, o, j, st, now);
		return;
	}
	if (++o->polls > c->poll_max) {
		fail(c, o, r, NULL, "authorization still pending after the "
		     "maximum number of polls", now);
		return;
	}
	o->wake = poll_wait(c, o, r, now);
}

static void on_authz(acme_ctx *c, ac_order *o, const acme_http_response *r,
		     json_t *j, int64_t now)
{
	const char *st = jstr(j, "status");

	if (r->status != 200 || !st || o->cur >= o->naz) {
		fail(c, o, r, j, "fetching an authorization failed", now);
		return;
	}
	if (o->state == O_AUTHZ)
		authz_fetched(c, o, j, st, now);
	else
		authz_polled(c, o, r, j, st, now);
}

static void on_challenge(acme_ctx *c, ac_order *o, const acme_http_response *r,
			 json_t *j, int64_t now)
{
	if (r->status != 200) {
		fail(c, o, r, j, "answering the dns-01 challenge failed", now);
		return;
	}
	o->az[o->cur].answered = 1;
	o->cur = open_az(o, o->cur + 1);
	while (o->cur < o->naz && o->az[o->cur].answered)
		o->cur = open_az(o, o->cur + 1);
	if (o->cur < o->naz)
		return;
	o->state = O_POLL_AUTHZ;
	o->cur = open_az(o, 0);
	o->polls = 0;
	o->wake = poll_wait(c, o, r, now);
}

static void on_finalize(acme_ctx *c, ac_order *o, const acme_http_response *r,
			json_t *j, int64_t now)
{
	if (r->status != 200) {
		fail(c, o, r, j, "finalize failed", now);
		return;
	}
	o->finalized = 1;
	o->polls = 0;
	handle_order(c, o, r, j, now);
}

static void on_cert(acme_ctx *c, ac_order *o, const acme_http_response *r,
		    int64_t now)
{
	char *pem;
	int64_t nb, na;
	ac_qitem *q;

	if (r->status != 200 || !r->body || !r->body_len ||
	    r->body_len > 1 << 20 || !(pem = malloc(r->body_len + 1))) {
		fail(c, o, r, NULL, "certificate download failed", now);
		return;
	}
	memcpy(pem, r->body, r->body_len);
	pem[r->body_len] = 0;
	if (strlen(pem) != r->body_len ||
	    acme_cert_times(pem, r->body_len, &nb, &na) || na <= nb ||
	    !ac_cert_matches(pem, r->body_len, o->key_pem, o->csr, o->csr_len)) {
		free(pem);
		fail(c, o, r, NULL, "the CA sent an unreadable certificate or one for another key", now);
		return;
	}
	q = ac_push(c, ACME_ACT_STORE_CERT, o);
	q->chain_pem = pem;
	q->key_pem = ac_strdup(o->key_pem);
	q->not_before = nb;
	q->not_after = na;
	o->not_before = nb;
	o->not_after = na;
	o->backoff = 0;
	ac_order_reset(o);
	o->due = ac_renew_due(c, o, now);
	ac_ari_set(o, pem, r->body_len, now + ARI_DEFAULT_WAIT);
	c->active = -1;
	c->dirty = 1;
	ac_log(c, o, "certificate issued, renewal due at %lld",
	       (long long)o->due);
}

/* ---- ACME Renewal Information (RFC 9773) ---- */

/* suggestedWindow {start, end}: renew at a random time inside it when
 * that is earlier than planned; ask again after Retry-After. */
static void on_ari(acme_ctx *c, const acme_http_response *r, json_t *j,
		   int64_t now)
{
	ac_order *o;
	json_t *w = j ? json_object_get(j, "suggestedWindow") : NULL;
	int64_t st = w ? ac_rfc3339(jstr(w, "start")) : -1;
	int64_t en = w ? ac_rfc3339(jstr(w, "end")) : -1;
	int64_t ra = ac_retry_after(r->retry_after, now), wait, t;
	uint32_t rnd = 0;

	if (c->ari_order < 0 || (size_t)c->ari_order >= c->norders)
		return;
	o = &c->orders[c->ari_order];
	c->ari_order = -1;
	wait = ra > now ? ra - now : ARI_DEFAULT_WAIT;
	if (wait < ARI_MIN_WAIT)
		wait = ARI_MIN_WAIT;
	if (wait > ARI_MAX_WAIT)
		wait = ARI_MAX_WAIT;
	o->ari_next = now + wait;
	if (r->status != 200 || st < 0 || en <= st) {
		ac_log(c, o, "renewalInfo unusable (HTTP %d); asking again in "
		       "%lld s", r->status, (long long)wait);
		return;
	}
	c->random(c->random_arg, &rnd, sizeof rnd);
	t = st + (int64_t)(rnd % (uint64_t)(en - st));
	if (t < now)
		t = now;
	if (t < o->due && o->state == O_IDLE) {
		o->due = t;
		c->dirty = 1;
		ac_log(c, o, "the CA suggests renewing between %lld and %lld: "
		       "renewal moved to %lld", (long long)st, (long long)en,
		       (long long)t);
	}
}

/* ---- dispatch ---- */

static int bad_nonce(acme_ctx *c, const acme_http_response *r, json_t *j)
{
	const char *t = j ? jstr(j, "type") : NULL;

	if (r->status != 400 || !t || strcmp(t, ERR_NS "badNonce"))
		return 0;
	if (c->badnonce_used)
		return 0;
	c->badnonce_used = 1;
	return 1;
}

static int account_gone(acme_ctx *c, const acme_http_response *r, json_t *j)
{
	const char *t = j ? jstr(j, "type") : NULL;

	if (r->status < 400 || !t || strcmp(t, ERR_NS "accountDoesNotExist") ||
	    c->rk == R_ACCOUNT)
		return 0;
	free(c->acct_url);
	c->acct_url = NULL;
	c->gstate = G_ACCOUNT;
	c->dirty = 1;
	return 1;
}

static void order_response(acme_ctx *c, ac_order *o, const acme_http_response *r,
			   json_t *j, int64_t now)
{
	switch (c->rk) {
	case R_ORDER_NEW:
	case R_ORDER_GET:
		on_order(c, o, r, j, now);
		break;
	case R_AUTHZ:
		on_authz(c, o, r, j, now);
		break;
	case R_CHALL:
		on_challenge(c, o, r, j, now);
		break;
	case R_FINALIZE:
		on_finalize(c, o, r, j, now);
		break;
	case R_CERT:
		on_cert(c, o, r, now);
		break;
	default:
		break;
	}
}

void ac_handle(acme_ctx *c, const acme_http_response *r, int64_t now)
{
	json_t *j = NULL;
	ac_order *o = NULL;

	if (r->replay_nonce && *r->replay_nonce && strlen(r->replay_nonce) < 256)
		set_str(&c->nonce, r->replay_nonce);
	if (r->body && r->body_len && (c->rk != R_CERT || r->status >= 300))
		j = json_loadb((const char *)r->body, r->body_len,
			       JSON_REJECT_DUPLICATES, NULL);
	if (j && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	if (c->rk == R_ARI) {
		on_ari(c, r, j, now);
		goto out;
	}
	if (c->rk != R_NONCE && c->rk != R_DIR && bad_nonce(c, r, j))
		goto out;                 /* same request, new nonce */
	if (c->rk != R_NONCE)
		c->badnonce_used = 0;
	if (account_gone(c, r, j))
		goto out;                 /* register again, then resend */
	if (c->rk >= R_ORDER_NEW) {
		if (c->r_order < 0 || c->r_order != c->active)
			goto out;         /* its order was removed */
		o = &c->orders[c->active];
	}
	switch (c->rk) {
	case R_DIR:
		on_directory(c, r, j, now);
		break;
	case R_NONCE:
		if (!c->nonce || (r->status != 200 && r->status != 204))
			fail(c, NULL, r, j, "no nonce from newNonce", now);
		break;
	case R_ACCOUNT:
		on_account(c, r, j, now);
		break;
	default:
		order_response(c, o, r, j, now);
		break;
	}
out:
	json_decref(j);
}
