#include "socket_options.h"

#include <arpa/inet.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace byoipd::bgp {

namespace {

#ifndef IPV6_MINHOPCOUNT
constexpr int IPV6_MINHOPCOUNT = 73;  // linux/in6.h
#endif

Status sockopt_error(const char* reason, const std::string& what) {
  return Status(Code::kUnavailable, reason, what + ": " + std::strerror(errno));
}

}  // namespace

Status set_tcp_md5(int fd, Family socket_family, const IpAddress& peer,
                   const std::string& password) {
  if (password.size() > TCP_MD5SIG_MAXKEYLEN) {
    return Status(Code::kInvalidArgument, "tcp-md5-key-too-long",
                  "TCP-MD5 password for " + peer.to_string() + " has " +
                      std::to_string(password.size()) + " characters; at most " +
                      std::to_string(TCP_MD5SIG_MAXKEYLEN) + " are allowed");
  }
  struct tcp_md5sig sig;
  std::memset(&sig, 0, sizeof sig);
  if (socket_family == Family::kV4 && peer.family() == Family::kV4) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&sig.tcpm_addr);
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(static_cast<uint32_t>(peer.value()));
  } else {
    // An IPv6 socket sees IPv4 peers as IPv4-mapped addresses.
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&sig.tcpm_addr);
    sin6->sin6_family = AF_INET6;
    u128 v = peer.family() == Family::kV4 ? (static_cast<u128>(0xffff) << 32) | peer.value()
                                          : peer.value();
    for (int i = 15; i >= 0; --i, v >>= 8) sin6->sin6_addr.s6_addr[i] = static_cast<uint8_t>(v);
  }
  sig.tcpm_keylen = static_cast<uint16_t>(password.size());
  std::memcpy(sig.tcpm_key, password.data(), password.size());
  if (::setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof sig) != 0) {
    return sockopt_error("tcp-md5-unavailable",
                         "cannot set the TCP-MD5 key for " + peer.to_string());
  }
  return {};
}

Status set_gtsm(int fd, Family socket_family) {
  int ttl = 255, min_ttl = 254;
  if (socket_family == Family::kV4) {
    if (::setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl) != 0 ||
        ::setsockopt(fd, IPPROTO_IP, IP_MINTTL, &min_ttl, sizeof min_ttl) != 0) {
      return sockopt_error("gtsm-unavailable", "cannot set IP_TTL/IP_MINTTL for GTSM");
    }
    return {};
  }
  if (::setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl) != 0 ||
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, &min_ttl, sizeof min_ttl) != 0) {
    return sockopt_error("gtsm-unavailable", "cannot set the IPv6 hop limits for GTSM");
  }
  return {};
}

Status set_max_ttl(int fd, Family socket_family) {
  int ttl = 255;
  int rc = socket_family == Family::kV4
               ? ::setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl)
               : ::setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl);
  if (rc != 0) return sockopt_error("gtsm-unavailable", "cannot set the listener's TTL to 255");
  if (socket_family == Family::kV6) {  // a dual-stack listener answers IPv4 too
    ::setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
  }
  return {};
}

}  // namespace byoipd::bgp
