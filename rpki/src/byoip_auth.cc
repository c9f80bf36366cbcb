#include "byoipd/rpki/byoip_auth.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <climits>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace byoipd::rpki {
namespace {

constexpr const char* kCidrForm = "1|aws|<account>|<cidr>|<YYYYMMDD>|SHA256|RSAPSS";
constexpr const char* kAsnForm = "1|aws|<account>|<asn>|<YYYYMMDD>|SHA256|RSAPSS";
// AWS requires 2048-bit keys; anything shorter is factorable in practice.
constexpr int kMinRsaBits = 2048;

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// `text` in quotes for an error message, cut short if it is long.
std::string quoted(std::string_view text) {
  constexpr size_t kMax = 160;
  if (text.size() <= kMax) return "'" + std::string(text) + "'";
  return "'" + std::string(text.substr(0, kMax)) + "...' (" + std::to_string(text.size()) +
         " bytes)";
}

Status malformed(std::string message) {
  return Status(Code::kInvalidArgument, "auth-malformed-message", std::move(message));
}

Status bad_field(int index, std::string_view name, std::string_view value,
                 std::string_view expected) {
  return malformed("authorization message field " + std::to_string(index) + " (" +
                   std::string(name) + ") is " + quoted(value) + ": expected " +
                   std::string(expected) + " (message form " + kCidrForm + " or " + kAsnForm + ")");
}

std::optional<Date> parse_yyyymmdd(std::string_view text) {
  if (text.size() != 8 || !all_digits(text)) return std::nullopt;
  auto num = [&](size_t pos, size_t len) {
    unsigned v = 0;
    for (char c : text.substr(pos, len)) v = v * 10 + static_cast<unsigned>(c - '0');
    return v;
  };
  Date date{std::chrono::year{static_cast<int>(num(0, 4))}, std::chrono::month{num(4, 2)},
            std::chrono::day{num(6, 2)}};
  if (!date.ok()) return std::nullopt;
  return date;
}

// asplain only: the message is compared byte for byte by the signer's tools,
// so "AS64512", "064512" and asdot are refused rather than normalised.
std::optional<uint32_t> parse_asplain(std::string_view text) {
  if (text.empty() || text.size() > 10 || !all_digits(text)) return std::nullopt;
  if (text.size() > 1 && text[0] == '0') return std::nullopt;
  uint64_t v = 0;
  for (char c : text) v = v * 10 + static_cast<uint64_t>(c - '0');
  if (v > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(v);
}

std::string without_whitespace(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') out.push_back(c);
  }
  return out;
}

// --- Signature text ---------------------------------------------------------
//
// The decoder reads the union of the alphabets ('+' or '-' for 62; '/', '~' or
// '_' for 63; '=' for padding): the signature is verified afterwards, so being
// liberal about spelling costs nothing. Only '_' is ambiguous, see the header.

int base64_digit(char c, bool underscore_is_pad) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '~') return 63;
  if (c == '_') return underscore_is_pad ? -2 : 63;
  if (c == '=') return -2;
  return -1;
}

// Decodes `text` (whitespace already removed); nullopt if it is not base64.
std::optional<std::vector<unsigned char>> decode_base64(std::string_view text,
                                                        bool underscore_is_pad) {
  size_t data_len = text.size();
  while (data_len > 0 && base64_digit(text[data_len - 1], underscore_is_pad) == -2) --data_len;
  size_t pad = text.size() - data_len;
  if (pad > 2 || (pad > 0 && text.size() % 4 != 0) || data_len % 4 == 1) return std::nullopt;
  std::vector<unsigned char> out;
  out.reserve(data_len * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < data_len; ++i) {
    int d = base64_digit(text[i], underscore_is_pad);
    if (d < 0) return std::nullopt;  // a stray character or padding mid-string
    acc = (acc << 6) | static_cast<uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<unsigned char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

// The bytes of the signature, read as the holder most plausibly wrote them:
// of the readings that decode, the one `modulus_bytes` long, else the first.
std::optional<std::vector<unsigned char>> decode_signature(std::string_view text,
                                                           size_t modulus_bytes) {
  std::string compact = without_whitespace(text);
  std::optional<std::vector<unsigned char>> first;
  for (bool underscore_is_pad : {false, true}) {
    auto bytes = decode_base64(compact, underscore_is_pad);
    if (!bytes) continue;
    if (bytes->size() == modulus_bytes) return bytes;
    if (!first) first = std::move(bytes);
  }
  return first;
}

// --- OpenSSL ----------------------------------------------------------------

struct OpensslFree {
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
template <typename T>
using OpensslPtr = std::unique_ptr<T, OpensslFree>;

// OpenSSL reports failures on a per-thread queue; leave it empty so that a
// refused certificate here is never read as an error by unrelated TLS code.
struct ErrorQueueGuard {
  ~ErrorQueueGuard() { ERR_clear_error(); }
};

Status unreadable_certificate(std::string why) {
  return Status(Code::kInvalidArgument, "auth-certificate-unreadable",
                "certificate " + why +
                    ": expected the PEM X.509 certificate published in the RDAP record "
                    "('-----BEGIN CERTIFICATE-----', base64 DER, '-----END CERTIFICATE-----')");
}

// The first CERTIFICATE block of `pem`. Line breaks inside the block do not
// matter: RDAP remarks may carry the certificate on one line or split across
// several, so the base64 body is read whitespace-insensitively.
Result<OpensslPtr<X509>> read_certificate(std::string_view pem) {
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  size_t begin = pem.find(kBegin);
  size_t end = begin == std::string_view::npos ? begin : pem.find(kEnd, begin);
  if (end == std::string_view::npos) {
    return unreadable_certificate("has no BEGIN/END CERTIFICATE block (" +
                                  std::to_string(pem.size()) + " bytes given)");
  }
  std::string body =
      without_whitespace(pem.substr(begin + kBegin.size(), end - begin - kBegin.size()));
  auto der = decode_base64(body, /*underscore_is_pad=*/false);
  if (!der || der->empty() || der->size() > INT_MAX) {
    return unreadable_certificate("block is not base64");
  }
  const unsigned char* p = der->data();
  OpensslPtr<X509> cert(d2i_X509(nullptr, &p, static_cast<long>(der->size())));
  if (!cert || p != der->data() + der->size()) {
    return unreadable_certificate("block is not a DER X.509 certificate");
  }
  return cert;
}

Result<OpensslPtr<EVP_PKEY>> certificate_key(std::string_view pem) {
  Result<OpensslPtr<X509>> cert = read_certificate(pem);
  if (!cert.ok()) return cert.status();
  OpensslPtr<EVP_PKEY> key(X509_get_pubkey(cert->get()));
  if (!key) return unreadable_certificate("has a public key OpenSSL cannot read");
  const char* type = EVP_PKEY_get0_type_name(key.get());
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) {
    return Status(Code::kInvalidArgument, "auth-unsupported-key",
                  std::string("certificate key is ") + (type ? type : "of an unknown type") +
                      ": expected an RSA key (rsaEncryption) of at least 2048 bits, as made by "
                      "'openssl genrsa -out private.key 2048'");
  }
  if (EVP_PKEY_get_bits(key.get()) < kMinRsaBits) {
    return Status(Code::kInvalidArgument, "auth-unsupported-key",
                  "certificate key is RSA-" + std::to_string(EVP_PKEY_get_bits(key.get())) +
                      ": expected at least " + std::to_string(kMinRsaBits) + " bits");
  }
  return key;
}

// RSASSA-PSS, SHA-256, MGF1-SHA-256, salt length = digest length (32): what
// `openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1`
// produces. The salt length is fixed, not recovered from the signature.
bool pss_sha256_verifies(EVP_PKEY* key, std::string_view message,
                         const std::vector<unsigned char>& signature) {
  OpensslPtr<EVP_MD_CTX> md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md
  return md && EVP_DigestVerifyInit(md.get(), &pctx, EVP_sha256(), nullptr, key) == 1 &&
         EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1 &&
         EVP_DigestVerify(md.get(), signature.data(), signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

// Steps 1-4 of the header's order; returns the message the holder signed.
Result<ParsedMessage> verified_message(const AuthorizationContext& context,
                                       const std::string& certificate_pem,
                                       AuthorizationKind expected) {
  ErrorQueueGuard clear_errors;
  Result<ParsedMessage> parsed = parse_authorization_message(context.message);
  if (!parsed.ok()) return parsed.status();
  if (parsed->kind != expected) {
    bool want_cidr = expected == AuthorizationKind::kCidr;
    return malformed("message " + quoted(context.message) + " is of the " +
                     (want_cidr ? "ASN" : "CIDR") + " form, but this is " +
                     (want_cidr ? "a CIDR" : "an ASN") + " authorization: expected " +
                     (want_cidr ? kCidrForm : kAsnForm));
  }
  Result<OpensslPtr<EVP_PKEY>> key = certificate_key(certificate_pem);
  if (!key.ok()) return key.status();
  size_t modulus_bytes = static_cast<size_t>(EVP_PKEY_get_size(key->get()));
  auto signature = decode_signature(context.signature, modulus_bytes);
  if (!signature) {
    return Status(Code::kPermissionDenied, "auth-bad-signature",
                  "signature is not base64 (expected standard base64, base64url, or the "
                  "'tr -- \"+=/\" \"-_~\"' form of the AWS documentation)");
  }
  if (signature->size() != modulus_bytes) {
    return Status(Code::kPermissionDenied, "auth-bad-signature",
                  "signature decodes to " + std::to_string(signature->size()) +
                      " bytes: a signature by the certificate's RSA-" +
                      std::to_string(EVP_PKEY_get_bits(key->get())) + " key is " +
                      std::to_string(modulus_bytes) + " bytes");
  }
  if (!pss_sha256_verifies(key->get(), context.message, *signature)) {
    return Status(Code::kPermissionDenied, "auth-bad-signature",
                  "signature does not verify for message " + quoted(context.message) +
                      " with the certificate's key (expected RSASSA-PSS, SHA-256, salt length "
                      "32, over the exact message bytes, by the certificate's private key)");
  }
  return parsed;
}

Status check_account(const ParsedMessage& m, std::string_view account) {
  if (m.account == account) return Status();
  return Status(
      Code::kPermissionDenied, "auth-wrong-account",
      "authorization is for account " + m.account + ", not for account " + std::string(account));
}

// Inclusive: the message names the last day it is valid (see the header).
Status check_expiry(const ParsedMessage& m, Date today) {
  if (m.expiry >= today) return Status();
  return Status(Code::kPermissionDenied, "auth-expired",
                "authorization expired: its last valid day is " + format_yyyymmdd(m.expiry) +
                    " and today is " + format_yyyymmdd(today) +
                    " (expected an expiry date on or after today)");
}

}  // namespace

std::string format_yyyymmdd(Date date) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return buf;
}

Result<ParsedMessage> parse_authorization_message(std::string_view message) {
  std::vector<std::string_view> fields;
  for (size_t start = 0;;) {
    size_t bar = message.find('|', start);
    fields.push_back(message.substr(start, bar - start));
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  if (fields.size() != 7) {
    return malformed("authorization message " + quoted(message) + " has " +
                     std::to_string(fields.size()) + " '|'-separated fields: expected 7, " +
                     kCidrForm + " or " + kAsnForm);
  }
  if (fields[0] != "1") return bad_field(1, "version", fields[0], "'1'");
  if (fields[1] != "aws") return bad_field(2, "partition", fields[1], "'aws'");
  if (fields[2].size() != 12 || !all_digits(fields[2])) {
    return bad_field(3, "account", fields[2], "a 12-digit AWS account ID");
  }
  if (fields[5] != "SHA256") return bad_field(6, "hash", fields[5], "'SHA256'");
  if (fields[6] != "RSAPSS") return bad_field(7, "signature scheme", fields[6], "'RSAPSS'");

  ParsedMessage m;
  m.account = std::string(fields[2]);
  std::string_view resource = fields[3];
  if (resource.find_first_of("/.:") != std::string_view::npos) {
    Result<Prefix> cidr = Prefix::parse(resource);
    if (!cidr.ok()) {
      return bad_field(4, "cidr", resource,
                       "a prefix with no host bits set (" + cidr.status().message() + ")");
    }
    m.kind = AuthorizationKind::kCidr;
    m.cidr = *cidr;
  } else {
    std::optional<uint32_t> asn = parse_asplain(resource);
    if (!asn) {
      return bad_field(4, "asn", resource,
                       "an ASN in asplain (decimal, no 'AS', no leading zero, at most "
                       "4294967295) or a CIDR");
    }
    m.kind = AuthorizationKind::kAsn;
    m.asn = *asn;
  }
  std::optional<Date> expiry = parse_yyyymmdd(fields[4]);
  if (!expiry) return bad_field(5, "expiry", fields[4], "a calendar date as YYYYMMDD");
  m.expiry = *expiry;
  return m;
}

Status verify_cidr_authorization(const AuthorizationContext& context,
                                 const std::string& certificate_pem, std::string_view account,
                                 const Prefix& cidr, Date today) {
  Result<ParsedMessage> m = verified_message(context, certificate_pem, AuthorizationKind::kCidr);
  if (!m.ok()) return m.status();
  if (Status s = check_account(*m, account); !s.ok()) return s;
  if (m->cidr != cidr) {
    std::string relation = m->cidr.contains(cidr)   ? " (the requested prefix is inside it)"
                           : cidr.contains(m->cidr) ? " (the requested prefix covers it)"
                                                    : "";
    return Status(Code::kPermissionDenied, "auth-wrong-cidr",
                  "authorization is for " + m->cidr.to_string() + ", not for " + cidr.to_string() +
                      relation +
                      ": it authorizes exactly the signed prefix, no more specific or less "
                      "specific one");
  }
  return check_expiry(*m, today);
}

Status verify_asn_authorization(const AuthorizationContext& context,
                                const std::string& certificate_pem, std::string_view account,
                                uint32_t asn, Date today) {
  Result<ParsedMessage> m = verified_message(context, certificate_pem, AuthorizationKind::kAsn);
  if (!m.ok()) return m.status();
  if (Status s = check_account(*m, account); !s.ok()) return s;
  if (m->asn != asn) {
    return Status(
        Code::kPermissionDenied, "auth-wrong-asn",
        "authorization is for AS" + std::to_string(m->asn) + ", not for AS" + std::to_string(asn));
  }
  return check_expiry(*m, today);
}

}  // namespace byoipd::rpki
