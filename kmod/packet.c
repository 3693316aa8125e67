// SPDX-License-Identifier: GPL-2.0
/*
 * From a packet to its classifier key. Every read goes through
 * skb_header_pointer() and is bounded by the length the IP header claims,
 * so a packet that lies about its lengths is refused here and never
 * reaches rule matching with a wrong offset.
 *
 * Fragments are reassembled before the hooks run (see hooks.c, which
 * enables the kernel's nf_defrag_ipv4/ipv6). A packet that is still a
 * fragment here is one the defragmenter declined; its ports are unknown,
 * so it is dropped rather than judged.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include "compat.h"
#include "ndvmfw.h"

/* TCP needs its whole fixed header, with a sane data offset. */
static bool ndvmfw_tcp_ok(const struct sk_buff *skb, unsigned int thoff,
			  unsigned int end)
{
	struct tcphdr _th;
	const struct tcphdr *th;

	if (end - thoff < sizeof(_th))
		return false;
	th = skb_header_pointer(skb, thoff, sizeof(_th), &_th);
	return th && th->doff >= 5 && th->doff * 4 <= end - thoff;
}

/* Ports or ICMP type and code; false if the header is not all there. */
static bool ndvmfw_key_l4(struct ndvmfw_key *k, const struct sk_buff *skb,
			  unsigned int thoff, unsigned int end, u8 proto,
			  bool icmp)
{
	unsigned int need = 0;
	u8 buf[4];
	const u8 *p;

	ndvmfw_key_u64(&k->f[NDVMFW_DIM_SPORT], NDVMFW_L4_NONE);
	ndvmfw_key_u64(&k->f[NDVMFW_DIM_DPORT], NDVMFW_L4_NONE);
	if (icmp)
		need = 4;
	else if (proto == IPPROTO_UDP)
		need = sizeof(struct udphdr);
	else if (ndvmfw_proto_has_ports(proto))
		need = 4;
	if (!need)
		return true;
	if (thoff > end || end - thoff < need)
		return false;
	if (proto == IPPROTO_TCP && !ndvmfw_tcp_ok(skb, thoff, end))
		return false;
	p = skb_header_pointer(skb, thoff, sizeof(buf), buf);
	if (!p)
		return false;
	if (icmp) {
		ndvmfw_key_u64(&k->f[NDVMFW_DIM_DPORT], get_unaligned_be16(p));
		return true;
	}
	ndvmfw_key_u64(&k->f[NDVMFW_DIM_SPORT], get_unaligned_be16(p));
	ndvmfw_key_u64(&k->f[NDVMFW_DIM_DPORT], get_unaligned_be16(p + 2));
	return true;
}

static int ndvmfw_key_ipv4(struct ndvmfw_key *k, const struct sk_buff *skb,
			   unsigned int nhoff, enum ndvmfw_stat *why)
{
	const struct iphdr *iph;
	struct iphdr _iph;
	unsigned int len;

	iph = skb_header_pointer(skb, nhoff, sizeof(_iph), &_iph);
	if (!iph || iph->version != 4 || iph->ihl < 5)
		return -EINVAL;
	len = ntohs(iph->tot_len);
	if (!len && skb_is_gso(skb))	/* BIG TCP */
		len = skb->len - nhoff;
	if (len < iph->ihl * 4 || len > skb->len - nhoff)
		return -EINVAL;
	if (ip_is_fragment(iph)) {
		*why = NDVMFW_STAT_FRAGMENT;
		return -EINVAL;
	}
	ndvmfw_key_u64(&k->f[NDVMFW_DIM_PROTO], iph->protocol);
	ndvmfw_key_addr(&k->f[NDVMFW_DIM_SADDR], (const u8 *)&iph->saddr,
			false);
	ndvmfw_key_addr(&k->f[NDVMFW_DIM_DADDR], (const u8 *)&iph->daddr,
			false);
	if (!ndvmfw_key_l4(k, skb, nhoff + iph->ihl * 4, nhoff + len,
			   iph->protocol, iph->protocol == IPPROTO_ICMP))
		return -EINVAL;
	return 0;
}

/*
 * Walk the extension headers to the upper-layer header, at most
 * NDVMFW_MAX_EXTHDRS of them. Returns the upper-layer protocol (NEXTHDR_NONE
 * if there is none) and its offset in *thoff.
 */
static int ndvmfw_ipv6_walk(const struct sk_buff *skb, unsigned int off,
			    unsigned int end, u8 nexthdr, unsigned int *thoff,
			    enum ndvmfw_stat *why)
{
	const struct ipv6_opt_hdr *hp;
	struct ipv6_opt_hdr _hp;
	const struct frag_hdr *fh;
	struct frag_hdr _fh;
	unsigned int hdrlen;
	int n;

	for (n = 0; nexthdr != NEXTHDR_NONE && ipv6_ext_hdr(nexthdr); n++) {
		if (n == NDVMFW_MAX_EXTHDRS) {
			*why = NDVMFW_STAT_EXTHDR;
			return -EINVAL;
		}
		if (nexthdr == NEXTHDR_FRAGMENT) {
			if (end - off < sizeof(_fh))
				return -EINVAL;
			fh = skb_header_pointer(skb, off, sizeof(_fh), &_fh);
			if (!fh)
				return -EINVAL;
			/* Only an atomic fragment (RFC 6946) gets here whole. */
			if (fh->frag_off & htons(IP6_OFFSET | IP6_MF)) {
				*why = NDVMFW_STAT_FRAGMENT;
				return -EINVAL;
			}
			nexthdr = fh->nexthdr;
			off += sizeof(_fh);
			continue;
		}
		if (end - off < sizeof(_hp))
			return -EINVAL;
		hp = skb_header_pointer(skb, off, sizeof(_hp), &_hp);
		if (!hp)
			return -EINVAL;
		hdrlen = nexthdr == NEXTHDR_AUTH ? ipv6_authlen(hp) :
						   ipv6_optlen(hp);
		if (end - off < hdrlen)
			return -EINVAL;
		nexthdr = hp->nexthdr;
		off += hdrlen;
	}
	*thoff = off;
	return nexthdr;
}

static int ndvmfw_key_ipv6(struct ndvmfw_key *k, const struct sk_buff *skb,
			   unsigned int nhoff, enum ndvmfw_stat *why)
{
	const struct ipv6hdr *ip6h;
	struct ipv6hdr _ip6h;
	unsigned int end, thoff;
	int proto;

	ip6h = skb_header_pointer(skb, nhoff, sizeof(_ip6h), &_ip6h);
	if (!ip6h || ip6h->version != 6)
		return -EINVAL;
	end = nhoff + sizeof(_ip6h) + ntohs(ip6h->payload_len);
	/* A jumbogram, or a BIG TCP packet, says 0 and fills the skb. */
	if (!ip6h->payload_len &&
	    (ip6h->nexthdr == NEXTHDR_HOP || skb_is_gso(skb)))
		end = skb->len;
	if (end > skb->len)
		return -EINVAL;
	ndvmfw_key_addr(&k->f[NDVMFW_DIM_SADDR], ip6h->saddr.s6_addr, true);
	ndvmfw_key_addr(&k->f[NDVMFW_DIM_DADDR], ip6h->daddr.s6_addr, true);
	proto = ndvmfw_ipv6_walk(skb, nhoff + sizeof(_ip6h), end,
				 ip6h->nexthdr, &thoff, why);
	if (proto < 0)
		return proto;
	ndvmfw_key_u64(&k->f[NDVMFW_DIM_PROTO], proto);
	if (!ndvmfw_key_l4(k, skb, thoff, end, proto,
			   proto == IPPROTO_ICMPV6))
		return -EINVAL;
	return 0;
}

/**
 * ndvmfw_ipv6_upper - find the upper-layer header of an IPv6 packet
 * @skb: the packet, its IPv6 header at offset 0
 * @nexthdr: the IPv6 header's next header
 * @end: the end of the payload, as the IPv6 header says (at most skb->len)
 * @thoff: the upper-layer header's offset
 *
 * The same walk as the rules' (at most NDVMFW_MAX_EXTHDRS extension
 * headers, atomic fragments only).
 *
 * Return: the upper-layer protocol (NEXTHDR_NONE if none), or -EINVAL
 * for a fragment, too many extension headers or a malformed packet.
 */
int ndvmfw_ipv6_upper(const struct sk_buff *skb, u8 nexthdr,
		      unsigned int end, unsigned int *thoff)
{
	enum ndvmfw_stat why;

	return ndvmfw_ipv6_walk(skb, sizeof(struct ipv6hdr), end, nexthdr,
				thoff, &why);
}

/**
 * ndvmfw_key_packet - fill the protocol, address and L4 parts of a key
 * @k: the key; the interface and state parts are the caller's
 * @skb: the packet
 * @nhoff: offset of its network header
 * @v6: IPv6, else IPv4
 * @why: on failure, the counter to charge the drop to
 *
 * Return: 0, or -EINVAL if the packet must be dropped unjudged.
 */
int ndvmfw_key_packet(struct ndvmfw_key *k, const struct sk_buff *skb,
		      unsigned int nhoff, bool v6, enum ndvmfw_stat *why)
{
	*why = NDVMFW_STAT_MALFORMED;
	if (v6)
		return ndvmfw_key_ipv6(k, skb, nhoff, why);
	return ndvmfw_key_ipv4(k, skb, nhoff, why);
}
