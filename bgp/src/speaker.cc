#include "byoipd/bgp/speaker.h"

#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <algorithm>
#include <future>
#include <thread>

#include "peer.h"
#include "socket_options.h"

namespace byoipd::bgp {

class Speaker::Impl {
 public:
  Impl(SpeakerConfig config, SpeakerCallbacks callbacks)
      : config_(std::move(config)), callbacks_(std::move(callbacks)), rib_(config_.local_as),
        state_{ioc_, config_, rib_, announcements_, callbacks_}, acceptor_(ioc_),
        work_(asio::make_work_guard(ioc_)) {
    if (callbacks_.on_origin) rib_.set_listener(callbacks_.on_origin);
    for (size_t i = 0; i < config_.peers.size(); ++i) {
      peers_.push_back(
          std::make_unique<Peer>(state_, static_cast<PeerIndex>(i), config_.peers[i]));
    }
  }

  ~Impl() { stop(); }

  Status listen() {
    if (!config_.listen_address) return {};
    const IpAddress& at = *config_.listen_address;
    tcp::endpoint endpoint(to_asio(at), config_.listen_port);
    boost::system::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec && at.family() == Family::kV6) acceptor_.set_option(asio::ip::v6_only(false), ec);
    // RFC 2385: the kernel checks the key on the SYN, so the listener holds
    // every peer's key before it accepts.
    for (const auto& peer : config_.peers) {
      if (ec || peer.password.empty()) continue;
      // An IPv4 listener never sees an IPv6 peer (it connects out instead).
      if (at.family() == Family::kV4 && peer.address.family() == Family::kV6) continue;
      Status st = set_tcp_md5(acceptor_.native_handle(), at.family(), peer.address, peer.password);
      if (!st.ok()) return st;
    }
    // RFC 5082: a GTSM peer needs our SYN-ACK to arrive with TTL 255.
    bool any_gtsm = std::any_of(config_.peers.begin(), config_.peers.end(),
                                [](const SpeakerPeerConfig& p) { return p.gtsm; });
    if (!ec && any_gtsm) {
      if (Status st = set_max_ttl(acceptor_.native_handle(), at.family()); !st.ok()) return st;
    }
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status(Code::kUnavailable, "bgp-listen-failed",
                    "cannot listen for BGP on " + at.to_string() + " port " +
                        std::to_string(config_.listen_port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    return {};
  }

  void run() {
    thread_ = std::thread([this]() {
      do_accept();
      for (auto& peer : peers_) peer->start();
      ioc_.run();
    });
  }

  void stop() {
    if (!thread_.joinable()) return;
    asio::post(ioc_, [this]() {
      boost::system::error_code ec;
      acceptor_.close(ec);
      // RFC 8203/9003: say why the session ends.
      for (auto& peer : peers_) peer->stop("byoipd is shutting down");
      work_.reset();
      // Give the Cease NOTIFICATIONs a moment to leave, then stop.
      auto timer = std::make_shared<asio::steady_timer>(ioc_, std::chrono::milliseconds(200));
      timer->async_wait([this, timer](const boost::system::error_code&) { ioc_.stop(); });
    });
    thread_.join();
    peers_.clear();
  }

  // Runs `fn` on the speaker's thread and waits for its result.
  template <typename Fn>
  auto call(Fn fn) const -> decltype(fn()) {
    if (std::this_thread::get_id() == thread_.get_id()) return fn();
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    asio::post(const_cast<asio::io_context&>(ioc_), [&task]() { task(); });
    return result.get();
  }

  void post(std::function<void()> fn) { asio::post(ioc_, std::move(fn)); }

  void apply_changes(const std::vector<Prefix>& changed) {
    if (changed.empty()) return;
    for (auto& peer : peers_) peer->sync(changed);
  }

  void do_accept() {
    if (!acceptor_.is_open()) return;
    acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
      if (!ec) on_accept(std::move(socket));
      do_accept();
    });
  }

  void on_accept(tcp::socket socket) {
    boost::system::error_code ec;
    auto remote = socket.remote_endpoint(ec);
    if (ec) return;
    auto address = to_ip(remote.address());
    for (auto& peer : peers_) {
      if (address && peer->config().address == *address) {
        peer->accept(std::move(socket));
        return;
      }
    }
    spdlog::warn("bgp: refused a connection from {} port {}: not a configured peer",
                 remote.address().to_string(), remote.port());
    socket.close(ec);
  }

  SpeakerConfig config_;
  SpeakerCallbacks callbacks_;
  asio::io_context ioc_{1};
  AdjRibIn rib_;
  std::map<Prefix, Announcement> announcements_;
  SpeakerState state_;
  tcp::acceptor acceptor_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::vector<std::unique_ptr<Peer>> peers_;
  std::thread thread_;
  uint16_t port_ = 0;
};

Result<std::unique_ptr<Speaker>> Speaker::start(SpeakerConfig config, SpeakerCallbacks callbacks) {
  if (Status st = validate(config); !st.ok()) return st;
  auto impl = std::make_unique<Impl>(std::move(config), std::move(callbacks));
  if (Status st = impl->listen(); !st.ok()) return st;
  impl->run();
  return std::unique_ptr<Speaker>(new Speaker(std::move(impl)));
}

Speaker::Speaker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Speaker::~Speaker() = default;

uint16_t Speaker::listen_port() const { return impl_->port_; }
const SpeakerConfig& Speaker::config() const { return impl_->config_; }

void Speaker::announce(Announcement announcement) {
  impl_->post([impl = impl_.get(), a = std::move(announcement)]() mutable {
    Prefix p = a.prefix;
    auto [it, inserted] = impl->announcements_.try_emplace(p, a);
    if (!inserted) {
      if (it->second == a) return;  // idempotent
      it->second = std::move(a);
    }
    impl->apply_changes({p});
  });
}

void Speaker::withdraw(const Prefix& prefix) {
  impl_->post([impl = impl_.get(), prefix]() {
    if (impl->announcements_.erase(prefix)) impl->apply_changes({prefix});
  });
}

void Speaker::set_announcements(std::vector<Announcement> announcements) {
  impl_->post([impl = impl_.get(), next = std::move(announcements)]() mutable {
    std::map<Prefix, Announcement> wanted;
    for (auto& a : next) {
      Prefix p = a.prefix;
      wanted.insert_or_assign(p, std::move(a));
    }
    std::vector<Prefix> changed;
    for (const auto& [p, a] : impl->announcements_) {
      if (!wanted.count(p)) changed.push_back(p);
    }
    for (const auto& [p, a] : wanted) {
      auto it = impl->announcements_.find(p);
      if (it == impl->announcements_.end() || !(it->second == a)) changed.push_back(p);
    }
    impl->announcements_ = std::move(wanted);
    impl->apply_changes(changed);
  });
}

void Speaker::change_announcements(std::vector<Announcement> announce,
                                   std::vector<Prefix> withdraw) {
  impl_->post([impl = impl_.get(), announce = std::move(announce),
               withdraw = std::move(withdraw)]() mutable {
    std::vector<Prefix> changed;
    for (const Prefix& p : withdraw) {
      if (impl->announcements_.erase(p)) changed.push_back(p);
    }
    for (auto& a : announce) {
      Prefix p = a.prefix;
      auto [it, inserted] = impl->announcements_.try_emplace(p, a);
      if (!inserted) {
        if (it->second == a) continue;
        it->second = std::move(a);
      }
      changed.push_back(p);
    }
    impl->apply_changes(changed);
  });
}

Speaker::RibStats Speaker::rib_stats() const {
  return impl_->call([impl = impl_.get()]() {
    return RibStats{impl->rib_.size(), impl->rib_.path_count(), impl->rib_.memory_bytes()};
  });
}

std::vector<Announcement> Speaker::announcements() const {
  return impl_->call([impl = impl_.get()]() {
    std::vector<Announcement> out;
    for (const auto& [p, a] : impl->announcements_) out.push_back(a);
    return out;
  });
}

std::vector<PeerStatus> Speaker::peers() const {
  return impl_->call([impl = impl_.get()]() {
    std::vector<PeerStatus> out;
    for (const auto& peer : impl->peers_) out.push_back(peer->status());
    return out;
  });
}

Result<Speaker::RouteAnswer> Speaker::routes(const RouteQuery& query) const {
  return impl_->call([impl = impl_.get(), &query]() -> Result<RouteAnswer> {
    RouteAnswer answer;
    std::optional<PeerIndex> peer;
    for (const auto& p : impl->peers_) answer.peer_names.push_back(p->config().name);
    if (query.peer) {
      for (const auto& p : impl->peers_) {
        if (p->config().name == *query.peer) peer = p->index();
      }
      if (!peer) {
        return Status(Code::kNotFound, "no-such-peer",
                      "no BGP peer is named '" + *query.peer + "'");
      }
    }
    if (query.prefix) {
      answer.routes = impl->rib_.routes(*query.prefix, !query.exact, peer, query.limit,
                                        &answer.truncated);
    } else {
      answer.routes = impl->rib_.all_routes(peer, query.limit, &answer.truncated);
    }
    return answer;
  });
}

void Speaker::watch(const Prefix& prefix) {
  impl_->post([impl = impl_.get(), prefix]() { impl->rib_.watch(prefix); });
}

void Speaker::unwatch(const Prefix& prefix) {
  impl_->post([impl = impl_.get(), prefix]() { impl->rib_.unwatch(prefix); });
}

}  // namespace byoipd::bgp
