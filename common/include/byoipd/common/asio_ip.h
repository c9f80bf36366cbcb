// IpAddress <-> Boost.Asio addresses, for the modules that open sockets
// (bgp, rpki, controller). Header-only, so byoipd_common itself does not
// depend on Boost: only the files that include this do.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <optional>

#include "byoipd/common/ip.h"

namespace byoipd {

inline boost::asio::ip::address to_asio(const IpAddress& address) {
  namespace ip = boost::asio::ip;
  if (address.family() == Family::kV4) {
    return ip::address_v4(static_cast<uint32_t>(address.value()));
  }
  ip::address_v6::bytes_type bytes;
  u128 v = address.value();
  for (int i = 15; i >= 0; --i, v >>= 8) bytes[i] = static_cast<uint8_t>(v);
  return ip::address_v6(bytes);
}

// An IPv4-mapped IPv6 address (::ffff:a.b.c.d, as a dual-stack socket
// reports an IPv4 peer) comes back as the IPv4 address.
inline std::optional<IpAddress> from_asio(const boost::asio::ip::address& address) {
  namespace ip = boost::asio::ip;
  if (address.is_v4()) return IpAddress::v4(address.to_v4().to_uint());
  if (address.to_v6().is_v4_mapped()) {
    return IpAddress::v4(ip::make_address_v4(ip::v4_mapped, address.to_v6()).to_uint());
  }
  auto bytes = address.to_v6().to_bytes();
  u128 v = 0;
  for (uint8_t b : bytes) v = (v << 8) | b;
  return IpAddress::v6(v);
}

}  // namespace byoipd
