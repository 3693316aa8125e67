// SPDX-License-Identifier: GPL-2.0
/*
 * fwpkt: craft the packets the kernel's own sockets will not send, and see
 * which of them arrive.
 *
 *   fwpkt send IFACE DSTMAC -s SRC -d DST [options]
 *       one Ethernet frame (or its fragments) out of IFACE, raw
 *     -p tcp|udp|icmp|icmpv6|N   upper-layer protocol (default udp)
 *     --sport N, --dport N       ports (default 40000, 7)
 *     --type N, --code N         ICMP type and code (default echo request)
 *     -i, --id N                 marker carried in the payload (default 0)
 *     --len N                    payload bytes, at least 12 (default 32)
 *     --vlan VID                 an 802.1Q tag, outermost first (repeat)
 *     --ext hop|dst|rt|frag      IPv6 extension header before the upper
 *                                layer, in order (repeat); frag is an
 *                                atomic fragment header
 *     --frag N                   fragment: the first fragment carries N
 *                                bytes (a multiple of 8) after the IP
 *                                header / the fragment header
 *     --overlap DPORT            with --frag: first send a first fragment
 *                                8 bytes longer, whose destination port
 *                                is DPORT; the real one overlaps it
 *     --bad ihl|totlen|doff|trunc  break one length field: IPv4 ihl 4,
 *                                a total / payload length beyond the
 *                                packet, TCP data offset 4, or the upper-
 *                                layer header cut to 2 bytes
 *     --flags N                  TCP flags (default 2, SYN)
 *     --ack N                    TCP acknowledgment number (default 0;
 *                                the sequence number is always 1)
 *     --echo-id N                ICMP echo identifier (default: the low
 *                                16 bits of the id)
 *     --icmp-err TYPE/CODE       instead, an ICMP (ICMPv6 for v6) error
 *                                of TYPE and CODE from DST to SRC that
 *                                quotes the packet the other options
 *                                describe, as SRC sent it to DST (not
 *                                with --frag, --overlap or --arp); the
 *                                quoted packet carries the id
 *     --smac MAC                 Ethernet source (default IFACE's)
 *     --arp                      an ARP request for DST from SRC (IPv4)
 *                                instead; its sender MAC is the Ethernet
 *                                source unless --arp-sha MAC
 *     -n, --count N              send N times (default 1)
 *
 *   fwpkt batch IFACE DSTMAC FILE
 *       send one packet per line of FILE, each line the options above
 *
 *   fwpkt recv [-t MS] [-l IFACE] [-u ID]
 *       print "id N" for every marked packet this namespace receives
 *       (after reassembly) over raw sockets, or with -l every marked frame
 *       IFACE receives (not those it sends), whoever it is for; for MS ms
 *       (default 1000), or until ID arrived (then 100 ms more); the
 *       sockets get a receive buffer big enough for any test burst, and
 *       "drops N" on stderr tells that the kernel dropped N frames for
 *       the packet socket anyway; "timeout" on stderr that ID did not
 *       arrive within MS ms
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAGIC "NDVMFWPK"
#define MAX_VLAN 4
#define MAX_EXT 16

struct pkt {
	int v6;
	uint8_t src[16], dst[16];
	int proto, sport, dport, type, code, id, len, count;
	int vid[MAX_VLAN], nvlan;
	char ext[MAX_EXT];
	int next;
	int frag, overlap, flags;
	unsigned int ack;
	int echo_id, err_type, err_code;
	const char *bad;
	int has_smac, arp, has_sha;
	uint8_t smac[6], sha[6];
};

static void put16(uint8_t *p, unsigned int v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/*
 * The checksum at @ck of the upper-layer segment @l4 of @n bytes, with
 * @p's pseudo header but for ICMP.
 */
static void put_csum(const struct pkt *p, uint8_t *l4, size_t n, int ck)
{
	uint32_t sum = 0;
	uint8_t ph[40];

	l4[ck] = 0;
	l4[ck + 1] = 0;
	if (p->proto != IPPROTO_ICMP) {
		size_t al = p->v6 ? 16 : 4;

		memcpy(ph, p->src, al);
		memcpy(ph + al, p->dst, al);
		sum = csum_add(sum, ph, 2 * al);
		sum += p->proto + n;
	}
	put16(l4 + ck, csum_fold(csum_add(sum, l4, n)));
}

/* The upper-layer segment: header and marked payload, checksummed. */
static size_t build_l4(const struct pkt *p, uint8_t *l4)
{
	size_t hl, n;
	int ck;

	switch (p->proto) {
	case IPPROTO_TCP:
		hl = 20;
		memset(l4, 0, hl);
		put16(l4, p->sport);
		put16(l4 + 2, p->dport);
		l4[7] = 1;		/* seq */
		l4[8] = p->ack >> 24;
		l4[9] = p->ack >> 16;
		l4[10] = p->ack >> 8;
		l4[11] = p->ack;
		l4[12] = 5 << 4;
		l4[13] = p->flags;
		put16(l4 + 14, 65535);
		ck = 16;
		break;
	case IPPROTO_UDP:
		hl = 8;
		put16(l4, p->sport);
		put16(l4 + 2, p->dport);
		ck = 6;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		hl = 8;
		memset(l4, 0, hl);
		l4[0] = p->type;
		l4[1] = p->code;
		put16(l4 + 4, p->echo_id < 0 ? p->id : p->echo_id);
		ck = 2;
		break;
	default:
		hl = 0;
		ck = -1;
	}
	memcpy(l4 + hl, MAGIC, 8);
	l4[hl + 8] = p->id >> 24;
	l4[hl + 9] = p->id >> 16;
	l4[hl + 10] = p->id >> 8;
	l4[hl + 11] = p->id;
	for (n = 12; n < (size_t)p->len; n++)
		l4[hl + n] = n;
	n = hl + p->len;
	if (p->proto == IPPROTO_UDP)
		put16(l4 + 4, n);
	if (ck < 0)
		return n;
	put_csum(p, l4, n, ck);
	if (p->bad && !strcmp(p->bad, "doff"))
		l4[12] = 4 << 4;
	return n;
}

static int sock_fd = -1, if_index;
static uint8_t dst_mac[6], src_mac[6];

static int xmit(const struct pkt *p, const uint8_t *l3, size_t len)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET, .sll_ifindex = if_index, .sll_halen = 6,
	};
	uint8_t f[9216];
	size_t o = 12;
	int i;

	memcpy(f, dst_mac, 6);
	memcpy(f + 6, p->has_smac ? p->smac : src_mac, 6);
	for (i = 0; i < p->nvlan; i++) {
		put16(f + o, 0x8100);
		put16(f + o + 2, p->vid[i]);
		o += 4;
	}
	put16(f + o, p->arp ? 0x0806 : p->v6 ? 0x86dd : 0x0800);
	o += 2;
	if (o + len > sizeof(f))
		return -1;
	memcpy(f + o, l3, len);
	o += len;
	memcpy(sll.sll_addr, dst_mac, 6);
	if (sendto(sock_fd, f, o, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror("fwpkt: sendto");
		return -1;
	}
	return 0;
}

/* In @b, one IPv4 packet or fragment of the segment @l4 [off, off + n). */
static size_t build_v4(const struct pkt *p, const uint8_t *l4, size_t off,
		       size_t n, int more, uint8_t *b)
{
	size_t tot = 20 + n;
	int ihl = 5;

	memset(b, 0, 20);
	if (p->bad && !strcmp(p->bad, "ihl"))
		ihl = 4;
	b[0] = 0x40 | ihl;
	put16(b + 2, p->bad && !strcmp(p->bad, "totlen") ? tot + 64 : tot);
	put16(b + 4, 0x4242 + p->id);
	put16(b + 6, (more ? 0x2000 : 0) | off / 8);
	b[8] = 64;
	b[9] = p->proto;
	memcpy(b + 12, p->src, 4);
	memcpy(b + 16, p->dst, 4);
	put16(b + 10, csum_fold(csum_add(0, b, 20)));
	memcpy(b + 20, l4 + off, n);
	return tot;
}

static int send_v4(const struct pkt *p, const uint8_t *l4, size_t off,
		   size_t n, int more)
{
	uint8_t b[9216];

	return xmit(p, b, build_v4(p, l4, off, n, more, b));
}

/* Extension headers of @p in @b; the protocol of the first one. */
static size_t build_ext(const struct pkt *p, uint8_t *b, int *first)
{
	size_t o = 0;
	int i, nh;

	for (i = p->next - 1, nh = p->proto; i >= 0; i--) {
		memmove(b + 8, b, o);
		memset(b, 0, 8);
		b[0] = nh;
		switch (p->ext[i]) {
		case 'h':
			nh = 0;
			b[2] = 1;	/* PadN */
			b[3] = 4;
			break;
		case 'd':
			nh = 60;
			b[2] = 1;
			b[3] = 4;
			break;
		case 'r':
			nh = 43;	/* type 0, no segments left */
			break;
		case 'f':
			nh = 44;	/* offset 0, M 0: atomic */
			b[7] = p->id;
			break;
		}
		o += 8;
	}
	*first = nh;
	return o;
}

/*
 * In @b, one IPv6 packet; with @frag, a fragment of [ext + l4] at @off: the
 * fragment header comes first, the chosen extension headers behind it.
 */
static size_t build_v6(const struct pkt *p, const uint8_t *l4, size_t l4len,
		       int frag, size_t off, size_t n, int more, uint8_t *b)
{
	uint8_t pl[9216];
	size_t o = 40, plen;
	int nh;

	plen = build_ext(p, pl, &nh);
	memcpy(pl + plen, l4, l4len);
	plen += l4len;
	memset(b, 0, 40);
	b[0] = 0x60;
	b[7] = 64;
	memcpy(b + 8, p->src, 16);
	memcpy(b + 24, p->dst, 16);
	if (frag) {
		b[6] = 44;
		memset(b + o, 0, 8);
		b[o] = nh;
		put16(b + o + 2, off | (more ? 1 : 0));
		b[o + 7] = p->id + 1;
		b[o + 6] = 0x42;
		o += 8;
		memcpy(b + o, pl + off, n);
		o += n;
	} else {
		b[6] = nh;
		memcpy(b + o, pl, plen);
		o += plen;
	}
	put16(b + 4, o - 40 + (p->bad && !strcmp(p->bad, "totlen") ? 64 : 0));
	return o;
}

static int send_v6(const struct pkt *p, const uint8_t *l4, size_t l4len,
		   int frag, size_t off, size_t n, int more)
{
	uint8_t b[9216];

	return xmit(p, b, build_v6(p, l4, l4len, frag, off, n, more, b));
}

/*
 * --icmp-err: an ICMP or ICMPv6 error from @p's destination to its source
 * that quotes @p, whole, as the source sent it.
 */
static int send_err(const struct pkt *p)
{
	uint8_t l4[9216], msg[9216];
	struct pkt q = *p;
	size_t n;

	n = build_l4(p, l4);
	n = p->v6 ? build_v6(p, l4, n, 0, 0, 0, 0, msg + 8) :
		    build_v4(p, l4, 0, n, 0, msg + 8);
	memset(msg, 0, 8);
	msg[0] = p->err_type;
	msg[1] = p->err_code;
	memcpy(q.src, p->dst, sizeof(q.src));
	memcpy(q.dst, p->src, sizeof(q.dst));
	q.proto = p->v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	q.next = 0;
	q.bad = NULL;
	put_csum(&q, msg, n + 8, 2);
	return q.v6 ? send_v6(&q, msg, n + 8, 0, 0, 0, 0) :
		      send_v4(&q, msg, 0, n + 8, 0);
}

/* An ARP request: who has DST, tell SRC. */
static int send_arp(const struct pkt *p)
{
	uint8_t a[28] = { 0, 1, 8, 0, 6, 4, 0, 1 };

	memcpy(a + 8, p->has_sha ? p->sha : p->has_smac ? p->smac : src_mac,
	       6);
	memcpy(a + 14, p->src, 4);
	memcpy(a + 24, p->dst, 4);
	return xmit(p, a, sizeof(a));
}

static int send_one(struct pkt *p)
{
	uint8_t l4[9216];
	size_t n, total, ext = p->next * 8;
	int dport = p->dport, ret = 0;

	if (p->arp)
		return send_arp(p);
	if (p->err_type >= 0)
		return send_err(p);
	if (p->overlap) {
		struct pkt q = *p;

		q.dport = p->overlap;
		q.overlap = 0;
		n = build_l4(&q, l4);
		if (q.v6)
			ret = send_v6(&q, l4, n, 1, 0, p->frag + 8, 1);
		else
			ret = send_v4(&q, l4, 0, p->frag + 8, 1);
		if (ret)
			return ret;
	}
	p->dport = dport;
	n = build_l4(p, l4);
	if (p->bad && !strcmp(p->bad, "trunc")) {
		n = 2;
		if (p->proto == IPPROTO_UDP)
			put16(l4 + 4, n);
	}
	if (!p->frag)
		return p->v6 ? send_v6(p, l4, n, 0, 0, 0, 0) :
			       send_v4(p, l4, 0, n, 0);
	total = p->v6 ? ext + n : n;
	if ((size_t)p->frag >= total) {
		fprintf(stderr, "fwpkt: --frag %d leaves nothing to fragment\n",
			p->frag);
		return -1;
	}
	if (p->v6)
		return send_v6(p, l4, n, 1, 0, p->frag, 1) ||
		       send_v6(p, l4, n, 1, p->frag, total - p->frag, 0);
	return send_v4(p, l4, 0, p->frag, 1) ||
	       send_v4(p, l4, p->frag, total - p->frag, 0);
}

static int parse_mac(const char *s, uint8_t *mac)
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		      &mac[2], &mac[3], &mac[4], &mac[5]) == 6 ? 0 : -1;
}

static int parse_proto(const char *s)
{
	static const struct { const char *name; int proto; } t[] = {
		{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
		{ "icmp", IPPROTO_ICMP }, { "icmpv6", IPPROTO_ICMPV6 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(s, t[i].name))
			return t[i].proto;
	return atoi(s);
}

/* Options of one packet; 0, or 2 on bad arguments. */
static int parse_pkt(int argc, char *argv[], struct pkt *p, int nargs)
{
	static const struct option opts[] = {
		{ "sport", 1, NULL, 'S' }, { "dport", 1, NULL, 'D' },
		{ "type", 1, NULL, 'T' }, { "code", 1, NULL, 'C' },
		{ "id", 1, NULL, 'i' }, { "len", 1, NULL, 'l' },
		{ "vlan", 1, NULL, 'v' }, { "ext", 1, NULL, 'e' },
		{ "frag", 1, NULL, 'f' }, { "overlap", 1, NULL, 'o' },
		{ "bad", 1, NULL, 'b' }, { "count", 1, NULL, 'n' },
		{ "flags", 1, NULL, 'F' }, { "smac", 1, NULL, 'M' },
		{ "arp", 0, NULL, 'A' }, { "arp-sha", 1, NULL, 'H' },
		{ "ack", 1, NULL, 'K' }, { "echo-id", 1, NULL, 'E' },
		{ "icmp-err", 1, NULL, 'R' },
		{ NULL, 0, NULL, 0 }
	};
	const char *src = NULL, *dst = NULL;
	int c;

	*p = (struct pkt){ .proto = IPPROTO_UDP, .sport = 40000, .dport = 7,
			   .type = -1, .len = 32, .count = 1, .flags = 2,
			   .echo_id = -1, .err_type = -1 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:d:p:i:n:", opts, NULL)) != -1) {
		switch (c) {
		case 's': src = optarg; break;
		case 'd': dst = optarg; break;
		case 'p': p->proto = parse_proto(optarg); break;
		case 'S': p->sport = atoi(optarg); break;
		case 'D': p->dport = atoi(optarg); break;
		case 'T': p->type = atoi(optarg); break;
		case 'C': p->code = atoi(optarg); break;
		case 'i': p->id = atoi(optarg); break;
		case 'l': p->len = atoi(optarg); break;
		case 'n': p->count = atoi(optarg); break;
		case 'f': p->frag = atoi(optarg); break;
		case 'o': p->overlap = atoi(optarg); break;
		case 'b': p->bad = strdup(optarg); break;
		case 'F': p->flags = strtol(optarg, NULL, 0); break;
		case 'A': p->arp = 1; break;
		case 'K':
			p->ack = strtoul(optarg, NULL, 0);
			break;
		case 'E':
			p->echo_id = atoi(optarg);
			break;
		case 'R':
			if (sscanf(optarg, "%d/%d", &p->err_type,
				   &p->err_code) != 2)
				return 2;
			break;
		case 'M':
			if (parse_mac(optarg, p->smac))
				return 2;
			p->has_smac = 1;
			break;
		case 'H':
			if (parse_mac(optarg, p->sha))
				return 2;
			p->has_sha = 1;
			break;
		case 'v':
			if (p->nvlan == MAX_VLAN)
				return 2;
			p->vid[p->nvlan++] = atoi(optarg);
			break;
		case 'e':
			if (p->next == MAX_EXT || !strchr("hdrf", optarg[0]))
				return 2;
			p->ext[p->next++] = optarg[0];
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != nargs || !src || !dst || p->len < 12 ||
	    p->len > 8000 || p->frag % 8) {
		fprintf(stderr, "fwpkt: bad arguments (see the source)\n");
		return 2;
	}
	p->v6 = !!strchr(src, ':');
	if (inet_pton(p->v6 ? AF_INET6 : AF_INET, src, p->src) != 1 ||
	    inet_pton(p->v6 ? AF_INET6 : AF_INET, dst, p->dst) != 1) {
		fprintf(stderr, "fwpkt: bad address\n");
		return 2;
	}
	if (p->type < 0)
		p->type = p->v6 ? 128 : 8;
	if (p->arp && p->v6)
		return 2;
	if (p->err_type >= 0 && (p->frag || p->overlap || p->arp))
		return 2;
	return 0;
}

/* The packet socket and addresses for IFACE, towards DSTMAC. */
static int open_link(const char *ifname, const char *mac)
{
	struct ifreq ifr = { 0 };

	if (parse_mac(mac, dst_mac)) {
		fprintf(stderr, "fwpkt: bad MAC address %s\n", mac);
		return 2;
	}
	sock_fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (sock_fd < 0) {
		perror("fwpkt: socket");
		return 2;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if_index = if_nametoindex(ifname);
	if (!if_index || ioctl(sock_fd, SIOCGIFHWADDR, &ifr)) {
		perror("fwpkt: interface");
		return 2;
	}
	memcpy(src_mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

static int send_n(struct pkt *p)
{
	int i;

	for (i = 0; i < p->count; i++)
		if (send_one(p))
			return 1;
	return 0;
}

static int cmd_send(int argc, char *argv[])
{
	struct pkt p;
	int ret;

	ret = parse_pkt(argc, argv, &p, 2);
	if (!ret)
		ret = open_link(argv[optind], argv[optind + 1]);
	return ret ? ret : send_n(&p);
}

static int cmd_batch(int argc, char *argv[])
{
	char line[1024], *args[64], *tok;
	int n, ret, lineno = 0;
	struct pkt p;
	FILE *f;

	if (argc != 4)
		return 2;
	ret = open_link(argv[1], argv[2]);
	if (ret)
		return ret;
	f = fopen(argv[3], "r");
	if (!f) {
		perror(argv[3]);
		return 2;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		args[0] = "batch";
		n = 1;
		for (tok = strtok(line, " \t\n"); tok && n < 63;
		     tok = strtok(NULL, " \t\n"))
			args[n++] = tok;
		if (n == 1)
			continue;
		args[n] = NULL;
		ret = parse_pkt(n, args, &p, 0);
		if (!ret)
			ret = send_n(&p);
		if (ret) {
			fprintf(stderr, "fwpkt: %s:%d: failed\n", argv[3],
				lineno);
			break;
		}
	}
	fclose(f);
	return ret;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int cmd_recv(int argc, char *argv[])
{
	static const int fam[] = { AF_INET, AF_INET, AF_INET, AF_INET6,
				   AF_INET6, AF_INET6 };
	static const int proto[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP,
				     IPPROTO_TCP, IPPROTO_UDP,
				     IPPROTO_ICMPV6 };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL) };
	long end, ms = 1000, until = -1;
	const char *link = NULL;
	struct pollfd pfd[6];
	int rcvbuf = 64 << 20;
	struct tpacket_stats st;
	struct sockaddr_ll from;
	socklen_t stlen, fromlen;
	uint8_t buf[65536];
	const uint8_t *m;
	unsigned int id;
	int i, c, nfd;
	ssize_t n;

	optind = 1;
	while ((c = getopt(argc, argv, "t:l:u:")) != -1) {
		switch (c) {
		case 't': ms = atol(optarg); break;
		case 'l': link = optarg; break;
		case 'u': until = atol(optarg); break;
		default: return 2;
		}
	}
	if (optind != argc)
		return 2;
	nfd = link ? 1 : 6;
	for (i = 0; i < nfd; i++) {
		if (link) {
			pfd[i].fd = socket(AF_PACKET, SOCK_RAW,
					   htons(ETH_P_ALL));
			sll.sll_ifindex = if_nametoindex(link);
			if (pfd[i].fd >= 0 &&
			    bind(pfd[i].fd, (struct sockaddr *)&sll,
				 sizeof(sll))) {
				perror("fwpkt: bind");
				return 2;
			}
		} else {
			pfd[i].fd = socket(fam[i], SOCK_RAW, proto[i]);
		}
		pfd[i].events = POLLIN;
		if (pfd[i].fd < 0) {
			perror("fwpkt: socket");
			return 2;
		}
		/*
		 * The default receive buffer (rmem_default, ~200 KiB) holds
		 * only a few hundred frames: a test burst that arrives while
		 * this process is not scheduled (QEMU TCG) would overflow it,
		 * and the lost frames would look like the firewall's doing.
		 */
		if (setsockopt(pfd[i].fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
			       sizeof(rcvbuf)))
			perror("fwpkt: SO_RCVBUFFORCE");
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	for (end = now_ms() + ms; now_ms() < end;) {
		if (poll(pfd, nfd, end - now_ms()) <= 0)
			continue;
		for (i = 0; i < nfd; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			fromlen = sizeof(from);
			n = recvfrom(pfd[i].fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &fromlen);
			if (n <= 0 ||
			    (link && from.sll_pkttype == PACKET_OUTGOING))
				continue;
			m = memmem(buf, n, MAGIC, 8);
			if (!m || m + 12 > buf + n)
				continue;
			id = (unsigned int)m[8] << 24 | m[9] << 16 |
			     m[10] << 8 | m[11];
			if ((long)id == until) {
				until = -1;
				end = now_ms() + 100;
				continue;
			}
			printf("id %u\n", id);
		}
	}
	if (until >= 0)
		fprintf(stderr, "timeout: id %ld not seen in %ld ms\n", until, ms);
	stlen = sizeof(st);
	if (link && !getsockopt(pfd[0].fd, SOL_PACKET, PACKET_STATISTICS, &st,
				&stlen) && st.tp_drops)
		fprintf(stderr, "drops %u\n", st.tp_drops);
	return 0;
}

int main(int argc, char *argv[])
{
	if (argc > 1 && !strcmp(argv[1], "send"))
		return cmd_send(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "batch"))
		return cmd_batch(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "recv"))
		return cmd_recv(argc - 1, argv + 1);
	fprintf(stderr, "usage: fwpkt send|batch|recv ... (see the source)\n");
	return 2;
}
