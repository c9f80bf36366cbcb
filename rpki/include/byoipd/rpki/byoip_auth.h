// BYOIP and BYOASN authorization contexts: the signed message with which the
// holder of an address block or AS number authorizes one AWS account to use
// it (ProvisionByoipCidr's CidrAuthorizationContext, ProvisionIpamByoasn's
// AsnAuthorizationContext).
//
// The holder signs, with the private key of a self-signed X.509 certificate
// that they published in the RDAP record of the block or ASN,
//   1|aws|<account>|<cidr>|<YYYYMMDD>|SHA256|RSAPSS   (CIDR form)
//   1|aws|<account>|<asn>|<YYYYMMDD>|SHA256|RSAPSS    (ASN form)
// with RSASSA-PSS (SHA-256, MGF1-SHA-256, salt length 32) and base64-encodes
// the signature. Verification is pure: the caller supplies the certificate
// (as read from RDAP) and today's date; nothing here does I/O or reads a clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "byoipd/common/ip.h"
#include "byoipd/common/status.h"

namespace byoipd::rpki {

// A calendar date (UTC). Today's date from a clock:
//   Date{std::chrono::floor<std::chrono::days>(clock_now)}
using Date = std::chrono::year_month_day;

// As given to the EC2 API: Message and Signature, both text.
struct AuthorizationContext {
  std::string message;
  std::string signature;
};

enum class AuthorizationKind : uint8_t { kCidr, kAsn };

// The fields of a well-formed authorization message.
struct ParsedMessage {
  AuthorizationKind kind = AuthorizationKind::kCidr;
  std::string account;  // 12 decimal digits, leading zeros kept
  Prefix cidr;          // kCidr only
  uint32_t asn = 0;     // kAsn only
  Date expiry;          // the last day on which the message is valid
};

// Parses either form. Every field is checked exactly: version "1", the
// literals "aws", "SHA256", "RSAPSS" (case-sensitive), a 12-digit account, a
// prefix with no host bits set (IPv6 in any RFC 4291 text form) or an asplain
// ASN (decimal, no leading zero, at most 4294967295), and a real calendar
// date as 8 digits. No surrounding whitespace is allowed: the signature covers
// the exact bytes, so "...|RSAPSS\n" (echo without -n) is malformed.
// Error: "auth-malformed-message", naming the field, its value and what would
// be accepted.
Result<ParsedMessage> parse_authorization_message(std::string_view message);

// Verifies that `context` authorizes `account` to use exactly `cidr` on
// `today`, given the PEM certificate the holder published in RDAP.
//
// Checks run in this order and stop at the first failure:
//   1. the message parses and is of the CIDR form  -> auth-malformed-message
//   2. the certificate parses                      -> auth-certificate-unreadable
//   3. its key is RSA of at least 2048 bits        -> auth-unsupported-key
//   4. the signature decodes and verifies          -> auth-bad-signature
//   5. account, then CIDR, then expiry             -> auth-wrong-account,
//                                                     auth-wrong-cidr, auth-expired
// The content is judged only after the signature: until then it is text
// anyone could have written, so a forged or altered message is reported as
// what it is (a bad signature), never as "right signature, wrong account".
//
// The signature may be standard base64, RFC 4648 base64url, or the form the
// AWS documentation's pipeline produces (`tr -- '+=/' '-_~'`: '-' for '+',
// '~' for '/', '_' for '='), with or without padding, and line breaks are
// ignored. '_' is ambiguous ('/' in base64url, '=' in the AWS form); the
// reading whose length equals the RSA modulus is the one verified.
//
// The certificate is the first "-----BEGIN CERTIFICATE-----" block in
// `certificate_pem`; text around it is ignored and so are line breaks inside
// it (RDAP remarks may hold it on one line or split over several). Only its
// key is used: the trust in it comes from its publication in RDAP, so its
// self-signature, validity dates and names are not checked.
//
// The expiry is inclusive: a message dated D is valid through D and expired
// from D+1 on.
Status verify_cidr_authorization(const AuthorizationContext& context,
                                 const std::string& certificate_pem, std::string_view account,
                                 const Prefix& cidr, Date today);

// As verify_cidr_authorization, for the ASN form; the content check is an
// exact ASN match ("auth-wrong-asn").
Status verify_asn_authorization(const AuthorizationContext& context,
                                const std::string& certificate_pem, std::string_view account,
                                uint32_t asn, Date today);

// "YYYYMMDD", the date form of the message.
std::string format_yyyymmdd(Date date);

}  // namespace byoipd::rpki
