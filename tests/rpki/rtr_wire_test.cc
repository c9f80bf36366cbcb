#include "byoipd/rpki/rtr.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace byoipd::rpki::rtr {
namespace {

using Bytes = std::vector<uint8_t>;

Prefix prefix(const char* text) { return *Prefix::parse(text); }

Pdu v(uint8_t version, PduBody body) { return Pdu{version, std::move(body)}; }

RouterKey router_key() {
  RouterKey key;
  key.announce = true;
  for (size_t i = 0; i < key.ski.size(); ++i) key.ski[i] = static_cast<uint8_t>(i + 1);
  key.asn = 64496;
  key.spki = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07};
  return key;
}

// ---- Round trips -----------------------------------------------------------------

std::vector<Pdu> every_pdu(uint8_t version) {
  std::vector<Pdu> pdus = {
      v(version, SerialNotify{0x1234, 42}),
      v(version, SerialQuery{0x1234, 0xffffffff}),
      v(version, ResetQuery{}),
      v(version, CacheResponse{7}),
      v(version, PrefixPdu{true, prefix("192.0.2.0/24"), 24, 64496}),
      v(version, PrefixPdu{false, prefix("10.0.0.0/8"), 32, 0}),
      v(version, PrefixPdu{true, prefix("0.0.0.0/0"), 0, 1}),
      v(version, PrefixPdu{true, prefix("2001:db8::/32"), 48, 4200000000u}),
      v(version, PrefixPdu{false, prefix("2001:db8:1:2:3:4:5:6/128"), 128, 65551}),
      v(version, CacheReset{}),
      v(version, ErrorReport{ErrorCode::kNoDataAvailable, {}, ""}),
      v(version, ErrorReport{ErrorCode::kCorruptData, {1, 1, 0, 7, 0, 0, 0, 12, 0, 0, 0, 1},
                             "Session ID mismatch"}),
  };
  if (version == kVersion1) {
    pdus.push_back(v(version, EndOfData{7, 43, Intervals{3600, 600, 7200}}));
    pdus.push_back(v(version, router_key()));
    RouterKey withdraw = router_key();
    withdraw.announce = false;
    withdraw.spki.clear();
    pdus.push_back(v(version, withdraw));
  } else {
    pdus.push_back(v(version, EndOfData{7, 43, std::nullopt}));
  }
  return pdus;
}

TEST(RtrWireTest, EveryPduRoundTripsInBothVersions) {
  for (uint8_t version : {kVersion0, kVersion1}) {
    for (const Pdu& pdu : every_pdu(version)) {
      SCOPED_TRACE(describe(pdu));
      auto bytes = encode(pdu);
      ASSERT_TRUE(bytes.ok()) << bytes.status().to_string();
      FrameResult f = frame(*bytes);
      ASSERT_FALSE(f.error) << f.error->reason;
      ASSERT_EQ(f.length, bytes->size());
      DecodeResult r = decode(*bytes);
      ASSERT_TRUE(r.ok()) << r.error->reason;
      EXPECT_EQ(*r.pdu, pdu);
      EXPECT_EQ(r.pdu->type(), pdu.type());
    }
  }
}

// ---- Captured bytes (RFC 8210 section 5 layouts) --------------------------------

struct Captured {
  const char* name;
  Pdu pdu;
  Bytes bytes;
};

TEST(RtrWireTest, EncodesTheRfcLayoutsByteForByte) {
  const Captured cases[] = {
      {"serial notify v1", v(1, SerialNotify{0x0102, 0x0a0b0c0d}),
       {1, 0, 0x01, 0x02, 0, 0, 0, 12, 0x0a, 0x0b, 0x0c, 0x0d}},
      {"serial query v0", v(0, SerialQuery{0x0102, 5}),
       {0, 1, 0x01, 0x02, 0, 0, 0, 12, 0, 0, 0, 5}},
      {"reset query v1", v(1, ResetQuery{}), {1, 2, 0, 0, 0, 0, 0, 8}},
      {"cache response v1", v(1, CacheResponse{0xbeef}), {1, 3, 0xbe, 0xef, 0, 0, 0, 8}},
      {"ipv4 prefix v1", v(1, PrefixPdu{true, prefix("192.0.2.0/24"), 25, 64496}),
       {1, 4, 0, 0, 0, 0, 0, 20, 1, 24, 25, 0, 192, 0, 2, 0, 0, 0, 0xfb, 0xf0}},
      {"ipv6 prefix v0 withdraw", v(0, PrefixPdu{false, prefix("2001:db8::/32"), 32, 65536}),
       {0, 6, 0, 0, 0, 0, 0, 32, 0, 32, 32, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0}},
      {"end of data v0", v(0, EndOfData{9, 100, std::nullopt}),
       {0, 7, 0, 9, 0, 0, 0, 12, 0, 0, 0, 100}},
      {"end of data v1", v(1, EndOfData{9, 100, Intervals{3600, 600, 7200}}),
       {1, 7, 0, 9, 0, 0, 0, 24, 0, 0, 0, 100, 0, 0, 0x0e, 0x10, 0, 0, 0x02, 0x58,
        0, 0, 0x1c, 0x20}},
      {"cache reset v0", v(0, CacheReset{}), {0, 8, 0, 0, 0, 0, 0, 8}},
      {"error report v1", v(1, ErrorReport{ErrorCode::kUnsupportedProtocolVersion,
                                           {1, 2, 0, 0, 0, 0, 0, 8}, "v2?"}),
       {1, 10, 0, 4, 0, 0, 0, 27, 0, 0, 0, 8, 1, 2, 0, 0, 0, 0, 0, 8, 0, 0, 0, 3, 'v', '2', '?'}},
  };
  for (const Captured& c : cases) {
    SCOPED_TRACE(c.name);
    auto bytes = encode(c.pdu);
    ASSERT_TRUE(bytes.ok());
    EXPECT_EQ(*bytes, c.bytes);
    DecodeResult r = decode(c.bytes);
    ASSERT_TRUE(r.ok()) << r.error->reason;
    EXPECT_EQ(*r.pdu, c.pdu);
  }
}

TEST(RtrWireTest, RouterKeyLayout) {
  Bytes bytes = {1, 9, 1, 0, 0, 0, 0, 34};
  for (int i = 1; i <= 20; ++i) bytes.push_back(static_cast<uint8_t>(i));
  for (uint8_t b : {0, 0, 0xfb, 0xf0, 0x30, 0x59}) bytes.push_back(b);
  RouterKey key = router_key();
  key.spki = {0x30, 0x59};
  auto encoded = encode(v(1, key));
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(*encoded, bytes);
}

// Fields the RFC calls zero are ignored on receipt (section 5.1), and so are
// the reserved flag bits.
TEST(RtrWireTest, IgnoresReservedFieldsOnReceipt) {
  Bytes reset = {1, 2, 0xab, 0xcd, 0, 0, 0, 8};
  ASSERT_TRUE(decode(reset).ok());
  Bytes v4 = {1, 4, 0x12, 0x34, 0, 0, 0, 20, 0xfe, 24, 24, 0x77, 192, 0, 2, 0, 0, 0, 0, 1};
  DecodeResult r = decode(v4);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(std::get<PrefixPdu>(r.pdu->body).announce);  // bit 0 clear: withdraw
}

// ---- Malformed PDUs --------------------------------------------------------------

struct Malformed {
  const char* name;
  Bytes bytes;
  ErrorCode code;
};

TEST(RtrWireTest, MalformedPdusYieldTheErrorCodeToSend) {
  const Malformed cases[] = {
      {"short header", {1, 2, 0, 0, 0, 0, 0}, ErrorCode::kCorruptData},
      {"version 2", {2, 2, 0, 0, 0, 0, 0, 8}, ErrorCode::kUnsupportedProtocolVersion},
      {"version 255", {255, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0, 0},
       ErrorCode::kUnsupportedProtocolVersion},
      {"type 5 never assigned", {1, 5, 0, 0, 0, 0, 0, 8}, ErrorCode::kUnsupportedPduType},
      {"type 11 (ASPA draft)", {1, 11, 0, 0, 0, 0, 0, 8}, ErrorCode::kUnsupportedPduType},
      {"router key in version 0", {0, 9, 0, 0, 0, 0, 0, 32}, ErrorCode::kUnsupportedPduType},
      {"reset query length 12", {1, 2, 0, 0, 0, 0, 0, 12, 0, 0, 0, 0}, ErrorCode::kCorruptData},
      {"serial notify length 8", {1, 0, 0, 0, 0, 0, 0, 8}, ErrorCode::kCorruptData},
      {"end of data v1 with v0 length", {1, 7, 0, 1, 0, 0, 0, 12, 0, 0, 0, 1},
       ErrorCode::kCorruptData},
      {"end of data v0 with v1 length",
       {0, 7, 0, 1, 0, 0, 0, 24, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 2, 0x58},
       ErrorCode::kCorruptData},
      {"length field beyond the bytes", {1, 3, 0, 1, 0, 0, 0, 8, 0}, ErrorCode::kCorruptData},
      {"ipv4 prefix length 33", {1, 4, 0, 0, 0, 0, 0, 20, 1, 33, 33, 0, 192, 0, 2, 0, 0, 0, 0, 1},
       ErrorCode::kCorruptData},
      {"ipv4 max length below length",
       {1, 4, 0, 0, 0, 0, 0, 20, 1, 24, 23, 0, 192, 0, 2, 0, 0, 0, 0, 1}, ErrorCode::kCorruptData},
      {"ipv4 max length 33", {1, 4, 0, 0, 0, 0, 0, 20, 1, 24, 33, 0, 192, 0, 2, 0, 0, 0, 0, 1},
       ErrorCode::kCorruptData},
      {"ipv4 host bits set", {1, 4, 0, 0, 0, 0, 0, 20, 1, 24, 24, 0, 192, 0, 2, 1, 0, 0, 0, 1},
       ErrorCode::kCorruptData},
      {"ipv6 prefix length 129",
       {1, 6, 0, 0, 0, 0, 0, 32, 1, 129, 129, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
       ErrorCode::kCorruptData},
      {"ipv6 host bits set",
       {1, 6, 0, 0, 0, 0, 0, 32, 1, 32, 48, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
       ErrorCode::kCorruptData},
      {"ipv6 prefix with ipv4 length", {1, 6, 0, 0, 0, 0, 0, 20, 1, 24, 24, 0, 192, 0, 2, 0, 0, 0, 0, 1},
       ErrorCode::kCorruptData},
      {"router key too short", {1, 9, 1, 0, 0, 0, 0, 28, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                0, 0, 0, 0, 0, 0, 0, 0},
       ErrorCode::kCorruptData},
      {"error report too short", {1, 10, 0, 0, 0, 0, 0, 12, 0, 0, 0, 0}, ErrorCode::kCorruptData},
      {"error report over 64 KiB", {1, 10, 0, 0, 0, 1, 0, 1}, ErrorCode::kCorruptData},
      {"error report pdu length overruns",
       {1, 10, 0, 0, 0, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0, 0}, ErrorCode::kCorruptData},
      {"error report text length short",
       {1, 10, 0, 0, 0, 0, 0, 18, 0, 0, 0, 0, 0, 0, 0, 1, 'a', 'b'}, ErrorCode::kCorruptData},
      {"error report text length long",
       {1, 10, 0, 0, 0, 0, 0, 17, 0, 0, 0, 0, 0, 0, 0, 2, 'a'}, ErrorCode::kCorruptData},
      {"huge length field", {1, 10, 0, 0, 0xff, 0xff, 0xff, 0xff}, ErrorCode::kCorruptData},
  };
  for (const Malformed& c : cases) {
    SCOPED_TRACE(c.name);
    DecodeResult r = decode(c.bytes);
    ASSERT_FALSE(r.ok());
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->code, c.code) << r.error->reason;
    EXPECT_FALSE(r.error->reason.empty());
  }
}

TEST(RtrWireTest, DecodeErrorRemembersTheTypeSoErrorReportsAreNotAnswered) {
  DecodeResult r = decode(Bytes{1, 10, 0, 0, 0, 0, 0, 12, 0, 0, 0, 0});
  ASSERT_TRUE(r.error);
  EXPECT_TRUE(r.error->is_error_report());
  r = decode(Bytes{1, 2, 0, 0, 0, 0, 0, 12, 0, 0, 0, 0});
  ASSERT_TRUE(r.error);
  EXPECT_FALSE(r.error->is_error_report());
}

TEST(RtrWireTest, FrameWaitsForAWholeHeaderAndReportsTheLength) {
  Bytes stream = {1, 3, 0, 7, 0, 0, 0, 8, 1, 4, 0, 0};
  EXPECT_FALSE(frame(std::span(stream).first(7)).length);
  EXPECT_FALSE(frame(std::span(stream).first(7)).error);
  FrameResult f = frame(stream);
  ASSERT_TRUE(f.length);
  EXPECT_EQ(*f.length, 8u);
  // A header whose length is garbage fails at once, without waiting for it.
  Bytes bad = {1, 4, 0, 0, 0, 0x10, 0, 0};
  EXPECT_TRUE(frame(bad).error);
}

TEST(RtrWireTest, EncodeRefusesWhatTheWireCannotCarry) {
  EXPECT_FALSE(encode(v(0, router_key())).ok());
  EXPECT_FALSE(encode(v(0, EndOfData{1, 1, Intervals{}})).ok());
  EXPECT_FALSE(encode(v(1, EndOfData{1, 1, std::nullopt})).ok());
  EXPECT_FALSE(encode(v(2, ResetQuery{})).ok());
  EXPECT_FALSE(encode(v(1, PrefixPdu{true, prefix("192.0.2.0/24"), 23, 1})).ok());
  EXPECT_FALSE(encode(v(1, PrefixPdu{true, prefix("192.0.2.0/24"), 33, 1})).ok());
  ErrorReport big{ErrorCode::kInternalError, Bytes(kMaxVariablePduSize, 0), ""};
  EXPECT_FALSE(encode(v(1, big)).ok());
}

TEST(RtrWireTest, ErrorReportHelperTruncatesToFit) {
  Bytes huge(200000, 0xaa);
  Pdu pdu = error_report(1, ErrorCode::kCorruptData, huge, std::string(100000, 'x'));
  auto bytes = encode(pdu);
  ASSERT_TRUE(bytes.ok()) << bytes.status().to_string();
  EXPECT_LE(bytes->size(), kMaxVariablePduSize);
  DecodeResult r = decode(*bytes);
  ASSERT_TRUE(r.ok());
}

// ---- RFC 1982 serial arithmetic -------------------------------------------------

TEST(RtrWireTest, SerialArithmeticWrapsAt2To32) {
  struct Case {
    uint32_t a, b;
    bool lt;
  };
  const Case cases[] = {
      {1, 2, true},
      {2, 1, false},
      {5, 5, false},
      {0xffffffff, 0, true},           // wrap-around: 0 follows 2^32-1
      {0xfffffff0, 0x10, true},
      {0x10, 0xfffffff0, false},
      {0, 0x7fffffff, true},           // the largest forward step
      {0, 0x80000000, false},          // exactly 2^31 apart: undefined
      {0x80000000, 0, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(serial_lt(c.a, c.b), c.lt) << c.a << " < " << c.b;
    if (c.lt) {
      EXPECT_TRUE(serial_gt(c.b, c.a));
    }
  }
  EXPECT_EQ(serial_add(0xffffffff, 1), 0u);
}

TEST(RtrWireTest, NamesForLogs) {
  EXPECT_EQ(error_code_name(ErrorCode::kDuplicateAnnouncement), "Duplicate Announcement Received");
  EXPECT_EQ(pdu_type_name(PduType::kEndOfData), "End of Data");
  EXPECT_EQ(describe(v(1, PrefixPdu{true, prefix("192.0.2.0/24"), 24, 64496})),
            "v1 IPv4 Prefix +192.0.2.0/24-24 AS64496");
}

}  // namespace
}  // namespace byoipd::rpki::rtr
