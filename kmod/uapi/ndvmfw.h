/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * ndvmfw: a sealable firewall for network driver VMs.
 *
 * The control interface is one generic netlink family, NDVMFW_GENL_NAME,
 * version NDVMFW_GENL_VERSION. It is available in the initial network
 * namespace only, and every command requires CAP_NET_ADMIN there.
 * Attributes are validated strictly: an attribute that a command does not
 * take, a wrong length or an out-of-range value is refused with an errno
 * and an extended ack naming the attribute.
 *
 * NDVMFW_CMD_GET_STATUS
 * ---------------------
 *   Request: no attributes. Reply: one message with
 *
 *   NDVMFW_A_LOADED: NLA_U8, 1 once a rule set has been committed
 *   NDVMFW_A_SEALED: NLA_U8, 1 once sealed (until reboot)
 *   NDVMFW_A_FAIL_OPEN: NLA_U8, value of the fail_open module parameter
 *   NDVMFW_A_POLICY: NLA_U8, enum ndvmfw_verdict (when loaded)
 *   NDVMFW_A_GENERATION: NLA_U64, number of commits since insmod
 *   NDVMFW_A_DIGEST: binary, NDVMFW_DIGEST_LEN bytes, SHA-256 of the
 *                    canonical encoding of the active rule set (when loaded)
 *   NDVMFW_A_NRULES, NDVMFW_A_NSETS, NDVMFW_A_NELEMS: NLA_U32
 *   NDVMFW_A_POLICY_PACKETS, NDVMFW_A_POLICY_BYTES: NLA_U64, packets that
 *                    matched no rule and took the policy verdict
 *   NDVMFW_A_UNLOADED_PACKETS: NLA_U64, packets that met the hooks while
 *                    no rule set was loaded (dropped unless fail_open)
 *   NDVMFW_A_CLS_NODES, NDVMFW_A_CLS_BYTES: NLA_U64, size of the lookup
 *                    structures built for the active rule set
 *   NDVMFW_A_MALFORMED_PACKETS: NLA_U64, packets dropped unjudged because
 *                    their headers are truncated or inconsistent: IPv4 ihl
 *                    < 5, a total or payload length beyond the packet, a
 *                    TCP data offset < 5, an upper-layer header (ports,
 *                    ICMP type) cut short
 *   NDVMFW_A_FRAGMENT_PACKETS: NLA_U64, fragments dropped because the
 *                    kernel's defragmenter let them through unreassembled
 *                    (e.g. an IPv6 first fragment without the upper-layer
 *                    header); rules only ever see whole packets
 *   NDVMFW_A_EXTHDR_PACKETS: NLA_U64, IPv6 packets dropped because they
 *                    carry more than 8 extension headers
 *   NDVMFW_A_VLAN_PACKETS: NLA_U64, VLAN-tagged frames dropped at ingress
 *                    because no VLAN device takes their tag (see README)
 *   NDVMFW_A_LOG_SUPPRESSED: NLA_U64, log lines not printed because of
 *                    the per-rule or the global rate limit
 *
 * NDVMFW_CMD_LOAD
 * ---------------
 *   Replaces the whole rule set atomically: the kernel validates every
 *   attribute, builds its lookup structure and only then switches to the
 *   new set. On any error the previous rule set stays in force. After
 *   NDVMFW_CMD_SEAL it fails with EPERM. Limits (NDVMFW_MAX_*) are checked
 *   before anything is allocated and give E2BIG.
 *
 *   NDVMFW_A_POLICY: NLA_U8, NDVMFW_DROP or NDVMFW_ACCEPT (required)
 *   NDVMFW_A_LOAD_FLAGS: NLA_U32, NDVMFW_LOAD_F_SEAL seals in the same step
 *   NDVMFW_A_SET: nest, repeated; sets are numbered by NDVMFW_SET_A_ID
 *                 from 0 in the order they first appear. A set whose
 *                 elements do not fit into one attribute continues in the
 *                 next NDVMFW_A_SET with the same id and name.
 *       NDVMFW_SET_A_ID: NLA_U32 (required)
 *       NDVMFW_SET_A_NAME: NLA_NUL_STRING, at most NDVMFW_SET_NAME_MAX - 1
 *                 bytes of [A-Za-z0-9_.-]. Empty or absent: an anonymous
 *                 set, which exactly one rule or interface statement
 *                 must reference (only named sets are shared).
 *       NDVMFW_SET_A_ELEM: nest, repeated
 *           NDVMFW_ELEM_A_ADDR: binary, 4 (IPv4) or 16 (IPv6) bytes,
 *                 network byte order (required)
 *           NDVMFW_ELEM_A_PREFIXLEN: NLA_U8, at most 32 or 128; the host
 *                 bits of the address must be zero. Absent: a host.
 *   NDVMFW_A_RULE: nest, repeated; rules are evaluated in the order given,
 *                 the first match wins, no match takes NDVMFW_A_POLICY.
 *       NDVMFW_RULE_A_VERDICT: NLA_U8, enum ndvmfw_verdict (required);
 *                 NDVMFW_REJECT drops and answers: a TCP reset for TCP,
 *                 ICMP / ICMPv6 port unreachable otherwise.
 *                 NDVMFW_MASQUERADE makes the rule a NAT rule, not a
 *                 filter rule: the first packet of each new connection
 *                 leaving by NDVMFW_RULE_A_OIF (required) from
 *                 NDVMFW_RULE_A_SRC's set (ports not allowed) is
 *                 masqueraded by the kernel's nf_nat to the address of
 *                 the output interface; masquerade rules are tried in
 *                 order, the first match wins, and they take only OIF,
 *                 SRC and FAMILY. Their counters count connections.
 *       NDVMFW_RULE_A_FLAGS: NLA_U32, NDVMFW_RULE_F_*
 *       NDVMFW_RULE_A_IIF, NDVMFW_RULE_A_OIF: nest, input/output interface
 *           NDVMFW_IFACE_A_NAME: NLA_NUL_STRING, at most IFNAMSIZ - 1
 *           NDVMFW_IFACE_A_PREFIX: NLA_FLAG, NAME is a prefix ("vif*");
 *                 an empty prefix matches any interface
 *       NDVMFW_RULE_A_FAMILY: NLA_U8, NFPROTO_IPV4 or NFPROTO_IPV6
 *       NDVMFW_RULE_A_PROTO: NLA_U8, IP protocol / IPv6 upper-layer header
 *       NDVMFW_RULE_A_SRC, NDVMFW_RULE_A_DST: nest
 *           NDVMFW_ADDR_A_SET: NLA_U32, id of the set the address must be
 *                 in (absent: any address)
 *           NDVMFW_ADDR_A_PORT: nest, repeated; the port must be in one
 *                 of the ranges. Requires a protocol with ports (tcp,
 *                 udp, udplite, sctp, dccp).
 *               NDVMFW_PORT_A_LO: NLA_U16 (required)
 *               NDVMFW_PORT_A_HI: NLA_U16, >= LO (absent: LO)
 *       NDVMFW_RULE_A_ICMP: nest, repeated; requires proto icmp with family
 *                 ip, or icmpv6 with family ip6
 *           NDVMFW_ICMP_A_TYPE: NLA_U8 (required)
 *           NDVMFW_ICMP_A_CODE: NLA_U8 (absent: any code)
 *       NDVMFW_RULE_A_STATE: NLA_U32, NDVMFW_STATE_*: the packet's conntrack
 *                 state must be one of these. Conntrack is enabled in the
 *                 initial namespace while such a rule is loaded.
 *   NDVMFW_A_IFRULE: nest, repeated; statements about interfaces, which
 *                 apply whatever their order:
 *       NDVMFW_IFRULE_A_KIND: NLA_U8, enum ndvmfw_ifrule_kind (required)
 *       NDVMFW_IFRULE_A_IFACE: nest as NDVMFW_RULE_A_IIF (required); an
 *                 exact name for NDVMFW_IFRULE_BIND, a name or a prefix
 *                 for the others
 *       NDVMFW_IFRULE_A_MAC: binary, 6 bytes, a unicast MAC address;
 *                 NDVMFW_IFRULE_BIND only (required there)
 *       NDVMFW_IFRULE_A_SET: NLA_U32, id of the set of addresses (hosts or
 *                 prefixes) bound to the interface, at most
 *                 NDVMFW_MAX_BIND_ADDRS of them (E2BIG);
 *                 NDVMFW_IFRULE_BIND only (required there)
 *       NDVMFW_IFRULE_A_BRIDGE: NLA_NUL_STRING, at most IFNAMSIZ - 1, the
 *                 bridge to add the interface to; NDVMFW_IFRULE_HOTPLUG
 *                 only (required there)
 *
 *   NDVMFW_IFRULE_BIND gives an interface its identity: a MAC address and
 *   the source addresses it may use. A xen-netback interface has one
 *   without it, read from its backend's xenstore directory ("mac", "ip");
 *   a bind statement for it takes precedence. At most one per name.
 *
 *   NDVMFW_IFRULE_ANTISPOOF: frames entering a matching interface must
 *   carry its identity, checked at netdev ingress before anything else:
 *   the Ethernet source is the bound MAC; IPv4 and IPv6 sources are bound
 *   addresses, or the IPv6 link-local address derived from the MAC, or
 *   the unspecified address in router and neighbour solicitations and
 *   MLD reports; ARP carries the bound MAC as sender and a bound IPv4
 *   address or 0.0.0.0 as sender address; IPv6 Neighbour Discovery (hop
 *   limit 255) carries the bound MAC in its link-layer address options,
 *   an advertisement a bound address (or the link-local one) as target,
 *   and a solicitation from the unspecified address (duplicate address
 *   detection) one as well. VLAN-tagged frames and other protocols are
 *   dropped, and so is everything from an interface without an identity.
 *   Each drop is counted per interface (NDVMFW_CMD_GET_LINKS).
 *
 *   NDVMFW_IFRULE_HOTPLUG: a matching interface is added to the bridge and
 *   brought up when it appears (and for the existing ones when the rule
 *   set is committed). For a xen-netback interface the module then writes
 *   "hotplug-status" = "connected" in the backend's xenstore directory,
 *   which lets netback connect the frontend, gives it a MAC of its own
 *   (fe:ff:ff:DD:DD:NN from the frontend's domain id DDDD and the device
 *   handle NN, instead of netback's fe:ff:ff:ff:ff:ff, which a bridge
 *   with two such ports would take as its own address), and once the
 *   toolstack has taken the device offline and it is gone, deletes the
 *   backend directory: the jobs of vif-bridge, udev and xl devd.
 *
 * NDVMFW_CMD_GET_LINKS (dump)
 * --------------------
 *   No attributes. One message per interface of the initial namespace
 *   that is a xen-netback device or that an NDVMFW_A_IFRULE statement
 *   names, with an NDVMFW_A_LINK nest:
 *       NDVMFW_LINK_A_NAME: NLA_NUL_STRING
 *       NDVMFW_LINK_A_IFINDEX: NLA_U32
 *       NDVMFW_LINK_A_XEN_PATH: NLA_NUL_STRING, the backend's xenstore
 *                 directory (xen-netback devices only)
 *       NDVMFW_LINK_A_XEN_DOMID: NLA_U32, the frontend's domain id
 *       NDVMFW_LINK_A_IDENT: NLA_U8, enum ndvmfw_ident_source
 *       NDVMFW_LINK_A_MAC: binary, 6 bytes, the bound MAC (if any)
 *       NDVMFW_LINK_A_ELEM: nest as NDVMFW_SET_A_ELEM, repeated, the
 *                 bound addresses
 *       NDVMFW_LINK_A_ANTISPOOF: NLA_U8, 1 if antispoof applies
 *       NDVMFW_LINK_A_HOTPLUG: NLA_U8, enum ndvmfw_hotplug_state
 *       NDVMFW_LINK_A_BRIDGE: NLA_NUL_STRING, the hotplug bridge
 *       NDVMFW_LINK_A_DROP_MAC, NDVMFW_LINK_A_DROP_IP,
 *       NDVMFW_LINK_A_DROP_ARP, NDVMFW_LINK_A_DROP_OTHER: NLA_U64, frames
 *                 antispoof dropped for a wrong Ethernet source, IP
 *                 source, ARP sender, or for anything else (no identity,
 *                 VLAN tag, other protocol, truncated header). Counted by
 *                 name, so they survive the interface being re-created.
 *
 * NDVMFW_CMD_SEAL
 * ---------------
 *   No attributes. One-way until reboot: afterwards NDVMFW_CMD_LOAD fails
 *   with EPERM and the module holds a reference on itself, so it cannot
 *   be unloaded. Sealing twice is not an error; sealing while no rule set
 *   is loaded is (ENOENT). While rmmod is removing the module (it waits
 *   for a command in progress), a seal, or a load with NDVMFW_LOAD_F_SEAL,
 *   fails with ENODEV and changes nothing.
 *
 * NDVMFW_CMD_GET_RULES (dump)
 * --------------------
 *   No attributes. Every message of the dump carries NDVMFW_A_GENERATION
 *   and NDVMFW_A_POLICY, then NDVMFW_A_SET and NDVMFW_A_RULE attributes
 *   laid out as in NDVMFW_CMD_LOAD, from one consistent snapshot. Rules
 *   additionally carry NDVMFW_RULE_A_INDEX (NLA_U32, 0-based),
 *   NDVMFW_RULE_A_PACKETS and NDVMFW_RULE_A_BYTES (NLA_U64). Nothing is
 *   dumped while no rule set is loaded.
 *
 * Canonical encoding and digest
 * -----------------------------
 * The digest is SHA-256 over this byte stream (integers big endian),
 * computed by the kernel from the rule set it validated, and by fwctl
 * offline from a rules file:
 *
 *   "ndvmfw\0\2"                      magic and format version
 *   u8 policy
 *   for each named set, by id:  u8 1, u8 namelen, name, elements
 *   u8 0
 *   u32 number of rules, then for each rule:
 *     u8 verdict, u32 flags, iface(in), iface(out), u8 family, u16 proto
 *     (0xffff: any), u32 state, endpoint(src), endpoint(dst),
 *     u16 number of icmp entries, each: u8 type, u8 code, u8 code given
 *   u32 number of interface statements, then for each:
 *     u8 kind, iface, 6 bytes MAC (zero unless bind), endpoint-like set
 *     (u8 kind 0 none, 1 named: u8 len, name; 2 anonymous: elements),
 *     u8 len, bridge name
 *   iface:    u8 mode (0 none, 1 exact, 2 prefix), u8 len, name
 *   endpoint: u8 kind (0 any, 1 named set: u8 len, name; 2 anonymous set:
 *             elements), u16 number of port ranges, each u16 lo, u16 hi
 *   elements: u32 count, each: u8 family, u8 prefixlen, 4 or 16 bytes
 */
#ifndef _UAPI_NDVMFW_H
#define _UAPI_NDVMFW_H

#include <linux/types.h>

#define NDVMFW_GENL_NAME	"ndvmfw"
#define NDVMFW_GENL_VERSION	1

#define NDVMFW_DIGEST_LEN	32
#define NDVMFW_SET_NAME_MAX	32

#define NDVMFW_MAX_RULES	200000
#define NDVMFW_MAX_SETS		(2 * NDVMFW_MAX_RULES + 65536)
#define NDVMFW_MAX_ELEMS	(2 * 1024 * 1024)
#define NDVMFW_MAX_PORTS	256	/* port ranges per endpoint */
#define NDVMFW_MAX_ICMP		64	/* icmp entries per rule */
#define NDVMFW_MAX_IFRULES	4096	/* bind, antispoof, hotplug */
#define NDVMFW_MAX_BIND_ADDRS	64	/* set elements per bind */

enum ndvmfw_cmd {
	NDVMFW_CMD_UNSPEC,
	NDVMFW_CMD_GET_STATUS,
	NDVMFW_CMD_LOAD,
	NDVMFW_CMD_SEAL,
	NDVMFW_CMD_GET_RULES,
	NDVMFW_CMD_GET_LINKS,
	__NDVMFW_CMD_MAX
};

#define NDVMFW_CMD_MAX (__NDVMFW_CMD_MAX - 1)

enum ndvmfw_verdict {
	NDVMFW_VERDICT_UNSPEC,
	NDVMFW_DROP,
	NDVMFW_ACCEPT,
	NDVMFW_REJECT,
	NDVMFW_MASQUERADE,
	__NDVMFW_VERDICT_MAX
};

#define NDVMFW_VERDICT_MAX (__NDVMFW_VERDICT_MAX - 1)

enum ndvmfw_load_flags {
	NDVMFW_LOAD_F_SEAL = 1U << 0,
	__NDVMFW_LOAD_F_ALL = NDVMFW_LOAD_F_SEAL
};

enum ndvmfw_rule_flags {
	NDVMFW_RULE_F_LOG = 1U << 0,
	__NDVMFW_RULE_F_ALL = NDVMFW_RULE_F_LOG
};

enum ndvmfw_state {
	NDVMFW_STATE_NEW = 1U << 0,
	NDVMFW_STATE_ESTABLISHED = 1U << 1,
	NDVMFW_STATE_RELATED = 1U << 2,
	NDVMFW_STATE_INVALID = 1U << 3,
	__NDVMFW_STATE_ALL = (1U << 4) - 1
};

enum ndvmfw_attr {
	NDVMFW_A_UNSPEC,
	NDVMFW_A_PAD,
	NDVMFW_A_POLICY,
	NDVMFW_A_LOAD_FLAGS,
	NDVMFW_A_SET,
	NDVMFW_A_RULE,
	NDVMFW_A_LOADED,
	NDVMFW_A_SEALED,
	NDVMFW_A_FAIL_OPEN,
	NDVMFW_A_GENERATION,
	NDVMFW_A_DIGEST,
	NDVMFW_A_NRULES,
	NDVMFW_A_NSETS,
	NDVMFW_A_NELEMS,
	NDVMFW_A_POLICY_PACKETS,
	NDVMFW_A_POLICY_BYTES,
	NDVMFW_A_UNLOADED_PACKETS,
	NDVMFW_A_CLS_NODES,
	NDVMFW_A_CLS_BYTES,
	NDVMFW_A_MALFORMED_PACKETS,
	NDVMFW_A_FRAGMENT_PACKETS,
	NDVMFW_A_EXTHDR_PACKETS,
	NDVMFW_A_VLAN_PACKETS,
	NDVMFW_A_LOG_SUPPRESSED,
	NDVMFW_A_IFRULE,
	NDVMFW_A_LINK,
	__NDVMFW_A_MAX
};

#define NDVMFW_A_MAX (__NDVMFW_A_MAX - 1)

enum ndvmfw_set_attr {
	NDVMFW_SET_A_UNSPEC,
	NDVMFW_SET_A_ID,
	NDVMFW_SET_A_NAME,
	NDVMFW_SET_A_ELEM,
	__NDVMFW_SET_A_MAX
};

#define NDVMFW_SET_A_MAX (__NDVMFW_SET_A_MAX - 1)

enum ndvmfw_elem_attr {
	NDVMFW_ELEM_A_UNSPEC,
	NDVMFW_ELEM_A_ADDR,
	NDVMFW_ELEM_A_PREFIXLEN,
	__NDVMFW_ELEM_A_MAX
};

#define NDVMFW_ELEM_A_MAX (__NDVMFW_ELEM_A_MAX - 1)

enum ndvmfw_rule_attr {
	NDVMFW_RULE_A_UNSPEC,
	NDVMFW_RULE_A_PAD,
	NDVMFW_RULE_A_VERDICT,
	NDVMFW_RULE_A_FLAGS,
	NDVMFW_RULE_A_IIF,
	NDVMFW_RULE_A_OIF,
	NDVMFW_RULE_A_FAMILY,
	NDVMFW_RULE_A_PROTO,
	NDVMFW_RULE_A_SRC,
	NDVMFW_RULE_A_DST,
	NDVMFW_RULE_A_ICMP,
	NDVMFW_RULE_A_STATE,
	NDVMFW_RULE_A_INDEX,
	NDVMFW_RULE_A_PACKETS,
	NDVMFW_RULE_A_BYTES,
	__NDVMFW_RULE_A_MAX
};

#define NDVMFW_RULE_A_MAX (__NDVMFW_RULE_A_MAX - 1)

enum ndvmfw_iface_attr {
	NDVMFW_IFACE_A_UNSPEC,
	NDVMFW_IFACE_A_NAME,
	NDVMFW_IFACE_A_PREFIX,
	__NDVMFW_IFACE_A_MAX
};

#define NDVMFW_IFACE_A_MAX (__NDVMFW_IFACE_A_MAX - 1)

enum ndvmfw_addr_attr {
	NDVMFW_ADDR_A_UNSPEC,
	NDVMFW_ADDR_A_SET,
	NDVMFW_ADDR_A_PORT,
	__NDVMFW_ADDR_A_MAX
};

#define NDVMFW_ADDR_A_MAX (__NDVMFW_ADDR_A_MAX - 1)

enum ndvmfw_port_attr {
	NDVMFW_PORT_A_UNSPEC,
	NDVMFW_PORT_A_LO,
	NDVMFW_PORT_A_HI,
	__NDVMFW_PORT_A_MAX
};

#define NDVMFW_PORT_A_MAX (__NDVMFW_PORT_A_MAX - 1)

enum ndvmfw_icmp_attr {
	NDVMFW_ICMP_A_UNSPEC,
	NDVMFW_ICMP_A_TYPE,
	NDVMFW_ICMP_A_CODE,
	__NDVMFW_ICMP_A_MAX
};

#define NDVMFW_ICMP_A_MAX (__NDVMFW_ICMP_A_MAX - 1)

enum ndvmfw_ifrule_kind {
	NDVMFW_IFRULE_UNSPEC,
	NDVMFW_IFRULE_BIND,
	NDVMFW_IFRULE_ANTISPOOF,
	NDVMFW_IFRULE_HOTPLUG,
	__NDVMFW_IFRULE_MAX
};

#define NDVMFW_IFRULE_MAX (__NDVMFW_IFRULE_MAX - 1)

enum ndvmfw_ifrule_attr {
	NDVMFW_IFRULE_A_UNSPEC,
	NDVMFW_IFRULE_A_KIND,
	NDVMFW_IFRULE_A_IFACE,
	NDVMFW_IFRULE_A_MAC,
	NDVMFW_IFRULE_A_SET,
	NDVMFW_IFRULE_A_BRIDGE,
	__NDVMFW_IFRULE_A_MAX
};

#define NDVMFW_IFRULE_A_MAX (__NDVMFW_IFRULE_A_MAX - 1)

enum ndvmfw_ident_source {
	NDVMFW_IDENT_NONE,	/* no identity: antispoof drops everything */
	NDVMFW_IDENT_BIND,	/* a bind statement */
	NDVMFW_IDENT_XEN,	/* the backend's xenstore directory */
	NDVMFW_IDENT_PENDING,	/* xenstore not read yet */
};

enum ndvmfw_hotplug_state {
	NDVMFW_HOTPLUG_NONE,	/* no hotplug statement matches */
	NDVMFW_HOTPLUG_PENDING,
	NDVMFW_HOTPLUG_DONE,	/* bridged and up (xen: connected) */
	NDVMFW_HOTPLUG_FAILED,	/* see the kernel log */
};

enum ndvmfw_link_attr {
	NDVMFW_LINK_A_UNSPEC,
	NDVMFW_LINK_A_PAD,
	NDVMFW_LINK_A_NAME,
	NDVMFW_LINK_A_IFINDEX,
	NDVMFW_LINK_A_XEN_PATH,
	NDVMFW_LINK_A_XEN_DOMID,
	NDVMFW_LINK_A_IDENT,
	NDVMFW_LINK_A_MAC,
	NDVMFW_LINK_A_ELEM,
	NDVMFW_LINK_A_ANTISPOOF,
	NDVMFW_LINK_A_HOTPLUG,
	NDVMFW_LINK_A_BRIDGE,
	NDVMFW_LINK_A_DROP_MAC,
	NDVMFW_LINK_A_DROP_IP,
	NDVMFW_LINK_A_DROP_ARP,
	NDVMFW_LINK_A_DROP_OTHER,
	__NDVMFW_LINK_A_MAX
};

#define NDVMFW_LINK_A_MAX (__NDVMFW_LINK_A_MAX - 1)

#endif /* _UAPI_NDVMFW_H */
