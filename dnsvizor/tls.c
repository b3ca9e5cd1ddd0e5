/*
 * Server-side TLS contexts (see tls.h).
 *
 * SSL_new takes its own reference on the SSL_CTX, so replacing ctx->tls's
 * context and dropping our reference leaves every open connection with
 * the context it was accepted with.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "dnsvizor/tls.h"

struct dv_tls {
	SSL_CTX *sc;                /* for new connections */
	char *hook_cert, *hook_key; /* dv_tls_set_files */
	uint64_t loads;
};

/* TLS 1.2 suites: forward secret, AEAD or SHA-2 MACs only. */
static const char DV_TLS12_CIPHERS[] =
	"ECDHE+AESGCM:ECDHE+CHACHA20:ECDHE+AES:!aNULL:!SHA1:!kRSA";

static const unsigned char DV_ALPN_DOH[] = "\x02h2\x08http/1.1";
static const unsigned char DV_ALPN_DOT[] = "\x03" "dot";

int dv_tls_wanted(const dv_config *cfg)
{
	return cfg->dot_port > 0 || cfg->doh_port > 0;
}

static void dv_tls_err(char *err, size_t errlen, const char *what,
		       const char *file)
{
	char e[256] = "";
	unsigned long code = ERR_get_error();

	if (code)
		ERR_error_string_n(code, e, sizeof(e));
	ERR_clear_error();
	snprintf(err, errlen, "tls: %s%s%s: %s", what, file ? " " : "",
		 file ? file : "", e[0] ? e : "failed");
}

static int dv_tls_alpn(SSL *ssl, const unsigned char **out,
		       unsigned char *outlen, const unsigned char *in,
		       unsigned int inlen, void *arg)
{
	int kind = (int)(intptr_t)SSL_get_app_data(ssl);
	const unsigned char *srv = kind == DV_CONN_DOH ? DV_ALPN_DOH
						       : DV_ALPN_DOT;
	unsigned int slen = kind == DV_CONN_DOH ? sizeof(DV_ALPN_DOH) - 1
						: sizeof(DV_ALPN_DOT) - 1;
	unsigned char *o;

	(void)arg;
	if (SSL_select_next_proto(&o, outlen, srv, slen, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK; /* DoH: HTTP/1.1 then */
	*out = o;
	return SSL_TLSEXT_ERR_OK;
}

static SSL_CTX *dv_tls_ctx_new(const char *cert, const char *key,
			       char *err, size_t errlen)
{
	static const unsigned char sid_ctx[] = "dnsvizor";
	SSL_CTX *sc = SSL_CTX_new(TLS_server_method());

	if (!sc) {
		dv_tls_err(err, errlen, "SSL_CTX_new", NULL);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(sc, TLS1_2_VERSION);
	SSL_CTX_set_options(sc, SSL_OP_NO_COMPRESSION |
			    SSL_OP_NO_RENEGOTIATION |
			    SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_mode(sc, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_session_cache_mode(sc, SSL_SESS_CACHE_SERVER);
	SSL_CTX_sess_set_cache_size(sc, 4096);
	SSL_CTX_set_timeout(sc, 7200);
	SSL_CTX_set_session_id_context(sc, sid_ctx, sizeof(sid_ctx) - 1);
	SSL_CTX_set_alpn_select_cb(sc, dv_tls_alpn, NULL);
	if (SSL_CTX_set_cipher_list(sc, DV_TLS12_CIPHERS) != 1) {
		dv_tls_err(err, errlen, "cipher list", NULL);
	} else if (SSL_CTX_use_certificate_chain_file(sc, cert) != 1) {
		dv_tls_err(err, errlen, "cannot load certificate", cert);
	} else if (SSL_CTX_use_PrivateKey_file(sc, key, SSL_FILETYPE_PEM)
		   != 1) {
		dv_tls_err(err, errlen, "cannot load key", key);
	} else if (SSL_CTX_check_private_key(sc) != 1) {
		dv_tls_err(err, errlen, "key does not match certificate", key);
	} else {
		return sc;
	}
	SSL_CTX_free(sc);
	return NULL;
}

/* The files in effect: --tls-cert/--tls-key, else the hook's. */
static int dv_tls_files(const dv_ctx *ctx, const char **cert,
			const char **key)
{
	const struct dv_tls *t = ctx->tls;

	*cert = ctx->cfg.tls_cert;
	*key = ctx->cfg.tls_key;
	if (!*cert && t) {
		*cert = t->hook_cert;
		*key = t->hook_key;
	}
	if (!*cert)
		return -1;
	if (!*key)
		*key = *cert;  /* one PEM file with both */
	return 0;
}

static int dv_tls_load(dv_ctx *ctx, char *err, size_t errlen)
{
	const char *cert, *key;
	SSL_CTX *sc;

	if (dv_tls_files(ctx, &cert, &key) < 0) {
		snprintf(err, errlen, "--dot-port/--doh-port need a "
			 "certificate: give --tls-cert=FILE (and --tls-key="
			 "FILE)");
		return -1;
	}
	sc = dv_tls_ctx_new(cert, key, err, errlen);
	if (!sc)
		return -1;
	SSL_CTX_free(ctx->tls->sc); /* open connections keep their ref */
	ctx->tls->sc = sc;
	ctx->tls->loads++;
	dv_log(&ctx->lg, DV_LOG_INFO, "tls: certificate %s loaded", cert);
	return 0;
}

static int dv_tls_alloc(dv_ctx *ctx)
{
	if (!ctx->tls)
		ctx->tls = calloc(1, sizeof(*ctx->tls));
	return ctx->tls ? 0 : -1;
}

int dv_tls_init(dv_ctx *ctx, char *err, size_t errlen)
{
	if (!dv_tls_wanted(&ctx->cfg))
		return 0;
	if (dv_tls_alloc(ctx) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (!ctx->cfg.tls_cert && ctx->tls->hook_cert &&
	    access(ctx->tls->hook_cert, F_OK) != 0) {
		/* ACME has not issued it yet: dv_tls_reload installs it */
		dv_log(&ctx->lg, DV_LOG_WARN, "tls: %s not there yet: TLS "
		       "connections are refused until it is",
		       ctx->tls->hook_cert);
		return 0;
	}
	if (dv_tls_load(ctx, err, errlen) < 0) {
		/* name the option's line: a PEM error has none */
		const dv_config *c = &ctx->cfg;
		int key = c->tls_key && strstr(err, "cannot load key");

		if (c->tls_cert)
			dv_config_where_prefix(c, key ? "tls-key" : "tls-cert",
					       key ? c->tls_key : c->tls_cert,
					       err, errlen);
		return -1;
	}
	return 0;
}

int dv_tls_reload(dv_ctx *ctx)
{
	char err[512];

	if (!ctx->tls || (!ctx->tls->sc && !dv_tls_wanted(&ctx->cfg)))
		return 0;   /* no TLS listeners */
	if (dv_tls_load(ctx, err, sizeof(err)) < 0) {
		dv_log(&ctx->lg, DV_LOG_ERR, "%s; keeping the running "
		       "certificate", err);
		return -1;
	}
	return 0;
}

int dv_tls_set_files(dv_ctx *ctx, const char *cert, const char *key)
{
	char *c, *k;

	if (dv_tls_alloc(ctx) < 0)
		return -1;
	c = strdup(cert);
	k = key ? strdup(key) : NULL;
	if (!c || (key && !k)) {
		free(c);
		free(k);
		return -1;
	}
	free(ctx->tls->hook_cert);
	free(ctx->tls->hook_key);
	ctx->tls->hook_cert = c;
	ctx->tls->hook_key = k;
	return 0;
}

void dv_tls_free(dv_ctx *ctx)
{
	if (!ctx->tls)
		return;
	SSL_CTX_free(ctx->tls->sc);
	free(ctx->tls->hook_cert);
	free(ctx->tls->hook_key);
	free(ctx->tls);
	ctx->tls = NULL;
}

struct bufferevent *dv_tls_bev(dv_ctx *ctx, int fd, int kind)
{
	struct bufferevent *bev;
	SSL *ssl;

	if (!ctx->tls || !ctx->tls->sc || !(ssl = SSL_new(ctx->tls->sc)))
		return NULL;
	SSL_set_app_data(ssl, (void *)(intptr_t)kind);
	bev = bufferevent_openssl_socket_new(ctx->base, fd, ssl,
					     BUFFEREVENT_SSL_ACCEPTING,
					     BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		SSL_free(ssl);
		return NULL;
	}
	/* a client that closes without close_notify is an EOF, not an
	 * error: the answers already due still go out */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}
