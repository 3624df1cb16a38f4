// glibc's network databases as its "files" backend reads them (nss_files): protocols
// (/etc/protocols), services (/etc/services), networks (/etc/networks), the host
// enumeration (/etc/hosts) and ONC RPC program numbers (/etc/rpc: lsof and ss name them),
// each with its reentrant calls (get*ent_r, get*by*_r) and the classic ones over a shared
// entry. musl has a built-in protocol table, no service, network, host or rpc
// enumeration and no _r calls for them; these replace musl's
// (overrides.txt), so an enumeration and a lookup see the same data. musl's getservbyname,
// getservbyport, gethostbyname and getaddrinfo stay (they read the same files).
//
// An image without /etc/protocols gets the built-in table below (IANA's numbers, with the
// names Debian's netbase gives them), as musl's getprotobyname did; the other files are
// empty when absent, as on a Linux system without netbase.
#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <netdb.h>

#include <libc_shim/line_database.h>
#include <libc_shim/shared_entry.h>

namespace {

using libc_shim::EntryBuffer;
using libc_shim::LineResult;

constexpr char kBuiltinProtocols[]
    = "ip 0 IP\nicmp 1 ICMP\nigmp 2 IGMP\nipencap 4 IP-ENCAP\ntcp 6 TCP\negp 8 EGP\n"
      "pup 12 PUP\nudp 17 UDP\nrdp 27 RDP\ndccp 33 DCCP\nipv6 41 IPv6\n"
      "ipv6-route 43 IPv6-Route\nipv6-frag 44 IPv6-Frag\nrsvp 46 RSVP\ngre 47 GRE\n"
      "esp 50 IPSEC-ESP\nah 51 IPSEC-AH\nipv6-icmp 58 IPv6-ICMP\nipv6-nonxt 59 IPv6-NoNxt\n"
      "ipv6-opts 60 IPv6-Opts\nospf 89 OSPFIGP\nipip 94 IPIP\npim 103 PIM\n"
      "ipcomp 108 IPCOMP\nvrrp 112 VRRP\nl2tp 115 L2TP\nsctp 132 SCTP\n"
      "udplite 136 UDPLite\nmpls-in-ip 137 MPLS-in-IP\nethernet 143 Ethernet\n";

// The program's libc owns one enumeration of each database (glibc's nss_files has one).
libc_shim::LineDatabase& protocols()
{
    static libc_shim::LineDatabase database("/etc/protocols", kBuiltinProtocols);
    return database;
}

libc_shim::LineDatabase& services()
{
    static libc_shim::LineDatabase database("/etc/services", nullptr);
    return database;
}

libc_shim::LineDatabase& networks()
{
    static libc_shim::LineDatabase database("/etc/networks", nullptr);
    return database;
}

libc_shim::LineDatabase& hosts()
{
    static libc_shim::LineDatabase database("/etc/hosts", nullptr);
    return database;
}

libc_shim::LineDatabase& rpc_programs()
{
    static libc_shim::LineDatabase database("/etc/rpc", nullptr);
    return database;
}

/// What a lookup looks for: a name, or a number.
struct Key {
    const char* name;
    long number;
};

bool named(char** words, size_t count, const char* name)
{
    for (size_t i = 0; i < count; ++i)
        if (i != 1 && strcmp(words[i], name) == 0) // words[1] is the number, not a name
            return true;
    return false;
}

/// "name number alias..." (/etc/protocols, /etc/rpc) into an entry whose fields are
/// `Name`, `Aliases` and `Number` (protoent and rpcent have the same three).
template<typename Entry, char* Entry::*Name, char** Entry::*Aliases, int Entry::*Number>
LineResult name_number_line(char** words, size_t count, EntryBuffer& out, void* entry_, const void* key_)
{
    const auto* key = static_cast<const Key*>(key_);
    char* end;
    unsigned long value = count < 2 ? 0 : strtoul(words[1], &end, 10);
    if (count < 2 || end == words[1] || *end) // glibc skips a line whose number is not one
        return LineResult::Skip;
    int number = int(uint32_t(value > 0xffffffffUL ? 0xffffffffUL : value)); // glibc reads 32 bits
    if (key && (key->name ? !named(words, count, key->name) : number != key->number))
        return LineResult::Skip;
    auto* entry = static_cast<Entry*>(entry_);
    entry->*Number = number;
    entry->*Name = out.copy(words[0]);
    entry->*Aliases = out.copy_list(words + 2, count - 2);
    return out.fits() ? LineResult::Entry : LineResult::TooSmall;
}

constexpr auto protocol_line
    = name_number_line<struct protoent, &protoent::p_name, &protoent::p_aliases, &protoent::p_proto>;
constexpr auto rpc_line = name_number_line<struct rpcent, &rpcent::r_name, &rpcent::r_aliases, &rpcent::r_number>;

/// An /etc/services line for getservent (lookups by name or port are musl's, over the
/// same file).
LineResult service_line(char** words, size_t count, EntryBuffer& out, void* entry, const void*)
{
    if (count < 2 || !isdigit((unsigned char)words[1][0]))
        return LineResult::Skip;
    // "port/protocol"; glibc takes a port without one, with the protocol "".
    char* slash = strchr(words[1], '/');
    if (slash)
        *slash = 0;
    const char* protocol_name = slash ? slash + 1 : "";
    int port = htons(uint16_t(atoi(words[1])));
    auto* service = static_cast<struct servent*>(entry);
    service->s_port = port;
    service->s_name = out.copy(words[0]);
    service->s_proto = out.copy(protocol_name);
    service->s_aliases = out.copy_list(words + 2, count - 2);
    return out.fits() ? LineResult::Entry : LineResult::TooSmall;
}

/// A network number as glibc's files backend reads it: inet_network of the text with
/// ".0" parts added up to four ("127" is 127.0.0.0).
in_addr_t network_number(const char* text)
{
    char padded[32];
    size_t dots = 0;
    for (const char* p = text; *p; ++p)
        dots += *p == '.';
    if (strlen(text) + 2 * 3 >= sizeof padded)
        return INADDR_NONE;
    strcpy(padded, text);
    for (; dots < 3; ++dots)
        strcat(padded, ".0");
    return inet_network(padded);
}

LineResult network_line(char** words, size_t count, EntryBuffer& out, void* entry, const void* key_)
{
    const auto* key = static_cast<const Key*>(key_);
    if (count < 2)
        return LineResult::Skip;
    in_addr_t number = network_number(words[1]);
    if (number == INADDR_NONE)
        return LineResult::Skip;
    if (key && (key->name ? !named(words, count, key->name) : number != in_addr_t(key->number)))
        return LineResult::Skip;
    auto* network = static_cast<struct netent*>(entry);
    network->n_addrtype = AF_INET;
    network->n_net = number;
    network->n_name = out.copy(words[0]);
    network->n_aliases = out.copy_list(words + 2, count - 2);
    return out.fits() ? LineResult::Entry : LineResult::TooSmall;
}

/// An /etc/hosts address as glibc's IPv4 enumeration (without RES_USE_INET6) reads it:
/// IPv4, an IPv4-mapped IPv6 address as its IPv4 one, ::1 as 127.0.0.1; false for other
/// IPv6 addresses (the line is skipped).
bool host_address(const char* text, struct in_addr* address)
{
    if (inet_pton(AF_INET, text, address) == 1)
        return true;
    struct in6_addr v6;
    if (inet_pton(AF_INET6, text, &v6) != 1)
        return false;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) {
        memcpy(address, v6.s6_addr + 12, sizeof *address);
        return true;
    }
    address->s_addr = htonl(INADDR_LOOPBACK);
    return IN6_IS_ADDR_LOOPBACK(&v6);
}

LineResult host_line(char** words, size_t count, EntryBuffer& out, void* entry, const void*)
{
    struct in_addr address;
    if (count < 2 || !host_address(words[0], &address))
        return LineResult::Skip;
    auto* host = static_cast<struct hostent*>(entry);
    host->h_addrtype = AF_INET;
    host->h_length = sizeof address;
    auto* copy = static_cast<struct in_addr*>(out.bytes(sizeof address, alignof(struct in_addr)));
    auto** list = static_cast<char**>(out.bytes(2 * sizeof(char*), alignof(char*)));
    host->h_name = out.copy(words[1]);
    host->h_aliases = out.copy_list(words + 2, count - 2);
    if (!out.fits())
        return LineResult::TooSmall;
    *copy = address;
    list[0] = reinterpret_cast<char*>(copy);
    list[1] = nullptr;
    host->h_addr_list = list;
    return LineResult::Entry;
}

/// A database line's parser over its words (split at white space, '#' a comment).
using WordParser = LineResult (*)(char** words, size_t count, EntryBuffer& out, void* entry, const void* key);

template<WordParser Parse> LineResult by_words(char* line, EntryBuffer& out, void* entry, const void* key)
{
    libc_shim::WordList split;
    if (!split.split(line, " \t\r", true))
        return LineResult::Skip; // out of memory: as glibc, the line is not read
    return Parse(split.words(), split.count(), out, entry, key);
}

/// The network and host calls also report through h_errno, as glibc's do: a lookup
/// finding nothing returns 0 with a null result and HOST_NOT_FOUND, one whose buffer is
/// too small ERANGE with NETDB_INTERNAL (and errno); an enumeration leaves it alone.
template<typename Entry> int finish_netdb(int error, Entry* entry, Entry** result, int* h_error, bool lookup)
{
    libc_shim::finish_entry(error, entry, result);
    if (!lookup || !error)
        return error;
    if (error == ENOENT) {
        *h_error = HOST_NOT_FOUND;
        return 0;
    }
    *h_error = NETDB_INTERNAL;
    errno = error;
    return error;
}

} // namespace

extern "C" {

// Lookups that find nothing return 0 with a null result (glibc's files backend).
int getprotobyname_r(const char* name, struct protoent* entry, char* buffer, size_t size, struct protoent** result)
{
    Key key { name, 0 };
    int error = protocols().find(by_words<protocol_line>, buffer, size, entry, &key);
    return libc_shim::finish_lookup(error, entry, result);
}

int getprotobynumber_r(int number, struct protoent* entry, char* buffer, size_t size, struct protoent** result)
{
    Key key { nullptr, number };
    int error = protocols().find(by_words<protocol_line>, buffer, size, entry, &key);
    return libc_shim::finish_lookup(error, entry, result);
}

int getprotoent_r(struct protoent* entry, char* buffer, size_t size, struct protoent** result)
{
    return libc_shim::finish_entry(
        protocols().next(by_words<protocol_line>, buffer, size, entry, nullptr), entry, result);
}

int getservent_r(struct servent* entry, char* buffer, size_t size, struct servent** result)
{
    return libc_shim::finish_entry(
        services().next(by_words<service_line>, buffer, size, entry, nullptr), entry, result);
}

int getnetbyname_r(
    const char* name, struct netent* entry, char* buffer, size_t size, struct netent** result, int* h_error)
{
    Key key { name, 0 };
    int error = networks().find(by_words<network_line>, buffer, size, entry, &key);
    return finish_netdb(error, entry, result, h_error, true);
}

int getnetbyaddr_r(
    uint32_t number, int type, struct netent* entry, char* buffer, size_t size, struct netent** result, int* h_error)
{
    Key key { nullptr, long(number) };
    int error = type == AF_INET ? networks().find(by_words<network_line>, buffer, size, entry, &key) : ENOENT;
    return finish_netdb(error, entry, result, h_error, true);
}

int getnetent_r(struct netent* entry, char* buffer, size_t size, struct netent** result, int* h_error)
{
    int error = networks().next(by_words<network_line>, buffer, size, entry, nullptr);
    return finish_netdb(error, entry, result, h_error, false);
}

int gethostent_r(struct hostent* entry, char* buffer, size_t size, struct hostent** result, int* h_error)
{
    return finish_netdb(hosts().next(by_words<host_line>, buffer, size, entry, nullptr), entry, result, h_error, false);
}

// set*ent and end*ent: `stay_open` changes nothing here (each lookup has its own stream).
void osprey_setprotoent(int) { protocols().restart(); }
void osprey_endprotoent() { protocols().end(); }
void osprey_setservent(int) { services().restart(); }
void osprey_endservent() { services().end(); }
void osprey_setnetent(int) { networks().restart(); }
void osprey_endnetent() { networks().end(); }
void osprey_sethostent(int) { hosts().restart(); }
void osprey_endhostent() { hosts().end(); }

// The classic calls: one entry the program shares (glibc's are not thread-safe either).
struct protoent* osprey_getprotoent()
{
    return libc_shim::shared_entry<struct protoent>(
        [](struct protoent* e, char* b, size_t n, struct protoent** r) { return getprotoent_r(e, b, n, r); });
}

struct protoent* osprey_getprotobyname(const char* name)
{
    return libc_shim::shared_entry<struct protoent>([name](struct protoent* e, char* b, size_t n, struct protoent** r) {
        return getprotobyname_r(name, e, b, n, r);
    });
}

struct protoent* osprey_getprotobynumber(int number)
{
    return libc_shim::shared_entry<struct protoent>(
        [number](struct protoent* e, char* b, size_t n, struct protoent** r) {
            return getprotobynumber_r(number, e, b, n, r);
        });
}

// /etc/rpc (musl has none of these names).
int getrpcbyname_r(const char* name, struct rpcent* entry, char* buffer, size_t size, struct rpcent** result)
{
    Key key { name, 0 };
    int error = rpc_programs().find(by_words<rpc_line>, buffer, size, entry, &key);
    return libc_shim::finish_lookup(error, entry, result);
}

int getrpcbynumber_r(int number, struct rpcent* entry, char* buffer, size_t size, struct rpcent** result)
{
    Key key { nullptr, number };
    int error = rpc_programs().find(by_words<rpc_line>, buffer, size, entry, &key);
    return libc_shim::finish_lookup(error, entry, result);
}

int getrpcent_r(struct rpcent* entry, char* buffer, size_t size, struct rpcent** result)
{
    return libc_shim::finish_entry(
        rpc_programs().next(by_words<rpc_line>, buffer, size, entry, nullptr), entry, result);
}

void setrpcent(int) { rpc_programs().restart(); }
void endrpcent() { rpc_programs().end(); }

struct rpcent* getrpcent()
{
    return libc_shim::shared_entry<struct rpcent>(
        [](struct rpcent* e, char* b, size_t n, struct rpcent** r) { return getrpcent_r(e, b, n, r); });
}

struct rpcent* getrpcbyname(const char* name)
{
    return libc_shim::shared_entry<struct rpcent>(
        [name](struct rpcent* e, char* b, size_t n, struct rpcent** r) { return getrpcbyname_r(name, e, b, n, r); });
}

struct rpcent* getrpcbynumber(int number)
{
    return libc_shim::shared_entry<struct rpcent>([number](struct rpcent* e, char* b, size_t n, struct rpcent** r) {
        return getrpcbynumber_r(number, e, b, n, r);
    });
}

struct servent* osprey_getservent()
{
    return libc_shim::shared_entry<struct servent>(
        [](struct servent* e, char* b, size_t n, struct servent** r) { return getservent_r(e, b, n, r); });
}

struct netent* osprey_getnetent()
{
    return libc_shim::shared_entry<struct netent>(
        [](struct netent* e, char* b, size_t n, struct netent** r) { return getnetent_r(e, b, n, r, &h_errno); });
}

struct netent* osprey_getnetbyname(const char* name)
{
    return libc_shim::shared_entry<struct netent>([name](struct netent* e, char* b, size_t n, struct netent** r) {
        return getnetbyname_r(name, e, b, n, r, &h_errno);
    });
}

struct netent* osprey_getnetbyaddr(uint32_t number, int type)
{
    return libc_shim::shared_entry<struct netent>([=](struct netent* e, char* b, size_t n, struct netent** r) {
        return getnetbyaddr_r(number, type, e, b, n, r, &h_errno);
    });
}

struct hostent* osprey_gethostent()
{
    return libc_shim::shared_entry<struct hostent>(
        [](struct hostent* e, char* b, size_t n, struct hostent** r) { return gethostent_r(e, b, n, r, &h_errno); });
}

} // extern "C"
