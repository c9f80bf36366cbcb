#include "client.h"

#include <curl/curl.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace byoipctl {

// ---- settings -------------------------------------------------------------

Environment process_environment() {
  return [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

constexpr const char* kConfigKeys[] = {"endpoint", "token", "cacert"};

}  // namespace

Parsed<std::map<std::string, std::string>> parse_config_text(std::string_view text,
                                                             const std::string& where) {
  using Out = Parsed<std::map<std::string, std::string>>;
  std::map<std::string, std::string> values;
  int line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    std::string at = where + ":" + std::to_string(line_no);
    size_t colon = line.find(':');
    size_t word = line.find_first_not_of(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
    if (colon == std::string_view::npos || colon == 0 || word < colon) {
      return Out::fail(at + ": expected 'key: value', got '" + std::string(line) + "'");
    }
    std::string key(line.substr(0, colon));
    std::string_view value = trim(line.substr(colon + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    bool known = false;
    for (const char* k : kConfigKeys) known = known || key == k;
    if (!known) {
      return Out::fail(at + ": unknown key '" + key + "'; allowed: endpoint, token, cacert");
    }
    values[key] = std::string(value);
  }
  return Out{std::move(values), {}};
}

Parsed<Settings> resolve_settings(const ConnectionFlags& flags, const Environment& env) {
  Settings s;
  // Which config file, and whether it must exist.
  std::string path;
  bool explicit_path = true;
  if (flags.config) {
    path = *flags.config;
  } else if (auto e = env("BYOIPCTL_CONFIG")) {
    path = *e;
  } else {
    explicit_path = false;
    if (auto xdg = env("XDG_CONFIG_HOME"); xdg && !xdg->empty()) {
      path = *xdg + "/byoipctl/config.yaml";
    } else if (auto home = env("HOME"); home && !home->empty()) {
      path = *home + "/.config/byoipctl/config.yaml";
    }
  }
  std::map<std::string, std::string> file;
  if (!path.empty()) {
    std::ifstream in(path);
    if (in) {
      std::stringstream text;
      text << in.rdbuf();
      auto parsed = parse_config_text(text.str(), path);
      if (!parsed.ok()) return Parsed<Settings>::fail(parsed.error);
      file = std::move(*parsed.value);
      s.config_path = path;
    } else if (explicit_path) {
      return Parsed<Settings>::fail("cannot read config file " + path +
                                    " (named by --config or BYOIPCTL_CONFIG)");
    }
  }
  // flag > environment > config file > default; `source` records the winner.
  auto pick = [&](const std::optional<std::string>& flag, const char* flag_name,
                  const char* env_name, const char* key, std::string& out, std::string* source) {
    if (flag) {
      out = *flag;
      if (source) *source = flag_name;
    } else if (auto e = env(env_name)) {
      out = *e;
      if (source) *source = env_name;
    } else if (auto it = file.find(key); it != file.end()) {
      out = it->second;
      if (source) *source = s.config_path;
    }
  };
  pick(flags.endpoint, "--endpoint", "BYOIPCTL_ENDPOINT", "endpoint", s.endpoint, nullptr);
  pick(flags.token, "--token", "BYOIPCTL_TOKEN", "token", s.token, &s.token_source);
  pick(flags.cacert, "--cacert", "BYOIPCTL_CACERT", "cacert", s.cacert, nullptr);
  if (s.token.empty()) s.token_source.clear();
  while (!s.endpoint.empty() && s.endpoint.back() == '/') s.endpoint.pop_back();
  if (s.endpoint.rfind("http://", 0) != 0 && s.endpoint.rfind("https://", 0) != 0) {
    return Parsed<Settings>::fail("endpoint '" + s.endpoint +
                                  "' is not a URL; expected http://HOST:PORT or https://HOST:PORT");
  }
  return Parsed<Settings>{std::move(s), {}};
}

// ---- requests ---------------------------------------------------------------

std::string percent_encode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                      (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xf]);
    }
  }
  return out;
}

Query& Query::add(std::string key, std::string value) {
  pairs_.emplace_back(std::move(key), std::move(value));
  return *this;
}

Query& Query::add_if(std::string key, const std::optional<std::string>& value) {
  if (value) add(std::move(key), *value);
  return *this;
}

std::string Query::str() const {
  std::string out;
  for (const auto& [k, v] : pairs_) {
    out += out.empty() ? "?" : "&";
    out += percent_encode(k) + "=" + percent_encode(v);
  }
  return out;
}

namespace {

size_t append_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

class CurlApi : public Api {
 public:
  CurlApi(Settings settings, int timeout_seconds)
      : settings_(std::move(settings)), timeout_seconds_(timeout_seconds) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
  }
  ~CurlApi() override { curl_global_cleanup(); }

  ApiResponse call(std::string_view method, const std::string& path_with_query,
                   const Json* body) override {
    ApiResponse r;
    CURL* curl = curl_easy_init();
    if (!curl) {
      r.error = "cannot initialise libcurl";
      return r;
    }
    std::string url = settings_.endpoint + path_with_query;
    std::string method_text(method);
    std::string payload = body ? body->dump() : std::string();
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Accept: application/json");
    if (!settings_.token.empty()) {
      headers = curl_slist_append(headers, ("Authorization: Bearer " + settings_.token).c_str());
    }
    if (body) headers = curl_slist_append(headers, "Content-Type: application/json");
    char curl_error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method_text.c_str());
    if (body) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(payload.size()));
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "byoipctl/0.1");
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(timeout_seconds_));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.text);
    if (!settings_.cacert.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, settings_.cacert.c_str());
    CURLcode rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) {
      r.error = "cannot reach " + url + ": " +
                (curl_error[0] ? std::string(curl_error) : std::string(curl_easy_strerror(rc)));
    } else {
      long status = 0;
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
      r.status = static_cast<int>(status);
      r.body = Json::parse(r.text, nullptr, false);
      if (r.body.is_discarded()) r.body = nullptr;
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return r;
  }

 private:
  Settings settings_;
  int timeout_seconds_;
};

}  // namespace

std::unique_ptr<Api> make_curl_api(const Settings& settings, int timeout_seconds) {
  return std::make_unique<CurlApi>(settings, timeout_seconds);
}

// ---- exit codes ---------------------------------------------------------------

int exit_code_for_status(int http_status) {
  if (http_status >= 200 && http_status < 300) return kExitOk;
  if (http_status == 404) return kExitNotFound;
  if (http_status == 401 || http_status == 403) return kExitDenied;
  if (http_status == 400 || http_status == 409 || http_status == 422) return kExitRefused;
  if (http_status >= 500 && http_status < 600) return kExitServer;
  return kExitOther;
}

int exit_code_for(const ApiResponse& response) {
  if (!response.error.empty() || response.status == 0) return kExitTransport;
  return exit_code_for_status(response.status);
}

}  // namespace byoipctl
