// One configured peer: its FSM (fsm.h) driven over real TCP connections and
// timers, its share of the Adj-RIB-In and its Adj-RIB-Out.
//
// A peer normally has one Attempt (an Fsm plus the connection it drives). A
// connection accepted while that Fsm is in OpenSent or OpenConfirm gets a
// second Attempt, and RFC 4271 6.8 collision resolution keeps one of the two
// once an OPEN shows both belong to the same speaker.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "adj_rib_out.h"
#include "byoipd/bgp/fsm.h"
#include "byoipd/bgp/rib.h"
#include "byoipd/bgp/speaker.h"
#include "connection.h"

namespace byoipd::bgp {

// What every peer shares, owned by the speaker.
struct SpeakerState {
  asio::io_context& ioc;
  const SpeakerConfig& config;
  AdjRibIn& rib;
  const std::map<Prefix, Announcement>& announcements;
  const SpeakerCallbacks& callbacks;
};

class Peer {
 public:
  Peer(SpeakerState& speaker, PeerIndex index, const SpeakerPeerConfig& config);
  ~Peer();

  void start();                                  // ManualStart
  void stop(const std::string& shutdown_message);  // ManualStop, Cease/2 with text
  void accept(tcp::socket socket);               // an inbound connection from the peer

  // Brings the Adj-RIB-Out in line with the speaker's announcements for
  // `changed` prefixes (announced, re-announced or withdrawn).
  void sync(const std::vector<Prefix>& changed);

  PeerStatus status() const;
  const SpeakerPeerConfig& config() const { return config_; }
  PeerIndex index() const { return index_; }
  bool established() const;

 private:
  struct Attempt;
  friend struct Attempt;

  // FSM plumbing.
  void feed(Attempt& at, const Event& event);
  void execute(Attempt& at, const std::vector<FsmAction>& actions);
  void connect(Attempt& at);
  void arm(Attempt& at, Timer timer, uint16_t seconds);
  void on_timer(Attempt& at, Timer timer, uint64_t generation);
  void drop(Attempt& at);
  void send(Attempt& at, const Message& message);
  void attach(Attempt& at, tcp::socket socket, bool inbound);

  // Messages.
  void on_message(Attempt& at, std::span<const uint8_t> bytes);
  void on_open(Attempt& at, const Open& open);
  void on_update(Attempt& at, Update& update, const DecodeResult& decoded);
  void on_route_refresh(Attempt& at, const RouteRefresh& refresh);
  size_t import_filter(Update& update);

  // Session edges.
  void on_established(Attempt& at, const Negotiated& negotiated);
  void on_down(Attempt& at, const SessionDown& down);
  void advertise_all(Attempt& at);
  void retire(std::unique_ptr<Attempt> attempt);
  void promote_candidate();
  std::unique_ptr<Attempt> make_attempt(bool candidate);

  SpeakerState& speaker_;
  PeerIndex index_;
  SpeakerPeerConfig config_;
  PeerConfig fsm_config_;
  std::unique_ptr<Attempt> main_;
  std::unique_ptr<Attempt> candidate_;
  std::optional<ExportContext> export_;  // while established
  std::set<Prefix> advertised_;         // what the peer holds from us
  asio::steady_timer stale_timer_;      // graceful restart: sweep when it fires
  bool stale_pending_ = false;
  std::vector<AfiSafi> stale_until_eor_;  // families whose End-of-RIB is still awaited
  std::string last_error_;
  uint64_t rejected_ = 0;
  uint64_t updates_received_ = 0;
  uint64_t updates_sent_ = 0;
  uint64_t established_transitions_ = 0;
  uint32_t findings_logged_ = 0;
};

}  // namespace byoipd::bgp
