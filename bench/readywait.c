// SPDX-License-Identifier: MIT
/*
 * A NOTIFY_SOCKET for the benchmark: binds the datagram socket named in argv[1], waits for a
 * message holding READY=1 and prints the CLOCK_REALTIME millisecond it arrived.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	struct timespec ts;
	ssize_t n;
	int fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: readywait SOCKET\n");
		return 64;
	}
	strcpy(sa.sun_path, argv[1]);
	unlink(argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("readywait");
		return 71;
	}
	while ((n = recv(fd, buf, sizeof(buf) - 1, 0)) >= 0) {
		buf[n] = '\0';
		if (strstr(buf, "READY=1")) {
			clock_gettime(CLOCK_REALTIME, &ts);
			printf("%lld\n", ts.tv_sec * 1000LL + ts.tv_nsec / 1000000);
			return 0;
		}
	}
	return 1;
}
