/*
 * The resolver (stub until the iterator lands): answers SERVFAIL for
 * every query handed to it.
 */
#include <stdlib.h>
#include <string.h>

#include "resolver/resolver.h"

struct res_ctx {
	res_cfg cfg;
	res_stats st;
};

res_ctx *res_new(const res_cfg *cfg, char *err, size_t errlen)
{
	res_ctx *r = calloc(1, sizeof(*r));

	(void)err;
	(void)errlen;
	if (r)
		r->cfg = *cfg;
	return r;
}

void res_free(res_ctx *r)
{
	free(r);
}

res_result res_query(res_ctx *r, const uint8_t *q, size_t qlen, int tcp,
		     uint64_t now_ms, uint8_t *resp, size_t cap,
		     size_t *resp_len, uint64_t client_token)
{
	wire_query wq;
	size_t n;

	(void)tcp; (void)now_ms; (void)client_token;
	r->st.queries++;
	if (wire_query_parse(q, qlen, &wq) != WQ_OK || wq.question_end == 0 ||
	    wq.question_end > cap)
		return RES_DROP;
	n = wq.question_end;
	memcpy(resp, q, n);
	wire_put16(resp + 2, (uint16_t)(DNS_F_QR | DNS_F_RA |
					(wq.flags & 0x7900) | DNS_R_SERVFAIL));
	wire_put16(resp + 6, 0);
	wire_put16(resp + 8, 0);
	wire_put16(resp + 10, 0);
	*resp_len = n;
	r->st.servfail++;
	return RES_ANSWERED;
}

int res_next_action(res_ctx *r, res_action *a)
{
	(void)r;
	memset(a, 0, sizeof(*a));
	return RES_ACT_NONE;
}

void res_on_reply(res_ctx *r, uint64_t txn, const uint8_t *msg, size_t len,
		  uint64_t now_ms)
{
	(void)r; (void)txn; (void)msg; (void)len; (void)now_ms;
}

void res_on_error(res_ctx *r, uint64_t txn, uint64_t now_ms)
{
	(void)r; (void)txn; (void)now_ms;
}

uint64_t res_next_timer(const res_ctx *r)
{
	(void)r;
	return 0;
}

void res_on_timer(res_ctx *r, uint64_t now_ms)
{
	(void)r; (void)now_ms;
}

int res_cache_save(const res_ctx *r, uint64_t now_ms, uint8_t **out,
		   size_t *len)
{
	(void)r; (void)now_ms;
	*out = NULL;
	*len = 0;
	return 0;
}

int res_cache_load(res_ctx *r, const uint8_t *buf, size_t len,
		   uint64_t now_ms)
{
	(void)r; (void)buf; (void)len; (void)now_ms;
	return 0;
}

void res_cache_take(res_ctx *r, res_ctx *old)
{
	(void)r; (void)old;
}

const res_stats *res_get_stats(const res_ctx *r)
{
	return &r->st;
}
