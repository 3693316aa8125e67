// SPDX-License-Identifier: GPL-2.0
/*
 * fwnet: the smallest traffic tool the tests need.
 *
 *   fwnet serve tcp|udp PORT              echo server on [::] (and 0.0.0.0)
 *   fwnet probe tcp|udp ADDR PORT [-s SPORT] [-t MS]
 *                                         exit 0 if the echo came back,
 *                                         3 if refused (a reset or an
 *                                         ICMP unreachable), else 1
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int serve(int udp, int port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons(port) };
	struct sockaddr_storage peer;
	socklen_t plen;
	char buf[2048];
	int fd, c, one = 1, zero = 0;
	ssize_t n;

	signal(SIGCHLD, SIG_IGN);
	fd = socket(AF_INET6, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (fd < 0)
		return 2;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    (!udp && listen(fd, 64))) {
		perror("fwnet serve");
		return 2;
	}
	for (;;) {
		plen = sizeof(peer);
		if (udp) {
			n = recvfrom(fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&peer, &plen);
			if (n > 0)
				sendto(fd, buf, n, 0, (struct sockaddr *)&peer,
				       plen);
			continue;
		}
		c = accept(fd, (struct sockaddr *)&peer, &plen);
		if (c < 0)
			continue;
		n = read(c, buf, sizeof(buf));
		if (n > 0 && write(c, buf, n) != n)
			perror("fwnet write");
		close(c);
	}
}

/* 0 when ready, 3 when the peer refused, 1 on a timeout or other error. */
static int wait_fd(int fd, short ev, int ms)
{
	struct pollfd p = { .fd = fd, .events = ev };
	socklen_t len = sizeof(int);
	int err = 0;

	if (poll(&p, 1, ms) != 1)
		return 1;
	if (!(p.revents & (POLLERR | POLLHUP)))
		return 0;
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	return err == ECONNREFUSED ? 3 : 1;
}

static int probe(int udp, const char *addr, int port, int sport, int ms)
{
	struct sockaddr_storage ss = { 0 }, src = { 0 };
	struct sockaddr_in6 *a6 = (void *)&ss, *s6 = (void *)&src;
	struct sockaddr_in *a4 = (void *)&ss, *s4 = (void *)&src;
	const char msg[] = "ndvmfw-probe";
	socklen_t len;
	char buf[64];
	int fd, ret, one = 1;

	if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		s4->sin_family = AF_INET;
		s4->sin_port = htons(sport);
		len = sizeof(*a4);
	} else if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(sport);
		len = sizeof(*a6);
	} else {
		fprintf(stderr, "fwnet: bad address %s\n", addr);
		return 2;
	}
	fd = socket(ss.ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM) |
		    SOCK_NONBLOCK, 0);
	if (fd < 0)
		return 2;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sport && bind(fd, (struct sockaddr *)&src, len)) {
		perror("fwnet bind");
		return 2;
	}
	if (connect(fd, (struct sockaddr *)&ss, len) && errno != EINPROGRESS)
		return errno == ECONNREFUSED ? 3 : 1;
	if (!udp) {
		ret = wait_fd(fd, POLLOUT, ms);
		if (ret)
			return ret;
	}
	if (send(fd, msg, sizeof(msg), 0) != sizeof(msg))
		return errno == ECONNREFUSED ? 3 : 1;
	ret = wait_fd(fd, POLLIN, ms);
	if (ret)
		return ret;
	if (recv(fd, buf, sizeof(buf), 0) <= 0)
		return errno == ECONNREFUSED ? 3 : 1;
	return memcmp(buf, msg, sizeof(msg)) ? 1 : 0;
}

int main(int argc, char *argv[])
{
	int udp, sport = 0, ms = 1000, i;

	if (argc < 4)
		goto usage;
	if (strcmp(argv[2], "tcp") && strcmp(argv[2], "udp"))
		goto usage;
	udp = !strcmp(argv[2], "udp");
	if (!strcmp(argv[1], "serve"))
		return serve(udp, atoi(argv[3]));
	if (strcmp(argv[1], "probe") || argc < 5)
		goto usage;
	for (i = 5; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "-s"))
			sport = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "-t"))
			ms = atoi(argv[i + 1]);
		else
			goto usage;
	}
	return probe(udp, argv[3], atoi(argv[4]), sport, ms);
usage:
	fprintf(stderr, "usage: fwnet serve tcp|udp PORT\n"
		"       fwnet probe tcp|udp ADDR PORT [-s SPORT] [-t MS]\n");
	return 2;
}
