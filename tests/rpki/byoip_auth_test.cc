// BYOIP / BYOASN authorization contexts, verified against keys and
// self-signed certificates that the test makes with OpenSSL, plus one run of
// the owner's steps with the real openssl CLI.
#include "byoipd/rpki/byoip_auth.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace byoipd::rpki {
namespace {

using namespace std::chrono_literals;

// --- OpenSSL helpers (the signer's side; not part of the library) ----------

struct OpensslFree {
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
template <typename T>
using OpensslPtr = std::unique_ptr<T, OpensslFree>;
using Key = std::shared_ptr<EVP_PKEY>;

void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("OpenSSL failed: ") + what);
}

Key rsa_key(unsigned bits) {
  EVP_PKEY* key = EVP_RSA_gen(bits);
  require(key != nullptr, "EVP_RSA_gen");
  return Key(key, EVP_PKEY_free);
}

Key ec_key() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  require(key != nullptr, "EVP_EC_gen");
  return Key(key, EVP_PKEY_free);
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

// A self-signed X.509 v3 certificate for `key`, as PEM (what the owner
// publishes in the RDAP record).
std::string self_signed_pem(EVP_PKEY* key) {
  OpensslPtr<X509> cert(X509_new());
  require(cert != nullptr, "X509_new");
  require(X509_set_version(cert.get(), 2) == 1, "X509_set_version");
  require(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1) == 1, "serial");
  require(X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0) != nullptr, "notBefore");
  require(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600) != nullptr, "notAfter");
  require(X509_set_pubkey(cert.get(), key) == 1, "X509_set_pubkey");
  X509_NAME* name = X509_get_subject_name(cert.get());
  require(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>("byoipd test"), -1, -1,
                                     0) == 1,
          "subject");
  require(X509_set_issuer_name(cert.get(), name) == 1, "issuer");
  require(X509_sign(cert.get(), key, EVP_sha256()) > 0, "X509_sign");
  OpensslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  require(PEM_write_bio_X509(bio.get(), cert.get()) == 1, "PEM_write_bio_X509");
  return bio_text(bio.get());
}

std::string private_key_pem(EVP_PKEY* key) {
  OpensslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  require(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "PEM_write_bio_PrivateKey");
  return bio_text(bio.get());
}

// Raw signature bytes over `message` with SHA-256 and the given RSA padding;
// for PSS, MGF1-SHA-256 and the given salt length.
std::string sign_raw(EVP_PKEY* key, std::string_view message, int padding = RSA_PKCS1_PSS_PADDING,
                     int salt_len = RSA_PSS_SALTLEN_DIGEST) {
  OpensslPtr<EVP_MD_CTX> md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  require(EVP_DigestSignInit(md.get(), &pctx, EVP_sha256(), nullptr, key) == 1, "SignInit");
  require(EVP_PKEY_CTX_set_rsa_padding(pctx, padding) == 1, "padding");
  if (padding == RSA_PKCS1_PSS_PADDING) {
    require(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt_len) == 1, "saltlen");
    require(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1, "mgf1");
  }
  const auto* data = reinterpret_cast<const unsigned char*>(message.data());
  size_t len = 0;
  require(EVP_DigestSign(md.get(), nullptr, &len, data, message.size()) == 1, "sign size");
  std::string sig(len, '\0');
  require(EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, data,
                         message.size()) == 1,
          "sign");
  sig.resize(len);
  return sig;
}

// Standard base64 (RFC 4648 section 4), padded, one line.
std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string translate(std::string text, std::string_view from, std::string_view to) {
  for (char& c : text) {
    size_t i = from.find(c);
    if (i != std::string_view::npos) c = to[i];
  }
  return text;
}

std::string without(std::string text, char drop) {
  text.erase(std::remove(text.begin(), text.end(), drop), text.end());
  return text;
}

// The AWS documentation's form: `openssl base64 | tr -- '+=/' '-_~' | tr -d '\n'`.
std::string aws_form(std::string_view bytes) { return translate(base64(bytes), "+=/", "-_~"); }
// RFC 4648 section 5 base64url, without padding.
std::string base64url(std::string_view bytes) {
  return without(translate(base64(bytes), "+/", "-_"), '=');
}

// --- Fixture -----------------------------------------------------------------

constexpr const char* kAccount = "111122223333";
constexpr const char* kOtherAccount = "444455556666";
constexpr const char* kCidrText = "203.0.113.0/24";
constexpr uint32_t kAsn = 64512;
constexpr Date kToday = 2025y / 3 / 15;
constexpr const char* kExpiry = "20251231";

Prefix prefix(std::string_view text) { return Prefix::parse(text).value(); }

std::string message_for(std::string_view resource, std::string_view expiry = kExpiry,
                        std::string_view account = kAccount) {
  return "1|aws|" + std::string(account) + "|" + std::string(resource) + "|" + std::string(expiry) +
         "|SHA256|RSAPSS";
}

class ByoipAuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    owner_ = rsa_key(2048);
    owner_cert_ = self_signed_pem(owner_.get());
    stranger_ = rsa_key(2048);
    stranger_cert_ = self_signed_pem(stranger_.get());
    ec_cert_ = self_signed_pem(ec_key().get());
    rsa1024_ = rsa_key(1024);
    rsa1024_cert_ = self_signed_pem(rsa1024_.get());
  }
  static void TearDownTestSuite() {
    owner_.reset();
    stranger_.reset();
    rsa1024_.reset();
  }

  static AuthorizationContext signed_context(const std::string& message) {
    return {message, aws_form(sign_raw(owner_.get(), message))};
  }

  static inline Key owner_, stranger_, rsa1024_;
  static inline std::string owner_cert_, stranger_cert_, ec_cert_, rsa1024_cert_;
};

// The inputs of one verify_cidr_authorization call, valid until a case
// tampers with them.
struct CidrInputs {
  AuthorizationContext context;
  std::string certificate;
  std::string account = kAccount;
  Prefix cidr = prefix(kCidrText);
  Date today = kToday;
};

struct CidrCase {
  const char* name;
  std::function<void(CidrInputs&)> tamper;
  const char* reason;  // "" for success
};

TEST_F(ByoipAuthTest, ValidCidrContextPasses) {
  AuthorizationContext ctx = signed_context(message_for(kCidrText));
  Status s = verify_cidr_authorization(ctx, owner_cert_, kAccount, prefix(kCidrText), kToday);
  EXPECT_TRUE(s.ok()) << s.to_string();
}

TEST_F(ByoipAuthTest, ValidIpv6CidrContextPasses) {
  AuthorizationContext ctx = signed_context(message_for("2001:db8:1000::/48"));
  Status s =
      verify_cidr_authorization(ctx, owner_cert_, kAccount, prefix("2001:db8:1000::/48"), kToday);
  EXPECT_TRUE(s.ok()) << s.to_string();
}

TEST_F(ByoipAuthTest, CidrTamperingTable) {
  const std::string valid_message = message_for(kCidrText);
  const std::vector<CidrCase> cases = {
      {"valid", [](CidrInputs&) {}, ""},
      {"expiry-is-today", [](CidrInputs& in) { in.today = 2025y / 12 / 31; }, ""},
      {"expiry-was-yesterday", [](CidrInputs& in) { in.today = 2026y / 1 / 1; }, "auth-expired"},
      {"expiry-long-past", [](CidrInputs& in) { in.today = 2030y / 6 / 1; }, "auth-expired"},
      {"flipped-signature-byte",
       [](CidrInputs& in) {
         std::string raw = sign_raw(owner_.get(), in.context.message);
         raw[100] = static_cast<char>(raw[100] ^ 0x01);
         in.context.signature = aws_form(raw);
       },
       "auth-bad-signature"},
      {"signature-from-another-key",
       [](CidrInputs& in) {
         in.context.signature = aws_form(sign_raw(stranger_.get(), in.context.message));
       },
       "auth-bad-signature"},
      {"certificate-of-another-key", [](CidrInputs& in) { in.certificate = stranger_cert_; },
       "auth-bad-signature"},
      {"message-altered-after-signing",
       [](CidrInputs& in) {
         in.context.message = message_for("198.51.100.0/24");
         in.cidr = prefix("198.51.100.0/24");
       },
       "auth-bad-signature"},
      {"expiry-extended-after-signing",
       [](CidrInputs& in) { in.context.message = message_for(kCidrText, "20991231"); },
       "auth-bad-signature"},
      {"pkcs1-v1_5-signature",
       [](CidrInputs& in) {
         in.context.signature =
             aws_form(sign_raw(owner_.get(), in.context.message, RSA_PKCS1_PADDING));
       },
       "auth-bad-signature"},
      {"pss-with-maximum-salt",
       [](CidrInputs& in) {
         in.context.signature = aws_form(sign_raw(owner_.get(), in.context.message,
                                                  RSA_PKCS1_PSS_PADDING, RSA_PSS_SALTLEN_MAX));
       },
       "auth-bad-signature"},
      {"signature-truncated",
       [](CidrInputs& in) { in.context.signature.resize(in.context.signature.size() - 8); },
       "auth-bad-signature"},
      {"signature-not-base64", [](CidrInputs& in) { in.context.signature[10] = '*'; },
       "auth-bad-signature"},
      {"signature-empty", [](CidrInputs& in) { in.context.signature.clear(); },
       "auth-bad-signature"},
      {"wrong-account", [](CidrInputs& in) { in.account = kOtherAccount; }, "auth-wrong-account"},
      {"requested-sub-prefix", [](CidrInputs& in) { in.cidr = prefix("203.0.113.128/25"); },
       "auth-wrong-cidr"},
      {"requested-super-prefix", [](CidrInputs& in) { in.cidr = prefix("203.0.112.0/23"); },
       "auth-wrong-cidr"},
      {"requested-neighbour", [](CidrInputs& in) { in.cidr = prefix("203.0.114.0/24"); },
       "auth-wrong-cidr"},
      {"requested-ipv6", [](CidrInputs& in) { in.cidr = prefix("2001:db8::/48"); },
       "auth-wrong-cidr"},
      {"asn-message-in-cidr-context",
       [](CidrInputs& in) { in.context = signed_context(message_for("64512")); },
       "auth-malformed-message"},
      {"message-with-trailing-newline",
       [](CidrInputs& in) { in.context = signed_context(message_for(kCidrText) + "\n"); },
       "auth-malformed-message"},
      {"garbage-certificate", [](CidrInputs& in) { in.certificate = "not a certificate"; },
       "auth-certificate-unreadable"},
      {"empty-certificate", [](CidrInputs& in) { in.certificate.clear(); },
       "auth-certificate-unreadable"},
      {"truncated-certificate",
       [](CidrInputs& in) {
         std::string pem = in.certificate;
         size_t end = pem.find("-----END");
         in.certificate = pem.substr(0, end / 2) + "\n" + pem.substr(end);
       },
       "auth-certificate-unreadable"},
      {"certificate-with-trailing-bytes",
       [](CidrInputs& in) {
         size_t end = in.certificate.find("-----END");
         in.certificate.insert(end, "AAAA\n");
       },
       "auth-certificate-unreadable"},
      {"private-key-instead-of-certificate",
       [](CidrInputs& in) { in.certificate = private_key_pem(owner_.get()); },
       "auth-certificate-unreadable"},
      {"ec-key-certificate", [](CidrInputs& in) { in.certificate = ec_cert_; },
       "auth-unsupported-key"},
      {"rsa-1024-certificate",
       [](CidrInputs& in) {
         in.certificate = rsa1024_cert_;
         in.context.signature = aws_form(sign_raw(rsa1024_.get(), in.context.message));
       },
       "auth-unsupported-key"},
      // Order of checks: message, certificate, key, signature, then content.
      {"malformed-message-and-garbage-certificate",
       [](CidrInputs& in) {
         in.context.message = "2|aws|111122223333|203.0.113.0/24|20251231|SHA256|RSAPSS";
         in.certificate = "junk";
       },
       "auth-malformed-message"},
      {"garbage-certificate-and-bad-signature",
       [](CidrInputs& in) {
         in.certificate = "junk";
         in.context.signature = "AAAA";
       },
       "auth-certificate-unreadable"},
      {"forged-and-wrong-account",
       [](CidrInputs& in) {
         in.context.signature = aws_form(sign_raw(stranger_.get(), in.context.message));
         in.account = kOtherAccount;
       },
       "auth-bad-signature"},
      {"forged-and-expired",
       [](CidrInputs& in) {
         in.context.signature = aws_form(sign_raw(stranger_.get(), in.context.message));
         in.today = 2030y / 1 / 1;
       },
       "auth-bad-signature"},
      {"wrong-account-and-wrong-cidr-and-expired",
       [](CidrInputs& in) {
         in.account = kOtherAccount;
         in.cidr = prefix("203.0.113.0/25");
         in.today = 2030y / 1 / 1;
       },
       "auth-wrong-account"},
      {"wrong-cidr-and-expired",
       [](CidrInputs& in) {
         in.cidr = prefix("203.0.113.0/25");
         in.today = 2030y / 1 / 1;
       },
       "auth-wrong-cidr"},
  };
  const AuthorizationContext valid = signed_context(valid_message);
  for (const CidrCase& c : cases) {
    SCOPED_TRACE(c.name);
    CidrInputs in{valid, owner_cert_};
    c.tamper(in);
    Status s = verify_cidr_authorization(in.context, in.certificate, in.account, in.cidr, in.today);
    EXPECT_EQ(s.reason(), c.reason) << s.to_string();
  }
}

TEST_F(ByoipAuthTest, ErrorMessagesNameOffendingAndExpectedValues) {
  AuthorizationContext ctx = signed_context(message_for(kCidrText));
  Status account =
      verify_cidr_authorization(ctx, owner_cert_, kOtherAccount, prefix(kCidrText), kToday);
  EXPECT_NE(account.message().find(kAccount), std::string::npos) << account.message();
  EXPECT_NE(account.message().find(kOtherAccount), std::string::npos) << account.message();
  EXPECT_EQ(account.code(), Code::kPermissionDenied);

  Status cidr =
      verify_cidr_authorization(ctx, owner_cert_, kAccount, prefix("203.0.113.0/25"), kToday);
  EXPECT_NE(cidr.message().find("203.0.113.0/24"), std::string::npos) << cidr.message();
  EXPECT_NE(cidr.message().find("203.0.113.0/25"), std::string::npos) << cidr.message();
  EXPECT_NE(cidr.message().find("inside"), std::string::npos) << cidr.message();

  Status expired =
      verify_cidr_authorization(ctx, owner_cert_, kAccount, prefix(kCidrText), 2026y / 1 / 1);
  EXPECT_NE(expired.message().find("20251231"), std::string::npos) << expired.message();
  EXPECT_NE(expired.message().find("20260101"), std::string::npos) << expired.message();

  Status ec = verify_cidr_authorization(ctx, ec_cert_, kAccount, prefix(kCidrText), kToday);
  EXPECT_NE(ec.message().find("EC"), std::string::npos) << ec.message();
  EXPECT_NE(ec.message().find("RSA"), std::string::npos) << ec.message();

  Status small = verify_cidr_authorization(ctx, rsa1024_cert_, kAccount, prefix(kCidrText), kToday);
  EXPECT_NE(small.message().find("RSA-1024"), std::string::npos) << small.message();

  AuthorizationContext asn_ctx = signed_context(message_for("64512"));
  Status wrong_asn = verify_asn_authorization(asn_ctx, owner_cert_, kAccount, 64513, kToday);
  EXPECT_EQ(wrong_asn.reason(), "auth-wrong-asn");
  EXPECT_NE(wrong_asn.message().find("AS64512"), std::string::npos) << wrong_asn.message();
  EXPECT_NE(wrong_asn.message().find("AS64513"), std::string::npos) << wrong_asn.message();
}

// --- Signature encodings -----------------------------------------------------

// A signature whose standard base64 uses both '+' and '/' (PSS is randomized,
// so signing again gives another), so every alphabet mapping is exercised.
std::string signature_using_every_digit(EVP_PKEY* key, const std::string& message) {
  for (int i = 0; i < 200; ++i) {
    std::string raw = sign_raw(key, message);
    std::string b64 = base64(raw);
    if (b64.find('+') != std::string::npos && b64.find('/') != std::string::npos) return raw;
  }
  throw std::runtime_error("no signature with both '+' and '/' in 200 tries");
}

TEST_F(ByoipAuthTest, SignatureEncodingsAllVerify) {
  const std::string message = message_for(kCidrText);
  const std::string raw = signature_using_every_digit(owner_.get(), message);
  ASSERT_EQ(raw.size(), 256u);  // 2048-bit key: base64 ends in "==" (AWS form "__")
  std::string lines;            // `openssl base64` without `tr -d '\n'`: 64 per line
  for (size_t i = 0, n = aws_form(raw).size(); i < n; i += 64) {
    lines += aws_form(raw).substr(i, 64) + "\n";
  }
  const std::vector<std::pair<const char*, std::string>> encodings = {
      {"aws-form", aws_form(raw)},
      {"aws-form-padding-stripped", without(aws_form(raw), '_')},
      {"aws-form-with-line-breaks", lines},
      {"standard-base64", base64(raw)},
      {"standard-base64-padding-stripped", without(base64(raw), '=')},
      {"base64url", base64url(raw)},
      {"base64url-padded", translate(base64(raw), "+/", "-_")},
  };
  ASSERT_NE(aws_form(raw).find('~'), std::string::npos);
  ASSERT_EQ(aws_form(raw).substr(aws_form(raw).size() - 2), "__");
  ASSERT_NE(base64url(raw).find('_'), std::string::npos);
  for (const auto& [name, text] : encodings) {
    SCOPED_TRACE(name);
    Status s = verify_cidr_authorization({message, text}, owner_cert_, kAccount, prefix(kCidrText),
                                         kToday);
    EXPECT_TRUE(s.ok()) << s.to_string() << "\nsignature: " << text;
  }
}

// With a 3072-bit key the signature is 384 bytes, a multiple of 3: base64url
// then has no padding, and a final '_' is the digit 63, not AWS-form padding.
TEST_F(ByoipAuthTest, TrailingUnderscoreIsReadByModulusLength) {
  Key key = rsa_key(3072);
  const std::string cert = self_signed_pem(key.get());
  const std::string message = message_for(kCidrText);
  std::string raw;
  for (int i = 0; i < 2000 && (raw.empty() || base64url(raw).back() != '_'); ++i) {
    raw = sign_raw(key.get(), message);
  }
  ASSERT_EQ(base64url(raw).back(), '_');
  ASSERT_EQ(raw.size(), 384u);
  for (const std::string& text : {base64url(raw), aws_form(raw)}) {
    Status s =
        verify_cidr_authorization({message, text}, cert, kAccount, prefix(kCidrText), kToday);
    EXPECT_TRUE(s.ok()) << s.to_string() << "\nsignature: " << text;
  }
}

TEST_F(ByoipAuthTest, CertificateLineBreaksAndSurroundingTextDoNotMatter) {
  AuthorizationContext ctx = signed_context(message_for(kCidrText));
  // As an RDAP remark might carry it: on one line, after other remarks.
  std::string one_line = "Contact noc@example.net. " + without(owner_cert_, '\n') + " end";
  Status s = verify_cidr_authorization(ctx, one_line, kAccount, prefix(kCidrText), kToday);
  EXPECT_TRUE(s.ok()) << s.to_string();
}

// A refused certificate or signature leaves nothing on OpenSSL's per-thread
// error queue for unrelated code (TLS in the controller) to trip over.
TEST_F(ByoipAuthTest, LeavesOpensslErrorQueueEmpty) {
  ERR_clear_error();
  AuthorizationContext ctx = signed_context(message_for(kCidrText));
  std::string bad_der = "-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n";
  EXPECT_EQ(verify_cidr_authorization(ctx, bad_der, kAccount, prefix(kCidrText), kToday).reason(),
            "auth-certificate-unreadable");
  EXPECT_EQ(ERR_peek_error(), 0u);
  ctx.signature[20] = ctx.signature[20] == 'A' ? 'B' : 'A';
  EXPECT_EQ(
      verify_cidr_authorization(ctx, owner_cert_, kAccount, prefix(kCidrText), kToday).reason(),
      "auth-bad-signature");
  EXPECT_EQ(ERR_peek_error(), 0u);
}

// --- ASN form ----------------------------------------------------------------

TEST_F(ByoipAuthTest, AsnTable) {
  struct Case {
    const char* name;
    std::string message;
    bool sign_with_stranger;
    const char* account;
    uint32_t asn;
    Date today;
    const char* reason;
  };
  const std::vector<Case> cases = {
      {"valid", message_for("64512"), false, kAccount, kAsn, kToday, ""},
      {"four-octet", message_for("4200000000"), false, kAccount, 4200000000u, kToday, ""},
      {"expiry-is-today", message_for("64512"), false, kAccount, kAsn, 2025y / 12 / 31, ""},
      {"expired", message_for("64512"), false, kAccount, kAsn, 2026y / 1 / 1, "auth-expired"},
      {"wrong-asn", message_for("64512"), false, kAccount, 64513, kToday, "auth-wrong-asn"},
      {"wrong-account", message_for("64512"), false, kOtherAccount, kAsn, kToday,
       "auth-wrong-account"},
      {"forged", message_for("64512"), true, kAccount, kAsn, kToday, "auth-bad-signature"},
      {"cidr-message-in-asn-context", message_for(kCidrText), false, kAccount, kAsn, kToday,
       "auth-malformed-message"},
      {"asn-with-as-prefix", message_for("AS64512"), false, kAccount, kAsn, kToday,
       "auth-malformed-message"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EVP_PKEY* signer = c.sign_with_stranger ? stranger_.get() : owner_.get();
    AuthorizationContext ctx{c.message, aws_form(sign_raw(signer, c.message))};
    Status s = verify_asn_authorization(ctx, owner_cert_, c.account, c.asn, c.today);
    EXPECT_EQ(s.reason(), c.reason) << s.to_string();
  }
}

// --- Message parsing ---------------------------------------------------------

TEST(ParseAuthorizationMessageTest, ParsesCidrForm) {
  Result<ParsedMessage> m =
      parse_authorization_message("1|aws|000011112222|2001:db8::/32|20240229|SHA256|RSAPSS");
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->kind, AuthorizationKind::kCidr);
  EXPECT_EQ(m->account, "000011112222");
  EXPECT_EQ(m->cidr, prefix("2001:db8::/32"));
  EXPECT_EQ(m->expiry, 2024y / 2 / 29);
  EXPECT_EQ(format_yyyymmdd(m->expiry), "20240229");
}

TEST(ParseAuthorizationMessageTest, ParsesAsnForm) {
  Result<ParsedMessage> m =
      parse_authorization_message("1|aws|111122223333|4294967295|20991231|SHA256|RSAPSS");
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->kind, AuthorizationKind::kAsn);
  EXPECT_EQ(m->asn, 4294967295u);
  EXPECT_EQ(m->expiry, 2099y / 12 / 31);
}

TEST(ParseAuthorizationMessageTest, MalformedMessagesTable) {
  struct Case {
    const char* name;
    const char* message;
    const char* names;  // a text the error message must contain
  };
  const std::vector<Case> cases = {
      {"empty", "", "has 1"},
      {"too-few-fields", "1|aws|111122223333|203.0.113.0/24|20251231|SHA256", "has 6"},
      {"too-many-fields", "1|aws|111122223333|203.0.113.0/24|20251231|SHA256|RSAPSS|x", "has 8"},
      {"version-2", "2|aws|111122223333|203.0.113.0/24|20251231|SHA256|RSAPSS", "version"},
      {"version-01", "01|aws|111122223333|203.0.113.0/24|20251231|SHA256|RSAPSS", "'01'"},
      {"partition-upper-case", "1|AWS|111122223333|203.0.113.0/24|20251231|SHA256|RSAPSS", "'AWS'"},
      {"partition-aws-cn", "1|aws-cn|111122223333|203.0.113.0/24|20251231|SHA256|RSAPSS",
       "partition"},
      {"account-11-digits", "1|aws|11112222333|203.0.113.0/24|20251231|SHA256|RSAPSS", "12-digit"},
      {"account-13-digits", "1|aws|1111222233334|203.0.113.0/24|20251231|SHA256|RSAPSS",
       "12-digit"},
      {"account-with-letters", "1|aws|11112222333a|203.0.113.0/24|20251231|SHA256|RSAPSS",
       "'11112222333a'"},
      {"account-with-dashes", "1|aws|1111-2222-3333|203.0.113.0/24|20251231|SHA256|RSAPSS",
       "account"},
      {"cidr-host-bits", "1|aws|111122223333|203.0.113.1/24|20251231|SHA256|RSAPSS",
       "203.0.113.0/24"},
      {"cidr-no-length", "1|aws|111122223333|203.0.113.0|20251231|SHA256|RSAPSS", "cidr"},
      {"cidr-bad-length", "1|aws|111122223333|203.0.113.0/33|20251231|SHA256|RSAPSS", "cidr"},
      {"cidr-garbage", "1|aws|111122223333|203.0.113/24|20251231|SHA256|RSAPSS", "cidr"},
      {"ipv6-host-bits", "1|aws|111122223333|2001:db8::1/48|20251231|SHA256|RSAPSS", "cidr"},
      {"asn-as-prefix", "1|aws|111122223333|AS64512|20251231|SHA256|RSAPSS", "asplain"},
      {"asn-leading-zero", "1|aws|111122223333|064512|20251231|SHA256|RSAPSS", "asn"},
      {"asn-too-big", "1|aws|111122223333|4294967296|20251231|SHA256|RSAPSS", "4294967295"},
      {"asn-empty", "1|aws|111122223333||20251231|SHA256|RSAPSS", "field 4"},
      {"date-7-digits", "1|aws|111122223333|203.0.113.0/24|2025123|SHA256|RSAPSS", "YYYYMMDD"},
      {"date-dashes", "1|aws|111122223333|203.0.113.0/24|2025-12-31|SHA256|RSAPSS", "expiry"},
      {"date-month-13", "1|aws|111122223333|203.0.113.0/24|20251301|SHA256|RSAPSS", "'20251301'"},
      {"date-month-00", "1|aws|111122223333|203.0.113.0/24|20250001|SHA256|RSAPSS", "expiry"},
      {"date-day-00", "1|aws|111122223333|203.0.113.0/24|20251200|SHA256|RSAPSS", "expiry"},
      {"date-april-31", "1|aws|111122223333|203.0.113.0/24|20250431|SHA256|RSAPSS", "expiry"},
      {"date-feb-29-non-leap", "1|aws|111122223333|203.0.113.0/24|20250229|SHA256|RSAPSS",
       "'20250229'"},
      {"date-feb-29-1900", "1|aws|111122223333|203.0.113.0/24|19000229|SHA256|RSAPSS", "expiry"},
      {"hash-lower-case", "1|aws|111122223333|203.0.113.0/24|20251231|sha256|RSAPSS", "'SHA256'"},
      {"hash-sha1", "1|aws|111122223333|203.0.113.0/24|20251231|SHA1|RSAPSS", "hash"},
      {"scheme-pkcs1", "1|aws|111122223333|203.0.113.0/24|20251231|SHA256|RSAPKCS1", "'RSAPSS'"},
      {"trailing-newline", "1|aws|111122223333|203.0.113.0/24|20251231|SHA256|RSAPSS\n",
       "signature scheme"},
      {"leading-space", " 1|aws|111122223333|203.0.113.0/24|20251231|SHA256|RSAPSS", "version"},
      {"space-in-field", "1|aws|111122223333| 203.0.113.0/24|20251231|SHA256|RSAPSS", "cidr"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<ParsedMessage> m = parse_authorization_message(c.message);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.status().reason(), "auth-malformed-message");
    EXPECT_EQ(m.status().code(), Code::kInvalidArgument);
    EXPECT_NE(m.status().message().find(c.names), std::string::npos) << m.status().message();
  }
}

TEST(ParseAuthorizationMessageTest, MalformedMessageFailsVerificationFirst) {
  // No key or certificate is needed to refuse a malformed message.
  Status s =
      verify_cidr_authorization({"1|aws|x", "AAAA"}, "", kAccount, prefix(kCidrText), kToday);
  EXPECT_EQ(s.reason(), "auth-malformed-message");
}

// --- The owner's steps with the real openssl CLI ----------------------------

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(ByoipAuthCliTest, SignatureMadeWithOpensslCliVerifies) {
  if (std::system("command -v openssl >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "openssl is not on PATH";
  }
  std::string dir_template = ::testing::TempDir() + "byoip_auth_XXXXXX";
  ASSERT_NE(mkdtemp(dir_template.data()), nullptr);
  const std::filesystem::path dir = dir_template;
  const std::string message = message_for(kCidrText, "20991231");
  // The owner's steps: a 2048-bit RSA key, a self-signed certificate for the
  // RDAP record, and the documented signing pipeline (echo -n: no newline).
  const std::string script =
      "cd '" + dir.string() + "' && " +
      "openssl genrsa -out private.key 2048 2>/dev/null && "
      "openssl req -new -x509 -key private.key -days 365 -subj '/CN=byoipd owner' "
      "-out publickey.cer 2>/dev/null && "
      "echo -n '" +
      message +
      "' | openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1 "
      "-sign private.key -keyform PEM | openssl base64 | tr -- '+=/' '-_~' | tr -d '\\n' "
      "> signature";
  ASSERT_EQ(std::system(script.c_str()), 0) << script;
  const std::string cert = read_file(dir / "publickey.cer");
  const std::string signature = read_file(dir / "signature");
  std::filesystem::remove_all(dir);

  Status ok =
      verify_cidr_authorization({message, signature}, cert, kAccount, prefix(kCidrText), kToday);
  EXPECT_TRUE(ok.ok()) << ok.to_string() << "\nsignature: " << signature;
  Status wrong = verify_cidr_authorization({message, signature}, cert, kOtherAccount,
                                           prefix(kCidrText), kToday);
  EXPECT_EQ(wrong.reason(), "auth-wrong-account");
}

}  // namespace
}  // namespace byoipd::rpki
