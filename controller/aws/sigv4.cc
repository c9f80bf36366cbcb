#include "sigv4.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "aws_form.h"

namespace byoipd::aws {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
constexpr const char* kSignatureMismatch =
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method.";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// SigV4 "Trimall": no leading/trailing whitespace, runs of it become one space.
std::string trim_all(std::string_view v) {
  std::string out;
  bool gap = false;
  for (char c : v) {
    if (is_space(c)) {
      gap = !out.empty();
    } else {
      if (gap) out.push_back(' ');
      gap = false;
      out.push_back(c);
    }
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> header_values(const SignedRequest& r, std::string_view lname) {
  std::vector<std::string_view> out;
  for (const auto& [name, value] : r.headers) {
    if (lower(name) == lname) out.push_back(value);
  }
  return out;
}

std::string to_hex(const unsigned char* p, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[p[i] >> 4]);
    out.push_back(kHex[p[i] & 15]);
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view msg) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), mac, &len);
  return std::string(reinterpret_cast<const char*>(mac), len);
}

// RFC 3986 section 5.2.4 dot-segment removal, also dropping empty segments
// (what AWS and botocore do for every service but S3).
std::string normalize_path(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string_view seg = path.substr(start, slash == std::string_view::npos ? std::string_view::npos
                                                                              : slash - start);
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!seg.empty() && seg != ".") {
      out.push_back(seg);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::string result = path.front() == '/' ? "/" : "";
  for (size_t i = 0; i < out.size(); ++i) {
    if (i > 0) result += '/';
    result += out[i];
  }
  if (path.back() == '/' && !out.empty()) result += '/';
  return result;
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    pairs.emplace_back(uri_encode(percent_decode(pair.substr(0, eq), false), false),
                       uri_encode(percent_decode(value, false), false));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [k, v] : pairs) out += (out.empty() ? "" : "&") + k + "=" + v;
  return out;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::optional<int64_t> digits(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::optional<int64_t> unix_time(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t s) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] || h > 23 || mi > 59 || s > 60) return std::nullopt;
  return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

// "20240102T030405Z" (ISO 8601 basic format, UTC).
std::optional<int64_t> parse_amz_date(std::string_view v) {
  if (v.size() != 16 || v[8] != 'T' || v[15] != 'Z') return std::nullopt;
  auto y = digits(v.substr(0, 4)), mo = digits(v.substr(4, 2)), d = digits(v.substr(6, 2));
  auto h = digits(v.substr(9, 2)), mi = digits(v.substr(11, 2)), s = digits(v.substr(13, 2));
  if (!y || !mo || !d || !h || !mi || !s) return std::nullopt;
  return unix_time(*y, *mo, *d, *h, *mi, *s);
}

// "Tue, 02 Jan 2024 03:04:05 GMT" (RFC 7231 IMF-fixdate).
std::optional<int64_t> parse_http_date(std::string_view v) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (v.size() != 29 || v[3] != ',' || v[4] != ' ' || v[7] != ' ' || v[11] != ' ' || v[16] != ' ' ||
      v[19] != ':' || v[22] != ':' || v.substr(25) != " GMT") {
    return std::nullopt;
  }
  auto month = std::find(std::begin(kMonths), std::end(kMonths), v.substr(8, 3));
  auto d = digits(v.substr(5, 2)), y = digits(v.substr(12, 4));
  auto h = digits(v.substr(17, 2)), mi = digits(v.substr(20, 2)), s = digits(v.substr(23, 2));
  if (month == std::end(kMonths) || !d || !y || !h || !mi || !s) return std::nullopt;
  return unix_time(*y, month - std::begin(kMonths) + 1, *d, *h, *mi, *s);
}

std::string format_amz_date(int64_t t) {
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int64_t secs = t - days * 86400;
  // civil_from_days (H. Hinnant).
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  int64_t y = yoe + era * 400 + (m <= 2);
  char buf[128];
  std::snprintf(buf, sizeof buf, "%04lld%02lld%02lldT%02lld%02lld%02lldZ", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d),
                static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60));
  return buf;
}

struct Authorization {
  std::string access_key, date, region, service, terminator;
  std::vector<std::string> signed_headers;
  std::string signature;
};

SigV4Result refuse(int status, std::string code, std::string message) {
  SigV4Result r;
  r.error = AwsError{status, std::move(code), std::move(message)};
  return r;
}

SigV4Result incomplete(std::string message) {
  return refuse(400, "IncompleteSignature", std::move(message));
}

bool is_lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Parses the Authorization header; on failure fills `err`.
std::optional<Authorization> parse_authorization(std::string_view header, SigV4Result& err) {
  std::string_view rest = trim(header);
  if (rest.substr(0, kAlgorithm.size()) != kAlgorithm ||
      (rest.size() > kAlgorithm.size() && !is_space(rest[kAlgorithm.size()]))) {
    std::string_view algo = rest.substr(0, rest.find(' '));
    err = incomplete("Unsupported AWS 'algorithm': '" + std::string(algo) + "'. Expected " +
                     std::string(kAlgorithm) + ".");
    return std::nullopt;
  }
  rest.remove_prefix(kAlgorithm.size());
  std::optional<std::string> credential, signed_headers, signature;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view part = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string_view key = part.substr(0, eq);
    std::string value(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
    std::optional<std::string>* slot = key == "Credential"      ? &credential
                                       : key == "SignedHeaders" ? &signed_headers
                                       : key == "Signature"     ? &signature
                                                                : nullptr;
    if (slot == nullptr || eq == std::string_view::npos || slot->has_value()) {
      err = incomplete("Authorization header has an unexpected or repeated part '" + std::string(part) +
                       "'. Authorization=" + std::string(header));
      return std::nullopt;
    }
    *slot = value;
  }
  std::string missing;
  if (!credential) missing += "Authorization header requires 'Credential' parameter. ";
  if (!signed_headers) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (!signature) missing += "Authorization header requires 'Signature' parameter. ";
  if (!missing.empty()) {
    err = incomplete(missing + "Authorization=" + std::string(header));
    return std::nullopt;
  }

  Authorization a;
  std::vector<std::string> scope;
  for (size_t start = 0;;) {
    size_t slash = credential->find('/', start);
    scope.push_back(credential->substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (scope.size() != 5 || scope[0].empty() || scope[1].size() != 8 || !digits(scope[1])) {
    err = incomplete("Credential must have the form <AccessKeyId>/<YYYYMMDD>/<region>/<service>/" +
                     std::string(kTerminator) + ", got '" + *credential + "'.");
    return std::nullopt;
  }
  a.access_key = scope[0];
  a.date = scope[1];
  a.region = scope[2];
  a.service = scope[3];
  a.terminator = scope[4];

  for (size_t start = 0;;) {
    size_t semi = signed_headers->find(';', start);
    std::string name = signed_headers->substr(start, semi == std::string::npos ? std::string::npos : semi - start);
    if (name.empty() || name != lower(name)) {
      err = incomplete("SignedHeaders must be lower-case header names separated by ';', got '" +
                       *signed_headers + "'.");
      return std::nullopt;
    }
    a.signed_headers.push_back(std::move(name));
    if (semi == std::string::npos) break;
    start = semi + 1;
  }
  if (signature->size() != 64 || !is_lower_hex(*signature)) {
    err = incomplete("Signature must be 64 lower-case hex digits, got '" + *signature + "'.");
    return std::nullopt;
  }
  a.signature = *signature;
  return a;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return to_hex(md, len);
}

std::string sigv4_canonical_request(const SignedRequest& r,
                                    const std::vector<std::string>& signed_headers,
                                    std::string_view payload_hash) {
  std::string out = r.method + "\n";
  out += uri_encode(normalize_path(r.path), true) + "\n";
  out += canonical_query(r.query) + "\n";
  std::string names;
  for (const auto& name : signed_headers) {
    std::string joined;
    for (auto v : header_values(r, name)) joined += (joined.empty() ? "" : ",") + trim_all(v);
    out += name + ":" + joined + "\n";
    names += (names.empty() ? "" : ";") + name;
  }
  out += "\n" + names + "\n";
  out += payload_hash;
  return out;
}

SigV4Result verify_sigv4(const SignedRequest& r, const SecretLookup& secret_for, int64_t now_unix,
                         std::string_view service) {
  auto auth_headers = header_values(r, "authorization");
  if (auth_headers.empty()) {
    return refuse(401, "MissingAuthenticationToken",
                  "The request must contain either a valid (registered) AWS access key ID or X.509 "
                  "certificate.");
  }
  if (auth_headers.size() > 1) return incomplete("The request has more than one Authorization header.");
  SigV4Result err;
  std::optional<Authorization> a = parse_authorization(auth_headers[0], err);
  if (!a) return err;
  auto fill = [&](SigV4Result res) {
    res.access_key = a->access_key;
    res.region = a->region;
    res.service = a->service;
    return res;
  };
  auto is_signed = [&](std::string_view h) {
    return std::find(a->signed_headers.begin(), a->signed_headers.end(), h) != a->signed_headers.end();
  };
  if (!is_signed("host")) {
    return fill(incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."));
  }

  // The request date: X-Amz-Date, else Date; whichever is used must be signed.
  auto amz_date = header_values(r, "x-amz-date");
  auto http_date = header_values(r, "date");
  std::optional<int64_t> when;
  std::string date_header = amz_date.empty() ? "Date" : "X-Amz-Date";
  if (amz_date.empty() && http_date.empty()) {
    return fill(incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a "
                           "'Date' header. Authorization=" + std::string(auth_headers[0])));
  }
  if (!is_signed(lower(date_header))) {
    return fill(incomplete("'" + date_header + "' must be a 'SignedHeader' in the AWS Authorization."));
  }
  if ((amz_date.empty() ? http_date : amz_date).size() > 1) {
    return fill(incomplete("The request has more than one '" + date_header + "' header."));
  }
  std::string date_text = trim_all(amz_date.empty() ? http_date[0] : amz_date[0]);
  when = amz_date.empty() ? parse_http_date(date_text) : parse_amz_date(date_text);
  if (!when) {
    return fill(incomplete("Date must be in ISO-8601 'basic format' (X-Amz-Date) or RFC 1123 (Date). "
                           "Got '" + date_text + "'."));
  }
  std::string timestamp = format_amz_date(*when);

  if (a->terminator != kTerminator) {
    return fill(refuse(403, "SignatureDoesNotMatch",
                       "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                           a->terminator + "'."));
  }
  if (a->region.empty()) {
    return fill(refuse(403, "SignatureDoesNotMatch", "Credential should be scoped to a valid region. "));
  }
  if (a->service != service) {
    return fill(refuse(403, "SignatureDoesNotMatch",
                       "Credential should be scoped to correct service: '" + std::string(service) + "'. "));
  }
  if (a->date != timestamp.substr(0, 8)) {
    return fill(refuse(403, "SignatureDoesNotMatch",
                       "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                       "from HTTP: '" + a->date + "' != '" + timestamp.substr(0, 8) + "', from '" +
                           date_header + "'."));
  }
  if (*when > now_unix + kSigV4MaxSkewSeconds || *when < now_unix - kSigV4MaxSkewSeconds) {
    return fill(refuse(400, "RequestExpired",
                       "Request has expired. The request time " + timestamp +
                           " is more than 15 minutes from the server time " + format_amz_date(now_unix) +
                           "."));
  }

  std::optional<std::string> secret = secret_for(a->access_key);
  if (!secret) {
    return fill(refuse(401, "AuthFailure", "AWS was not able to validate the provided access credentials"));
  }

  std::string payload_hash = sha256_hex(r.body);
  auto content_sha = header_values(r, "x-amz-content-sha256");
  if (!content_sha.empty() && (content_sha.size() > 1 || trim_all(content_sha[0]) != payload_hash)) {
    std::string given = trim_all(content_sha[0]);
    return fill(refuse(403, "SignatureDoesNotMatch",
                       given == kUnsignedPayload
                           ? "The request body must be signed: x-amz-content-sha256 UNSIGNED-PAYLOAD is "
                             "not accepted."
                           : "The provided 'x-amz-content-sha256' header does not match what was "
                             "computed."));
  }

  std::string canonical = sigv4_canonical_request(r, a->signed_headers, payload_hash);
  std::string scope = a->date + "/" + a->region + "/" + a->service + "/" + std::string(kTerminator);
  std::string to_sign = std::string(kAlgorithm) + "\n" + timestamp + "\n" + scope + "\n" + sha256_hex(canonical);
  std::string key = hmac_sha256("AWS4" + *secret, a->date);
  key = hmac_sha256(key, a->region);
  key = hmac_sha256(key, a->service);
  key = hmac_sha256(key, kTerminator);
  std::string mac = hmac_sha256(key, to_sign);
  std::string expected = to_hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
  if (CRYPTO_memcmp(expected.data(), a->signature.data(), expected.size()) != 0) {
    return fill(refuse(403, "SignatureDoesNotMatch", kSignatureMismatch));
  }
  SigV4Result ok = fill(SigV4Result{});
  ok.ok = true;
  return ok;
}

}  // namespace byoipd::aws
