// AWS Signature Version 4 verification of a request signed in the
// Authorization header (what botocore's SigV4Auth produces):
//   Authorization: AWS4-HMAC-SHA256 Credential=AKID/YYYYMMDD/region/service/aws4_request,
//                  SignedHeaders=host;x-amz-date, Signature=<64 hex>
// Query-string (presigned) signing is not supported.
//
// Errors, in the order they are checked (EC2 codes; HTTP status in brackets):
//   MissingAuthenticationToken [401]  no Authorization header
//   IncompleteSignature [400]  Authorization not AWS4-HMAC-SHA256, a missing
//       Credential/SignedHeaders/Signature part, a Credential that is not
//       five '/'-separated parts, a Signature that is not 64 hex digits,
//       'host' not among SignedHeaders, neither X-Amz-Date nor Date present,
//       the date header used not among SignedHeaders, a date not in ISO 8601
//       basic format (X-Amz-Date) or RFC 1123 (Date)
//   SignatureDoesNotMatch [403]  the scope's terminator is not aws4_request,
//       its region is empty, its service is not `service`, or its date is not
//       the request date's (messages as AWS words them)
//   RequestExpired [400]  the request date is more than 15 minutes from now
//   AuthFailure [401]  unknown access key id
//   SignatureDoesNotMatch [403]  an x-amz-content-sha256 header that is not
//       the SHA-256 of the body (UNSIGNED-PAYLOAD is refused: the body is
//       always signed), or the signature differs ("The request signature we
//       calculated does not match the signature you provided. Check your AWS
//       Secret Access Key and signing method.")
// The same codes are used for service "ram".
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws_error.h"

namespace byoipd::aws {

struct SignedRequest {
  std::string method;  // "POST"
  std::string path;    // "/" (raw, as received, still percent-encoded)
  std::string query;   // raw query string after '?', may be empty
  std::vector<std::pair<std::string, std::string>> headers;  // as received, any case
  std::string body;
};

struct SigV4Result {
  bool ok = false;
  std::string access_key;  // from the Credential scope (also set on most errors)
  std::string region;      // from the Credential scope
  std::string service;     // from the Credential scope
  AwsError error;          // when !ok
};

// Returns the secret key of an access key id, or nullopt when unknown.
using SecretLookup = std::function<std::optional<std::string>(std::string_view)>;

// Maximum distance between the request date and the server clock.
inline constexpr int64_t kSigV4MaxSkewSeconds = 15 * 60;

// Verifies `r`. `now_unix` is the server clock (unix seconds); `service` the
// expected service name ("ec2" or "ram"). Any region is accepted and returned.
SigV4Result verify_sigv4(const SignedRequest& r, const SecretLookup& secret_for,
                         int64_t now_unix, std::string_view service);

// The SigV4 canonical request of `r` for the given signed header names
// (lower-case, in the order given) and payload hash. Exposed for tests and
// for diagnosing mismatches.
std::string sigv4_canonical_request(const SignedRequest& r,
                                    const std::vector<std::string>& signed_headers,
                                    std::string_view payload_hash);

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace byoipd::aws
