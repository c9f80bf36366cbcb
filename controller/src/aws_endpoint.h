// The AWS endpoint of byoipd: its own listener serving EC2 Query (POST /)
// and RAM JSON (POST /<action>) signed with SigV4, for the aws CLI and SDKs
// (docs/aws-compat.md). It verifies signatures against aws.access_keys,
// turns each request into IpamService operations (ec2_api, ram_api) and
// answers once the change is durable. The daemon owns the state, journal and
// audit log; it lends them through the hooks below, all called on the
// daemon's event loop.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "byoipd/controller/config.h"
#include "ec2_api.h"
#include "http_server.h"

namespace byoipd::controller {

struct AwsEndpointHooks {
  // Runs a service operation (no journaling).
  std::function<Outcome(const Principal&, const std::string& op, const Json& args)> execute;
  // The permission checks alone (DryRun).
  std::function<Status(const Principal&, const std::string& op, const Json& args)> permitted;
  // An account of the organization, when it is one.
  std::function<std::optional<Principal>(const std::string& account)> principal;
  // Why changes are refused right now (store failed, stopping), or OK.
  std::function<Status()> accepting_changes;
  // Journals a change the service applied; `done` once durable or failed.
  std::function<void(const Principal&, const std::string& op, const Json& args,
                     const std::string& request_id, std::function<void(const Status&)> done)>
      commit;
  // Runs `fn` once every change applied so far is durable (read-your-writes).
  std::function<void(std::function<void()> fn)> after_durable;
  // Audit log: a refused change or permission, and any other line.
  std::function<void(const std::string& request_id, const Principal&, const std::string& op,
                     const Json& args, const Status&)>
      audit;
  std::function<void(const Json& line)> audit_line;
  // Request metrics.
  std::function<void(const std::string& op, int http_status, double seconds)> observe;
};

class AwsEndpoint {
 public:
  AwsEndpoint(boost::asio::io_context& ioc, std::string config_path, AwsEndpointHooks hooks);
  ~AwsEndpoint();

  // Binds aws.listen (with the API's TLS settings when set); returns the
  // address it listens on.
  Result<Endpoint> start(const AwsConfig& config, const std::optional<TlsConfig>& tls);
  // SIGHUP: new keys and RDAP certificates (the address stays).
  void reconfigure(const AwsConfig& config);
  void stop();
  size_t in_flight() const;

  // The verdict on a signed BYOIP/BYOASN authorization context against the
  // certificate under aws.rdap and today's date: {ok, reason, message}.
  // Also used by /v1 provision_cidr.
  Json verify_authorization(const AuthorizationRequest& r) const;

 private:
  void handle(HttpRequest req, HttpReply reply);
  std::string next_request_id();

  boost::asio::io_context& ioc_;
  std::string config_path_;
  AwsEndpointHooks hooks_;
  AwsConfig config_;
  std::map<std::string, AwsAccessKey> keys_;  // by access key id
  std::unique_ptr<HttpServer> server_;
  uint64_t boot_id_;
  uint64_t counter_ = 0;
};

}  // namespace byoipd::controller
