// One RTR cache over TCP: drives an rtr::Client (rtr_client.h) with a real
// socket and real timers on the validator's Asio loop. Thin glue: the client
// decides, this carries out its actions.
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <vector>

#include "byoipd/rpki/rtr_client.h"
#include "byoipd/rpki/validator.h"

namespace byoipd::rpki {

namespace asio = boost::asio;

class RtrSession {
 public:
  // `on_data` runs after every ApplyVrps (with it) and Stale (with null)
  // action, on the loop.
  using OnData = std::function<void(const rtr::ApplyVrps*)>;
  RtrSession(asio::io_context& ioc, RtrCacheConfig config, SourceId source, OnData on_data);
  ~RtrSession();

  void start();
  const rtr::Client& client() const { return client_; }
  const RtrCacheConfig& config() const { return config_; }
  SourceId source() const { return source_; }
  std::optional<std::chrono::system_clock::time_point> last_update() const { return last_update_; }
  const std::string& last_error() const { return last_error_; }

 private:
  void feed(const rtr::Event& event);
  void execute(const std::vector<rtr::Action>& actions);
  void connect();
  void disconnect();
  void read();
  void on_read(size_t n);
  void send(const rtr::Pdu& pdu);
  void write();
  void arm(rtr::Timer timer, uint32_t seconds);

  asio::io_context& ioc_;
  RtrCacheConfig config_;
  SourceId source_;
  OnData on_data_;
  rtr::Client client_;
  std::shared_ptr<asio::ip::tcp::socket> socket_;
  std::vector<uint8_t> in_;
  size_t have_ = 0;
  std::vector<uint8_t> out_, writing_;
  bool write_in_flight_ = false;
  asio::steady_timer pace_timer_;
  std::array<asio::steady_timer, 5> timers_;
  std::array<uint64_t, 5> generation_{};
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  std::optional<std::chrono::system_clock::time_point> last_update_;
  std::string last_error_;
};

}  // namespace byoipd::rpki
