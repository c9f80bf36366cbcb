// The AWS endpoint (see aws_endpoint.h).
#include "aws_endpoint.h"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <variant>

#include "aws_form.h"
#include "byoipd/rpki/byoip_auth.h"
#include "ec2_query.h"
#include "ec2_xml.h"
#include "ram_api.h"
#include "sigv4.h"

namespace byoipd::controller {

using Clock = std::chrono::steady_clock;

AwsEndpoint::AwsEndpoint(boost::asio::io_context& ioc, std::string config_path,
                         AwsEndpointHooks hooks)
    : ioc_(ioc), config_path_(std::move(config_path)), hooks_(std::move(hooks)),
      boot_id_(static_cast<uint64_t>(std::time(nullptr)) & 0xffffffff) {}

AwsEndpoint::~AwsEndpoint() = default;

Result<Endpoint> AwsEndpoint::start(const AwsConfig& config, const std::optional<TlsConfig>& tls) {
  reconfigure(config);
  server_ = std::make_unique<HttpServer>(
      ioc_, [this](HttpRequest req, HttpReply reply) { handle(std::move(req), std::move(reply)); });
  if (Status st = server_->listen(config.listen, tls); !st.ok()) return st;
  Endpoint at = config.listen;
  at.port = server_->port();
  return at;
}

void AwsEndpoint::reconfigure(const AwsConfig& config) {
  config_ = config;
  keys_.clear();
  for (const auto& k : config.access_keys) keys_[k.access_key_id] = k;
}

void AwsEndpoint::stop() {
  if (server_) server_->stop();
}

size_t AwsEndpoint::in_flight() const { return server_ ? server_->in_flight() : 0; }

// EC2 request ids look like UUIDs.
std::string AwsEndpoint::next_request_id() {
  char buf[48];
  uint64_t n = ++counter_;
  std::snprintf(buf, sizeof buf, "%08llx-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(boot_id_), static_cast<unsigned long long>(n));
  return buf;
}

Json AwsEndpoint::verify_authorization(const AuthorizationRequest& r) const {
  auto verdict = [](bool ok, const std::string& reason, const std::string& message) {
    return Json{{"ok", ok}, {"reason", reason}, {"message", message}};
  };
  const RdapCertificate* cert = nullptr;
  std::optional<Prefix> cidr;
  const auto& rdap = config_.rdap;
  if (r.asn_form) {
    for (const auto& c : rdap) {
      if (c.asn && std::to_string(*c.asn) == r.resource) cert = &c;
    }
  } else {
    auto p = Prefix::parse(r.resource);
    if (!p.ok()) return verdict(false, "invalid-prefix", p.status().message());
    cidr = *p;
    for (const auto& c : rdap) {
      if (c.prefix && c.prefix->contains(*cidr) &&
          (!cert || cert->prefix->length() < c.prefix->length())) {
        cert = &c;
      }
    }
  }
  std::string what = r.asn_form ? "AS" + r.resource : r.resource;
  if (!cert) {
    return verdict(false, "auth-no-certificate",
                   "no RDAP certificate covers " + what + ": the holder's certificate goes in "
                   "aws.rdap of " + config_path_);
  }
  std::string pem;
  if (std::FILE* f = std::fopen(cert->certificate_file.c_str(), "rb")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) pem.append(buf, n);
    std::fclose(f);
  } else {
    return verdict(false, "auth-certificate-unreadable",
                   "cannot read the RDAP certificate of " + what + " (" +
                       cert->certificate_file + "): " + std::strerror(errno));
  }
  rpki::AuthorizationContext ctx{r.message, r.signature};
  auto today = rpki::Date{std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
  Status st = r.asn_form
                  ? rpki::verify_asn_authorization(ctx, pem, r.account,
                                                   static_cast<uint32_t>(std::stoul(r.resource)),
                                                   today)
                  : rpki::verify_cidr_authorization(ctx, pem, r.account, *cidr, today);
  if (st.ok()) return verdict(true, "", "");
  return verdict(false, std::string(st.reason()),
                 "authorization context refused (" + std::string(st.reason()) + "): " +
                     st.message());
}


// One request: SigV4, then EC2 Query (POST /) or RAM (POST /<action> with
// JSON). At most one journaled change per request, answered once durable,
// like /v1.
void AwsEndpoint::handle(HttpRequest req, HttpReply reply) {
  auto start = Clock::now();
  std::string request_id = next_request_id();
  std::string path = req.target.substr(0, req.target.find('?'));
  std::string query = req.target.size() > path.size() ? req.target.substr(path.size() + 1) : "";
  bool ram = is_ram_path(path);
  auto answer = [this, reply, request_id, start](const std::string& op, HttpResponse r) {
    r.headers.emplace_back(ram_request_id_header(), request_id);
    hooks_.observe(op, r.status, std::chrono::duration<double>(Clock::now() - start).count());
    reply(std::move(r));
  };
  auto fail = [answer, request_id, ram](const std::string& op, const aws::AwsError& e) {
    if (ram) {
      HttpResponse r{e.http_status, "application/x-amz-json-1.1", ram_error_json(e), {}};
      r.headers.emplace_back("x-amzn-ErrorType", e.code);
      return answer(op, std::move(r));
    }
    answer(op, HttpResponse{e.http_status, "text/xml;charset=UTF-8",
                            aws::ec2_error_xml(e, request_id), {}});
  };
  if (req.method == "GET" && path == "/healthz") {
    return answer("healthz", HttpResponse{200, "text/plain", "ok\n", {}});
  }
  aws::SignedRequest signed_req{req.method, path, query, req.headers, req.body};
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch()).count();
  auto sig = aws::verify_sigv4(
      signed_req,
      [this](std::string_view id) -> std::optional<std::string> {
        auto it = keys_.find(std::string(id));
        if (it == keys_.end()) return std::nullopt;
        return it->second.secret_access_key;
      },
      now, ram ? "ram" : "ec2");
  if (!sig.ok) {
    hooks_.audit_line(Json{{"request_id", request_id},
                           {"principal", sig.access_key.empty() ? Json(nullptr)
                                                                : Json("key:" + sig.access_key)},
                           {"action", std::string(ram ? "ram" : "ec2") + ":authenticate"},
                           {"result", "error"},
                           {"error", {{"code", sig.error.code}, {"message", sig.error.message}}}});
    return fail(ram ? "ram:unauthenticated" : "ec2:unauthenticated", sig.error);
  }
  const AwsAccessKey& key = keys_.at(sig.access_key);
  auto principal = hooks_.principal(key.account);
  if (!principal) {
    return fail("aws:unauthenticated",
                aws::AwsError{401, "AuthFailure",
                              "AWS was not able to validate the provided access credentials"});
  }
  Ec2Caller caller{*principal, sig.region, false};
  // The one mutation the action made, journaled before the answer.
  struct Pending {
    std::string op;
    Json args;
  };
  auto pending = std::make_shared<std::optional<Pending>>();
  auto exec = [this, &caller, pending, request_id](const std::string& op,
                                                    const Json& args) -> Outcome {
    bool mutating = IpamService::mutating_op(op);
    if (mutating && caller.dry_run) {
      Status st = hooks_.permitted(caller.who, op, args);
      if (st.ok()) st = Status(Code::kFailedPrecondition, "dry-run-operation", "");
      return Outcome{st, false};
    }
    if (mutating) {
      if (Status st = hooks_.accepting_changes(); !st.ok()) return Outcome{st, false};
    }
    if (mutating && pending->has_value()) {
      return Outcome{Status(Code::kInternal, "internal",
                            "one request made two changes (" + (*pending)->op + ", " + op + ")"),
                     false};
    }
    Outcome out = hooks_.execute(caller.who, op, args);
    if (out.mutated) *pending = Pending{op, args};
    if (!out.result.ok() && (mutating || out.result.status().code() == Code::kPermissionDenied)) {
      hooks_.audit(request_id, caller.who, op, args, out.result.status());
    }
    return out;
  };
  std::string label;
  std::variant<HttpResponse, aws::AwsError> outcome = aws::AwsError{};
  if (ram) {
    label = "ram:" + path.substr(1);
    auto r = run_ram_action(path, req.body, query, caller, exec);
    if (std::holds_alternative<aws::AwsError>(r)) {
      outcome = std::get<aws::AwsError>(r);
    } else {
      outcome = HttpResponse{200, "application/json", std::get<Json>(r).dump(), {}};
    }
  } else {
    aws::FormPairs form = aws::parse_form(req.body);
    for (auto& p : aws::parse_form(query)) form.push_back(std::move(p));
    auto parsed = aws::parse_ec2_request(form);
    if (!parsed.ok()) return fail("ec2:invalid", parsed.error);
    const aws::Ec2Request& ec2 = *parsed.request;
    label = "ec2:" + ec2.action;
    caller.dry_run = ec2.input.value("DryRun", false);
    auto check = [this](const AuthorizationRequest& r) { return verify_authorization(r); };
    auto r = run_ec2_action(ec2.action, ec2.input, caller, exec, check);
    if (std::holds_alternative<aws::AwsError>(r)) {
      outcome = std::get<aws::AwsError>(r);
    } else {
      auto xml = aws::ec2_response_xml(ec2.action, std::get<Json>(r), request_id);
      if (xml.ok()) {
        outcome = HttpResponse{200, "text/xml;charset=UTF-8", std::move(*xml), {}};
      } else {
        spdlog::error("ec2 {}: cannot render the answer: {}", ec2.action, xml.status().message());
        outcome = aws::AwsError{500, "InternalError", "byoipd could not render the answer"};
      }
    }
  }
  auto deliver = [answer, fail, label, outcome]() {
    if (std::holds_alternative<aws::AwsError>(outcome)) return fail(label, std::get<aws::AwsError>(outcome));
    answer(label, std::get<HttpResponse>(outcome));
  };
  if (!pending->has_value()) return hooks_.after_durable(deliver);
  hooks_.commit(caller.who, (*pending)->op, (*pending)->args, request_id,
         [deliver, fail, label](const Status& st) {
           if (st.ok()) return deliver();
           fail(label, aws::AwsError{503, "ServiceUnavailable",
                                     "the change could not be made durable: " + st.message()});
         });
}


}  // namespace byoipd::controller
