/*
 * The action queue the shell drains (res_next_action): upstream queries
 * to send, answers and drops for clients, each with its own copy of the
 * message; and random bytes (cfg.random, or a fallback generator).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolver/res_int.h"

void res_rnd(res_ctx *r, void *buf, size_t len)
{
	uint8_t *p = buf;

	if (r->cfg.random) {
		r->cfg.random(r->cfg.random_arg, buf, len);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		r->rng ^= r->rng << 13;
		r->rng ^= r->rng >> 7;
		r->rng ^= r->rng << 17;
		p[i] = (uint8_t)r->rng;
	}
}

int res_queue_push(res_ctx *r, const res_action *a, const uint8_t *msg,
		   size_t len)
{
	res_qact *e;

	if (r->qhead > 0 && r->qhead == r->qlen)
		r->qhead = r->qlen = 0;
	if (r->qlen == r->qcap) {
		size_t ncap = r->qcap ? r->qcap * 2 : 16;
		res_qact *n = realloc(r->q, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		r->q = n;
		r->qcap = ncap;
	}
	e = &r->q[r->qlen];
	e->buf = malloc(len ? len : 1);
	if (!e->buf)
		return -ENOMEM;
	memcpy(e->buf, msg, len);
	e->a = *a;
	e->a.msg = e->buf;
	e->a.len = len;
	r->qlen++;
	return 0;
}
