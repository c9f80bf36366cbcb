#include "connection.h"

#include <boost/asio/write.hpp>
#include <cstring>

namespace byoipd::bgp {

namespace {
constexpr size_t kReadChunk = 64 * 1024;
}  // namespace

Connection::Connection(tcp::socket socket, bool inbound)
    : socket_(std::move(socket)), linger_(socket_.get_executor()), inbound_(inbound),
      in_(kReadChunk + kMaxMessageSize) {
  boost::system::error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);
}

Connection::~Connection() { shutdown_socket(); }

void Connection::start(Sink* sink) {
  sink_ = sink;
  do_read();
}

std::optional<IpAddress> Connection::local_address() const {
  boost::system::error_code ec;
  auto ep = socket_.local_endpoint(ec);
  if (ec) return std::nullopt;
  return to_ip(ep.address());
}

std::optional<IpAddress> Connection::remote_address() const {
  boost::system::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  if (ec) return std::nullopt;
  return to_ip(ep.address());
}

void Connection::do_read() {
  if (closed_ || closing_) return;
  if (end_ == in_.size()) {  // cannot happen: a message is at most 4096 octets
    std::memmove(in_.data(), in_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  socket_.async_read_some(asio::buffer(in_.data() + end_, in_.size() - end_),
                          [self = shared_from_this()](const boost::system::error_code& ec,
                                                      size_t n) { self->on_read(ec, n); });
}

void Connection::on_read(const boost::system::error_code& ec, size_t n) {
  if (!sink_) return;
  if (ec) {
    fail(ec == asio::error::eof ? "the peer closed the connection" : ec.message());
    return;
  }
  end_ += n;
  // Every whole message in the buffer, in order (RFC 4271 4.1 framing).
  while (sink_) {
    std::span<const uint8_t> buffered(in_.data() + begin_, end_ - begin_);
    FrameResult f = frame(buffered);
    if (f.error) {
      Sink* sink = sink_;
      sink->on_frame_error(*f.error);
      return;
    }
    if (!f.length || *f.length > buffered.size()) break;
    begin_ += *f.length;
    sink_->on_message(buffered.first(*f.length));
  }
  if (!sink_) return;
  if (begin_ == end_) {
    begin_ = end_ = 0;
  } else if (in_.size() - end_ < kMaxMessageSize) {
    std::memmove(in_.data(), in_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  do_read();
}

void Connection::send(std::vector<uint8_t> bytes) {
  if (closed_ || closing_) return;
  if (pending_.empty()) {
    pending_ = std::move(bytes);
  } else {
    pending_.insert(pending_.end(), bytes.begin(), bytes.end());
  }
  if (!write_in_flight_) do_write();
}

void Connection::do_write() {
  if (pending_.empty() || closed_) {
    if (closing_) shutdown_socket();
    return;
  }
  writing_.swap(pending_);
  pending_.clear();
  write_in_flight_ = true;
  asio::async_write(socket_, asio::buffer(writing_),
                    [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                      self->write_in_flight_ = false;
                      self->writing_.clear();
                      if (ec) {
                        if (self->closing_) {
                          self->shutdown_socket();
                        } else {
                          self->fail(ec.message());
                        }
                        return;
                      }
                      self->do_write();
                    });
}

void Connection::fail(const std::string& why) {
  Sink* sink = sink_;
  sink_ = nullptr;
  shutdown_socket();
  if (sink) sink->on_closed(why);
}

void Connection::close() {
  sink_ = nullptr;
  pending_.clear();
  shutdown_socket();
}

void Connection::close_after_flush() {
  sink_ = nullptr;
  if (closed_) return;
  closing_ = true;
  if (!write_in_flight_ && pending_.empty()) {
    shutdown_socket();
    return;
  }
  linger_.expires_after(std::chrono::seconds(3));
  linger_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->shutdown_socket();
  });
}

void Connection::shutdown_socket() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  linger_.cancel();
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

}  // namespace byoipd::bgp
