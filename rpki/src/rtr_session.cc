#include "rtr_session.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cstring>

#include "byoipd/common/asio_ip.h"

namespace byoipd::rpki {

namespace {

constexpr size_t kReadChunk = 256 * 1024;

// Mid-sync, the next read waits this long. StayRTR writes one PDU per
// write(); a reader that takes whatever has arrived wakes for nearly every
// 24-byte PDU, and those wake-ups slow the cache's send itself 1.5-3x
// (docs/performance.md, RPKI). Reading every 20 ms lets the socket buffer
// collect the PDUs (about 100 KB per read), costs at most 20 ms at the end
// of a sync, and nothing outside one: Serial Notify and the first answer to
// a query are read at once.
constexpr auto kSyncReadPace = std::chrono::milliseconds(20);
// While a paced read waits, the socket's receive low-water mark: the
// kernel then does not wake the event loop for each arriving PDU (Asio
// keeps the socket in epoll the whole time), only when this much is
// buffered: more than 20 ms of StayRTR's sending (about 100 KB). Linux
// grows the receive buffer to match. (4 MiB looked about 10% slower on
// the cache's side; 256 KiB as fast as a reader that sets no mark.)
constexpr int kPacedLowWatermark = 256 << 10;

void set_low_watermark(asio::ip::tcp::socket& sock, int bytes) {
  boost::system::error_code ignored;
  sock.set_option(asio::socket_base::receive_low_watermark(bytes), ignored);
}

rtr::ClientConfig client_config(const RtrCacheConfig& c, SourceId source) {
  rtr::ClientConfig out;
  out.source = source;
  out.max_version = c.max_version;
  out.intervals = rtr::Intervals{c.refresh_seconds, c.retry_seconds, c.expire_seconds};
  out.expire_override = c.expire_override;
  return out;
}

}  // namespace

RtrSession::RtrSession(asio::io_context& ioc, RtrCacheConfig config, SourceId source,
                       OnData on_data)
    : ioc_(ioc), config_(std::move(config)), source_(source), on_data_(std::move(on_data)),
      client_(client_config(config_, source), rtr::steady_clock()), in_(kReadChunk),
      pace_timer_(ioc),
      timers_{asio::steady_timer(ioc), asio::steady_timer(ioc), asio::steady_timer(ioc),
              asio::steady_timer(ioc), asio::steady_timer(ioc)} {}

RtrSession::~RtrSession() {
  alive_.reset();
  disconnect();
}

void RtrSession::start() { feed(rtr::Start{}); }

void RtrSession::feed(const rtr::Event& event) { execute(client_.handle(event)); }

void RtrSession::execute(const std::vector<rtr::Action>& actions) {
  for (const auto& action : actions) {
    if (std::holds_alternative<rtr::Connect>(action)) {
      connect();
    } else if (std::holds_alternative<rtr::Disconnect>(action)) {
      disconnect();
    } else if (const auto* send_pdu = std::get_if<rtr::SendPdu>(&action)) {
      send(send_pdu->pdu);
    } else if (const auto* start = std::get_if<rtr::StartTimer>(&action)) {
      arm(start->timer, start->seconds);
    } else if (const auto* stop = std::get_if<rtr::StopTimer>(&action)) {
      ++generation_[static_cast<size_t>(stop->timer)];
      timers_[static_cast<size_t>(stop->timer)].cancel();
    } else if (const auto* apply = std::get_if<rtr::ApplyVrps>(&action)) {
      last_update_ = std::chrono::system_clock::now();
      last_error_.clear();
      if (apply->kind == rtr::ApplyVrps::kFull) {
        spdlog::info("rpki: cache {} at serial {} (session {}): full set, {} VRPs", config_.name,
                     apply->serial, apply->session_id, apply->set->size());
      } else {
        spdlog::info("rpki: cache {} at serial {} (session {}): update, {} announced, {} withdrawn",
                     config_.name, apply->serial, apply->session_id, apply->announced.size(),
                     apply->withdrawn.size());
      }
      if (on_data_) on_data_(apply);
    } else if (std::holds_alternative<rtr::Stale>(action)) {
      spdlog::warn("rpki: cache {}: no successful sync within the expire interval; its data "
                   "is stale", config_.name);
      if (on_data_) on_data_(nullptr);
    } else if (const auto* log = std::get_if<rtr::Log>(&action)) {
      if (log->level == rtr::Log::kInfo) {
        spdlog::info("rpki: cache {}: {}", config_.name, log->message);
      } else {
        if (log->level == rtr::Log::kError) last_error_ = log->message;
        spdlog::warn("rpki: cache {}: {}", config_.name, log->message);
      }
    }
  }
}

void RtrSession::connect() {
  disconnect();
  auto sock = std::make_shared<asio::ip::tcp::socket>(ioc_);
  socket_ = sock;
  asio::ip::tcp::endpoint to(to_asio(config_.address), config_.port);
  sock->async_connect(to, [this, sock, alive = std::weak_ptr<int>(alive_)](
                              const boost::system::error_code& ec) {
    if (!alive.lock() || socket_ != sock) return;
    if (ec) {
      last_error_ = "connect to " + config_.address.to_string() + " port " +
                    std::to_string(config_.port) + ": " + ec.message();
      socket_.reset();
      feed(rtr::ConnectionFailed{});
      return;
    }
    boost::system::error_code ignored;
    sock->set_option(asio::ip::tcp::no_delay(true), ignored);
    have_ = 0;
    read();
    feed(rtr::Connected{});
  });
}

void RtrSession::disconnect() {
  pace_timer_.cancel();
  if (!socket_) return;
  boost::system::error_code ec;
  socket_->shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_->close(ec);
  socket_.reset();
  out_.clear();
  have_ = 0;
}

void RtrSession::read() {
  auto sock = socket_;
  if (!sock) return;
  if (have_ == in_.size()) in_.resize(in_.size() * 2);  // an Error Report up to 64 KiB
  sock->async_read_some(
      asio::buffer(in_.data() + have_, in_.size() - have_),
      [this, sock, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec,
                                                         size_t n) {
        if (!alive.lock() || socket_ != sock) return;
        if (ec) {
          last_error_ = ec == asio::error::eof ? "the cache closed the connection" : ec.message();
          socket_.reset();
          feed(rtr::ConnectionClosed{});
          return;
        }
        on_read(n);
        if (socket_ != sock) return;
        if (client_.state() != rtr::State::kReceiving) {
          read();
          return;
        }
        set_low_watermark(*sock, kPacedLowWatermark);
        pace_timer_.expires_after(kSyncReadPace);
        pace_timer_.async_wait([this, sock, alive](const boost::system::error_code&) {
          if (!alive.lock() || socket_ != sock) return;
          set_low_watermark(*sock, 1);
          read();
        });
      });
}

// Frames and decodes every whole PDU in the buffer and feeds each to the
// client; keeps a partial one for the next read.
void RtrSession::on_read(size_t n) {
  auto sock = socket_;
  have_ += n;
  size_t at = 0;
  while (socket_ == sock) {
    std::span<const uint8_t> buffered(in_.data() + at, have_ - at);
    rtr::FrameResult f = rtr::frame(buffered);
    if (f.error) {
      size_t echoed = std::min<size_t>(buffered.size(), 64);
      feed(rtr::DecodeFailed{*f.error, std::vector<uint8_t>(buffered.begin(), buffered.begin() + echoed)});
      return;
    }
    if (!f.length || *f.length > buffered.size()) break;
    auto pdu = buffered.first(*f.length);
    at += *f.length;
    rtr::DecodeResult d = rtr::decode(pdu);
    if (!d.ok()) {
      feed(rtr::DecodeFailed{*d.error, std::vector<uint8_t>(pdu.begin(), pdu.end())});
    } else {
      feed(rtr::PduReceived{std::move(*d.pdu)});
    }
  }
  if (socket_ != sock) return;
  std::memmove(in_.data(), in_.data() + at, have_ - at);
  have_ -= at;
}

void RtrSession::send(const rtr::Pdu& pdu) {
  auto bytes = rtr::encode(pdu);
  if (!bytes.ok() || !socket_) return;
  out_.insert(out_.end(), bytes->begin(), bytes->end());
  if (!write_in_flight_) write();
}

// One write in flight; what is queued meanwhile goes out next.
void RtrSession::write() {
  auto sock = socket_;
  if (!sock || out_.empty()) return;
  writing_.swap(out_);
  out_.clear();
  write_in_flight_ = true;
  asio::async_write(*sock, asio::buffer(writing_),
                    [this, sock, alive = std::weak_ptr<int>(alive_)](
                        const boost::system::error_code& ec, size_t) {
                      if (!alive.lock()) return;
                      write_in_flight_ = false;
                      writing_.clear();
                      // A new connection may have queued meanwhile; a failed write
                      // on the current one is reported by the read side.
                      if (socket_ == sock && ec) return;
                      write();
                    });
}

void RtrSession::arm(rtr::Timer timer, uint32_t seconds) {
  size_t i = static_cast<size_t>(timer);
  uint64_t generation = ++generation_[i];
  timers_[i].expires_after(std::chrono::seconds(seconds));
  timers_[i].async_wait([this, timer, generation, alive = std::weak_ptr<int>(alive_)](
                            const boost::system::error_code&) {
    if (!alive.lock() || generation != generation_[static_cast<size_t>(timer)]) return;
    feed(rtr::TimerExpired{timer});
  });
}

}  // namespace byoipd::rpki
