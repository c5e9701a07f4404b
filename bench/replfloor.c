// SPDX-License-Identifier: MIT
/*
 * The floor for decision latency: COUNT atomic replaces of one small file in DIR, as a
 * crash-safe writer must do them (write a temporary, fdatasync, rename over the name, fsync
 * the directory). Prints each replace's duration in microseconds, one per line.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	int count = argc == 3 ? atoi(argv[2]) : 0, dfd;
	char body[64];

	if (count < 1) {
		fprintf(stderr, "usage: replfloor DIR COUNT\n");
		return 64;
	}
	dfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		perror(argv[1]);
		return 66;
	}
	for (int i = 0; i < count; i++) {
		long long t0 = now_us();
		int fd = openat(dfd, ".floor.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int len = snprintf(body, sizeof(body), "bind 198.51.100.%d:443 crt x\n", i % 250);

		if (fd < 0 || write(fd, body, (size_t)len) != len || fdatasync(fd) < 0 || close(fd) < 0 ||
		    renameat(dfd, ".floor.tmp", dfd, "floor.conf") < 0 || fsync(dfd) < 0) {
			perror("replfloor");
			return 74;
		}
		printf("%lld\n", now_us() - t0);
	}
	unlinkat(dfd, "floor.conf", 0);
	return 0;
}
