// The daemon: start-up (load + replay), the request path (authenticate,
// execute, journal, answer once durable), signals, and shutdown.
#include "daemon.h"

#include <openssl/evp.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <random>
#include <set>

#include "alarms.h"
#include "api_routes.h"
#include "aws_endpoint.h"
#include "bgp_api.h"
#include "rpki_api.h"
#include "byoipd/controller/store.h"
#include "http_server.h"
#include "metrics.h"
#include "service.h"
#include "webhook.h"

namespace byoipd::controller {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

std::string sha256_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 0xf]);
  }
  return out;
}

std::string rfc3339_now() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm;
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count()));
  return buf;
}

// Maps a refusal to its HTTP status: malformed requests are 400, rules that
// refuse a well-formed request 422, state conflicts 409.
int http_status(const Status& st) {
  static const char* kMalformed[] = {"invalid-request", "invalid-ip-address", "invalid-prefix",
                                     "invalid-prefix-length", "non-canonical-prefix",
                                     "invalid-asn", "invalid-address-family", "invalid-json",
                                     "invalid-community", "invalid-large-community"};
  switch (st.code()) {
    case Code::kOk: return 200;
    case Code::kInvalidArgument:
      for (const char* r : kMalformed) {
        if (st.reason() == r) return 400;
      }
      return 422;
    case Code::kNotFound: return 404;
    case Code::kAlreadyExists:
    case Code::kFailedPrecondition:
    case Code::kConflict:
    case Code::kResourceExhausted: return 409;
    case Code::kPermissionDenied: return 403;
    case Code::kUnavailable: return 503;
    case Code::kInternal: return 500;
  }
  return 500;
}

namespace {

// The log message as a JSON string (quoted and escaped), for JSON-lines logs.
class JsonMessage : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    std::string text = Json(std::string(msg.payload.data(), msg.payload.size())).dump();
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessage>();
  }
};

class Daemon {
 public:
  Daemon(Config config, DaemonOptions options)
      : config_(std::move(config)), options_(std::move(options)),
        service_(config_.organization), signals_(ioc_, SIGINT, SIGTERM, SIGHUP),
        alarm_timer_(ioc_), shutdown_timer_(ioc_) {}

  int run() {
    setup_logging(config_.log);
    auto opened = open_sqlite_store(config_.state_dir);
    if (!opened.ok()) return fatal(opened.status());
    store_ = std::move(*opened);
    if (Status st = load_state(); !st.ok()) return fatal(st);
    if (applied_seq_ == 0) {
      if (Status st = initialize_state(); !st.ok()) return fatal(st);
    }
    committer_ = std::make_unique<GroupCommitter>(*store_);
    committer_->set_observer(
        [this](double seconds, size_t batch) { metrics_.observe_commit(seconds, batch); });
    audit_ = std::fopen(audit_path().c_str(), "a");
    if (!audit_) {
      return fatal(Status(Code::kUnavailable, "audit-unwritable",
                          "cannot open audit log " + audit_path() + ": " + std::strerror(errno)));
    }
    rebuild_tokens();
    notifier_ = std::make_unique<WebhookNotifier>(
        config_.alarms.webhooks, config_.alarms.retry_initial_ms, config_.alarms.retry_max_ms,
        [](const std::string& line) { spdlog::info("webhook: {}", line); });
    server_ = std::make_unique<HttpServer>(
        ioc_, [this](HttpRequest req, HttpReply reply) { handle(std::move(req), std::move(reply)); });
    Endpoint at = config_.api;
    if (options_.port_override >= 0) at.port = static_cast<uint16_t>(options_.port_override);
    if (Status st = server_->listen(at, config_.tls); !st.ok()) return fatal(st);
    at.port = server_->port();
    spdlog::info("byoipd listening on {}://{} (state {}, {} journal records since snapshot)",
                 config_.tls ? "https" : "http", at.to_string(), config_.state_dir,
                 applied_seq_ - snapshot_seq_);
    // Machine-readable line for tests and scripts that asked for port 0.
    std::printf("byoipd: listening on %s\n", at.to_string().c_str());
    std::fflush(stdout);
    make_aws_endpoint();
    if (Status st = start_aws(); !st.ok()) return fatal(st);
    if (Status st = start_rpki(); !st.ok()) return fatal(st);
    if (Status st = start_bgp(); !st.ok()) return fatal(st);
    wait_signal();
    schedule_alarms();
    ioc_.run();
    speaker_.reset();    // Cease to every peer
    validator_.reset();
    committer_.reset();  // drains
    notifier_.reset();
    if (audit_) std::fclose(audit_);
    spdlog::info("byoipd stopped");
    return exit_code_;
  }

 private:
  // ---- start-up -----------------------------------------------------------

  int fatal(const Status& st) {
    std::fprintf(stderr, "byoipd: %s\n", st.message().c_str());
    spdlog::critical("{}", st.message());
    return 1;
  }

  std::string audit_path() const {
    return config_.log.audit_file.empty() ? config_.state_dir + "/audit.log"
                                          : config_.log.audit_file;
  }

  void setup_logging(const LogConfig& log) {
    std::shared_ptr<spdlog::logger> logger;
    if (log.file.empty()) {
      logger = spdlog::stderr_color_mt("byoipd");
    } else {
      logger = spdlog::basic_logger_mt("byoipd", log.file);
    }
    spdlog::set_default_logger(logger);
    apply_log_settings(log);
  }

  void apply_log_settings(const LogConfig& log) {
    if (log.format == LogFormat::kJson) {
      auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
      formatter->add_flag<JsonMessage>('*').set_pattern(
          R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":%*})");
      spdlog::set_formatter(std::move(formatter));
    } else {
      spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    }
    spdlog::set_level(spdlog::level::from_str(log.level));
    spdlog::flush_on(spdlog::level::info);
  }

  Status load_state() {
    auto t0 = Clock::now();
    auto loaded = store_->load();
    if (!loaded.ok()) return loaded.status();
    StoredState& state = *loaded;
    if (state.snapshot_seq > 0) {
      if (Status st = service_.restore(state.snapshot); !st.ok()) {
        return Status(st.code(), st.reason().data(),
                      "state store " + config_.state_dir + ": " + st.message());
      }
    }
    snapshot_seq_ = applied_seq_ = state.snapshot_seq;
    for (const auto& rec : state.journal) {
      Json cmd = Json::parse(rec.payload, nullptr, false);
      if (cmd.is_discarded() || !cmd.is_object() || !cmd.contains("op")) {
        return Status(Code::kInternal, "journal-corrupt",
                      "journal record " + std::to_string(rec.seq) + " is not a command");
      }
      Principal who{cmd.value("by", ""), "", ""};
      Outcome out = service_.replay(who, cmd["op"].get<std::string>(), cmd["args"]);
      if (!out.result.ok()) {
        return Status(Code::kInternal, "journal-inconsistent",
                      "journal record " + std::to_string(rec.seq) + " (" +
                          cmd["op"].get<std::string>() +
                          ") does not apply to the restored state: " +
                          out.result.status().message() +
                          "; the state store is inconsistent, restore it from a backup");
      }
      applied_seq_ = rec.seq;
    }
    durable_seq_ = applied_seq_;
    double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    spdlog::info("loaded state: snapshot at record {}, replayed {} journal records in {:.3f} s",
                 state.snapshot_seq, state.journal.size(), seconds);
    return {};
  }

  // A new store starts with a journal record that fixes this deployment's id
  // salt, so ids differ between installations but replay identically.
  Status initialize_state() {
    std::random_device rd;
    uint64_t salt = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    Json args{{"id_salt", salt}};
    Outcome out = service_.execute(Principal{kSystemAccount, "", ""}, "initialize_state", args);
    if (!out.result.ok()) return out.result.status();
    Json cmd{{"op", "initialize_state"}, {"by", kSystemAccount}, {"args", args}};
    if (Status st = store_->append({JournalRecord{1, cmd.dump()}}); !st.ok()) return st;
    applied_seq_ = durable_seq_ = 1;
    spdlog::info("initialized a new state store in {}", config_.state_dir);
    return {};
  }

  void rebuild_tokens() {
    tokens_.clear();
    for (const auto& a : config_.organization.accounts) {
      tokens_[a.token_sha256] = Principal{a.id, a.name, a.ou};
    }
    if (aws_ && config_.aws) aws_->reconfigure(*config_.aws);
  }

  // ---- the AWS endpoint ------------------------------------------------------------

  // Always built (the /v1 API verifies BYOIP contexts through it too);
  // listening only with an aws section.
  void make_aws_endpoint() {
    AwsEndpointHooks hooks;
    hooks.execute = [this](const Principal& who, const std::string& op, const Json& args) {
      return service_.execute(who, op, args);
    };
    hooks.permitted = [this](const Principal& who, const std::string& op, const Json& args) {
      return service_.permitted(who, op, args);
    };
    hooks.principal = [this](const std::string& account) {
      return service_.principal_for_account(account);
    };
    hooks.accepting_changes = [this]() { return accepting_changes(); };
    hooks.commit = [this](const Principal& who, const std::string& op, const Json& args,
                          const std::string& request_id, std::function<void(const Status&)> done) {
      commit(who, op, args, request_id, std::move(done));
    };
    hooks.after_durable = [this](std::function<void()> fn) { when_durable(applied_seq_, std::move(fn)); };
    hooks.audit = [this](const std::string& request_id, const Principal& who, const std::string& op,
                         const Json& args, const Status& st) { audit(request_id, who, op, args, st); };
    hooks.audit_line = [this](const Json& line) { audit_write(line); };
    hooks.observe = [this](const std::string& op, int status, double seconds) {
      metrics_.observe_request(op, status, seconds);
    };
    aws_ = std::make_unique<AwsEndpoint>(ioc_, options_.config_path, std::move(hooks));
    if (config_.aws) aws_->reconfigure(*config_.aws);
  }

  Status start_aws() {
    if (!config_.aws) return {};
    auto at = aws_->start(*config_.aws, config_.tls);
    if (!at.ok()) return at.status();
    spdlog::info("aws: EC2 Query and RAM endpoint on {}://{} ({} access keys)",
                 config_.tls ? "https" : "http", at->to_string(), config_.aws->access_keys.size());
    std::printf("byoipd: aws listening on %s\n", at->to_string().c_str());
    std::fflush(stdout);
    return {};
  }

  Status accepting_changes() const {
    if (degraded_) {
      return Status(Code::kUnavailable, "store-failed",
                    "the state store failed a write; byoipd refuses changes until it is restarted");
    }
    if (shutting_down_) return Status(Code::kUnavailable, "shutting-down", "byoipd is shutting down");
    return {};
  }

  // ---- RPKI ---------------------------------------------------------------------

  Status start_rpki() {
    if (!config_.rpki) return {};
    auto started = rpki::Validator::start(*config_.rpki);
    if (!started.ok()) return started.status();
    validator_ = std::move(*started);
    spdlog::info("rpki: {} RTR caches, {} JSON sources{}", config_.rpki->rtr.size(),
                 config_.rpki->json.size(), config_.rpki->slurm.empty() ? "" : ", SLURM");
    return {};
  }

  // State that spans the organization (RPKI, BGP, alarms) is read by the
  // management account and the delegated IPAM admin only.
  Status require_operator(const Principal& who, const std::string& op, const char* what) const {
    if (who.account == config_.organization.management_account ||
        who.account == service_.delegated_admin()) {
      return {};
    }
    return Status(Code::kPermissionDenied, "not-delegated-admin",
                  "account " + who.account + " may not " + op + ": " + what +
                      " are read by the management account and the delegated IPAM admin");
  }

  // GET /v1/rpki/status and /v1/rpki/validate.
  Result<Json> rpki_read(const Principal& who, const std::string& op, const Json& args) {
    if (Status st = require_operator(who, op, "RPKI state and validation"); !st.ok()) return st;
    if (!validator_) {
      return Status(Code::kFailedPrecondition, "rpki-not-configured",
                    "this byoipd runs without RPKI: its config (" + options_.config_path +
                        ") has no rpki section");
    }
    rpki::RpkiStatus status = validator_->status();
    if (op == "rpki_status") return rpki_status_json(status);
    return rpki_validate(*validator_, status, args);
  }

  // ---- BGP ----------------------------------------------------------------------

  // The speaker runs on its own thread; it starts with the announcements the
  // state store holds, so a restart re-announces exactly what was announced.
  Status start_bgp() {
    if (!config_.bgp) return {};
    std::set<std::string> names;
    for (const auto& peer : config_.bgp->peers) names.insert(peer.name);
    service_.set_bgp_peer_names(std::move(names));
    bgp::SpeakerCallbacks callbacks;
    callbacks.on_session = [](const bgp::SessionEvent& event) {
      if (event.up) {
        spdlog::info("bgp: session with {} is up", event.peer);
      } else {
        spdlog::warn("bgp: session with {} is down: {}", event.peer, event.reason);
      }
    };
    // The origin view of what byoipd announces: who else originates it, or
    // a more-specific of it, right now (the prefix state machine's input).
    std::vector<std::string> peer_names;
    for (const auto& peer : config_.bgp->peers) peer_names.push_back(peer.name);
    callbacks.on_origin = [this, peer_names](const bgp::OriginEvent& e) {
      asio::post(ioc_, [this, peer_names, e]() { on_origin(peer_names, e); });
    };
    auto started = bgp::Speaker::start(*config_.bgp, std::move(callbacks));
    if (!started.ok()) return started.status();
    speaker_ = std::move(*started);
    std::vector<bgp::Announcement> all;
    for (const auto& [prefix, a] : service_.bgp_announcements()) {
      all.push_back(a);
      speaker_->watch(prefix);
    }
    speaker_->set_announcements(std::move(all));
    if (config_.bgp->listen_address) {
      Endpoint bgp_at{config_.bgp->listen_address->to_string(), speaker_->listen_port()};
      spdlog::info("bgp: AS {} router id {} listening on {}", config_.bgp->local_as,
                   IpAddress::v4(config_.bgp->router_id).to_string(), bgp_at.to_string());
      std::printf("byoipd: bgp listening on %s\n", bgp_at.to_string().c_str());
      std::fflush(stdout);
    }
    return {};
  }

  void on_origin(const std::vector<std::string>& peer_names, const bgp::OriginEvent& e) {
    auto as_text = [](const std::optional<uint32_t>& asn) {
      return asn ? "AS" + std::to_string(*asn) : std::string("no single origin (AS_SET)");
    };
    std::string peer = e.peer < peer_names.size() ? peer_names[e.peer] : "?";
    // Our own announcement seen back through another session is expected.
    auto level = e.new_origin_as == config_.bgp->local_as ? spdlog::level::info
                                                           : spdlog::level::warn;
    const char* what = e.prefix == e.watched ? "" : " (a more-specific)";
    switch (e.kind) {
      case bgp::OriginEvent::Kind::kAdded:
        spdlog::log(level, "origin view: {}{} of our {} is originated by {} as seen from peer {}",
                     e.prefix.to_string(), what, e.watched.to_string(),
                     as_text(e.new_origin_as), peer);
        break;
      case bgp::OriginEvent::Kind::kChanged:
        spdlog::log(level, "origin view: {}{} of our {} moved from {} to {} as seen from peer {}",
                     e.prefix.to_string(), what, e.watched.to_string(),
                     as_text(e.old_origin_as), as_text(e.new_origin_as), peer);
        break;
      case bgp::OriginEvent::Kind::kWithdrawn:
        spdlog::info("origin view: {}{} of our {} from {} is gone from peer {}",
                     e.prefix.to_string(), what, e.watched.to_string(),
                     as_text(e.old_origin_as), peer);
        break;
    }
    ++origin_events_;
  }

  // After a durable bgp_announce/bgp_withdraw: hand the speaker what the
  // command changed (the service state holds the outcome).
  void sync_bgp(const Json& args) {
    if (!speaker_) return;
    const Json& body = args.contains("body") ? args["body"] : Json::object();
    std::vector<std::string> texts;
    if (body.contains("prefix") && body["prefix"].is_string()) {
      texts.push_back(body["prefix"].get<std::string>());
    }
    if (body.contains("prefixes") && body["prefixes"].is_array()) {
      for (const auto& p : body["prefixes"]) {
        if (p.is_string()) texts.push_back(p.get<std::string>());
      }
    }
    std::vector<bgp::Announcement> announce;
    std::vector<Prefix> withdraw;
    const auto& current = service_.bgp_announcements();
    for (const auto& text : texts) {
      auto prefix = Prefix::parse(text);
      if (!prefix.ok()) continue;
      auto it = current.find(*prefix);
      if (it == current.end()) {
        withdraw.push_back(*prefix);
        speaker_->unwatch(*prefix);
      } else {
        announce.push_back(it->second);
        speaker_->watch(*prefix);
      }
    }
    speaker_->change_announcements(std::move(announce), std::move(withdraw));
  }

  // GET /v1/bgp/peers and /v1/bgp/routes: live speaker state, not journaled.
  Result<Json> bgp_read(const Principal& who, const std::string& op, const Json& args) {
    if (Status st = require_operator(who, op, "BGP peers and routes"); !st.ok()) return st;
    if (!speaker_) {
      return Status(Code::kFailedPrecondition, "bgp-not-configured",
                    "this byoipd runs without BGP: its config (" + options_.config_path +
                        ") has no bgp section");
    }
    if (op == "bgp_peers") return peers_json(speaker_->peers());
    auto query = route_query(args);
    if (!query.ok()) return query.status();
    auto answer = speaker_->routes(*query);
    if (!answer.ok()) return answer.status();
    Json out = routes_json(*answer);
    // Each route's RPKI state (RFC 6811) against one snapshot of the table.
    auto table = validator_ ? validator_->table() : nullptr;
    for (size_t i = 0; i < answer->routes.size(); ++i) {
      const auto& r = answer->routes[i];
      out["routes"][i]["rpki"] =
          table ? Json(rpki_route_state(*table, r.prefix, r.origin_as)) : Json(nullptr);
    }
    return out;
  }

  // ---- signals and shutdown -------------------------------------------------

  void wait_signal() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
      if (ec) return;
      if (signo == SIGHUP) {
        reload();
        wait_signal();
        return;
      }
      spdlog::info("received {}, finishing in-flight requests", signo == SIGTERM ? "SIGTERM" : "SIGINT");
      begin_shutdown();
    });
  }

  void reload() {
    auto fresh = load_config(options_.config_path);
    if (!fresh.ok()) {
      spdlog::error("SIGHUP: keeping the running configuration: {}", fresh.status().message());
      return;
    }
    auto changes = describe_changes(config_, *fresh);
    if (changes.empty()) spdlog::info("SIGHUP: configuration unchanged");
    for (const auto& line : changes) spdlog::info("SIGHUP: {}", line);
    // Settings bound at start-up stay as they were until a restart
    // (describe_changes marks them "needs a restart").
    Config next = std::move(*fresh);
    next.api = config_.api;
    next.tls = config_.tls;
    next.state_dir = config_.state_dir;
    next.log.file = config_.log.file;
    next.log.audit_file = config_.log.audit_file;
    next.store = config_.store;
    next.bgp = config_.bgp;  // the speaker keeps its start-up config
    next.rpki = config_.rpki;  // so does the validator
    // The aws endpoint keeps its address; keys and RDAP certificates change.
    if (config_.aws && next.aws) next.aws->listen = config_.aws->listen;
    if (!config_.aws) next.aws.reset();
    if (config_.aws && !next.aws) next.aws = AwsConfig{config_.aws->listen, {}, {}};
    config_ = std::move(next);
    apply_log_settings(config_.log);
    service_.set_organization(config_.organization);
    rebuild_tokens();
    notifier_->set_hooks(config_.alarms.webhooks);
    state_version_++;  // re-evaluate alarms against the new threshold
  }

  void begin_shutdown() {
    if (shutting_down_) return;
    shutting_down_ = true;
    server_->stop();
    if (aws_) aws_->stop();
    signals_.cancel();
    shutdown_deadline_ = Clock::now() + std::chrono::seconds(30);
    poll_shutdown();
  }

  void poll_shutdown() {
    bool idle = server_->in_flight() == 0 && (!aws_ || aws_->in_flight() == 0) &&
                durable_seq_ == applied_seq_;
    if (!idle && Clock::now() < shutdown_deadline_) {
      shutdown_timer_.expires_after(std::chrono::milliseconds(10));
      shutdown_timer_.async_wait([this](const boost::system::error_code&) { poll_shutdown(); });
      return;
    }
    if (!idle) spdlog::warn("shutdown: gave up waiting for in-flight requests after 30 s");
    committer_->flush();
    if (!degraded_ && applied_seq_ > snapshot_seq_) {
      Status st = store_->write_snapshot(applied_seq_, service_.snapshot());
      if (!st.ok()) spdlog::error("shutdown snapshot failed: {}", st.message());
    }
    alarm_timer_.cancel();
    ioc_.stop();
  }

  // ---- alarms ---------------------------------------------------------------

  void schedule_alarms() {
    alarm_timer_.expires_after(std::chrono::milliseconds(config_.alarms.evaluate_interval_ms));
    alarm_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || shutting_down_) return;
      if (state_version_ != evaluated_version_) {
        evaluated_version_ = state_version_;
        auto conditions =
            evaluate_conditions(service_.engine(), config_.alarms.utilization_threshold);
        for (const auto& event : alarms_.update(conditions, rfc3339_now())) {
          spdlog::warn("alarm {}: {} ({})", event.state, event.key, event.message);
          notifier_->enqueue(event);
        }
      }
      schedule_alarms();
    });
  }

  // ---- requests ---------------------------------------------------------------

  void handle(HttpRequest req, HttpReply reply) {
    auto start = Clock::now();
    std::string request_id = next_request_id();
    std::string op_label = "unknown";
    // Wrap the reply: request id header, metrics.
    auto answer = [this, reply, request_id, start](const std::string& op, HttpResponse r) {
      r.headers.emplace_back("X-Request-Id", request_id);
      metrics_.observe_request(op, r.status,
                               std::chrono::duration<double>(Clock::now() - start).count());
      reply(std::move(r));
    };
    auto error = [&](const std::string& op, const Status& st, int status = 0) {
      Json body{{"error",
                 {{"code", std::string(st.reason())},
                  {"category", std::string(code_name(st.code()))},
                  {"message", st.message()},
                  {"request_id", request_id}}}};
      answer(op, HttpResponse{status ? status : http_status(st), "application/json",
                              body.dump() + "\n", {}});
    };
    std::string path = req.target.substr(0, req.target.find('?'));
    if (req.method == "GET" && path == "/healthz") {
      bool ok = !degraded_ && !shutting_down_;
      Json body{{"status", ok ? "ok" : (degraded_ ? "degraded" : "stopping")},
                {"applied_seq", applied_seq_},
                {"durable_seq", durable_seq_}};
      return answer("healthz", HttpResponse{ok ? 200 : 503, "application/json", body.dump() + "\n", {}});
    }
    if (req.method == "GET" && path == "/metrics") {
      std::vector<std::pair<std::string, double>> extra = {
          {"byoipd_up", degraded_ ? 0.0 : 1.0},
          {"byoipd_journal_applied_seq", static_cast<double>(applied_seq_)},
          {"byoipd_journal_durable_seq", static_cast<double>(durable_seq_)},
      };
      std::string text = metrics_.render(service_.engine(), alarms_, extra);
      if (validator_) text += rpki_metrics(validator_->status());
      if (speaker_) {
        text += bgp_metrics(speaker_->peers(), speaker_->rib_stats());
        text += "# HELP byoipd_bgp_origin_events_total Origin view changes for announced "
                "prefixes and their more-specifics.\n# TYPE byoipd_bgp_origin_events_total "
                "counter\nbyoipd_bgp_origin_events_total " + std::to_string(origin_events_) + "\n";
      }
      return answer("metrics", HttpResponse{200, "text/plain; version=0.0.4", std::move(text), {}});
    }
    // Authenticate every /v1 call.
    std::optional<Principal> who = authenticate(req.authorization);
    bool alarms_route = path == "/v1/alarms";
    Matched m = alarms_route ? Matched{} : match_route(req.method, req.target);
    if (!alarms_route && !m.route) {
      if (m.path_known) {
        return error("unknown", Status(Code::kInvalidArgument, "method-not-allowed",
                                       req.method + " is not allowed on " + path),
                     405);
      }
      return error("unknown", Status(Code::kNotFound, "no-such-route",
                                     "no API route " + req.method + " " + path +
                                         " (see docs/api/openapi.yaml)"));
    }
    if (!who) {
      return error(alarms_route ? "list_alarms" : m.route->op,
                   Status(Code::kPermissionDenied, "unauthenticated",
                          "missing or unknown API token: send 'Authorization: Bearer <token>'"),
                   401);
    }
    if (alarms_route) {
      if (req.method != "GET") {
        return error("list_alarms", Status(Code::kInvalidArgument, "method-not-allowed",
                                           req.method + " is not allowed on /v1/alarms"),
                     405);
      }
      if (Status st = require_operator(*who, "list_alarms",
                                       "alarms (they name pools across the organization)");
          !st.ok()) {
        return error("list_alarms", st);
      }
      Json body = alarms_.to_json();
      body["request_id"] = request_id;
      return answer("list_alarms", HttpResponse{200, "application/json", body.dump() + "\n", {}});
    }
    op_label = m.route->op;
    if (!req.body.empty()) {
      Json body = Json::parse(req.body, nullptr, false);
      if (body.is_discarded()) {
        return error(op_label, Status(Code::kInvalidArgument, "invalid-json",
                                      "request body is not valid JSON"));
      }
      m.args["body"] = std::move(body);
    }
    if (degraded_ || shutting_down_) {
      return error(op_label, Status(Code::kUnavailable, degraded_ ? "store-failed" : "shutting-down",
                                    degraded_ ? "the state store failed a write; byoipd refuses "
                                                "requests until it is restarted"
                                              : "byoipd is shutting down"));
    }
    if (op_label == "bgp_peers" || op_label == "bgp_routes" || op_label == "rpki_status" ||
        op_label == "rpki_validate") {
      auto result = op_label.rfind("rpki_", 0) == 0 ? rpki_read(*who, op_label, m.args)
                                                     : bgp_read(*who, op_label, m.args);
      if (!result.ok()) {
        if (result.status().code() == Code::kPermissionDenied) {
          audit(request_id, *who, op_label, m.args, result.status());
        }
        return error(op_label, result.status());
      }
      Json body = std::move(*result);
      body["request_id"] = request_id;
      return answer(op_label, HttpResponse{200, "application/json", body.dump() + "\n", {}});
    }
    // A BYOIP authorization context is verified here (certificate, today's
    // date) and its verdict travels with the command into the journal.
    if (op_label == "provision_cidr" && m.args.contains("body") && m.args["body"].is_object() &&
        m.args["body"].contains("authorization_context")) {
      const Json& body = m.args["body"];
      const Json& ctx = body["authorization_context"];
      if (!ctx.is_object() || !ctx.value("message", Json()).is_string() ||
          !ctx.value("signature", Json()).is_string() || !body.value("cidr", Json()).is_string()) {
        return error(op_label, Status(Code::kInvalidArgument, "invalid-request",
                                      "body.authorization_context needs string 'message' and "
                                      "'signature', and body needs the exact 'cidr' it authorizes"));
      }
      m.args["verification"] = aws_->verify_authorization(AuthorizationRequest{
          false, ctx["message"].get<std::string>(), ctx["signature"].get<std::string>(),
          who->account, body["cidr"].get<std::string>()});
    }
    Outcome out = service_.execute(*who, op_label, m.args);
    bool mutating = IpamService::mutating_op(op_label);
    if (!out.result.ok()) {
      if (mutating || out.result.status().code() == Code::kPermissionDenied) {
        audit(request_id, *who, op_label, m.args, out.result.status());
      }
      return error(op_label, out.result.status());
    }
    Json body = std::move(*out.result);
    body["request_id"] = request_id;
    HttpResponse ok{200, "application/json", body.dump() + "\n", {}};
    if (!out.mutated) {
      // Reads (and idempotent replays) see, and wait for, every earlier write.
      return when_durable(applied_seq_, [answer, op_label, ok]() { answer(op_label, ok); });
    }
    commit(*who, op_label, m.args, request_id, [answer, op_label, ok, request_id](const Status& st) {
      if (st.ok()) return answer(op_label, ok);
      Json body{{"error",
                 {{"code", "store-failed"},
                  {"category", "unavailable"},
                  {"message", "the change could not be made durable: " + st.message()},
                  {"request_id", request_id}}}};
      answer(op_label, HttpResponse{503, "application/json", body.dump() + "\n", {}});
    });
  }

  // Journals a change the service already applied; `done` runs on the event
  // loop once it is durable (or failed: byoipd then turns degraded).
  void commit(const Principal& principal, const std::string& op, const Json& args,
              const std::string& request_id, std::function<void(const Status&)> done) {
    state_version_++;
    uint64_t seq = ++applied_seq_;
    Json cmd{{"op", op}, {"by", principal.account}, {"args", args}};
    committer_->submit(JournalRecord{seq, cmd.dump()}, [this, seq, principal, op, args, request_id,
                                                       done](const Status& st) {
      asio::post(ioc_, [=, this]() {
        if (!st.ok()) {
          degraded_ = true;
          spdlog::critical("state store write failed at record {}: {}; refusing further requests",
                           seq, st.message());
          audit(request_id, principal, op, args, st);
          done(st);
          return;
        }
        audit(request_id, principal, op, args, Status());
        if (op == "bgp_announce" || op == "bgp_withdraw") sync_bgp(args);
        on_durable(seq);
        done(st);
      });
    });
  }

  std::optional<Principal> authenticate(const std::string& header) const {
    static const std::string kBearer = "Bearer ";
    if (header.compare(0, kBearer.size(), kBearer) != 0) return std::nullopt;
    auto it = tokens_.find(sha256_hex(header.substr(kBearer.size())));
    if (it == tokens_.end()) return std::nullopt;
    return it->second;
  }

  void when_durable(uint64_t seq, std::function<void()> fn) {
    if (durable_seq_ >= seq) return fn();
    waiting_.emplace(seq, std::move(fn));
  }

  void on_durable(uint64_t seq) {
    durable_seq_ = std::max(durable_seq_, seq);
    while (!waiting_.empty() && waiting_.begin()->first <= durable_seq_) {
      auto fn = std::move(waiting_.begin()->second);
      waiting_.erase(waiting_.begin());
      fn();
    }
    maybe_snapshot();
  }

  // A snapshot needs a quiet moment (everything applied is durable) so that
  // it matches the journal exactly; the writer thread stores it in order.
  void maybe_snapshot() {
    if (degraded_ || snapshot_pending_ || durable_seq_ != applied_seq_ ||
        applied_seq_ - snapshot_seq_ < config_.store.snapshot_every) {
      return;
    }
    snapshot_pending_ = true;
    uint64_t seq = applied_seq_;
    committer_->submit_snapshot(seq, service_.snapshot(), [this, seq](const Status& st) {
      asio::post(ioc_, [this, seq, st]() {
        snapshot_pending_ = false;
        if (st.ok()) {
          snapshot_seq_ = seq;
          spdlog::info("snapshot written at record {}", seq);
        } else {
          spdlog::error("snapshot at record {} failed: {}", seq, st.message());
        }
      });
    });
  }

  void audit(const std::string& request_id, const Principal& who, const std::string& op,
             const Json& args, const Status& result) {
    Json line{{"time", rfc3339_now()},
              {"request_id", request_id},
              {"principal", who.account},
              {"action", op},
              {"parameters", args},
              {"result", result.ok() ? "ok" : "error"}};
    if (!result.ok()) {
      line["error"] = {{"code", std::string(result.reason())}, {"message", result.message()}};
    }
    audit_write(std::move(line));
  }

  // One line of the audit log (JSON), stamped with the time.
  void audit_write(Json line) {
    if (!line.contains("time")) line["time"] = rfc3339_now();
    std::string text = line.dump() + "\n";
    std::fwrite(text.data(), 1, text.size(), audit_);
    std::fflush(audit_);
  }

  std::string next_request_id() {
    char buf[32];
    std::snprintf(buf, sizeof buf, "req-%08llx%06llx",
                  static_cast<unsigned long long>(boot_id_),
                  static_cast<unsigned long long>(++request_counter_));
    return buf;
  }

  Config config_;
  DaemonOptions options_;
  asio::io_context ioc_;
  IpamService service_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<GroupCommitter> committer_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<AwsEndpoint> aws_;
  std::unique_ptr<WebhookNotifier> notifier_;
  std::unique_ptr<bgp::Speaker> speaker_;
  std::unique_ptr<rpki::Validator> validator_;
  uint64_t origin_events_ = 0;
  asio::signal_set signals_;
  asio::steady_timer alarm_timer_;
  asio::steady_timer shutdown_timer_;
  Metrics metrics_;
  AlarmBook alarms_;
  std::map<std::string, Principal> tokens_;  // sha256 hex -> principal
  std::multimap<uint64_t, std::function<void()>> waiting_;
  FILE* audit_ = nullptr;
  uint64_t applied_seq_ = 0;
  uint64_t durable_seq_ = 0;
  uint64_t snapshot_seq_ = 0;
  bool snapshot_pending_ = false;
  uint64_t state_version_ = 1;
  uint64_t evaluated_version_ = 0;
  bool degraded_ = false;
  bool shutting_down_ = false;
  Clock::time_point shutdown_deadline_;
  int exit_code_ = 0;
  uint64_t boot_id_ = static_cast<uint64_t>(std::time(nullptr)) & 0xffffffff;
  uint64_t request_counter_ = 0;
};

}  // namespace

int run_daemon(const Config& config, const DaemonOptions& options) {
  Daemon daemon(config, options);
  return daemon.run();
}

}  // namespace byoipd::controller
