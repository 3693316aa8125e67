// SPDX-License-Identifier: GPL-2.0
/*
 * pktfuzz: malformed and odd frames into an interface's peer, the way a
 * hostile guest would send them.
 *
 *   pktfuzz [-a] IFACE DSTMAC COUNT SEED [FIRST]
 *
 * Sends COUNT frames out of IFACE (an AF_PACKET socket with
 * PACKET_VNET_HDR, so that each frame carries a virtio_net_hdr as from a
 * virtio or netback frontend) to DSTMAC: IPv4 or IPv6 under 0 to 3 VLAN
 * tags, TCP, UDP, ICMP or other protocols, IPv6 extension header chains
 * up to 12 long, fragments (tiny, overlapping, zero-length, atomic), then
 * mutated: truncated at a random header offset, IHL, total or payload
 * length, fragment fields or TCP data offset set to lies, and about one in
 * four with bogus GSO or checksum metadata in the virtio_net_hdr. Every
 * frame's ethertype is IPv4, IPv6 or a VLAN tag, its source is IFACE's
 * MAC, and its Ethernet and VLAN headers are whole (with 2 bytes after a
 * VLAN tag at least). Prints "sent N refused M": frames the kernel took, and those
 * sendto() refused (e.g. GSO metadata virtio_net_hdr_to_skb rejects).
 * With FIRST, frames before it are made but not sent (to find which frame
 * of a run does something), and each one sent is printed in hex.
 * -a aims at antispoof's IPv6 checks as well: half the IPv6 frames are
 * ICMPv6, half have hop limit 255 and the unspecified source now and
 * then, and ICMPv6 is mostly Neighbour Discovery, with a target (IFACE's bound address or
 * another) and options of any type and length, link-layer ones carrying
 * IFACE's MAC or another. The frames of a seed without -a are unchanged.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static unsigned long long state;
static int aim_nd;		/* -a */
static uint8_t own_mac[6];

static uint32_t rnd(void)
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return (state * 2685821657736338717ULL) >> 32;
}

static uint32_t below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

static void put16(uint8_t *p, unsigned int v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static const uint8_t protos[] = { 6, 17, 1, 58, 47, 132, 0, 255 };

/* The L4 header and payload at @p; returns its length. */
static size_t l4(uint8_t *p, int proto)
{
	size_t n = 8 + below(64), i;

	for (i = 0; i < n; i++)
		p[i] = rnd();
	put16(p, 40000);
	put16(p + 2, below(4) ? 7 : below(65536));
	if (proto == 6) {
		if (n < 20)
			n = 20;
		p[12] = (below(8) ? 5 : below(16)) << 4;	/* doff */
	}
	return n;
}

static size_t v4(uint8_t *p)
{
	int proto = protos[below(sizeof(protos))];
	size_t ihl = below(8) ? 5 : 5 + below(11), n, i;

	memset(p, 0, 60);
	p[0] = 0x40 | ihl;
	p[8] = 64;
	p[9] = proto;
	for (i = 20; i < ihl * 4; i++)
		p[i] = 1;	/* NOP options */
	memcpy(p + 12, "\x0a\x89\x00\x05", 4);
	memcpy(p + 16, "\xc0\x00\x02\x02", 4);
	n = ihl * 4 + l4(p + ihl * 4, proto);
	put16(p + 2, n);
	switch (below(8)) {
	case 0:		/* first fragment, maybe tiny */
		put16(p + 6, 0x2000);
		break;
	case 1:		/* a later one, maybe overlapping or zero-length */
		put16(p + 6, (below(2) ? 0x2000 : 0) | below(8));
		if (below(2))
			n = ihl * 4;
		put16(p + 2, n);
		break;
	}
	if (!below(6))
		p[0] = 0x40 | below(16);		/* IHL lies */
	if (!below(6))
		put16(p + 2, below(2) ? below(20) : n + 1 + below(2000));
	return n;
}

static const uint8_t exts[] = { 0, 60, 43, 44 };

/*
 * -a: ICMPv6 at @p as Neighbour Discovery (RS, RA, NS, NA, redirect):
 * header, target, options; returns its length.
 */
static size_t nd(uint8_t *p)
{
	size_t n, i, k, opts = below(4);

	p[0] = 133 + below(5);
	p[1] = below(8) ? 0 : rnd();
	memset(p + 2, 0, 6);
	/* the target: the bound fd00:1::5, or another */
	memcpy(p + 8, "\xfd\x00\x00\x01\0\0\0\0\0\0\0\0\0\0\0\x05", 16);
	if (below(2))
		p[23] = rnd();
	n = p[0] == 133 ? 8 : 24;
	for (k = 0; k < opts; k++) {
		p[n] = below(4) ? 1 + below(2) : rnd();	/* SLLA, TLLA */
		p[n + 1] = below(6) ? 1 : below(4);	/* 8-byte units */
		if (p[n + 1] == 1 && below(2))
			memcpy(p + n + 2, own_mac, 6);
		else
			for (i = 2; i < 8; i++)
				p[n + i] = rnd();
		n += p[n + 1] ? p[n + 1] * 8 : 8;
	}
	return n;
}

static size_t v6(uint8_t *p)
{
	int next = 0, k, nexts = below(3) ? below(3) : below(13);
	uint8_t *nh = p + 6;
	size_t n = 40;

	memset(p, 0, 40);
	p[0] = 0x60;
	p[7] = 64;
	memcpy(p + 8, "\xfd\x00\x00\x01\0\0\0\0\0\0\0\0\0\0\0\x05", 16);
	memcpy(p + 24, "\x20\x01\x0d\xb8\x00\x99\0\0\0\0\0\0\0\0\0\x02", 16);
	for (k = 0; k < nexts; k++) {
		next = exts[below(sizeof(exts))];
		*nh = next;
		nh = p + n;
		memset(p + n, 0, 8);
		if (next == 44) {	/* fragment header: atomic or not */
			put16(p + n + 2, below(2) ? 0 : (below(4) << 3) |
				  below(2));
		}
		n += 8;
	}
	next = aim_nd && below(2) ? 58 : protos[below(sizeof(protos))];
	*nh = next;
	if (aim_nd && below(2)) {
		p[7] = 255;
		if (!below(4))
			memset(p + 8, 0, 16);
	}
	if (aim_nd && next == 58 && below(4))
		n += nd(p + n);
	else
		n += l4(p + n, next);
	put16(p + 4, below(6) ? n - 40 : below(2000));	/* payload length */
	return n;
}

int main(int argc, char *argv[])
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	unsigned long count, i, sent = 0, refused = 0, first = 0;
	struct virtio_net_hdr *vh;
	uint8_t f[2048], *p, dst[6];
	struct ifreq ifr = { 0 };
	int fd, one = 1, tags, t;
	size_t n, l3;

	if (argc > 1 && !strcmp(argv[1], "-a")) {
		aim_nd = 1;
		argc--;
		argv++;
	}
	if (argc == 6)
		first = strtoul(argv[5], NULL, 0);
	if (argc < 5 || argc > 6 || sscanf(argv[2], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx",
				&dst[0], &dst[1], &dst[2], &dst[3], &dst[4],
				&dst[5]) != 6) {
		fprintf(stderr, "usage: pktfuzz [-a] IFACE DSTMAC COUNT SEED [FIRST]\n");
		return 2;
	}
	count = strtoul(argv[3], NULL, 0);
	state = strtoull(argv[4], NULL, 0) * 0x9e3779b97f4a7c15ULL + 1;
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) ||
	    setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one))) {
		perror("pktfuzz");
		return 2;
	}
	memcpy(own_mac, ifr.ifr_hwaddr.sa_data, 6);
	sll.sll_ifindex = if_nametoindex(argv[1]);
	memcpy(sll.sll_addr, dst, 6);
	for (i = 0; i < count; i++) {
		vh = (struct virtio_net_hdr *)f;
		memset(vh, 0, sizeof(*vh));
		p = f + sizeof(*vh);
		memcpy(p, dst, 6);
		memcpy(p + 6, ifr.ifr_hwaddr.sa_data, 6);
		p += 12;
		tags = below(4) ? 0 : 1 + below(3);
		for (t = 0; t < tags; t++) {
			put16(p, t && below(2) ? 0x88a8 : 0x8100);
			put16(p + 2, below(2) ? 0 : 1 + below(4094));
			p += 4;
		}
		if (below(2)) {
			put16(p, 0x0800);
			n = v4(p + 2);
		} else {
			put16(p, 0x86dd);
			n = v6(p + 2);
		}
		l3 = p + 2 - f;
		n += l3;
		/*
		 * Truncated somewhere in the IP headers, not in Ethernet or
		 * VLAN ones, and not within 2 bytes of a VLAN tag: the stack
		 * frees those before any hook (skb_vlan_untag() pulls 2 bytes
		 * past the tag), and the test's accounting would lose them.
		 */
		if (!below(5))
			n = l3 + (tags ? 2 : 0) + below(n - l3 - (tags ? 2 : 0));
		if (!below(4)) {	/* bogus offload metadata */
			vh->flags = below(2) ? VIRTIO_NET_HDR_F_NEEDS_CSUM : 0;
			vh->gso_type = below(2) ? below(6) : rnd();
			vh->gso_size = below(2) ? below(64) : rnd();
			vh->hdr_len = rnd();
			vh->csum_start = below(128);
			vh->csum_offset = below(64);
		}
		if (i < first)
			continue;
		if (first) {
			printf("frame %lu:", i);
			for (l3 = 0; l3 < n; l3++)
				printf(" %02x", f[l3]);
			printf("\n");
		}
		if (sendto(fd, f, n, 0, (struct sockaddr *)&sll,
			   sizeof(sll)) < 0)
			refused++;
		else
			sent++;
	}
	printf("sent %lu refused %lu\n", sent, refused);
	return 0;
}
