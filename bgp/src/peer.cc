#include "peer.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <cctype>

#include "socket_options.h"

namespace byoipd::bgp {

namespace {

constexpr uint32_t kMaxFindingsLogged = 20;  // per session: the log is not a packet capture

std::string notification_text(const Notification& n) {
  std::string text = std::to_string(n.code) + "/" + std::to_string(n.subcode);
  if (auto message = n.shutdown_message(); message && !message->empty()) {
    text += " \"" + *message + "\"";
  }
  return text;
}

std::string family_text(AfiSafi f) { return f.afi == Afi::kIpv4 ? "ipv4-unicast" : "ipv6-unicast"; }

PeerConfig fsm_config_for(const SpeakerConfig& speaker, const SpeakerPeerConfig& peer) {
  PeerConfig c;
  c.local_as = speaker.local_as;
  c.remote_as = peer.remote_as;
  c.router_id = speaker.router_id;
  c.passive = peer.passive;
  c.hold_time = peer.hold_time;
  c.connect_retry_seconds = peer.connect_retry_seconds;
  c.max_prefixes = peer.import.max_prefixes;
  c.max_prefix_teardown = peer.import.max_prefix_teardown;
  c.max_prefix_restart_seconds = peer.import.max_prefix_restart_seconds;
  c.capabilities.multiprotocol = peer.families;
  c.capabilities.route_refresh = true;           // RFC 2918
  c.capabilities.enhanced_route_refresh = true;  // RFC 7313
  if (peer.graceful_restart_time) {              // RFC 4724, off unless configured
    GracefulRestart gr;
    gr.restart_time = *peer.graceful_restart_time;
    for (AfiSafi f : peer.families) gr.families.push_back({f, false});
    c.capabilities.graceful_restart = gr;
  }
  return c;
}

}  // namespace

// An Fsm and the connection (or connection attempt) it drives. Timers are
// asio timers whose expiries come back as FSM events; a generation number
// per timer drops expiries of timers re-armed or stopped since.
struct Peer::Attempt : Connection::Sink {
  Attempt(Peer& p, bool is_candidate)
      : peer(p), fsm(p.fsm_config_, steady_clock()), candidate(is_candidate),
        timers{asio::steady_timer(p.speaker_.ioc), asio::steady_timer(p.speaker_.ioc),
               asio::steady_timer(p.speaker_.ioc), asio::steady_timer(p.speaker_.ioc)} {}
  ~Attempt() override {
    if (conn) conn->close();
    if (connecting) {
      boost::system::error_code ec;
      connecting->close(ec);
    }
  }

  void on_message(std::span<const uint8_t> message) override { peer.on_message(*this, message); }
  void on_frame_error(const DecodeError& error) override {
    spdlog::warn("bgp peer {}: {}", peer.config_.name, error.reason);
    peer.feed(*this, MalformedMessage{error.notification()});
  }
  void on_closed(const std::string& why) override {
    peer.last_error_ = "connection lost: " + why;
    conn.reset();
    peer.feed(*this, TcpConnectionFails{});
  }

  Peer& peer;
  Fsm fsm;
  bool candidate;  // accepted during OpenSent/OpenConfirm: its Connect actions are ignored
  std::shared_ptr<Connection> conn;
  std::shared_ptr<tcp::socket> connecting;
  CodecOptions codec;
  std::array<asio::steady_timer, 4> timers;
  std::array<std::optional<asio::steady_timer::time_point>, 4> deadlines;
  std::array<bool, 4> waiting{};
  std::array<uint64_t, 4> generation{};
  std::shared_ptr<int> alive = std::make_shared<int>(0);
};

Peer::Peer(SpeakerState& speaker, PeerIndex index, const SpeakerPeerConfig& config)
    : speaker_(speaker), index_(index), config_(config),
      fsm_config_(fsm_config_for(speaker.config, config)), stale_timer_(speaker.ioc) {
  main_ = make_attempt(false);
}

Peer::~Peer() = default;

std::unique_ptr<Peer::Attempt> Peer::make_attempt(bool candidate) {
  return std::make_unique<Attempt>(*this, candidate);
}

void Peer::start() { feed(*main_, ManualStart{}); }

void Peer::stop(const std::string& shutdown_message) {
  if (candidate_) feed(*candidate_, ManualStop{shutdown_message});
  feed(*main_, ManualStop{shutdown_message});
}

bool Peer::established() const { return main_->fsm.state() == State::kEstablished; }

// ---- FSM plumbing -------------------------------------------------------------

void Peer::feed(Attempt& at, const Event& event) { execute(at, at.fsm.handle(event)); }

void Peer::execute(Attempt& at, const std::vector<FsmAction>& actions) {
  for (const FsmAction& action : actions) {
    if (std::holds_alternative<Connect>(action)) {
      if (!at.candidate) connect(at);
    } else if (std::holds_alternative<DropConnection>(action)) {
      drop(at);
    } else if (const auto* open = std::get_if<SendOpen>(&action)) {
      send(at, open->open);
    } else if (std::holds_alternative<SendKeepalive>(action)) {
      send(at, Keepalive{});
    } else if (const auto* notify = std::get_if<SendNotification>(&action)) {
      last_error_ = "sent NOTIFICATION " + notification_text(notify->notification);
      spdlog::warn("bgp peer {}: {}", config_.name, last_error_);
      send(at, notify->notification);
    } else if (const auto* start = std::get_if<StartTimer>(&action)) {
      arm(at, start->timer, start->seconds);
    } else if (const auto* stop = std::get_if<StopTimer>(&action)) {
      at.deadlines[static_cast<size_t>(stop->timer)].reset();
    } else if (const auto* up = std::get_if<SessionEstablished>(&action)) {
      if (&at == candidate_.get()) promote_candidate();
      on_established(at, up->negotiated);
    } else if (const auto* down = std::get_if<SessionDown>(&action)) {
      on_down(at, *down);
    } else if (const auto* warn = std::get_if<PrefixLimitWarning>(&action)) {
      spdlog::warn("bgp peer {}: {} prefixes exceed the limit of {} (warning only)", config_.name,
                   warn->prefix_count, warn->limit);
    }
  }
  // A candidate that lost its connection has nothing left to do.
  if (candidate_ && &at == candidate_.get() && at.fsm.state() == State::kIdle) {
    retire(std::move(candidate_));
  }
}

// The accepted connection reached Established first (the peer finished its
// handshake there): it becomes the peer's session and our own attempt gives
// way (RFC 4271 6.8 keeps one connection; Cease/7 where an OPEN was sent).
void Peer::promote_candidate() {
  State state = main_->fsm.state();
  if (state == State::kOpenSent || state == State::kOpenConfirm) {
    feed(*main_, OpenCollisionDump{});
  } else {
    drop(*main_);
  }
  std::swap(main_, candidate_);
  main_->candidate = false;
  retire(std::move(candidate_));
}

// Destroyed later: an Attempt may be on the call stack when it retires.
void Peer::retire(std::unique_ptr<Attempt> attempt) {
  attempt->alive.reset();
  asio::post(speaker_.ioc, [doomed = std::shared_ptr<Attempt>(std::move(attempt))]() {});
}

void Peer::connect(Attempt& at) {
  drop(at);
  const Family family = config_.address.family();
  auto sock = std::make_shared<tcp::socket>(speaker_.ioc);
  boost::system::error_code ec;
  sock->open(family == Family::kV4 ? tcp::v4() : tcp::v6(), ec);
  Status st;
  if (!ec && config_.local_address) sock->bind(tcp::endpoint(to_asio(*config_.local_address), 0), ec);
  if (!ec && !config_.password.empty()) {
    st = set_tcp_md5(sock->native_handle(), family, config_.address, config_.password);
  }
  if (!ec && st.ok() && config_.gtsm) st = set_gtsm(sock->native_handle(), family);
  if (ec || !st.ok()) {
    last_error_ = "connect: " + (ec ? ec.message() : st.message());
    spdlog::error("bgp peer {}: {}", config_.name, last_error_);
    asio::post(speaker_.ioc, [this, &at, alive = std::weak_ptr<int>(at.alive)]() {
      if (alive.lock()) feed(at, TcpConnectionFails{});
    });
    return;
  }
  at.connecting = sock;
  sock->async_connect(tcp::endpoint(to_asio(config_.address), config_.port),
                      [this, &at, sock, alive = std::weak_ptr<int>(at.alive)](
                          const boost::system::error_code& error) {
                        if (!alive.lock() || at.connecting != sock) return;
                        at.connecting.reset();
                        if (error) {
                          last_error_ = "connect to " + config_.address.to_string() + " port " +
                                        std::to_string(config_.port) + ": " + error.message();
                          spdlog::debug("bgp peer {}: {}", config_.name, last_error_);
                          feed(at, TcpConnectionFails{});
                          return;
                        }
                        attach(at, std::move(*sock), false);
                        feed(at, TcpConnected{false});
                      });
}

void Peer::attach(Attempt& at, tcp::socket socket, bool inbound) {
  at.conn = std::make_shared<Connection>(std::move(socket), inbound);
  at.codec = CodecOptions{};
  at.conn->start(&at);
}

void Peer::drop(Attempt& at) {
  if (at.connecting) {
    boost::system::error_code ec;
    at.connecting->close(ec);
    at.connecting.reset();
  }
  if (at.conn) {
    at.conn->close_after_flush();  // a NOTIFICATION may be queued
    at.conn.reset();
  }
}

void Peer::send(Attempt& at, const Message& message) {
  if (!at.conn) return;
  auto bytes = encode(message, at.codec);
  if (!bytes.ok()) {
    spdlog::error("bgp peer {}: cannot encode a message: {}", config_.name,
                  bytes.status().message());
    return;
  }
  at.conn->send(std::move(*bytes));
}

// Re-arming on every message would cancel and requeue a wait per UPDATE; the
// deadline moves instead, and an early wake-up waits again for the rest.
void Peer::arm(Attempt& at, Timer timer, uint16_t seconds) {
  const size_t i = static_cast<size_t>(timer);
  auto deadline = asio::steady_timer::clock_type::now() + std::chrono::seconds(seconds);
  at.deadlines[i] = deadline;
  if (at.waiting[i] && at.timers[i].expiry() <= deadline) return;
  at.waiting[i] = true;
  uint64_t generation = ++at.generation[i];
  at.timers[i].expires_at(deadline);
  at.timers[i].async_wait([this, &at, timer, generation, alive = std::weak_ptr<int>(at.alive)](
                              const boost::system::error_code&) {
    if (alive.lock()) on_timer(at, timer, generation);
  });
}

void Peer::on_timer(Attempt& at, Timer timer, uint64_t generation) {
  const size_t i = static_cast<size_t>(timer);
  if (generation != at.generation[i]) return;
  at.waiting[i] = false;
  if (!at.deadlines[i]) return;  // stopped
  auto deadline = *at.deadlines[i];
  if (asio::steady_timer::clock_type::now() < deadline) {
    at.waiting[i] = true;
    uint64_t next = ++at.generation[i];
    at.timers[i].expires_at(deadline);
    at.timers[i].async_wait([this, &at, timer, next, alive = std::weak_ptr<int>(at.alive)](
                                const boost::system::error_code&) {
      if (alive.lock()) on_timer(at, timer, next);
    });
    return;
  }
  at.deadlines[i].reset();
  if (timer == Timer::kHold) last_error_ = "hold timer expired";
  if (timer == Timer::kConnectRetry && at.connecting) {
    last_error_ = "connect to " + config_.address.to_string() + " port " +
                  std::to_string(config_.port) + ": no answer within " +
                  std::to_string(config_.connect_retry_seconds) + " s";
    // RFC 2385 gives no error for a wrong key: the peer drops the SYN.
    if (!config_.password.empty()) {
      last_error_ += " (TCP-MD5 is on: a password that differs from the peer's is dropped "
                     "silently, so check both ends)";
    }
    spdlog::info("bgp peer {}: {}", config_.name, last_error_);
  }
  feed(at, TimerExpired{timer});
}

// ---- inbound connections (RFC 4271 8.2.1.3 and 6.8) -----------------------

void Peer::accept(tcp::socket socket) {
  if (config_.gtsm) {
    Status st = set_gtsm(socket.native_handle(), config_.address.family());
    if (!st.ok()) spdlog::warn("bgp peer {}: {}", config_.name, st.message());
  }
  State state = main_->fsm.state();
  if (state == State::kConnect || state == State::kActive) {
    // Our own attempt, if any, gives way to the peer's connection.
    if (main_->connecting) {
      boost::system::error_code ec;
      main_->connecting->close(ec);
      main_->connecting.reset();
    }
    attach(*main_, std::move(socket), true);
    feed(*main_, TcpConnected{true});
    return;
  }
  if ((state == State::kOpenSent || state == State::kOpenConfirm) && !candidate_) {
    candidate_ = make_attempt(true);
    feed(*candidate_, ManualStart{});
    attach(*candidate_, std::move(socket), true);
    feed(*candidate_, TcpConnected{true});
    return;
  }
  // Idle refuses connections (8.2.2); Established keeps its session (6.8).
  spdlog::info("bgp peer {}: refused a connection from {} in state {}", config_.name,
               config_.address.to_string(), state_name(state));
  if (state == State::kEstablished) {
    auto conn = std::make_shared<Connection>(std::move(socket), true);
    auto bytes = encode(Notification{static_cast<uint8_t>(ErrorCode::kCease), 7, {}}, {});
    if (bytes.ok()) conn->send(std::move(*bytes));
    conn->close_after_flush();
  }
}

// ---- messages -----------------------------------------------------------------

void Peer::on_message(Attempt& at, std::span<const uint8_t> bytes) {
  DecodeResult decoded = decode(bytes, at.codec);
  if (!decoded.ok()) {
    spdlog::warn("bgp peer {}: malformed message: {}", config_.name, decoded.error->reason);
    feed(at, MalformedMessage{decoded.error->notification()});
    return;
  }
  Message& message = *decoded.message;
  if (auto* update = std::get_if<Update>(&message)) {
    on_update(at, *update, decoded);
  } else if (const auto* open = std::get_if<Open>(&message)) {
    on_open(at, *open);
  } else if (std::holds_alternative<Keepalive>(message)) {
    feed(at, KeepaliveReceived{});
  } else if (const auto* notification = std::get_if<Notification>(&message)) {
    last_error_ = "received NOTIFICATION " + notification_text(*notification);
    spdlog::warn("bgp peer {}: {}", config_.name, last_error_);
    feed(at, NotificationReceived{*notification});
  } else if (const auto* refresh = std::get_if<RouteRefresh>(&message)) {
    on_route_refresh(at, *refresh);
  }
}

void Peer::on_open(Attempt& at, const Open& open) {
  Attempt* other = &at == main_.get() ? candidate_.get() : main_.get();
  if (other && (other->fsm.state() == State::kOpenConfirm ||
                other->fsm.state() == State::kEstablished)) {
    auto resolution = resolve_collision(other->fsm.state(), speaker_.config.router_id,
                                        open.bgp_identifier, !other->fsm.connection_inbound(),
                                        speaker_.config.local_as, config_.remote_as);
    Attempt* loser = resolution == CollisionResolution::kCloseExisting ? other : &at;
    if (resolution != CollisionResolution::kNoCollision) {
      spdlog::info("bgp peer {}: connection collision, closing the {} connection (RFC 4271 6.8)",
                   config_.name, loser->fsm.connection_inbound() ? "inbound" : "outbound");
      feed(*loser, OpenCollisionDump{});
      if (loser == main_.get()) {
        std::swap(main_, candidate_);
        main_->candidate = false;
      }
      if (candidate_) retire(std::move(candidate_));
      if (loser == &at) return;
    }
  }
  feed(at, OpenReceived{open});
}

size_t Peer::import_filter(Update& update) {
  auto too_long = [this](const Prefix& p) {
    return p.length() > (p.family() == Family::kV4 ? config_.import.max_length_v4
                                                   : config_.import.max_length_v6);
  };
  size_t rejected = std::erase_if(update.nlri, too_long);
  if (update.attributes.mp_reach) rejected += std::erase_if(update.attributes.mp_reach->nlri, too_long);
  return rejected;
}

void Peer::on_update(Attempt& at, Update& update, const DecodeResult& decoded) {
  if (at.fsm.state() != State::kEstablished) {
    feed(at, UpdateReceived{});  // an FSM error outside Established
    return;
  }
  ++updates_received_;
  if (decoded.action != Action::kNone && findings_logged_ < kMaxFindingsLogged) {
    ++findings_logged_;
    spdlog::warn("bgp peer {}: UPDATE handled by {} (RFC 7606): {}", config_.name,
                 action_name(decoded.action), decoded.reason());
  }
  if (decoded.action != Action::kTreatAsWithdraw) {
    if (auto family = update.end_of_rib()) {
      spdlog::info("bgp peer {}: End-of-RIB for {}", config_.name, family_text(*family));
      // RFC 4724 4.2: the stale routes go once the peer has resent every
      // family (the RIB marks routes per peer, so the last End-of-RIB sweeps).
      std::erase(stale_until_eor_, *family);
      if (stale_pending_ && stale_until_eor_.empty()) {
        stale_pending_ = false;
        stale_timer_.cancel();
        size_t swept = speaker_.rib.sweep_stale(index_);
        if (swept) spdlog::info("bgp peer {}: {} stale routes removed", config_.name, swept);
      }
      feed(at, UpdateReceived{static_cast<uint32_t>(speaker_.rib.count(index_))});
      return;
    }
  }
  rejected_ += import_filter(update);
  speaker_.rib.apply(index_, update);
  feed(at, UpdateReceived{static_cast<uint32_t>(speaker_.rib.count(index_))});
}

void Peer::on_route_refresh(Attempt& at, const RouteRefresh& refresh) {
  if (at.fsm.state() != State::kEstablished) {
    feed(at, RouteRefreshReceived{});
    return;
  }
  switch (refresh.subtype) {
    case 0: {  // a request: send the family again (RFC 2918 4), bracketed (RFC 7313 4)
      const auto& ours = at.fsm.negotiated()->peer_open.capabilities;
      bool enhanced = ours.enhanced_route_refresh;
      if (enhanced) send(at, RouteRefresh{refresh.family, 1});
      std::vector<const Announcement*> family;
      for (const auto& [prefix, a] : speaker_.announcements) {
        bool v4 = prefix.family() == Family::kV4;
        if (v4 == (refresh.family.afi == Afi::kIpv4)) family.push_back(&a);
      }
      ExportBatch batch = build_advertisements(family, *export_);
      for (const auto& u : batch.updates) send(at, u);
      updates_sent_ += batch.updates.size();
      if (enhanced) send(at, RouteRefresh{refresh.family, 2});
      break;
    }
    case 1:  // BoRR: what the peer does not send again before EoRR is gone (RFC 7313 4.2)
      speaker_.rib.mark_stale(index_);
      break;
    case 2:
      speaker_.rib.sweep_stale(index_);
      break;
    default:  // RFC 7313 5: ignore unknown subtypes
      break;
  }
}

// ---- session edges -------------------------------------------------------------

void Peer::on_established(Attempt& at, const Negotiated& negotiated) {
  at.codec.four_octet_as = negotiated.four_octet_as;
  at.codec.families = negotiated.families;
  ++established_transitions_;
  findings_logged_ = 0;
  ExportContext context;
  context.local_as = speaker_.config.local_as;
  context.remote_as = config_.remote_as;
  context.role = config_.role;
  context.peer_name = config_.name;
  context.policy = config_.export_policy;
  context.local_address = at.conn ? at.conn->local_address() : std::nullopt;
  context.codec = at.codec;
  export_ = std::move(context);
  stale_until_eor_ = negotiated.families;
  if (stale_pending_ && !negotiated.graceful_restart) {
    // RFC 4724 4.2: back without the capability, the stale routes go at once.
    stale_pending_ = false;
    stale_timer_.cancel();
    speaker_.rib.sweep_stale(index_);
  }
  std::string families;
  for (AfiSafi f : negotiated.families) families += (families.empty() ? "" : ",") + family_text(f);
  spdlog::info("bgp peer {}: session established ({} {}, AS {}, hold {} s, {}, {})",
               config_.name, at.conn && at.conn->inbound() ? "from" : "to",
               config_.address.to_string(), config_.remote_as, negotiated.hold_time, families,
               negotiated.four_octet_as ? "4-octet AS" : "2-octet AS");
  last_error_.clear();
  if (speaker_.callbacks.on_session) speaker_.callbacks.on_session({config_.name, true, ""});
  advertise_all(at);
}

void Peer::advertise_all(Attempt& at) {
  advertised_.clear();
  std::vector<const Announcement*> all;
  all.reserve(speaker_.announcements.size());
  for (const auto& [prefix, a] : speaker_.announcements) all.push_back(&a);
  ExportBatch batch = build_advertisements(all, *export_);
  for (const auto& [prefix, why] : batch.skipped) {
    spdlog::warn("bgp peer {}: not announcing {}: {}", config_.name, prefix.to_string(),
                 why.message());
  }
  for (const auto& u : batch.updates) send(at, u);
  advertised_.insert(batch.advertised.begin(), batch.advertised.end());
  // RFC 4724 section 2: End-of-RIB closes the initial update of each family.
  for (AfiSafi f : at.codec.families) send(at, end_of_rib(f));
  updates_sent_ += batch.updates.size() + at.codec.families.size();
}

void Peer::on_down(Attempt& at, const SessionDown& down) {
  (void)at;
  std::string why(down_reason_name(down.reason));
  if (down.notification) why += " (NOTIFICATION " + notification_text(*down.notification) + ")";
  if (last_error_.empty() || down.reason == DownReason::kManualStop) last_error_ = why;
  export_.reset();
  advertised_.clear();
  if (down.retain_stale_seconds) {
    // RFC 4724 4.2: keep the routes, marked stale, until the peer is back
    // and sends End-of-RIB, or the restart time runs out.
    size_t marked = speaker_.rib.mark_stale(index_);
    stale_pending_ = true;
    stale_timer_.expires_after(std::chrono::seconds(*down.retain_stale_seconds));
    stale_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || !stale_pending_) return;
      stale_pending_ = false;
      size_t swept = speaker_.rib.sweep_stale(index_);
      spdlog::info("bgp peer {}: restart time over, {} stale routes removed", config_.name, swept);
    });
    spdlog::warn("bgp peer {}: session down: {}; keeping {} routes as stale for {} s",
                 config_.name, why, marked, *down.retain_stale_seconds);
  } else {
    stale_pending_ = false;
    stale_timer_.cancel();
    size_t removed = speaker_.rib.remove_peer(index_);
    spdlog::warn("bgp peer {}: session down: {}; {} routes withdrawn", config_.name, why, removed);
  }
  if (speaker_.callbacks.on_session) speaker_.callbacks.on_session({config_.name, false, why});
}

// ---- Adj-RIB-Out changes -------------------------------------------------------

void Peer::sync(const std::vector<Prefix>& changed) {
  if (!established() || !export_ || !main_->conn) return;
  std::vector<const Announcement*> announce;
  std::vector<Prefix> withdraw;
  for (const Prefix& p : changed) {
    auto it = speaker_.announcements.find(p);
    if (it != speaker_.announcements.end() && exported_to(it->second, *export_)) {
      announce.push_back(&it->second);
    } else if (advertised_.erase(p)) {
      withdraw.push_back(p);
    }
  }
  for (const auto& u : build_withdrawals(withdraw, *export_)) {
    send(*main_, u);
    ++updates_sent_;
  }
  ExportBatch batch = build_advertisements(announce, *export_);
  for (const auto& [prefix, why] : batch.skipped) {
    spdlog::warn("bgp peer {}: not announcing {}: {}", config_.name, prefix.to_string(),
                 why.message());
    if (advertised_.erase(prefix)) {
      for (const auto& u : build_withdrawals({prefix}, *export_)) send(*main_, u);
    }
  }
  for (const auto& u : batch.updates) send(*main_, u);
  updates_sent_ += batch.updates.size();
  advertised_.insert(batch.advertised.begin(), batch.advertised.end());
}

// ---- status ----------------------------------------------------------------------

PeerStatus Peer::status() const {
  const Fsm& fsm = main_->fsm;
  PeerStatus s;
  s.name = config_.name;
  s.address = config_.address;
  s.port = config_.port;
  s.remote_as = config_.remote_as;
  s.role = config_.role;
  s.state = std::string(state_name(fsm.state()));
  for (char& c : s.state) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  s.uptime = fsm.uptime();
  s.prefixes_received = speaker_.rib.count(index_);
  s.prefixes_advertised = advertised_.size();
  s.prefixes_rejected = rejected_;
  s.updates_received = updates_received_;
  s.updates_sent = updates_sent_;
  s.established_transitions = established_transitions_;
  s.last_error = last_error_;
  if (main_->conn) {
    if (auto local = main_->conn->local_address()) s.local_address = local->to_string();
  }
  if (const auto& n = fsm.negotiated(); n && fsm.state() == State::kEstablished) {
    s.families = n->families;
    s.four_octet_as = n->four_octet_as;
    s.hold_time = n->hold_time;
  }
  return s;
}

}  // namespace byoipd::bgp
