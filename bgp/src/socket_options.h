// Per-peer TCP protections, on a socket's native handle.
#pragma once

#include <string>

#include "byoipd/common/ip.h"
#include "byoipd/common/status.h"

namespace byoipd::bgp {

// RFC 2385 TCP MD5 signature for segments to and from `peer` (Linux
// TCP_MD5SIG). On a listening socket it sets the key the kernel checks on an
// incoming SYN; on a socket about to connect, the key for that connection. An
// empty password removes the key. Fails with "tcp-md5-unavailable" naming the
// errno when the kernel refuses (e.g. built without CONFIG_TCP_MD5SIG).
Status set_tcp_md5(int fd, Family socket_family, const IpAddress& peer,
                   const std::string& password);

// RFC 5082 GTSM for a directly connected peer: send with TTL (hop limit) 255
// and drop segments that arrive with less than 254 (IP_MINTTL /
// IPV6_MINHOPCOUNT).
Status set_gtsm(int fd, Family socket_family);
// Only the sending half, for a listener: Linux answers a SYN with the
// listener's TTL, and a GTSM peer drops a SYN-ACK below 254.
Status set_max_ttl(int fd, Family socket_family);

}  // namespace byoipd::bgp
