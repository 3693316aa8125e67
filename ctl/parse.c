// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl: parser of the rule language (see parse.h and rules/example.rules).
 *
 * The lexer walks the whole buffer, which need not be NUL-terminated, and
 * hands out words, braces, commas and ends of line; tokens point into the
 * buffer, so lines and words may be of any length. Statements end at the
 * end of a line, except that a list in braces may continue over several
 * lines. The parser stops at the first error. Everything is appended to
 * the flat arrays of the rule set as it is parsed, so an anonymous set or
 * a port list of a rule is always contiguous.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"

#define FW_MAX_FILE	(1024UL * 1024 * 1024)	/* bytes of a rules file */
#define FW_QUOTE_MAX	48	/* bytes of a token quoted in errors */

struct fw_name {
	const char *name;
	u8 val;
};

static const struct fw_name fw_protos[] = {
	{ "icmp", 1 },
	{ "igmp", 2 },
	{ "ipip", 4 },
	{ "tcp", 6 },
	{ "udp", 17 },
	{ "dccp", 33 },
	{ "gre", 47 },
	{ "esp", 50 },
	{ "ah", 51 },
	{ "icmpv6", 58 },
	{ "ipv6-icmp", 58 },
	{ "ospf", 89 },
	{ "pim", 103 },
	{ "vrrp", 112 },
	{ "l2tp", 115 },
	{ "sctp", 132 },
	{ "udplite", 136 },
};

static const struct fw_name fw_icmp4[] = {
	{ "echo-reply", 0 },
	{ "destination-unreachable", 3 },
	{ "source-quench", 4 },
	{ "redirect", 5 },
	{ "echo-request", 8 },
	{ "router-advertisement", 9 },
	{ "router-solicitation", 10 },
	{ "time-exceeded", 11 },
	{ "parameter-problem", 12 },
	{ "timestamp-request", 13 },
	{ "timestamp-reply", 14 },
	{ "info-request", 15 },
	{ "info-reply", 16 },
	{ "address-mask-request", 17 },
	{ "address-mask-reply", 18 },
};

static const struct fw_name fw_icmp6[] = {
	{ "destination-unreachable", 1 },
	{ "packet-too-big", 2 },
	{ "time-exceeded", 3 },
	{ "parameter-problem", 4 },
	{ "echo-request", 128 },
	{ "echo-reply", 129 },
	{ "mld-listener-query", 130 },
	{ "mld-listener-report", 131 },
	{ "mld-listener-done", 132 },
	{ "mld-listener-reduction", 132 },
	{ "nd-router-solicit", 133 },
	{ "nd-router-advert", 134 },
	{ "nd-neighbor-solicit", 135 },
	{ "nd-neighbor-advert", 136 },
	{ "nd-redirect", 137 },
	{ "router-renumbering", 138 },
	{ "ind-neighbor-solicit", 141 },
	{ "ind-neighbor-advert", 142 },
	{ "mld2-listener-report", 143 },
};

static const struct fw_name fw_states[] = {
	{ "new", NDVMFW_STATE_NEW },
	{ "established", NDVMFW_STATE_ESTABLISHED },
	{ "related", NDVMFW_STATE_RELATED },
	{ "invalid", NDVMFW_STATE_INVALID },
};

static const struct fw_name *fw_name_find(const struct fw_name *t, size_t n,
					  const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(t[i].name) == len && !memcmp(t[i].name, s, len))
			return &t[i];
	return NULL;
}

/* The first name of a value is its canonical one, later ones are aliases. */
static const char *fw_name_of(const struct fw_name *t, size_t n, u32 val)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].val == val)
			return t[i].name;
	return NULL;
}

static const struct fw_name *fw_icmp_table(u16 proto, size_t *n)
{
	if (proto == 1) {
		*n = ARRAY_SIZE(fw_icmp4);
		return fw_icmp4;
	}
	if (proto == 58) {
		*n = ARRAY_SIZE(fw_icmp6);
		return fw_icmp6;
	}
	*n = 0;
	return NULL;
}

const char *fw_proto_name(u16 proto)
{
	return fw_name_of(fw_protos, ARRAY_SIZE(fw_protos), proto);
}

const char *fw_icmp_type_name(u16 proto, u8 type)
{
	const struct fw_name *t;
	size_t n;

	t = fw_icmp_table(proto, &n);
	return t ? fw_name_of(t, n, type) : NULL;
}

const char *fw_state_name(u32 bit)
{
	return bit ? fw_name_of(fw_states, ARRAY_SIZE(fw_states), bit) : NULL;
}

/*
 * The kernel's dev_valid_name() rules, minus the characters that the lexer
 * treats specially and '*', which only ends a prefix.
 */
const char *fw_iface_name_check(const char *name, size_t len, bool prefix)
{
	size_t i;

	if (len >= IFNAMSIZ)
		return "interface name too long";
	if (!prefix && (!len || (len == 1 && name[0] == '.') ||
			(len == 2 && name[0] == '.' && name[1] == '.')))
		return "bad interface name";
	for (i = 0; i < len; i++) {
		unsigned char c = name[i];

		if (c <= ' ' || c == 0x7f || c == '/' || c == ':' ||
		    c == '*' || c == '#' || c == ',' || c == '{' || c == '}')
			return "bad interface name";
	}
	return NULL;
}

/* ---- lexer ---- */

enum fw_tok_type {
	FW_EOF,
	FW_EOL,
	FW_WORD,
	FW_LBRACE,
	FW_RBRACE,
	FW_COMMA,
	FW_BAD,		/* a control character */
};

struct fw_tok {
	enum fw_tok_type type;
	bool bol;		/* first token on its line */
	const char *s;		/* into the buffer */
	size_t len;
	u32 line;
	size_t col;		/* 1-based byte column */
};

/* An icmp-type entry, resolved at the end of its rule. */
struct fw_picmp {
	struct fw_tok tok;	/* TYPE[/CODE] */
	size_t tlen;		/* length of TYPE */
	u8 code;
	u8 has_code;
};

struct fw_parser {
	const char *name;
	const char *buf;
	size_t len;
	size_t pos;
	size_t line_start;
	u32 line;
	bool bol;
	struct fw_tok tok;	/* current token */
	struct fw_tok prev;	/* the one before */
	char *err;
	size_t errlen;
	struct fw_rules *out;
	bool have_policy;
	u32 cap_sets, cap_set_line, cap_elems, cap_rules, cap_rule_line;
	u32 cap_ports, cap_icmp, cap_ifrules, cap_ifrule_line;
	u32 *htab;		/* named sets: index + 1, 0 for free */
	u32 hsize;		/* power of two */
	u32 hcount;
	struct fw_picmp *picmp;
	u32 npicmp, cap_picmp;
};

static bool fw_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool fw_is_word(unsigned char c)
{
	return c > ' ' && c != 0x7f && c != '{' && c != '}' && c != ',' &&
	       c != '#';
}

static void fw_next(struct fw_parser *p)
{
	struct fw_tok *t = &p->tok;
	unsigned char c;

	p->prev = p->tok;
	while (p->pos < p->len && fw_is_space(p->buf[p->pos]))
		p->pos++;
	if (p->pos < p->len && p->buf[p->pos] == '#') {
		const char *nl = memchr(p->buf + p->pos, '\n',
					p->len - p->pos);

		p->pos = nl ? (size_t)(nl - p->buf) : p->len;
	}
	t->line = p->line;
	t->col = p->pos - p->line_start + 1;
	t->s = p->buf + p->pos;
	t->bol = p->bol;
	t->len = 1;
	if (p->pos == p->len) {
		t->type = FW_EOF;
		t->len = 0;
		return;
	}
	c = p->buf[p->pos++];
	p->bol = false;
	switch (c) {
	case '\n':
		t->type = FW_EOL;
		p->line_start = p->pos;
		if (p->line < U32_MAX)
			p->line++;
		p->bol = true;
		return;
	case '{':
		t->type = FW_LBRACE;
		return;
	case '}':
		t->type = FW_RBRACE;
		return;
	case ',':
		t->type = FW_COMMA;
		return;
	}
	if (!fw_is_word(c)) {
		t->type = FW_BAD;
		return;
	}
	t->type = FW_WORD;
	while (p->pos < p->len && fw_is_word(p->buf[p->pos]))
		p->pos++;
	t->len = p->buf + p->pos - t->s;
}

static void fw_skip_eol(struct fw_parser *p)
{
	while (p->tok.type == FW_EOL)
		fw_next(p);
}

static bool fw_end(const struct fw_parser *p)
{
	return p->tok.type == FW_EOL || p->tok.type == FW_EOF;
}

static bool fw_is(const struct fw_tok *t, const char *word)
{
	size_t n = strlen(word);

	return t->type == FW_WORD && t->len == n && !memcmp(t->s, word, n);
}

/* ---- errors ---- */

static void fw_quote(char *q, size_t size, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, n = 0;

	for (i = 0; i < len && i < FW_QUOTE_MAX && n + 5 < size; i++) {
		unsigned char c = s[i];

		if (c >= ' ' && c < 0x7f && c != '\\') {
			q[n++] = c;
		} else {
			q[n++] = '\\';
			q[n++] = 'x';
			q[n++] = hex[c >> 4];
			q[n++] = hex[c & 15];
		}
	}
	if (i < len && n + 4 < size) {
		memcpy(q + n, "...", 3);
		n += 3;
	}
	q[n] = '\0';
}

/* Report @msg at token @t, quoting it; return -1. */
static int fw_fail(struct fw_parser *p, const struct fw_tok *t,
		   const char *msg)
{
	char q[4 * FW_QUOTE_MAX + 8];

	if (!p->errlen)
		return -1;
	fw_quote(q, sizeof(q), t->s, t->len);
	snprintf(p->err, p->errlen, "%s:%u:%zu: %s '%s'", p->name, t->line,
		 t->col, msg, q);
	return -1;
}

static int fw_oom(struct fw_parser *p)
{
	if (p->errlen)
		snprintf(p->err, p->errlen, "%s: out of memory", p->name);
	return -1;
}

/* The current token is not the @what that the grammar wants here. */
static int fw_expected(struct fw_parser *p, const char *what)
{
	char msg[64];

	if (fw_end(p)) {
		snprintf(msg, sizeof(msg), "expected %s after", what);
		return fw_fail(p, &p->prev, msg);
	}
	if (p->tok.type == FW_BAD)
		return fw_fail(p, &p->tok, "unexpected character");
	snprintf(msg, sizeof(msg), "expected %s", what);
	return fw_fail(p, &p->tok, msg);
}

/* ---- helpers ---- */

/* Return 0, -EINVAL if @s is not a decimal number, -ERANGE if above @max. */
static int fw_num(const char *s, size_t len, u32 max, u32 *val)
{
	bool big = false;
	u32 v = 0;
	size_t i;

	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (!big)
			v = v * 10 + (s[i] - '0');
		if (v > max)
			big = true;
	}
	if (big)
		return -ERANGE;
	*val = v;
	return 0;
}

void *fw_grow(void *arr, u32 *cap, u32 n, size_t size)
{
	size_t ncap;
	char *q;

	if (n < *cap)
		return arr;
	if (n == U32_MAX)
		return NULL;
	ncap = *cap ? (size_t)*cap * 2 : 64;
	if (ncap > U32_MAX)
		ncap = U32_MAX;
	if (ncap > SIZE_MAX / size)
		return NULL;
	q = realloc(arr, ncap * size);
	if (!q)
		return NULL;
	memset(q + (size_t)*cap * size, 0, (ncap - *cap) * size);
	*cap = ncap;
	return q;
}

static u32 fw_hash(const char *s, size_t len)
{
	u32 h = 2166136261U;

	while (len--) {
		h ^= (unsigned char)*s++;
		h *= 16777619U;
	}
	return h;
}

static u32 fw_set_lookup(const struct fw_parser *p, const char *s,
			 size_t len)
{
	const struct ndvmfw_set *sets = p->out->rs.sets;
	u32 i, mask = p->hsize - 1;

	if (!p->hsize)
		return NDVMFW_SET_NONE;
	for (i = fw_hash(s, len) & mask; p->htab[i]; i = (i + 1) & mask) {
		const char *name = sets[p->htab[i] - 1].name;

		if (strnlen(name, NDVMFW_SET_NAME_MAX) == len &&
		    !memcmp(name, s, len))
			return p->htab[i] - 1;
	}
	return NDVMFW_SET_NONE;
}

static void fw_hash_put(u32 *htab, u32 mask, const char *name, u32 val)
{
	u32 i = fw_hash(name, strlen(name)) & mask;

	while (htab[i])
		i = (i + 1) & mask;
	htab[i] = val;
}

static int fw_set_insert(struct fw_parser *p, u32 set)
{
	const struct ndvmfw_set *sets = p->out->rs.sets;

	if ((p->hcount + 1) > p->hsize / 2) {
		u32 i, size = p->hsize ? p->hsize * 2 : 64;
		u32 *htab;

		if (size < p->hsize)
			return fw_oom(p);
		htab = calloc(size, sizeof(*htab));
		if (!htab)
			return fw_oom(p);
		for (i = 0; i < p->hsize; i++)
			if (p->htab[i])
				fw_hash_put(htab, size - 1,
					    sets[p->htab[i] - 1].name,
					    p->htab[i]);
		free(p->htab);
		p->htab = htab;
		p->hsize = size;
	}
	fw_hash_put(p->htab, p->hsize - 1, sets[set].name, set + 1);
	p->hcount++;
	return 0;
}

/* Append a set of no elements yet; return its index or NDVMFW_SET_NONE. */
static u32 fw_new_set(struct fw_parser *p, const char *name, size_t len,
		      u32 line)
{
	struct ndvmfw_ruleset *rs = &p->out->rs;
	struct ndvmfw_set *s;
	u32 *l;

	s = fw_grow(rs->sets, &p->cap_sets, rs->nsets, sizeof(*s));
	if (!s) {
		fw_oom(p);
		return NDVMFW_SET_NONE;
	}
	rs->sets = s;
	l = fw_grow(p->out->set_line, &p->cap_set_line, rs->nsets,
		    sizeof(*l));
	if (!l) {
		fw_oom(p);
		return NDVMFW_SET_NONE;
	}
	p->out->set_line = l;
	s = &rs->sets[rs->nsets];
	memset(s, 0, sizeof(*s));
	memcpy(s->name, name, len);
	s->first = rs->nelems;
	l[rs->nsets] = line;
	return rs->nsets++;
}

/* ---- lists ---- */

static bool fw_stmt_keyword(const struct fw_tok *t)
{
	return t->bol && (fw_is(t, "accept") || fw_is(t, "drop") ||
			  fw_is(t, "reject") || fw_is(t, "masquerade") ||
			  fw_is(t, "set") || fw_is(t, "policy") ||
			  fw_is(t, "bind") || fw_is(t, "antispoof") ||
			  fw_is(t, "hotplug"));
}

/*
 * "{ ITEM, ITEM, ... }" with an optional trailing comma, over any number
 * of lines; @item consumes nothing, it parses the current word. A
 * statement keyword at the start of a line means that the '}' is missing.
 */
static int fw_list(struct fw_parser *p, const char *what, bool empty_ok,
		   int (*item)(struct fw_parser *p))
{
	struct fw_tok open = p->tok;

	fw_next(p);
	fw_skip_eol(p);
	if (p->tok.type == FW_RBRACE && !empty_ok)
		return fw_expected(p, what);
	while (p->tok.type != FW_RBRACE) {
		if (p->tok.type == FW_EOF || fw_stmt_keyword(&p->tok))
			return fw_fail(p, &open, "unterminated list");
		if (p->tok.type != FW_WORD)
			return fw_expected(p, what);
		if (item(p))
			return -1;
		fw_next(p);
		fw_skip_eol(p);
		if (p->tok.type == FW_RBRACE)
			break;
		if (p->tok.type == FW_EOF || fw_stmt_keyword(&p->tok))
			return fw_fail(p, &open, "unterminated list");
		if (p->tok.type != FW_COMMA)
			return fw_expected(p, "',' or '}'");
		fw_next(p);
		fw_skip_eol(p);
	}
	fw_next(p);
	return 0;
}

/* A list in braces, or a single word. */
static int fw_one_or_list(struct fw_parser *p, const char *what,
			  bool empty_ok, int (*item)(struct fw_parser *p))
{
	if (p->tok.type == FW_LBRACE)
		return fw_list(p, what, empty_ok, item);
	if (p->tok.type != FW_WORD)
		return fw_expected(p, what);
	if (item(p))
		return -1;
	fw_next(p);
	return 0;
}

static int fw_elem_item(struct fw_parser *p)
{
	const struct fw_tok *t = &p->tok;
	struct ndvmfw_ruleset *rs = &p->out->rs;
	struct ndvmfw_elem e, *elems;
	const char *slash, *msg;
	char a[64];
	size_t alen;
	u32 plen;

	slash = memchr(t->s, '/', t->len);
	alen = slash ? (size_t)(slash - t->s) : t->len;
	if (!alen || alen >= sizeof(a))
		return fw_fail(p, t, "bad address");
	memcpy(a, t->s, alen);
	a[alen] = '\0';
	memset(&e, 0, sizeof(e));
	if (inet_pton(AF_INET, a, e.addr) == 1) {
		e.family = NFPROTO_IPV4;
		e.plen = 32;
	} else if (inet_pton(AF_INET6, a, e.addr) == 1) {
		e.family = NFPROTO_IPV6;
		e.plen = 128;
	} else {
		return fw_fail(p, t, "bad address");
	}
	if (slash) {
		if (fw_num(slash + 1, t->len - alen - 1, 255, &plen))
			return fw_fail(p, t, "bad prefix length");
		e.plen = plen;
	}
	msg = ndvmfw_elem_check(&e);
	if (msg)
		return fw_fail(p, t, msg);
	elems = fw_grow(rs->elems, &p->cap_elems, rs->nelems, sizeof(e));
	if (!elems)
		return fw_oom(p);
	rs->elems = elems;
	elems[rs->nelems++] = e;
	return 0;
}

static int fw_port_item(struct fw_parser *p)
{
	const struct fw_tok *t = &p->tok;
	struct ndvmfw_ruleset *rs = &p->out->rs;
	struct ndvmfw_port_range *ports;
	const char *dash;
	u32 lo = 0, hi = 0;
	size_t n;
	int ret;

	dash = memchr(t->s, '-', t->len);
	n = dash ? (size_t)(dash - t->s) : t->len;
	ret = fw_num(t->s, n, 65535, &lo);
	if (!ret)
		hi = lo;
	if (!ret && dash)
		ret = fw_num(dash + 1, t->len - n - 1, 65535, &hi);
	if (ret == -ERANGE)
		return fw_fail(p, t, "port out of range");
	if (ret)
		return fw_fail(p, t, "bad port");
	if (lo > hi)
		return fw_fail(p, t, "port range ends before it starts");
	ports = fw_grow(rs->ports, &p->cap_ports, rs->nports, sizeof(*ports));
	if (!ports)
		return fw_oom(p);
	rs->ports = ports;
	ports[rs->nports].lo = lo;
	ports[rs->nports].hi = hi;
	rs->nports++;
	return 0;
}

static int fw_icmp_item(struct fw_parser *p)
{
	const struct fw_tok *t = &p->tok;
	struct fw_picmp *pi;
	const char *slash;
	u32 code = 0;

	slash = memchr(t->s, '/', t->len);
	if (slash && fw_num(slash + 1, t->s + t->len - slash - 1, 255, &code))
		return fw_fail(p, t, "bad icmp code");
	pi = fw_grow(p->picmp, &p->cap_picmp, p->npicmp, sizeof(*pi));
	if (!pi)
		return fw_oom(p);
	p->picmp = pi;
	pi += p->npicmp++;
	pi->tok = *t;
	pi->tlen = slash ? (size_t)(slash - t->s) : t->len;
	pi->code = code;
	pi->has_code = !!slash;
	return 0;
}

/* ---- statements ---- */

enum fw_clause {
	FW_C_IN = 1 << 0,
	FW_C_OUT = 1 << 1,
	FW_C_FAMILY = 1 << 2,
	FW_C_PROTO = 1 << 3,
	FW_C_FROM = 1 << 4,
	FW_C_TO = 1 << 5,
	FW_C_ICMP = 1 << 6,
	FW_C_STATE = 1 << 7,
	FW_C_LOG = 1 << 8,
};

static const struct {
	const char *name;
	enum fw_clause clause;
} fw_clauses[] = {
	{ "in", FW_C_IN },
	{ "out", FW_C_OUT },
	{ "family", FW_C_FAMILY },
	{ "proto", FW_C_PROTO },
	{ "from", FW_C_FROM },
	{ "to", FW_C_TO },
	{ "icmp-type", FW_C_ICMP },
	{ "state", FW_C_STATE },
	{ "log", FW_C_LOG },
};

struct fw_stmt {
	struct ndvmfw_rule r;
	u32 line;
	unsigned int seen;	/* enum fw_clause */
	u8 implied;		/* family implied by the protocol name */
	bool has_port[2];
	struct fw_tok port_tok[2];
	struct fw_tok icmp_tok;
};

static int fw_iface(struct fw_parser *p, struct ndvmfw_iface *i)
{
	const struct fw_tok *t = &p->tok;
	bool prefix;
	const char *msg;
	size_t len;

	if (t->type != FW_WORD)
		return fw_expected(p, "interface");
	len = t->len;
	prefix = t->s[len - 1] == '*';
	if (prefix)
		len--;
	msg = fw_iface_name_check(t->s, len, prefix);
	if (msg)
		return fw_fail(p, t, msg);
	memset(i, 0, sizeof(*i));
	i->mode = prefix ? NDVMFW_IFACE_PREFIX : NDVMFW_IFACE_EXACT;
	memcpy(i->name, t->s, len);
	fw_next(p);
	return 0;
}

static int fw_family(struct fw_parser *p, struct fw_stmt *st)
{
	const struct fw_tok *t = &p->tok;
	u8 family;

	if (t->type != FW_WORD)
		return fw_expected(p, "family");
	if (fw_is(t, "ip"))
		family = NFPROTO_IPV4;
	else if (fw_is(t, "ip6"))
		family = NFPROTO_IPV6;
	else
		return fw_fail(p, t, "unknown family");
	if (st->implied && st->implied != family)
		return fw_fail(p, t, "family conflicts with the protocol");
	st->r.family = family;
	fw_next(p);
	return 0;
}

static int fw_proto(struct fw_parser *p, struct fw_stmt *st)
{
	const struct fw_tok *t = &p->tok;
	const struct fw_name *n;
	u8 implied = 0;
	u32 proto;

	if (t->type != FW_WORD)
		return fw_expected(p, "protocol");
	if (fw_num(t->s, t->len, 255, &proto)) {
		n = fw_name_find(fw_protos, ARRAY_SIZE(fw_protos), t->s,
				 t->len);
		if (!n)
			return fw_fail(p, t, "unknown protocol");
		proto = n->val;
		if (proto == 1)
			implied = NFPROTO_IPV4;
		else if (proto == 58)
			implied = NFPROTO_IPV6;
	}
	if (implied) {
		if (st->r.family && st->r.family != implied)
			return fw_fail(p, t,
				       "protocol conflicts with the family");
		st->r.family = implied;
		st->implied = implied;
	}
	st->r.proto = proto;
	fw_next(p);
	return 0;
}

/* ADDRS [port PORTS] */
static int fw_endpoint(struct fw_parser *p, struct fw_stmt *st, int dir)
{
	struct ndvmfw_endpoint *ep = dir ? &st->r.dst : &st->r.src;
	struct ndvmfw_ruleset *rs = &p->out->rs;
	const struct fw_tok *t = &p->tok;

	if (fw_is(t, "any")) {
		fw_next(p);
	} else if (t->type == FW_WORD && t->s[0] == '@') {
		ep->set = fw_set_lookup(p, t->s + 1, t->len - 1);
		if (ep->set == NDVMFW_SET_NONE)
			return fw_fail(p, t, "unknown set");
		fw_next(p);
	} else if (t->type == FW_WORD || t->type == FW_LBRACE) {
		ep->set = fw_new_set(p, "", 0, st->line);
		if (ep->set == NDVMFW_SET_NONE)
			return -1;
		if (fw_one_or_list(p, "address", true, fw_elem_item))
			return -1;
		rs->sets[ep->set].count = rs->nelems - rs->sets[ep->set].first;
	} else {
		return fw_expected(p, "address");
	}
	if (!fw_is(t, "port"))
		return 0;
	st->has_port[dir] = true;
	st->port_tok[dir] = *t;
	fw_next(p);
	ep->port_first = rs->nports;
	if (fw_one_or_list(p, "port", false, fw_port_item))
		return -1;
	ep->port_count = rs->nports - ep->port_first;
	return 0;
}

static int fw_state(struct fw_parser *p, struct fw_stmt *st)
{
	const struct fw_name *n;

	for (;;) {
		if (p->tok.type != FW_WORD)
			return fw_expected(p, "state");
		n = fw_name_find(fw_states, ARRAY_SIZE(fw_states), p->tok.s,
				 p->tok.len);
		if (!n)
			return fw_fail(p, &p->tok, "unknown state");
		st->r.state |= n->val;
		fw_next(p);
		if (p->tok.type != FW_COMMA)
			return 0;
		fw_next(p);
	}
}

static int fw_clause(struct fw_parser *p, struct fw_stmt *st,
		     enum fw_clause c)
{
	switch (c) {
	case FW_C_IN:
		return fw_iface(p, &st->r.iif);
	case FW_C_OUT:
		return fw_iface(p, &st->r.oif);
	case FW_C_FAMILY:
		return fw_family(p, st);
	case FW_C_PROTO:
		return fw_proto(p, st);
	case FW_C_FROM:
		return fw_endpoint(p, st, 0);
	case FW_C_TO:
		return fw_endpoint(p, st, 1);
	case FW_C_ICMP:
		st->icmp_tok = p->prev;
		return fw_one_or_list(p, "icmp type", false, fw_icmp_item);
	case FW_C_STATE:
		return fw_state(p, st);
	case FW_C_LOG:
		st->r.flags |= NDVMFW_RULE_F_LOG;
		return 0;
	}
	return -1;
}

/* Checks that need the whole rule, then append it. */
static int fw_rule_end(struct fw_parser *p, struct fw_stmt *st)
{
	struct ndvmfw_ruleset *rs = &p->out->rs;
	struct ndvmfw_rule *rules;
	const struct fw_name *tab;
	struct ndvmfw_icmp *ic;
	size_t ntab;
	u32 i, *l;
	int dir;

	for (dir = 0; dir < 2; dir++)
		if (st->has_port[dir] && !ndvmfw_proto_has_ports(st->r.proto))
			return fw_fail(p, &st->port_tok[dir],
				       "ports need proto tcp, udp, udplite, sctp or dccp");
	if (st->seen & FW_C_ICMP) {
		tab = fw_icmp_table(st->r.proto, &ntab);
		if (!tab)
			return fw_fail(p, &st->icmp_tok,
				       "icmp-type needs proto icmp or icmpv6");
		st->r.icmp_first = rs->nicmp;
		for (i = 0; i < p->npicmp; i++) {
			const struct fw_picmp *pi = &p->picmp[i];
			const struct fw_name *n;
			u32 type;

			if (fw_num(pi->tok.s, pi->tlen, 255, &type)) {
				n = fw_name_find(tab, ntab, pi->tok.s,
						 pi->tlen);
				if (!n)
					return fw_fail(p, &pi->tok,
						       "unknown icmp type");
				type = n->val;
			}
			ic = fw_grow(rs->icmp, &p->cap_icmp, rs->nicmp,
				     sizeof(*ic));
			if (!ic)
				return fw_oom(p);
			rs->icmp = ic;
			ic += rs->nicmp++;
			ic->type = type;
			ic->code = pi->code;
			ic->has_code = pi->has_code;
		}
		st->r.icmp_count = rs->nicmp - st->r.icmp_first;
	}
	rules = fw_grow(rs->rules, &p->cap_rules, rs->nrules, sizeof(*rules));
	if (!rules)
		return fw_oom(p);
	rs->rules = rules;
	l = fw_grow(p->out->rule_line, &p->cap_rule_line, rs->nrules,
		    sizeof(*l));
	if (!l)
		return fw_oom(p);
	p->out->rule_line = l;
	rules[rs->nrules] = st->r;
	l[rs->nrules] = st->line;
	rs->nrules++;
	return 0;
}

static int fw_rule(struct fw_parser *p, u8 verdict)
{
	struct fw_stmt st;
	size_t i;

	memset(&st, 0, sizeof(st));
	st.r.verdict = verdict;
	st.r.proto = NDVMFW_PROTO_ANY;
	st.r.src.set = NDVMFW_SET_NONE;
	st.r.dst.set = NDVMFW_SET_NONE;
	st.line = p->tok.line;
	p->npicmp = 0;
	fw_next(p);
	while (!fw_end(p)) {
		struct fw_tok kw = p->tok;

		if (kw.type != FW_WORD)
			return fw_expected(p, "keyword");
		for (i = 0; i < ARRAY_SIZE(fw_clauses); i++)
			if (fw_is(&kw, fw_clauses[i].name))
				break;
		if (i == ARRAY_SIZE(fw_clauses)) {
			if (fw_is(&kw, "port"))
				return fw_fail(p, &kw,
					       "port must follow from or to and an address");
			return fw_fail(p, &kw, "unknown keyword");
		}
		if (st.seen & fw_clauses[i].clause)
			return fw_fail(p, &kw, "duplicate");
		st.seen |= fw_clauses[i].clause;
		fw_next(p);
		if (fw_clause(p, &st, fw_clauses[i].clause))
			return -1;
	}
	return fw_rule_end(p, &st);
}

/* set NAME { ADDR, ... } */
static int fw_set(struct fw_parser *p)
{
	struct ndvmfw_ruleset *rs = &p->out->rs;
	u32 line = p->tok.line, set;
	char name[NDVMFW_SET_NAME_MAX];
	struct fw_tok t;
	const char *msg;

	fw_next(p);
	t = p->tok;
	if (t.type != FW_WORD)
		return fw_expected(p, "set name");
	if (t.len >= NDVMFW_SET_NAME_MAX)
		return fw_fail(p, &t, "set name too long");
	memcpy(name, t.s, t.len);
	name[t.len] = '\0';
	msg = ndvmfw_set_name_check(name);
	if (msg)
		return fw_fail(p, &t, msg);
	if (fw_set_lookup(p, t.s, t.len) != NDVMFW_SET_NONE)
		return fw_fail(p, &t, "duplicate set");
	fw_next(p);
	if (p->tok.type != FW_LBRACE)
		return fw_expected(p, "'{'");
	set = fw_new_set(p, t.s, t.len, line);
	if (set == NDVMFW_SET_NONE)
		return -1;
	if (fw_list(p, "address", true, fw_elem_item))
		return -1;
	rs->sets[set].count = rs->nelems - rs->sets[set].first;
	return fw_set_insert(p, set);
}

/* ---- interface statements ---- */

static int fw_ifrule_add(struct fw_parser *p, const struct ndvmfw_ifrule *f,
			 u32 line)
{
	struct ndvmfw_ruleset *rs = &p->out->rs;
	struct ndvmfw_ifrule *a;
	u32 *l;

	a = fw_grow(rs->ifrules, &p->cap_ifrules, rs->nifrules, sizeof(*a));
	if (!a)
		return fw_oom(p);
	rs->ifrules = a;
	l = fw_grow(p->out->ifrule_line, &p->cap_ifrule_line, rs->nifrules,
		    sizeof(*l));
	if (!l)
		return fw_oom(p);
	p->out->ifrule_line = l;
	a[rs->nifrules] = *f;
	l[rs->nifrules++] = line;
	return 0;
}

static int fw_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Six pairs of hex digits separated by ':', nothing else: sscanf()'s %x
 * would also take a sign or "0x" ("-2:00:00:00:00:01" as fe:...).
 */
static int fw_mac(struct fw_parser *p, u8 *mac)
{
	const struct fw_tok *t = &p->tok;
	int i, hi, lo;

	if (t->type != FW_WORD)
		return fw_expected(p, "MAC address");
	if (t->len != 17)
		return fw_fail(p, t, "bad MAC address");
	for (i = 0; i < 6; i++) {
		hi = fw_hex_digit(t->s[3 * i]);
		lo = fw_hex_digit(t->s[3 * i + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && t->s[3 * i + 2] != ':'))
			return fw_fail(p, t, "bad MAC address");
		mac[i] = hi << 4 | lo;
	}
	if ((mac[0] & 1) ||
	    !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return fw_fail(p, t, "not a unicast MAC address");
	fw_next(p);
	return 0;
}

/* ADDR[,ADDR...] or { ADDR, ... } (an anonymous set), or @SET */
static int fw_bind_addrs(struct fw_parser *p, u32 *set)
{
	struct ndvmfw_ruleset *rs = &p->out->rs;

	if (p->tok.type == FW_WORD && p->tok.s[0] == '@') {
		*set = fw_set_lookup(p, p->tok.s + 1, p->tok.len - 1);
		if (*set == NDVMFW_SET_NONE)
			return fw_fail(p, &p->tok, "unknown set");
		fw_next(p);
		return 0;
	}
	*set = fw_new_set(p, "", 0, p->tok.line);
	if (*set == NDVMFW_SET_NONE)
		return -1;
	if (p->tok.type == FW_LBRACE) {
		if (fw_list(p, "address", true, fw_elem_item))
			return -1;
	} else {
		for (;;) {
			if (p->tok.type != FW_WORD)
				return fw_expected(p, "address");
			if (fw_elem_item(p))
				return -1;
			fw_next(p);
			if (p->tok.type != FW_COMMA)
				break;
			fw_next(p);
		}
	}
	rs->sets[*set].count = rs->nelems - rs->sets[*set].first;
	return 0;
}

static int fw_keyword(struct fw_parser *p, const char *word)
{
	if (p->tok.type != FW_WORD || !fw_is(&p->tok, word)) {
		char what[32];

		snprintf(what, sizeof(what), "'%s'", word);
		return fw_expected(p, what);
	}
	fw_next(p);
	return 0;
}

/*
 * bind IFACE mac MAC ip ADDR[,ADDR...]|{ ADDR, ... }|@SET
 * antispoof IFACE
 * hotplug IFACE bridge BRIDGE
 */
static int fw_ifrule(struct fw_parser *p, u8 kind)
{
	struct ndvmfw_ifrule f;
	u32 line = p->tok.line;
	struct ndvmfw_iface br;

	memset(&f, 0, sizeof(f));
	f.kind = kind;
	f.set = NDVMFW_SET_NONE;
	fw_next(p);
	if (fw_iface(p, &f.iface))
		return -1;
	switch (kind) {
	case NDVMFW_IFRULE_BIND:
		if (f.iface.mode != NDVMFW_IFACE_EXACT)
			return fw_fail(p, &p->prev,
				       "bind needs an interface name, not a pattern");
		if (fw_keyword(p, "mac") || fw_mac(p, f.mac) ||
		    fw_keyword(p, "ip") || fw_bind_addrs(p, &f.set))
			return -1;
		break;
	case NDVMFW_IFRULE_HOTPLUG:
		if (fw_keyword(p, "bridge") || fw_iface(p, &br))
			return -1;
		if (br.mode != NDVMFW_IFACE_EXACT)
			return fw_fail(p, &p->prev,
				       "bridge must be a name, not a pattern");
		memcpy(f.bridge, br.name, sizeof(f.bridge));
		break;
	}
	return fw_ifrule_add(p, &f, line);
}

static int fw_policy(struct fw_parser *p)
{
	const struct fw_tok *t = &p->tok;

	if (p->have_policy)
		return fw_fail(p, t, "duplicate");
	p->have_policy = true;
	fw_next(p);
	if (t->type != FW_WORD)
		return fw_expected(p, "drop or accept");
	if (fw_is(t, "drop"))
		p->out->rs.policy = NDVMFW_DROP;
	else if (fw_is(t, "accept"))
		p->out->rs.policy = NDVMFW_ACCEPT;
	else
		return fw_fail(p, t, "policy must be drop or accept");
	fw_next(p);
	return 0;
}

static int fw_statement(struct fw_parser *p)
{
	const struct fw_tok *t = &p->tok;

	if (t->type != FW_WORD)
		return fw_expected(p, "keyword");
	if (fw_is(t, "accept"))
		return fw_rule(p, NDVMFW_ACCEPT);
	if (fw_is(t, "drop"))
		return fw_rule(p, NDVMFW_DROP);
	if (fw_is(t, "reject"))
		return fw_rule(p, NDVMFW_REJECT);
	if (fw_is(t, "masquerade"))
		return fw_rule(p, NDVMFW_MASQUERADE);
	if (fw_is(t, "set"))
		return fw_set(p);
	if (fw_is(t, "policy"))
		return fw_policy(p);
	if (fw_is(t, "bind"))
		return fw_ifrule(p, NDVMFW_IFRULE_BIND);
	if (fw_is(t, "antispoof"))
		return fw_ifrule(p, NDVMFW_IFRULE_ANTISPOOF);
	if (fw_is(t, "hotplug"))
		return fw_ifrule(p, NDVMFW_IFRULE_HOTPLUG);
	return fw_fail(p, t, "unknown keyword");
}

/* ---- semantic check ---- */

static u32 fw_elem_line(const struct fw_rules *r, u32 elem)
{
	u32 i;

	for (i = 0; i < r->rs.nsets; i++)
		if (elem - r->rs.sets[i].first < r->rs.sets[i].count)
			return r->set_line[i];
	return 1;
}

/* The line of the first rule, set or element beyond a limit. */
static u32 fw_limit_line(const struct fw_rules *r)
{
	u32 line = U32_MAX;

	if (r->rs.nrules > NDVMFW_MAX_RULES)
		line = r->rule_line[NDVMFW_MAX_RULES];
	if (r->rs.nsets > NDVMFW_MAX_SETS && r->set_line[NDVMFW_MAX_SETS] < line)
		line = r->set_line[NDVMFW_MAX_SETS];
	if (r->rs.nelems > NDVMFW_MAX_ELEMS &&
	    fw_elem_line(r, NDVMFW_MAX_ELEMS) < line)
		line = fw_elem_line(r, NDVMFW_MAX_ELEMS);
	return line == U32_MAX ? 1 : line;
}

static int fw_check(struct fw_parser *p)
{
	struct fw_rules *r = p->out;
	struct ndvmfw_error e;
	u32 line = 1;
	int ret;

	ret = ndvmfw_ruleset_check(&r->rs, &e);
	if (!ret)
		return 0;
	if (ret == -ENOMEM)
		return fw_oom(p);
	switch (e.where) {
	case NDVMFW_AT_RULESET:
		line = fw_limit_line(r);
		break;
	case NDVMFW_AT_SET:
		if (e.index < r->rs.nsets)
			line = r->set_line[e.index];
		break;
	case NDVMFW_AT_ELEM:
		line = fw_elem_line(r, e.index);
		break;
	case NDVMFW_AT_RULE:
		if (e.index < r->rs.nrules)
			line = r->rule_line[e.index];
		break;
	case NDVMFW_AT_IFRULE:
		if (e.index < r->rs.nifrules)
			line = r->ifrule_line[e.index];
		break;
	}
	if (p->errlen)
		snprintf(p->err, p->errlen, "%s:%u:1: %s", p->name, line,
			 e.msg);
	return -1;
}

/* ---- entry points ---- */

void fw_ruleset_free(struct ndvmfw_ruleset *rs)
{
	free(rs->sets);
	free(rs->elems);
	free(rs->rules);
	free(rs->ports);
	free(rs->icmp);
	free(rs->ifrules);
	memset(rs, 0, sizeof(*rs));
}

void fw_rules_free(struct fw_rules *r)
{
	fw_ruleset_free(&r->rs);
	free(r->rule_line);
	free(r->set_line);
	free(r->ifrule_line);
	memset(r, 0, sizeof(*r));
}

int fw_parse_buf(const char *name, const char *buf, size_t len,
		 struct fw_rules *out, char *err, size_t errlen)
{
	struct fw_parser p;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	out->rs.policy = NDVMFW_DROP;
	memset(&p, 0, sizeof(p));
	p.name = name ? name : "<input>";
	p.buf = buf ? buf : "";
	p.len = buf ? len : 0;
	p.line = 1;
	p.bol = true;
	p.err = err;
	p.errlen = err ? errlen : 0;
	p.out = out;
	if (p.errlen)
		err[0] = '\0';
	fw_next(&p);
	while (p.tok.type != FW_EOF) {
		if (p.tok.type == FW_EOL) {
			fw_next(&p);
			continue;
		}
		ret = fw_statement(&p);
		if (!ret && !fw_end(&p))
			ret = fw_expected(&p, "end of line");
		if (ret)
			break;
	}
	if (!ret)
		ret = fw_check(&p);
	free(p.htab);
	free(p.picmp);
	if (ret)
		fw_rules_free(out);
	return ret ? -1 : 0;
}

/* Read all of @f; NULL with errno set on failure. */
static char *fw_read(FILE *f, size_t *lenp)
{
	size_t len = 0, cap = 0, n;
	char *buf = NULL, *q;

	for (;;) {
		if (len == cap) {
			if (cap > FW_MAX_FILE) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap ? cap * 2 : 65536;
			if (cap > FW_MAX_FILE + 1)
				cap = FW_MAX_FILE + 1;
			q = realloc(buf, cap);
			if (!q) {
				errno = ENOMEM;
				goto fail;
			}
			buf = q;
		}
		n = fread(buf + len, 1, cap - len, f);
		if (!n)
			break;
		len += n;
	}
	if (ferror(f)) {
		if (!errno)
			errno = EIO;
		goto fail;
	}
	*lenp = len;
	return buf;
fail:
	free(buf);
	return NULL;
}

int fw_parse_file(const char *path, struct fw_rules *out, char *err,
		  size_t errlen)
{
	bool is_stdin = !strcmp(path, "-");
	size_t len = 0;
	char *buf;
	FILE *f;
	int ret;

	memset(out, 0, sizeof(*out));
	f = is_stdin ? stdin : fopen(path, "r");
	if (!f) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	errno = 0;
	buf = fw_read(f, &len);
	if (!buf) {
		int e = errno ? errno : EIO;

		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path,
				 e == EFBIG ? "file too large" : strerror(e));
		if (!is_stdin)
			fclose(f);
		return -1;
	}
	if (!is_stdin)
		fclose(f);
	ret = fw_parse_buf(path, buf, len, out, err, errlen);
	free(buf);
	return ret;
}
