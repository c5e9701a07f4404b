// SPDX-License-Identifier: MIT
/*
 * The floor for proving N endpoints: TLS handshakes to every "ADDRESS PORT" line of stdin,
 * CONCURRENCY at a time (forked workers, blocking sockets, no verification beyond completing
 * the handshake). Prints the wall time and the workers' CPU time in milliseconds; exits 1
 * if any handshake failed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct ep {
	struct sockaddr_storage sa;
	socklen_t len;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int parse(const char *addr, int port, struct ep *e)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)&e->sa;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&e->sa;

	memset(e, 0, sizeof(*e));
	if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((unsigned short)port);
		e->len = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((unsigned short)port);
		e->len = sizeof(*a6);
		return 0;
	}
	return -1;
}

static int handshake(SSL_CTX *ctx, const struct ep *e)
{
	int fd = socket(e->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), ok = 0;
	SSL *ssl;

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&e->sa, e->len) == 0 && (ssl = SSL_new(ctx))) {
		SSL_set_fd(ssl, fd);
		ok = SSL_connect(ssl) == 1 && SSL_get0_peer_certificate(ssl);
		SSL_free(ssl);
	}
	close(fd);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	int conc = argc > 1 ? atoi(argv[1]) : 0, n = 0, cap = 1024, port, bad = 0, status;
	struct ep *v = malloc(sizeof(*v) * cap);
	char addr[128];
	long long t0;

	if (conc < 1 || !v) {
		fprintf(stderr, "usage: hsfloor CONCURRENCY < endpoints (\"ADDRESS PORT\" lines)\n");
		return 64;
	}
	while (scanf("%127s %d", addr, &port) == 2) {
		if (n == cap && !(v = realloc(v, sizeof(*v) * (cap *= 2))))
			return 70;
		if (parse(addr, port, &v[n]) < 0) {
			fprintf(stderr, "hsfloor: bad address %s\n", addr);
			return 65;
		}
		n++;
	}
	t0 = now_ms();
	for (int w = 0; w < conc; w++) {
		if (fork() == 0) {
			SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
			int failed = 0;

			for (int i = w; ctx && i < n; i += conc)
				failed |= handshake(ctx, &v[i]) < 0;
			_exit(!ctx || failed);
		}
	}
	while (wait(&status) > 0)
		bad |= !WIFEXITED(status) || WEXITSTATUS(status);
	struct rusage ru;
	getrusage(RUSAGE_CHILDREN, &ru);
	printf("%lld %lld\n", now_ms() - t0,
	       (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000LL +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000);
	return bad;
}
