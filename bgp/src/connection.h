// One TCP connection to a peer: reads whole BGP messages off the stream
// (RFC 4271 4.1 framing), writes with one outstanding write plus a queue.
// Thin Asio glue: it knows nothing of the FSM; its Sink does.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "byoipd/bgp/wire.h"
#include "byoipd/common/asio_ip.h"

namespace byoipd::bgp {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // Receives what the connection reads, on the speaker's thread. The sink is
  // detached by close()/close_after_flush() and never called after that.
  class Sink {
   public:
    virtual ~Sink() = default;
    virtual void on_message(std::span<const uint8_t> message) = 0;  // header included
    virtual void on_frame_error(const DecodeError& error) = 0;
    virtual void on_closed(const std::string& why) = 0;  // by the peer or an I/O error
  };

  Connection(tcp::socket socket, bool inbound);
  ~Connection();

  void start(Sink* sink);  // begins reading
  void send(std::vector<uint8_t> bytes);
  void close();             // now, dropping anything queued
  void close_after_flush(); // once the queue is written (a NOTIFICATION), at most 3 s

  bool inbound() const { return inbound_; }
  std::optional<IpAddress> local_address() const;
  std::optional<IpAddress> remote_address() const;
  size_t queued_bytes() const { return pending_.size() + writing_.size(); }

 private:
  void do_read();
  void on_read(const boost::system::error_code& ec, size_t n);
  void do_write();
  void fail(const std::string& why);
  void shutdown_socket();

  tcp::socket socket_;
  asio::steady_timer linger_;
  bool inbound_;
  Sink* sink_ = nullptr;
  std::vector<uint8_t> in_;
  size_t begin_ = 0, end_ = 0;
  std::vector<uint8_t> pending_;  // queued behind the write in flight
  std::vector<uint8_t> writing_;  // the write in flight
  bool write_in_flight_ = false;
  bool closing_ = false;
  bool closed_ = false;
};

// The peer address as byoipd writes it (IPv4-mapped IPv6 as IPv4).
inline std::optional<IpAddress> to_ip(const asio::ip::address& address) {
  return from_asio(address);
}

}  // namespace byoipd::bgp
