#include "sigv4.h"

#include <string>

#include <gtest/gtest.h>

#include "test_data.h"

namespace byoipd::aws {
namespace {

using testing::load_test_data;
using Json = nlohmann::json;

constexpr const char* kMismatch =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method.";

// sigv4_vectors.json: requests signed by botocore's SigV4Auth (fixed
// credentials, clock fixed at now_unix).
class SigV4 : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = load_test_data("sigv4_vectors.json");
    now_ = data_.at("now_unix").get<int64_t>();
    for (const auto& [key, secret] : data_.at("credentials").items()) secrets_[key] = secret;
  }

  SignedRequest vector(const std::string& name) const {
    for (const auto& v : data_.at("vectors")) {
      if (v.at("name") != name) continue;
      const Json& r = v.at("request");
      SignedRequest out{r.at("method"), r.at("path"), r.at("query"), {}, r.at("body")};
      for (const auto& h : r.at("headers")) out.headers.emplace_back(h.at(0), h.at(1));
      return out;
    }
    ADD_FAILURE() << "no vector " << name;
    return {};
  }

  SecretLookup lookup() const {
    return [this](std::string_view key) -> std::optional<std::string> {
      auto it = secrets_.find(std::string(key));
      if (it == secrets_.end()) return std::nullopt;
      return it->second;
    };
  }

  SigV4Result verify(const SignedRequest& r, std::string_view service = "ec2", int64_t skew = 0) const {
    return verify_sigv4(r, lookup(), now_ + skew, service);
  }

  static std::string& header(SignedRequest& r, const std::string& name) {
    for (auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    ADD_FAILURE() << "no header " << name;
    static std::string none;
    return none;
  }

  static void remove_header(SignedRequest& r, const std::string& name) {
    std::erase_if(r.headers, [&](const auto& h) { return h.first == name; });
  }

  static void replace(std::string& s, const std::string& from, const std::string& to) {
    size_t at = s.find(from);
    ASSERT_NE(at, std::string::npos) << from << " not in " << s;
    s.replace(at, from.size(), to);
  }

  Json data_;
  int64_t now_ = 0;
  std::map<std::string, std::string> secrets_;
};

TEST_F(SigV4, EveryBotocoreVectorVerifies) {
  struct Want {
    const char* name;
    const char* service;
    const char* key;
    const char* region;
  };
  const Want wants[] = {{"ec2_allocate", "ec2", "AKIDEXAMPLE", "us-east-1"},
                        {"ec2_session_token_eu", "ec2", "AKIDOTHER", "eu-west-1"},
                        {"ram_get_resource_shares", "ram", "AKIDEXAMPLE", "us-east-1"},
                        {"ec2_path_and_query", "ec2", "AKIDEXAMPLE", "us-east-1"}};
  ASSERT_EQ(data_.at("vectors").size(), std::size(wants));
  for (const auto& w : wants) {
    SCOPED_TRACE(w.name);
    SigV4Result r = verify(vector(w.name), w.service);
    EXPECT_TRUE(r.ok) << r.error.code << ": " << r.error.message;
    EXPECT_EQ(r.access_key, w.key);
    EXPECT_EQ(r.region, w.region);
    EXPECT_EQ(r.service, w.service);
  }
}

TEST_F(SigV4, CanonicalRequestNormalisesPathQueryAndHeaders) {
  SignedRequest r = vector("ec2_path_and_query");
  EXPECT_EQ(sigv4_canonical_request(r, {"host", "x-amz-date", "x-custom"}, sha256_hex("")),
            "GET\n"
            "/a/b/d%2520e\n"
            "Action=DescribeIpams&a=%20x&a=b&z=1\n"
            "host:127.0.0.1:8443\n"
            "x-amz-date:20240506T070809Z\n"
            "x-custom:spaced out value\n"
            "\n"
            "host;x-amz-date;x-custom\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_F(SigV4, HeaderNameCaseAndUnsignedHeadersDoNotMatter) {
  SignedRequest r = vector("ec2_allocate");
  for (auto& [k, v] : r.headers) {
    if (k == "Host") k = "HOST";
  }
  header(r, "User-Agent") = "something else";
  r.headers.emplace_back("X-Unsigned", "1");
  EXPECT_TRUE(verify(r).ok);
}

TEST_F(SigV4, SkewOfExactlyFifteenMinutesIsAccepted) {
  EXPECT_TRUE(verify(vector("ec2_allocate"), "ec2", 900).ok);
  EXPECT_TRUE(verify(vector("ec2_allocate"), "ec2", -900).ok);
}

struct Tamper {
  const char* name;
  std::function<void(SignedRequest&)> change;
  int status;
  const char* code;
  std::string message;  // empty: not checked (it echoes the header)
  std::string service = "ec2";
  int64_t skew = 0;
  bool known_key = true;
};

TEST_F(SigV4, EachTamperingHasItsOwnError) {
  auto auth = [](SignedRequest& r) -> std::string& { return header(r, "Authorization"); };
  const Tamper cases[] = {
      {"body_byte", [](SignedRequest& r) { r.body[r.body.size() - 1] = 'X'; }, 403,
       "SignatureDoesNotMatch", kMismatch},
      {"signed_header_value",
       [](SignedRequest& r) { header(r, "Content-Type") = "application/x-www-form-urlencoded"; },
       403, "SignatureDoesNotMatch", kMismatch},
      {"method", [](SignedRequest& r) { r.method = "PUT"; }, 403, "SignatureDoesNotMatch", kMismatch},
      {"path", [](SignedRequest& r) { r.path = "/x"; }, 403, "SignatureDoesNotMatch", kMismatch},
      {"query_added", [](SignedRequest& r) { r.query = "Action=DeleteIpam"; }, 403,
       "SignatureDoesNotMatch", kMismatch},
      {"signed_header_list_shortened",
       [&](SignedRequest& r) { replace(auth(r), "content-type;host", "host"); }, 403,
       "SignatureDoesNotMatch", kMismatch},
      {"signature_changed",
       [&](SignedRequest& r) { replace(auth(r), "Signature=750d", "Signature=750e"); }, 403,
       "SignatureDoesNotMatch", kMismatch},
      {"x_amz_date_one_second_later",
       [](SignedRequest& r) { header(r, "X-Amz-Date") = "20240506T070810Z"; }, 403,
       "SignatureDoesNotMatch", kMismatch},
      {"date_header_instead_of_x_amz_date",
       [&](SignedRequest& r) {
         remove_header(r, "X-Amz-Date");
         r.headers.emplace_back("Date", "Mon, 06 May 2024 07:08:09 GMT");
         replace(auth(r), "host;x-amz-date", "date;host");
       },
       403, "SignatureDoesNotMatch", kMismatch},
      {"wrong_secret", [](SignedRequest&) {}, 403, "SignatureDoesNotMatch", kMismatch},
      {"content_sha256_mismatch",
       [](SignedRequest& r) { r.headers.emplace_back("X-Amz-Content-SHA256", sha256_hex("other")); },
       403, "SignatureDoesNotMatch",
       "The provided 'x-amz-content-sha256' header does not match what was computed."},
      {"unsigned_payload", [](SignedRequest& r) { r.headers.emplace_back("x-amz-content-sha256", "UNSIGNED-PAYLOAD"); },
       403, "SignatureDoesNotMatch",
       "The request body must be signed: x-amz-content-sha256 UNSIGNED-PAYLOAD is not accepted."},
      {"skew_past_15_minutes", [](SignedRequest&) {}, 400, "RequestExpired",
       "Request has expired. The request time 20240506T070809Z is more than 15 minutes from the "
       "server time 20240506T072310Z.",
       "ec2", 901},
      {"skew_past_15_minutes_before", [](SignedRequest&) {}, 400, "RequestExpired",
       "Request has expired. The request time 20240506T070809Z is more than 15 minutes from the "
       "server time 20240506T065308Z.",
       "ec2", -901},
      {"unknown_key", [](SignedRequest&) {}, 401, "AuthFailure",
       "AWS was not able to validate the provided access credentials", "ec2", 0, false},
      {"wrong_service", [](SignedRequest&) {}, 403, "SignatureDoesNotMatch",
       "Credential should be scoped to correct service: 'ram'. ", "ram"},
      {"scope_date_differs",
       [&](SignedRequest& r) { replace(auth(r), "/20240506/", "/20240505/"); }, 403,
       "SignatureDoesNotMatch",
       "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
       "'20240505' != '20240506', from 'X-Amz-Date'."},
      {"scope_terminator",
       [&](SignedRequest& r) { replace(auth(r), "/aws4_request", "/aws5_request"); }, 403,
       "SignatureDoesNotMatch",
       "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."},
      {"scope_empty_region", [&](SignedRequest& r) { replace(auth(r), "/us-east-1/", "//"); }, 403,
       "SignatureDoesNotMatch", "Credential should be scoped to a valid region. "},
      {"no_authorization", [](SignedRequest& r) { remove_header(r, "Authorization"); }, 401,
       "MissingAuthenticationToken",
       "The request must contain either a valid (registered) AWS access key ID or X.509 "
       "certificate."},
      {"two_authorizations",
       [&](SignedRequest& r) { r.headers.emplace_back("authorization", auth(r)); }, 400,
       "IncompleteSignature", "The request has more than one Authorization header."},
      {"other_algorithm",
       [&](SignedRequest& r) { replace(auth(r), "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"); }, 400,
       "IncompleteSignature", "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'. Expected AWS4-HMAC-SHA256."},
      {"no_signature_part",
       [&](SignedRequest& r) {
         std::string& a = auth(r);
         a = a.substr(0, a.find(", Signature="));
       },
       400, "IncompleteSignature", ""},
      {"credential_four_parts",
       [&](SignedRequest& r) { replace(auth(r), "/us-east-1/", "/"); }, 400, "IncompleteSignature",
       "Credential must have the form <AccessKeyId>/<YYYYMMDD>/<region>/<service>/aws4_request, got "
       "'AKIDEXAMPLE/20240506/ec2/aws4_request'."},
      {"signature_upper_case_hex",
       [&](SignedRequest& r) { replace(auth(r), "Signature=750dcca6f", "Signature=750DCCA6F"); },
       400, "IncompleteSignature", ""},
      {"host_not_signed",
       [&](SignedRequest& r) { replace(auth(r), "content-type;host;", "content-type;"); }, 400,
       "IncompleteSignature", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
      {"x_amz_date_not_signed",
       [&](SignedRequest& r) { replace(auth(r), "host;x-amz-date", "host"); }, 400,
       "IncompleteSignature", "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization."},
      {"no_date_header", [](SignedRequest& r) { remove_header(r, "X-Amz-Date"); }, 400,
       "IncompleteSignature", ""},
      {"bad_x_amz_date", [](SignedRequest& r) { header(r, "X-Amz-Date") = "2024-05-06T07:08:09Z"; },
       400, "IncompleteSignature",
       "Date must be in ISO-8601 'basic format' (X-Amz-Date) or RFC 1123 (Date). Got "
       "'2024-05-06T07:08:09Z'."},
      {"bad_date_header",
       [&](SignedRequest& r) {
         remove_header(r, "X-Amz-Date");
         r.headers.emplace_back("Date", "Mon, 06 May 2024 07:08:09 UTC");
         replace(auth(r), "host;x-amz-date", "date;host");
       },
       400, "IncompleteSignature",
       "Date must be in ISO-8601 'basic format' (X-Amz-Date) or RFC 1123 (Date). Got "
       "'Mon, 06 May 2024 07:08:09 UTC'."},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    SignedRequest r = vector("ec2_allocate");
    c.change(r);
    SecretLookup secrets = lookup();
    if (std::string(c.name) == "wrong_secret") {
      secrets = [](std::string_view) { return std::optional<std::string>("not-the-secret"); };
    }
    if (!c.known_key) secrets = [](std::string_view) { return std::optional<std::string>(); };
    SigV4Result got = verify_sigv4(r, secrets, now_ + c.skew, c.service);
    EXPECT_FALSE(got.ok);
    EXPECT_EQ(got.error.http_status, c.status);
    EXPECT_EQ(got.error.code, c.code);
    if (!c.message.empty()) {
      EXPECT_EQ(got.error.message, c.message);
    }
  }
}

TEST_F(SigV4, MissingPartsAreNamedAndTheHeaderEchoed) {
  SignedRequest r = vector("ec2_allocate");
  header(r, "Authorization") = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240506/us-east-1/ec2/aws4_request";
  SigV4Result got = verify(r);
  EXPECT_EQ(got.error.message,
            "Authorization header requires 'SignedHeaders' parameter. Authorization header requires "
            "'Signature' parameter. Authorization=AWS4-HMAC-SHA256 "
            "Credential=AKIDEXAMPLE/20240506/us-east-1/ec2/aws4_request");
  remove_header(r, "X-Amz-Date");
  std::string signed_auth = vector("ec2_allocate").headers.back().second;
  header(r, "Authorization") = signed_auth;
  EXPECT_EQ(verify(r).error.message,
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
            "Authorization=" + signed_auth);
}

TEST_F(SigV4, RamVectorIsRefusedForEc2AndBySkew) {
  SigV4Result got = verify(vector("ram_get_resource_shares"), "ec2");
  EXPECT_EQ(got.error.code, "SignatureDoesNotMatch");
  EXPECT_EQ(got.error.message, "Credential should be scoped to correct service: 'ec2'. ");
  got = verify(vector("ram_get_resource_shares"), "ram", 3600);
  EXPECT_EQ(got.error.code, "RequestExpired");
  EXPECT_EQ(got.error.http_status, 400);
  SignedRequest r = vector("ram_get_resource_shares");
  r.body = "{}";
  EXPECT_EQ(verify(r, "ram").error.code, "SignatureDoesNotMatch");
}

}  // namespace
}  // namespace byoipd::aws
