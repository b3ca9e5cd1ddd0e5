/*
 * ACME engine persistence: the account URL and, per order, the renewal
 * time, the failure backoff, the order URL in flight with its
 * certificate key, and (for CSR orders) the CSR.  JSON text; the shell
 * writes it atomically.
 */
#include <stdlib.h>
#include <string.h>

#include "acme/engine_int.h"

static json_t *order_json(const ac_order *o)
{
	json_t *j = json_pack("{s:s,s:I,s:I,s:I,s:I}", "id", o->id,
			      "due", (json_int_t)o->due,
			      "backoff", (json_int_t)o->backoff,
			      "not_before", (json_int_t)o->not_before,
			      "not_after", (json_int_t)o->not_after);
	char *csr;

	if (!j)
		return NULL;
	if (o->url)
		json_object_set_new(j, "url", json_string(o->url));
	if (o->url && o->key_pem)
		json_object_set_new(j, "key", json_string(o->key_pem));
	if (o->csr && (csr = ac_b64url(o->csr, o->csr_len))) {
		json_object_set_new(j, "csr", json_string(csr));
		free(csr);
	}
	return j;
}

char *acme_state_save(const acme_ctx *c)
{
	json_t *j = json_pack("{s:i}", "version", 1), *arr = json_array();
	char *out = NULL;
	size_t i;

	if (j && arr) {
		if (c->acct_url)
			json_object_set_new(j, "account_url",
					    json_string(c->acct_url));
		for (i = 0; i < c->norders; i++)
			json_array_append_new(arr, order_json(&c->orders[i]));
		json_object_set(j, "orders", arr);
		out = json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS);
	}
	json_decref(arr);
	json_decref(j);
	if (out)
		((acme_ctx *)c)->dirty = 0;
	return out;
}

int acme_state_dirty(const acme_ctx *c)
{
	return c->dirty;
}

static json_int_t jint(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? json_integer_value(v) : 0;
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A CSR order saved earlier and not re-added by the shell yet. */
static ac_order *restore_csr(acme_ctx *c, const char *id, const char *b64,
			     int64_t now)
{
	size_t cap = strlen(b64);
	uint8_t *der = malloc(cap + 1);
	long n = der ? ac_b64url_decode(b64, der, cap) : -1;
	char err[160];
	ac_order *o = NULL;

	if (n > 0 && !acme_order_csr(c, id, der, (size_t)n, now, err, sizeof err))
		o = ac_order_find(c, id);
	free(der);
	return o;
}

static void restore_order(acme_ctx *c, json_t *e, int64_t now)
{
	const char *id = jstr(e, "id"), *url = jstr(e, "url");
	const char *key = jstr(e, "key"), *csr = jstr(e, "csr");
	ac_order *o = id ? ac_order_find(c, id) : NULL;
	json_int_t bo = jint(e, "backoff");

	if (!o && id && csr)
		o = restore_csr(c, id, csr, now);
	if (!o)
		return;
	if (!o->not_after) {
		o->not_before = jint(e, "not_before");
		o->not_after = jint(e, "not_after");
	}
	o->backoff = bo > 0 && bo <= c->backoff_max ? (unsigned)bo : 0;
	/* the configuration's certificate may be newer than the state:
	 * keep the later renewal time unless a failure is being backed off */
	if (o->backoff || jint(e, "due") > o->due)
		o->due = jint(e, "due");
	if (url && *url) {
		ac_order_reset(o);
		o->url = ac_strdup(url);
		o->key_pem = o->csr ? NULL : ac_strdup(key);
		o->due = now;
	}
}

int acme_state_load(acme_ctx *c, const char *json, size_t len, int64_t now)
{
	json_t *j = json_loadb(json, len, 0, NULL), *arr, *e;
	const char *acct;
	size_t i;

	if (!json_is_object(j) || jint(j, "version") != 1) {
		json_decref(j);
		return -1;
	}
	if ((acct = jstr(j, "account_url")) && !c->acct_url)
		c->acct_url = ac_strdup(acct);
	arr = json_object_get(j, "orders");
	json_array_foreach(arr, i, e)
		if (json_is_object(e))
			restore_order(c, e, now);
	json_decref(j);
	return 0;
}
