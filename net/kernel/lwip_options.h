/* lwIP's configuration for Osprey (lwIP 2.1.3, src/include/lwip/opt.h documents each
 * option). lwIP includes it as "lwipopts.h": net/lwip.cmake generates that name in the
 * build tree as an include of this file. lwIP runs without an OS layer of its own (NO_SYS): the kernel's network thread
 * (net/kernel/stack.cpp) feeds it frames and runs its timers, and every call into lwIP,
 * from that thread or from a system call, holds the big kernel lock, so lwIP needs no
 * locking of its own. Only the raw API is built; the sockets programs see are ours
 * (net/kernel/*_socket.cpp), with Linux semantics. */
#ifndef OSPREY_NET_LWIP_OPTIONS_H
#define OSPREY_NET_LWIP_OPTIONS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_TIMERS 1
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_RAW 0
#define LWIP_DNS 1 /* see LWIP_DHCP below */
#define LWIP_IGMP 0
/* The DHCP client (net.ip=dhcp, net/kernel/stack.cpp). Its 500 ms timer runs in every VM
 * with a network (ARP's and reassembly's run every second already). No ARP probe of the
 * offered address (Linux's dhclient and systemd-networkd do none by default either; it
 * would delay every lease by a second). lwIP asks for a name server and keeps it only
 * through its DNS module, so that is built too (one server slot, read back with
 * dns_getserver); programs resolve names with their libc over Osprey's sockets, never
 * through it. */
#define LWIP_DHCP 1
#define LWIP_NETIF_STATUS_CALLBACK 1 /* a lease given, renewed with a new address, or lost */
#define DHCP_DOES_ARP_CHECK 0
#define LWIP_DHCP_MAX_DNS_SERVERS 1
#define DNS_MAX_SERVERS 1
#define LWIP_AUTOIP 0
#define LWIP_STATS 0
#define LWIP_NETIF_HOSTNAME 0

/* Memory: the kernel's allocator (mimalloc) for the heap and every pool, so the number
 * of connections, segments and buffers is limited by RAM, not by a table size. */
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT 8
#define LWIP_NUM_SYS_TIMEOUT_INTERNAL 16

/* IPv4 and IPv6, with reassembly and fragmentation. */
#define LWIP_IPV4 1
#define LWIP_IPV6 1
#define LWIP_IPV6_AUTOCONFIG 1
#define LWIP_IPV6_DHCP6 0
#define LWIP_IPV6_MLD 0 /* its 100 ms timer would wake the network thread 10 times a second */
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define IPV6_FRAG_COPYHEADER 1 /* 64-bit pointers do not fit in the fragment header */
#define LWIP_ICMP 1
#define LWIP_ARP 1
#define ETHARP_TABLE_MATCH_NETIF 0
#define ARP_QUEUEING 1

/* The loopback interface (127.0.0.1, ::1); looped packets are delivered by
 * netif_poll_all(), which the stack calls after every call into lwIP. */
#define LWIP_HAVE_LOOPIF 1
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_LOOPBACK_MAX_PBUFS 0

/* TCP: Linux-sized windows (window scaling), keepalive, SO_REUSEADDR, listen backlogs. */
#define LWIP_TCP 1
#define TCP_MSS 1460
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 2
#define TCP_WND (128 * 1024)
#define TCP_SND_BUF (128 * 1024)
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
#define TCP_SNDLOWAT (TCP_SND_BUF / 4)
#define TCP_SNDQUEUELOWAT (TCP_SND_QUEUELEN / 2)
#define TCP_QUEUE_OOSEQ 1
#define TCP_OVERSIZE TCP_MSS
#define LWIP_TCP_KEEPALIVE 1
#define TCP_LISTEN_BACKLOG 1
#define SO_REUSE 1
#define LWIP_CALLBACK_API 1
#define LWIP_UDP 1

#define LWIP_CHECKSUM_ON_COPY 1
#define LWIP_NETIF_TX_SINGLE_PBUF 0

#endif
