#include "byoipd/rpki/fetch.h"

#include <curl/curl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>

namespace byoipd::rpki {

namespace {

Status failed(const std::string& location, const std::string& why) {
  return Status(Code::kUnavailable, "fetch-failed", "cannot fetch " + location + ": " + why);
}

Status too_large(const std::string& location, size_t limit) {
  return Status(Code::kResourceExhausted, "fetch-too-large",
                location + " is larger than the limit of " + std::to_string(limit) + " bytes");
}

Result<Fetched> fetch_file(const std::string& location, const std::string& path,
                           const FetchRequest& request) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return failed(location, std::strerror(errno));
  if (static_cast<size_t>(st.st_size) > request.max_bytes) {
    return too_large(location, request.max_bytes);
  }
  // Files have no ETag: modification time and size stand in for it.
  std::string stamp = std::to_string(st.st_mtim.tv_sec) + "." +
                      std::to_string(st.st_mtim.tv_nsec) + ":" + std::to_string(st.st_size);
  Fetched out;
  out.last_modified = stamp;
  if (!request.last_modified.empty() && request.last_modified == stamp) {
    out.not_modified = true;
    return out;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return failed(location, std::strerror(errno));
  out.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (out.body.size() > request.max_bytes) return too_large(location, request.max_bytes);
  return out;
}

struct Transfer {
  std::string body;
  std::string etag;
  std::string last_modified;
  size_t max_bytes = 0;
  bool too_large = false;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  if (t->body.size() + size * n > t->max_bytes) {
    t->too_large = true;
    return 0;  // aborts the transfer
  }
  t->body.append(data, size * n);
  return size * n;
}

std::string header_value(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || strncasecmp(line.data(), name.data(), name.size()) != 0 ||
      line[name.size()] != ':') {
    return {};
  }
  std::string_view v = line.substr(name.size() + 1);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.remove_suffix(1);
  return std::string(v);
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  if (auto v = header_value(line, "ETag"); !v.empty()) t->etag = v;
  if (auto v = header_value(line, "Last-Modified"); !v.empty()) t->last_modified = v;
  return size * n;
}

Result<Fetched> fetch_http(const FetchRequest& request) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* curl = curl_easy_init();
  if (!curl) return failed(request.location, "libcurl could not start a transfer");
  Transfer t;
  t.max_bytes = request.max_bytes;
  curl_slist* headers = nullptr;
  if (!request.etag.empty()) {
    headers = curl_slist_append(headers, ("If-None-Match: " + request.etag).c_str());
  }
  if (!request.last_modified.empty()) {
    headers = curl_slist_append(headers, ("If-Modified-Since: " + request.last_modified).c_str());
  }
  curl_easy_setopt(curl, CURLOPT_URL, request.location.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, request.timeout_ms);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // gzip when offered
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "byoipd-rpki/0.1");
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (t.too_large) return too_large(request.location, request.max_bytes);
  if (rc != CURLE_OK) return failed(request.location, curl_easy_strerror(rc));
  Fetched out;
  out.http_status = status;
  if (status == 304) {
    out.not_modified = true;
    out.etag = request.etag;
    out.last_modified = request.last_modified;
    return out;
  }
  if (status != 200) return failed(request.location, "HTTP status " + std::to_string(status));
  out.body = std::move(t.body);
  out.etag = std::move(t.etag);
  out.last_modified = std::move(t.last_modified);
  return out;
}

}  // namespace

Result<Fetched> fetch(const FetchRequest& request) {
  const std::string& loc = request.location;
  if (loc.rfind("http://", 0) == 0 || loc.rfind("https://", 0) == 0) return fetch_http(request);
  if (loc.rfind("file://", 0) == 0) return fetch_file(loc, loc.substr(7), request);
  if (loc.find("://") != std::string::npos) {
    return Status(Code::kInvalidArgument, "fetch-unsupported-scheme",
                  loc + ": only a path, file://, http:// and https:// are supported");
  }
  return fetch_file(loc, loc, request);
}

}  // namespace byoipd::rpki
