// byoipctl's connection to byoipd: where it is (settings from flags,
// environment and a config file), how a request is sent (the Api seam, with
// a libcurl implementation), and how an answer becomes an exit code.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace byoipctl {

using Json = nlohmann::json;

// A value, or the message that says why there is none.
template <typename T>
struct Parsed {
  std::optional<T> value;
  std::string error;
  static Parsed fail(std::string message) { return Parsed{std::nullopt, std::move(message)}; }
  bool ok() const { return value.has_value(); }
};

// ---- settings -------------------------------------------------------------

inline constexpr const char* kDefaultEndpoint = "http://127.0.0.1:8080";
inline constexpr int kDefaultTimeoutSeconds = 30;

// What the command line said about the connection (unset = not given).
struct ConnectionFlags {
  std::optional<std::string> endpoint;
  std::optional<std::string> token;
  std::optional<std::string> cacert;
  std::optional<std::string> config;
};

struct Settings {
  std::string endpoint = kDefaultEndpoint;
  std::string token;
  std::string cacert;
  std::string config_path;  // the file that was read; empty when none
  // Where the token came from ("--token", "BYOIPCTL_TOKEN", the config file
  // path), for error hints; empty when there is none.
  std::string token_source;
};

// Reads an environment variable; nullopt when unset.
using Environment = std::function<std::optional<std::string>(const char* name)>;
Environment process_environment();

// The config file: "key: value" lines (endpoint, token, cacert), blank lines
// and "#" comment lines ignored, values optionally in single or double
// quotes. Unknown keys are refused so that a typo does not go unnoticed.
Parsed<std::map<std::string, std::string>> parse_config_text(std::string_view text,
                                                             const std::string& where);

// Resolves each setting as flag > environment (BYOIPCTL_ENDPOINT,
// BYOIPCTL_TOKEN, BYOIPCTL_CACERT) > config file > default. The config file
// is --config, else $BYOIPCTL_CONFIG, else
// ${XDG_CONFIG_HOME:-$HOME/.config}/byoipctl/config.yaml; a file named
// explicitly must exist, the default one may be absent.
Parsed<Settings> resolve_settings(const ConnectionFlags& flags, const Environment& env);

// ---- requests ---------------------------------------------------------------

// Percent-encodes everything but RFC 3986 unreserved characters, so a CIDR
// "10.0.0.0/8" becomes "10.0.0.0%2F8" (safe in a path segment or a query).
std::string percent_encode(std::string_view text);

// "?k1=v1&k2=v2" with encoded values, or "" when empty; keys keep their
// insertion order.
class Query {
 public:
  Query& add(std::string key, std::string value);
  Query& add_if(std::string key, const std::optional<std::string>& value);
  std::string str() const;

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

struct ApiResponse {
  int status = 0;     // HTTP status; 0 when the request never got an answer
  Json body;          // parsed JSON body (null when the body is not JSON)
  std::string text;   // the raw body
  std::string error;  // transport error (cannot connect, TLS, timeout)
};

// The seam between commands and the network: tests substitute a fake.
class Api {
 public:
  virtual ~Api() = default;
  // `path_with_query` starts with "/" and is already encoded.
  virtual ApiResponse call(std::string_view method, const std::string& path_with_query,
                           const Json* body) = 0;
};

// The real thing: libcurl, one easy handle per call.
std::unique_ptr<Api> make_curl_api(const Settings& settings, int timeout_seconds);

// ---- exit codes ---------------------------------------------------------------
//
// What byoipctl returns, for scripts:
//   0 ok
//   1 anything unexpected (e.g. an HTTP status not listed below)
//   2 usage: bad flags or arguments, unreadable config file
//   3 not found (404)
//   4 unauthenticated or forbidden (401, 403)
//   5 refused by a rule or a conflict (400, 409, 422)
//   6 server error or unavailable (5xx)
//   7 cannot connect / transport error (no HTTP answer)
inline constexpr int kExitOk = 0;
inline constexpr int kExitOther = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNotFound = 3;
inline constexpr int kExitDenied = 4;
inline constexpr int kExitRefused = 5;
inline constexpr int kExitServer = 6;
inline constexpr int kExitTransport = 7;

int exit_code_for_status(int http_status);
int exit_code_for(const ApiResponse& response);

}  // namespace byoipctl
