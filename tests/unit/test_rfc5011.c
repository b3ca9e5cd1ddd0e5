/* Unit tests: RFC 5011 managed trust anchors (resolver/rfc5011.c): the
 * state machine fed validated DNSKEY RRsets directly, with a fake clock
 * and a save callback that can fail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ldns/ldns.h>

#include "tests/unit/t.h"
#include "resolver/res_int.h"

#define DAY 86400ull

/* Two KSKs (SEP bit) and a ZSK, algorithm 13 (64-byte keys). */
static const char *const k1 = ". 3600 IN DNSKEY 257 3 13 "
	"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8w"
	"MTIzNDU2Nzg5Ojs8PT4/QA==";
static const char *const k2 = ". 3600 IN DNSKEY 257 3 13 "
	"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpbXF1eX2BhYmNkZWZnaGlqa2xtbm9w"
	"cXJzdHV1dnd4eXp7fH1+fw==";
static const char *const zsk = ". 3600 IN DNSKEY 256 3 13 "
	"gYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+w"
	"sbKztLW2t7i5uru8vb6/wA==";

static int save_ok = 1, saves;
static char saved[8192];

static int save(void *arg, const char *text, size_t len)
{
	(void)arg;
	saves++;
	if (!save_ok)
		return -1;
	snprintf(saved, sizeof(saved), "%.*s", (int)len, text);
	return 0;
}

/* A DNSKEY RRset (zones/ format) of the given presentation lines. */
static uint32_t rrset(const char *const *lines, int n, uint8_t *out)
{
	uint32_t len = 0;

	for (int i = 0; i < n; i++) {
		ldns_rr *rr = NULL;
		uint8_t *w = NULL;
		size_t wl = 0;

		if (ldns_rr_new_frm_str(&rr, lines[i], 3600, NULL, NULL) !=
		    LDNS_STATUS_OK ||
		    ldns_rr2wire(&w, rr, LDNS_SECTION_ANSWER, &wl) !=
		    LDNS_STATUS_OK)
			abort();
		/* root owner: one byte, then type class ttl rdlen */
		memcpy(out + len, w + 9, wl - 9);
		len += (uint32_t)(wl - 9);
		free(w);
		ldns_rr_free(rr);
	}
	return len;
}

static res_ctx *engine(const char *managed)
{
	res_cfg c;
	char err[256];
	res_ctx *r;

	memset(&c, 0, sizeof(c));
	c.dnssec = 1;
	c.managed_anchor_text = managed;
	c.anchors_save = save;
	r = res_new(&c, err, sizeof(err));
	if (!r)
		printf("  res_new: %s\n", err);
	return r;
}

static void observe(res_ctx *r, const char *const *lines, int n,
		    uint64_t now_s)
{
	uint8_t keys[2048];
	uint32_t len = rrset(lines, n, keys);

	res_5011_observe(r, (const uint8_t *)"", keys, len, (uint16_t)n, NULL,
			 0, 0, 3600, now_s * 1000);
	res_5011_apply(r);
}

/* A new KSK is AddPend, and only after it was saved; a failed save
 * changes nothing (the next observation tries again); after 30 days it
 * is Valid and an anchor; a KSK that goes away stays as Missing. */
static void test_5011_holddown_and_save(void)
{
	char seed[512], *anc;
	const char *const set12[] = { k1, k2, zsk };
	const char *const set2[] = { k2, zsk };
	uint64_t t0 = 1800000000ull;
	res_ctx *r;

	snprintf(seed, sizeof(seed), "%s\n", k1);
	r = engine(seed);
	T_CHECK(r != NULL);
	if (!r)
		return;
	T_EQ(res_5011_next(r->ta5011), 0);     /* nothing at start-up */
	save_ok = 0;
	observe(r, set12, 3, t0);
	T_EQ(saves, 1);
	T_CHECK(res_5011_next(r->ta5011) >= (t0 + 1800) * 1000);
	save_ok = 1;
	observe(r, set12, 3, t0 + 60);
	T_EQ(saves, 2);
	T_CHECK(strstr(saved, ";;5011 ADDPEND first=1800000060 ") != NULL);
	T_CHECK(strstr(saved, ";;5011 VALID ") != NULL);
	anc = res_5011_anchors(r->ta5011);
	T_CHECK(anc && strstr(anc, "QUJDREVG") == NULL);   /* k2: not yet */
	free(anc);
	observe(r, set12, 3, t0 + 29 * DAY);
	T_EQ(saves, 2);                          /* no change, no write */
	observe(r, set12, 3, t0 + 31 * DAY);
	T_EQ(saves, 3);
	T_CHECK(strstr(saved, "ADDPEND") == NULL);
	anc = res_5011_anchors(r->ta5011);
	T_CHECK(anc && strstr(anc, "QUJDREVG") != NULL);   /* k2: anchor */
	free(anc);
	observe(r, set2, 2, t0 + 32 * DAY);     /* k1 no longer published */
	T_EQ(saves, 4);
	T_CHECK(strstr(saved, ";;5011 MISSING ") != NULL);
	anc = res_5011_anchors(r->ta5011);
	T_CHECK(anc && strstr(anc, "AQIDBAUG") != NULL);   /* k1 kept */
	free(anc);
	res_free(r);
}

/* A key that disappears during its hold-down is forgotten; a ZSK (no
 * SEP bit) is never a candidate. */
static void test_5011_addpend_gone(void)
{
	char seed[512];
	const char *const set12[] = { k1, k2, zsk };
	const char *const set1[] = { k1, zsk };
	res_ctx *r;

	snprintf(seed, sizeof(seed), "%s\n", k1);
	r = engine(seed);
	if (!r)
		return;
	save_ok = 1;
	observe(r, set12, 3, 1800000000ull);
	T_CHECK(strstr(saved, "ADDPEND") != NULL);
	T_CHECK(strstr(saved, "gYKDhIWG") == NULL);       /* the ZSK */
	observe(r, set1, 2, 1800000000ull + DAY);
	T_CHECK(strstr(saved, "ADDPEND") == NULL);
	T_CHECK(strstr(saved, "QUJDREVG") == NULL);
	res_free(r);
}

/* The managed text is read back as written (a restart). */
static void test_5011_roundtrip(void)
{
	char seed[512], copy[8192];
	const char *const set12[] = { k1, k2, zsk };
	res_ctx *r;

	snprintf(seed, sizeof(seed), "%s\n", k1);
	r = engine(seed);
	if (!r)
		return;
	observe(r, set12, 3, 1800000000ull);
	res_free(r);
	snprintf(copy, sizeof(copy), "%s", saved);
	r = engine(copy);
	T_CHECK(r != NULL);
	if (!r)
		return;
	saves = 0;
	observe(r, set12, 3, 1800000000ull + 10);
	T_EQ(saves, 1);                  /* first write after a start */
	T_EQ(strcmp(saved, copy), 0);    /* same states and times */
	res_free(r);
}

int main(void)
{
	T_RUN(test_5011_holddown_and_save);
	T_RUN(test_5011_addpend_gone);
	T_RUN(test_5011_roundtrip);
	T_DONE();
}
