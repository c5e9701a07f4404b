// SPDX-License-Identifier: MIT
/*
 * The floor for event cost: a bare NETLINK_ROUTE listener on the same groups as certbindd
 * that only counts messages (walking message headers, nothing more). Prints the count on
 * SIGUSR1 (to the file named in argv[1]) and exits on SIGTERM.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t report, quit;

static void on_signal(int s)
{
	if (s == SIGUSR1)
		report = 1;
	else
		quit = 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR };
	static char buf[1 << 16];
	unsigned long long msgs = 0, enobufs = 0;
	int size = 32 << 20, fd;
	struct sigaction act = { .sa_handler = on_signal };

	if (argc != 2) {
		fprintf(stderr, "usage: nlfloor COUNTFILE\n");
		return 64;
	}
	sigaction(SIGUSR1, &act, NULL);
	sigaction(SIGTERM, &act, NULL);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("netlink");
		return 1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	while (!quit) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (report) {
			FILE *f = fopen(argv[1], "w");
			if (f) {
				fprintf(f, "%llu %llu\n", msgs, enobufs);
				fclose(f);
			}
			report = 0;
		}
		if (n < 0) {
			if (errno == ENOBUFS)
				enobufs++;
			continue;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n))
			msgs++;
	}
	return 0;
}
