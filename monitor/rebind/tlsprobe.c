// SPDX-License-Identifier: MIT
/* Non-blocking TLS client handshake used to prove what an endpoint serves. */
#include "monitor/rebind/tlsprobe.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "monitor/certs/cert.h"

struct tlsprobe {
	int fd;
	SSL *ssl;
	bool connected;
	uint32_t want;
	char err[160];
};

SSL_CTX *tlsprobe_ctx_new(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx)
		return NULL;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	return ctx;
}

static int fail(struct tlsprobe *p, const char *what, const char *detail)
{
	snprintf(p->err, sizeof(p->err), "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
	return -1;
}

struct tlsprobe *tlsprobe_start(SSL_CTX *ctx, const struct ipaddr *a, unsigned port,
				const char *sni)
{
	struct tlsprobe *p = calloc(1, sizeof(*p));
	struct sockaddr_storage ss;
	socklen_t sl;

	if (!p)
		return NULL;
	p->fd = -1;
	memset(&ss, 0, sizeof(ss));
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		s6->sin6_addr = a->u.v6;
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		s4->sin_addr = a->u.v4;
		sl = sizeof(*s4);
	}
	p->fd = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		goto fail;
	if (connect(p->fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS)
		goto fail;
	p->want = EPOLLOUT;
	p->ssl = SSL_new(ctx);
	if (!p->ssl || SSL_set_fd(p->ssl, p->fd) != 1)
		goto fail;
	if (sni && SSL_set_tlsext_host_name(p->ssl, sni) != 1)
		goto fail;
	SSL_set_connect_state(p->ssl);
	return p;
fail:
	tlsprobe_free(p);
	return NULL;
}

int tlsprobe_fd(const struct tlsprobe *p)
{
	return p->fd;
}

uint32_t tlsprobe_events(const struct tlsprobe *p)
{
	return p->want;
}

int tlsprobe_step(struct tlsprobe *p, unsigned char sha256[32])
{
	int r, e;
	X509 *peer;

	if (!p->connected) {
		int soerr = 0;
		socklen_t len = sizeof(soerr);
		if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
			soerr = errno;
		if (soerr)
			return fail(p, "connect", strerror(soerr));
		p->connected = true;
	}
	ERR_clear_error();
	r = SSL_do_handshake(p->ssl);
	if (r == 1) {
		peer = SSL_get1_peer_certificate(p->ssl);
		if (!peer)
			return fail(p, "handshake", "no certificate presented");
		r = cert_digest(peer, sha256);
		X509_free(peer);
		return r < 0 ? fail(p, "handshake", "cannot digest the peer's certificate") : 1;
	}
	e = SSL_get_error(p->ssl, r);
	if (e == SSL_ERROR_WANT_READ) {
		p->want = EPOLLIN;
		return 0;
	}
	if (e == SSL_ERROR_WANT_WRITE) {
		p->want = EPOLLOUT;
		return 0;
	}
	if (e == SSL_ERROR_SYSCALL)
		return fail(p, "handshake", errno ? strerror(errno) : "connection closed");
	return fail(p, "handshake", ERR_reason_error_string(ERR_peek_last_error()));
}

int tlsprobe_verify_chain(const struct tlsprobe *p, X509_STORE *store, const struct ipaddr *a,
			  char *why, size_t len)
{
	X509 *leaf = SSL_get0_peer_certificate(p->ssl);
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(p->ssl);
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	char ip[IPADDR_STRLEN];
	int ok = -1, err;

	ipaddr_str(a, ip, sizeof(ip));
	if (!leaf || !ctx || X509_STORE_CTX_init(ctx, store, leaf, chain) != 1) {
		snprintf(why, len, "%s", leaf ? "out of memory" : "no certificate served");
	} else if (X509_VERIFY_PARAM_set1_ip_asc(X509_STORE_CTX_get0_param(ctx), ip) != 1) {
		snprintf(why, len, "cannot check the address %s", ip);
	} else if (X509_verify_cert(ctx) == 1) {
		ok = 0;
	} else {
		err = X509_STORE_CTX_get_error(ctx);
		snprintf(why, len, "the served chain does not verify for %s: %s", ip,
			 X509_verify_cert_error_string(err));
	}
	X509_STORE_CTX_free(ctx);
	return ok;
}

const char *tlsprobe_error(const struct tlsprobe *p)
{
	return p->err[0] ? p->err : "no answer";
}

void tlsprobe_free(struct tlsprobe *p)
{
	if (!p)
		return;
	SSL_free(p->ssl);
	if (p->fd >= 0)
		close(p->fd);
	free(p);
}
