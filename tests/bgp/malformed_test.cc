// Malformed input: every rule the decoder enforces, each with the
// NOTIFICATION (RFC 4271 section 6) or RFC 7606 action it must produce, then
// properties over truncated and mutated valid messages.
#include <gtest/gtest.h>

#include <random>

#include "wire_testing.h"

namespace byoipd::bgp {
namespace {

using namespace testing;

struct Expect {
  Action action;
  uint8_t code;     // of the NOTIFICATION sent (session reset) or logged
  uint8_t subcode;
  std::vector<uint8_t> discarded = {};
};
Expect reset(uint8_t code, uint8_t sub) { return {Action::kSessionReset, code, sub}; }
Expect withdraw(uint8_t sub) { return {Action::kTreatAsWithdraw, 3, sub}; }
Expect discard(uint8_t sub, std::vector<uint8_t> types) { return {Action::kAttributeDiscard, 3, sub, types}; }
Expect clean() { return {Action::kNone, 0, 0}; }

struct Case {
  const char* name;
  Bytes wire;
  Expect expect;
  CodecOptions options = four_octet();
};

Bytes open_body(uint8_t version, uint16_t as, uint16_t hold, uint32_t id, const Bytes& params) {
  return cat({{version}, be16(as), be16(hold), be32(id), {static_cast<uint8_t>(params.size())}, params});
}
Bytes open_msg(const Bytes& params) { return message(1, open_body(4, 65001, 90, 0xc0000201, params)); }
Bytes caps(const Bytes& tlvs) { return cat({{2, static_cast<uint8_t>(tlvs.size())}, tlvs}); }

// A valid announcement of 198.51.100.0/24 with `extra` attributes appended.
Bytes announce(const Bytes& extra) { return update({}, cat({mandatory4(), extra}), nlri_198_51_100()); }

Bytes with_byte(Bytes b, size_t at, uint8_t v) {
  b[at] = v;
  return b;
}
Bytes with_length(Bytes b, uint16_t length) {
  b[16] = static_cast<uint8_t>(length >> 8);
  b[17] = static_cast<uint8_t>(length);
  return b;
}

std::vector<Case> header_cases() {
  Bytes keepalive = message(4, {});
  return {
      {"marker not all ones: Connection Not Synchronized (RFC 4271 6.1)", with_byte(keepalive, 3, 0xfe),
       reset(1, 1)},
      {"length 18 below the header: Bad Message Length (RFC 4271 6.1)", with_length(keepalive, 18),
       reset(1, 2)},
      {"length 4097: Bad Message Length (RFC 4271 6.1)", with_length(message(2, Bytes(4078, 0)), 4097),
       reset(1, 2)},
      {"type 6: Bad Message Type (RFC 4271 6.1)", message(6, {}), reset(1, 3)},
      {"type 0: Bad Message Type (RFC 4271 6.1)", message(0, {}), reset(1, 3)},
      {"KEEPALIVE of 20 octets (RFC 4271 6.1)", message(4, {0}), reset(1, 2)},
      {"OPEN below 29 octets (RFC 4271 6.1)", message(1, Bytes(9, 0)), reset(1, 2)},
      {"UPDATE below 23 octets (RFC 4271 6.1)", message(2, {0, 0, 0}), reset(1, 2)},
      {"NOTIFICATION below 21 octets (RFC 4271 6.1)", message(3, {6}), reset(1, 2)},
      {"length field disagrees with the bytes given", with_length(message(4, {}), 20), reset(1, 2)},
      {"ROUTE-REFRESH of 24 octets: Invalid Message Length (RFC 7313 5)", message(5, {0, 1, 0, 1, 0}),
       reset(7, 1)},
      {"ROUTE-REFRESH of 22 octets (RFC 7313 5)", message(5, {0, 1, 0}), reset(7, 1)},
  };
}

std::vector<Case> open_cases() {
  return {
      {"version 3: Unsupported Version Number (RFC 4271 6.2)", message(1, open_body(3, 65001, 90, 1, {})),
       reset(2, 1)},
      {"My AS 0: Bad Peer AS (RFC 7607 3)", message(1, open_body(4, 0, 90, 1, {})), reset(2, 2)},
      {"hold time 1: Unacceptable Hold Time (RFC 4271 6.2)", message(1, open_body(4, 65001, 1, 1, {})),
       reset(2, 6)},
      {"hold time 2: Unacceptable Hold Time (RFC 4271 6.2)", message(1, open_body(4, 65001, 2, 1, {})),
       reset(2, 6)},
      {"BGP Identifier 0: Bad BGP Identifier (RFC 6286 2.2)", message(1, open_body(4, 65001, 90, 0, {})),
       reset(2, 3)},
      {"optional parameter 1 (authentication): Unsupported Optional Parameter (RFC 4271 6.2)",
       open_msg({1, 2, 0, 0}), reset(2, 4)},
      {"RFC 9072 extended parameters are unsupported", open_msg({255, 0}), reset(2, 4)},
      {"Opt Parm Len past the message: Unspecific (RFC 4271 6.2)",
       with_byte(open_msg(caps({2, 0})), 28, 9), reset(2, 0)},
      {"octets after the optional parameters: Unspecific",
       message(1, cat({open_body(4, 65001, 90, 1, {}), {0}})), reset(2, 0)},
      {"optional parameter overruns Opt Parm Len", open_msg({2, 5, 2, 0}), reset(2, 0)},
      {"capability overruns its parameter (RFC 5492 4)", open_msg(caps({65, 4, 0, 0})), reset(2, 0)},
      {"multiprotocol capability of length 3", open_msg(caps({1, 3, 0, 1, 1})), reset(2, 0)},
      {"route refresh capability of length 1", open_msg(caps({2, 1, 0})), reset(2, 0)},
      {"enhanced route refresh capability of length 1", open_msg(caps({70, 1, 0})), reset(2, 0)},
      {"4-octet AS capability of length 2", open_msg(caps({65, 2, 0, 1})), reset(2, 0)},
      {"4-octet AS capability carrying AS 0: Bad Peer AS (RFC 7607 3)", open_msg(caps({65, 4, 0, 0, 0, 0})),
       reset(2, 2)},
      {"graceful restart capability of length 3 (RFC 4724 3)", open_msg(caps({64, 3, 0, 0, 0})),
       reset(2, 0)},
      {"unknown capability is ignored and kept (RFC 5492 3)", open_msg(caps({99, 1, 7})), clean()},
      {"hold time 0 is acceptable", message(1, open_body(4, 65001, 0, 1, {})), clean()},
  };
}

std::vector<Case> update_reset_cases() {
  const Bytes mp_unreach = attribute(0x80, attr::kMpUnreachNlri, {0, 2, 1});
  return {
      {"Withdrawn Routes Length overruns: Malformed Attribute List (RFC 4271 6.3, RFC 7606 4)",
       message(2, {0, 9, 0, 0}), reset(3, 1)},
      {"Total Path Attribute Length overruns: Malformed Attribute List (RFC 7606 4)",
       message(2, {0, 0, 0, 9, 0x40, 1, 1, 0}), reset(3, 1)},
      {"withdrawn prefix length 33: Invalid Network Field (RFC 7606 5.3)", update({33, 1, 2, 3, 4, 5}, {}, {}),
       reset(3, 10)},
      {"NLRI prefix length 33 (RFC 7606 5.3)", update({}, mandatory4(), {33, 1, 2, 3, 4, 5}), reset(3, 10)},
      {"NLRI prefix truncated (RFC 7606 5.3)", update({}, mandatory4(), {24, 198, 51}), reset(3, 10)},
      {"MP_REACH_NLRI twice (RFC 7606 3.g)", update({}, cat({mp_reach_v6(), mp_reach_v6(), origin_igp(),
                                                             as_path4({65001})}), {}),
       reset(3, 1)},
      {"MP_UNREACH_NLRI twice (RFC 7606 3.g)", update({}, cat({mp_unreach, mp_unreach}), {}), reset(3, 1)},
      {"MP_REACH_NLRI IPv6 next hop length 5 (RFC 7606 7.11)",
       update({}, cat({attribute(0x80, 14, {0, 2, 1, 5, 1, 2, 3, 4, 5, 0}), origin_igp(), as_path4({1})}), {}),
       reset(3, 9)},
      {"MP_REACH_NLRI IPv4 next hop length 16 (RFC 7606 7.11)",
       update({}, cat({attribute(0x80, 14, cat({{0, 1, 1, 16}, Bytes(16, 1), {0}})), origin_igp(),
                       as_path4({1})}), {}),
       reset(3, 9)},
      {"MP_REACH_NLRI of 2 octets (RFC 7606 7.11)", update({}, attribute(0x80, 14, {0, 2}), {}), reset(3, 9)},
      {"MP_REACH_NLRI next hop overruns (RFC 7606 7.11)",
       update({}, attribute(0x80, 14, {0, 2, 1, 16, 0x20, 1}), {}), reset(3, 9)},
      {"MP_REACH_NLRI without the Reserved octet (RFC 7606 7.11)",
       update({}, attribute(0x80, 14, cat({{0, 2, 1, 16}, Bytes(16, 0x20)})), {}), reset(3, 9)},
      {"MP_REACH_NLRI prefix length 129 (RFC 7606 7.11)",
       update({}, cat({attribute(0x80, 14, cat({{0, 2, 1, 16}, Bytes(16, 0x20), {0, 129}})), origin_igp(),
                       as_path4({1})}), {}),
       reset(3, 9)},
      {"MP_UNREACH_NLRI prefix overruns (RFC 7606 7.11)",
       update({}, attribute(0x80, 15, {0, 2, 1, 48, 0x20, 0x01}), {}), reset(3, 9)},
      {"MP_UNREACH_NLRI of 1 octet (RFC 7606 7.11)", update({}, attribute(0x80, 15, {0}), {}), reset(3, 9)},
      {"MP_REACH_NLRI with wrong flags and malformed still resets",
       update({}, cat({attribute(0xc0, 14, {0, 2, 1, 5, 1, 2, 3, 4, 5, 0})}), {}), reset(3, 9)},
      {"unrecognized well-known attribute (RFC 4271 6.3)", announce(attribute(0x40, 99, {})), reset(3, 2)},
  };
}

std::vector<Case> update_withdraw_cases() {
  return {
      {"ORIGIN missing: Missing Well-known Attribute (RFC 7606 3.d)",
       update({}, cat({as_path4({65001}), next_hop_192_0_2_1()}), nlri_198_51_100()), withdraw(3)},
      {"AS_PATH missing (RFC 7606 3.d)", update({}, cat({origin_igp(), next_hop_192_0_2_1()}), nlri_198_51_100()),
       withdraw(3)},
      {"NEXT_HOP missing with IPv4 NLRI (RFC 7606 3.d)",
       update({}, cat({origin_igp(), as_path4({65001})}), nlri_198_51_100()), withdraw(3)},
      {"no attributes at all with NLRI (RFC 7606 3.d)", update({}, {}, nlri_198_51_100()), withdraw(3)},
      {"MP_REACH_NLRI without ORIGIN (RFC 4760 3, RFC 7606 3.d)",
       update({}, cat({mp_reach_v6(), as_path4({65001})}), {}), withdraw(3)},
      {"ORIGIN value 3: Invalid ORIGIN (RFC 7606 7.1)",
       update({}, cat({attribute(0x40, 1, {3}), as_path4({65001}), next_hop_192_0_2_1()}), nlri_198_51_100()),
       withdraw(6)},
      {"ORIGIN length 2: Attribute Length Error (RFC 7606 7.1)",
       update({}, cat({attribute(0x40, 1, {0, 0}), as_path4({65001}), next_hop_192_0_2_1()}), nlri_198_51_100()),
       withdraw(5)},
      {"AS_PATH segment overruns (RFC 7606 7.2)",
       update({}, cat({origin_igp(), attribute(0x40, 2, {2, 2, 0, 0, 0xfd, 0xe9}), next_hop_192_0_2_1()}),
              nlri_198_51_100()),
       withdraw(11)},
      {"AS_PATH segment type 5 (RFC 7606 7.2)", update({}, cat({origin_igp(), as_path4({65001}, 5),
                                                                next_hop_192_0_2_1()}), nlri_198_51_100()),
       withdraw(11)},
      {"AS_PATH AS_CONFED_SEQUENCE from outside a confederation (RFC 5065 5)",
       update({}, cat({origin_igp(), as_path4({65001}, 3), next_hop_192_0_2_1()}), nlri_198_51_100()),
       withdraw(11)},
      {"AS_PATH segment with no ASNs (RFC 7606 7.2)",
       update({}, cat({origin_igp(), attribute(0x40, 2, {2, 0}), next_hop_192_0_2_1()}), nlri_198_51_100()),
       withdraw(11)},
      {"AS_PATH one octet left after the last segment (RFC 7606 7.2)",
       update({}, cat({origin_igp(), attribute(0x40, 2, {2, 1, 0, 0, 0xfd, 0xe9, 2}), next_hop_192_0_2_1()}),
              nlri_198_51_100()),
       withdraw(11)},
      {"2-octet AS_PATH read on a 4-octet session (RFC 7606 7.2)",
       update({}, cat({origin_igp(), as_path2({65001, 65002, 65003}), next_hop_192_0_2_1()}), nlri_198_51_100()),
       withdraw(11)},
      {"NEXT_HOP length 5 (RFC 7606 7.3)",
       update({}, cat({origin_igp(), as_path4({65001}), attribute(0x40, 3, {192, 0, 2, 1, 0})}), nlri_198_51_100()),
       withdraw(5)},
      {"MULTI_EXIT_DISC length 3 (RFC 7606 7.4)", announce(attribute(0x80, 4, {0, 0, 1})), withdraw(5)},
      {"LOCAL_PREF length 5 (RFC 7606 7.5)", announce(attribute(0x40, 5, {0, 0, 0, 0, 1})), withdraw(5)},
      {"COMMUNITIES length 6 (RFC 7606 7.8)", announce(attribute(0xc0, 8, {0, 0, 0, 1, 0, 0})), withdraw(5)},
      {"COMMUNITIES length 0 (RFC 7606 7.8)", announce(attribute(0xc0, 8, {})), withdraw(5)},
      {"LARGE_COMMUNITY length 13 (RFC 8092 6)", announce(attribute(0xc0, 32, Bytes(13, 0))), withdraw(5)},
      {"LARGE_COMMUNITY length 0 (RFC 8092 6)", announce(attribute(0xc0, 32, {})), withdraw(5)},
      {"ORIGIN flagged optional: Attribute Flags Error (RFC 7606 3.c)",
       update({}, cat({attribute(0xc0, 1, {0}), as_path4({65001}), next_hop_192_0_2_1()}), nlri_198_51_100()),
       withdraw(4)},
      {"NEXT_HOP flagged non-transitive (RFC 7606 3.c)",
       update({}, cat({origin_igp(), as_path4({65001}), attribute(0x00, 3, {192, 0, 2, 1})}), nlri_198_51_100()),
       withdraw(4)},
      {"MULTI_EXIT_DISC flagged well-known (RFC 7606 3.c)", announce(attribute(0x40, 4, {0, 0, 0, 1})), withdraw(4)},
      {"COMMUNITIES flagged non-transitive (RFC 7606 3.c)", announce(attribute(0x80, 8, {0, 0, 0, 1})),
       withdraw(4)},
      {"AGGREGATOR flagged well-known (RFC 7606 3.c)", announce(attribute(0x40, 7, Bytes(8, 1))), withdraw(4)},
      {"attribute overruns Total Path Attribute Length (RFC 7606 4)",
       update({}, cat({mandatory4(), {0xc0, 8, 8, 0, 0, 0, 1}}), nlri_198_51_100()), withdraw(1)},
      {"one octet left for an attribute header (RFC 7606 4)", update({}, cat({mandatory4(), {0xc0}}),
                                                                     nlri_198_51_100()),
       withdraw(1)},
      {"extended length with one length octet left (RFC 7606 4)",
       update({}, cat({mandatory4(), {0xd0, 8, 0}}), nlri_198_51_100()), withdraw(1)},
  };
}

std::vector<Case> update_discard_cases() {
  return {
      {"ATOMIC_AGGREGATE length 1 (RFC 7606 7.6)", announce(attribute(0x40, 6, {1})), discard(5, {6})},
      {"AGGREGATOR length 7 on a 4-octet session (RFC 7606 7.7)", announce(attribute(0xc0, 7, Bytes(7, 1))),
       discard(5, {7})},
      {"AGGREGATOR length 8 on a 2-octet session (RFC 7606 7.7)",
       update({}, cat({origin_igp(), as_path2({65001}), next_hop_192_0_2_1(), attribute(0xc0, 7, Bytes(8, 1))}),
              nlri_198_51_100()),
       discard(5, {7}), two_octet()},
      {"AS4_PATH malformed on a 2-octet session (RFC 6793 6)",
       update({}, cat({origin_igp(), as_path2({23456}), next_hop_192_0_2_1(), attribute(0xc0, 17, {2, 2, 0, 0})}),
              nlri_198_51_100()),
       discard(11, {17}), two_octet()},
      {"AS4_PATH with a confederation segment (RFC 6793 6)",
       update({}, cat({origin_igp(), as_path2({23456}), next_hop_192_0_2_1(),
                       attribute(0xc0, 17, {3, 1, 0, 1, 0, 0})}),
              nlri_198_51_100()),
       discard(11, {17}), two_octet()},
      {"AS4_AGGREGATOR length 6 (RFC 6793 6)",
       update({}, cat({origin_igp(), as_path2({65001}), next_hop_192_0_2_1(),
                       attribute(0xc0, 7, {0x5b, 0xa0, 1, 2, 3, 4}), attribute(0xc0, 18, Bytes(6, 1))}),
              nlri_198_51_100()),
       discard(5, {18}), two_octet()},
      {"AS4_PATH flagged well-known (RFC 6793 6)",
       update({}, cat({origin_igp(), as_path2({23456}), next_hop_192_0_2_1(), attribute(0x40, 17, {2, 1, 0, 1, 0, 0})}),
              nlri_198_51_100()),
       discard(4, {17}), two_octet()},
      {"AS4_PATH on a 4-octet session (RFC 6793 4.1)", announce(attribute(0xc0, 17, {2, 1, 0, 1, 0, 0})),
       discard(9, {17})},
      {"ORIGIN twice: the second discarded (RFC 7606 3.g)", announce(attribute(0x40, 1, {2})), discard(1, {1})},
      {"unknown attribute twice: the second discarded (RFC 7606 3.g)",
       announce(cat({attribute(0xc0, 99, {1}), attribute(0xc0, 99, {2})})), discard(1, {99})},
      {"MP_REACH_NLRI for IPv4 multicast, not negotiated (RFC 4760 7)",
       announce(attribute(0x80, 14, {0, 1, 2, 4, 192, 0, 2, 1, 0, 24, 198, 51, 100})), discard(9, {14})},
      {"MP_UNREACH_NLRI for an unknown AFI (RFC 4760 7)", update({}, attribute(0x80, 15, {0, 25, 70, 1, 2}), {}),
       discard(9, {15})},
  };
}

void check(const Case& c) {
  SCOPED_TRACE(c.name);
  DecodeResult r = decode_bytes(c.wire, c.options);
  EXPECT_EQ(r.action, c.expect.action) << action_name(r.action) << ": " << r.reason();
  EXPECT_EQ(r.ok(), !r.error.has_value());
  if (c.expect.action == Action::kSessionReset) {
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->code, c.expect.code) << r.error->reason;
    EXPECT_EQ(r.error->subcode, c.expect.subcode) << r.error->reason;
    EXPECT_FALSE(r.error->reason.empty());
    return;
  }
  ASSERT_TRUE(r.ok()) << r.reason();
  if (c.expect.action == Action::kNone) return;
  const UpdateFinding* strongest = nullptr;
  for (const auto& f : r.findings) {
    if (f.action == r.action) {
      strongest = &f;
      break;
    }
  }
  ASSERT_NE(strongest, nullptr);
  EXPECT_EQ(strongest->error.code, c.expect.code);
  EXPECT_EQ(strongest->error.subcode, c.expect.subcode) << strongest->error.reason;
  EXPECT_EQ(r.discarded, c.expect.discarded);
  if (r.action == Action::kTreatAsWithdraw) {
    // RFC 7606 2: what was announced is withdrawn, and nothing else is left.
    const Update& u = as_update(r);
    EXPECT_TRUE(u.nlri.empty());
    EXPECT_FALSE(u.attributes.mp_reach);
    EXPECT_FALSE(u.attributes.origin || u.attributes.as_path || u.attributes.next_hop);
  }
}

TEST(Malformed, MessageHeader) {
  for (const auto& c : header_cases()) check(c);
}
TEST(Malformed, Open) {
  for (const auto& c : open_cases()) check(c);
}
TEST(Malformed, UpdateSessionReset) {
  for (const auto& c : update_reset_cases()) check(c);
}
TEST(Malformed, UpdateTreatAsWithdraw) {
  for (const auto& c : update_withdraw_cases()) check(c);
}
TEST(Malformed, UpdateAttributeDiscard) {
  for (const auto& c : update_discard_cases()) check(c);
}

// ---- The NOTIFICATION data RFC 4271 section 6 asks for ---------------------------

TEST(NotificationData, CarriesTheOffendingField) {
  Bytes long_msg = with_length(message(4, {}), 4097);
  EXPECT_EQ(decode_bytes(long_msg).error->data, (Bytes{0x10, 0x01}));  // the length field
  EXPECT_EQ(decode_bytes(message(9, {})).error->data, Bytes{9});      // the type
  EXPECT_EQ(decode_bytes(message(1, open_body(5, 1, 90, 1, {}))).error->data, (Bytes{0, 4}));
  Bytes rr = message(5, {0, 1, 0, 1, 0});
  EXPECT_EQ(decode_bytes(rr).error->data, rr);  // RFC 7313 5: the whole message
  DecodeResult missing = decode_bytes(update({}, cat({origin_igp(), as_path4({1})}), nlri_198_51_100()));
  ASSERT_EQ(missing.findings.size(), 1u);
  EXPECT_EQ(missing.findings[0].error.data, Bytes{attr::kNextHop});
  Bytes bad_origin = attribute(0x40, 1, {7});
  DecodeResult origin =
      decode_bytes(update({}, cat({bad_origin, as_path4({1}), next_hop_192_0_2_1()}), nlri_198_51_100()));
  EXPECT_EQ(origin.findings.at(0).error.data, bad_origin);
  EXPECT_NE(origin.reason().find("ORIGIN value 7"), std::string::npos) << origin.reason();
}

TEST(TreatAsWithdraw, AnnouncementsBecomeWithdrawals) {
  // A malformed COMMUNITIES on an update announcing IPv4 and IPv6 routes and
  // withdrawing others.
  Bytes mp_unreach = attribute(0x80, 15, {0, 2, 1, 32, 0x20, 0x01, 0x0d, 0xb9});
  Bytes wire = update({16, 10, 1}, cat({mp_reach_v6(), mp_unreach, mandatory4(), attribute(0xc0, 8, {1})}),
                      nlri_198_51_100());
  DecodeResult r = decode_bytes(wire);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.action, Action::kTreatAsWithdraw);
  const Update& u = as_update(r);
  EXPECT_EQ(u.withdrawn, (std::vector<Prefix>{P("10.1.0.0/16"), P("198.51.100.0/24")}));
  EXPECT_TRUE(u.nlri.empty());
  ASSERT_TRUE(u.attributes.mp_unreach);
  EXPECT_EQ(u.attributes.mp_unreach->withdrawn, (std::vector<Prefix>{P("2001:db9::/32"), P("2001:db8:1::/48")}));
  EXPECT_FALSE(u.attributes.mp_reach);
  // The MP_REACH_NLRI's NLRI is withdrawn even when its own flags are wrong.
  Bytes bad_flags = attribute(0xc0, 14, mp_reach_v6_value());
  r = decode_bytes(update({}, cat({bad_flags, origin_igp(), as_path4({1})}), {}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.action, Action::kTreatAsWithdraw);
  EXPECT_EQ(as_update(r).attributes.mp_unreach->withdrawn, std::vector<Prefix>{P("2001:db8:1::/48")});
}

TEST(AttributeDiscard, TheRestOfTheUpdateStands) {
  DecodeResult r = decode_bytes(announce(cat({attribute(0x40, 6, {1}), attribute(0xc0, 8, {0, 0, 0, 5})})));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.action, Action::kAttributeDiscard);
  const Update& u = as_update(r);
  EXPECT_FALSE(u.attributes.atomic_aggregate);
  EXPECT_EQ(u.attributes.communities, std::vector<uint32_t>{5});
  EXPECT_EQ(u.nlri, std::vector<Prefix>{P("198.51.100.0/24")});
}

// ---- Properties ----------------------------------------------------------------

std::vector<Bytes> valid_messages() {
  Update u;
  u.attributes.origin = Origin::kIgp;
  u.attributes.as_path = std::vector<AsPathSegment>{{AsPathSegment::Type::kSequence, {65001, 4200000001u}}};
  u.attributes.next_hop = A("192.0.2.1");
  u.attributes.aggregator = Aggregator{4200000002u, A("192.0.2.2")};
  u.attributes.communities = {1, 2};
  u.attributes.large_communities = {{1, 2, 3}};
  u.attributes.unknown = {{0xe0, 99, {1, 2, 3}}};
  u.attributes.mp_reach = MpReach{{Afi::kIpv6, Safi::kUnicast}, {A("2001:db8::1")}, {P("2001:db8:1::/48")}};
  u.nlri = {P("198.51.100.0/24"), P("203.0.113.0/25")};
  u.withdrawn = {P("10.0.0.0/8")};
  Open o;
  o.my_as = Asn::kTrans;
  o.bgp_identifier = 1;
  o.capabilities.multiprotocol = {{Afi::kIpv4, Safi::kUnicast}, {Afi::kIpv6, Safi::kUnicast}};
  o.capabilities.four_octet_as = 4200000001u;
  o.capabilities.route_refresh = true;
  o.capabilities.graceful_restart = GracefulRestart{true, 120, {{{Afi::kIpv4, Safi::kUnicast}, true}}};
  std::vector<Bytes> out;
  for (const CodecOptions& opt : {four_octet(), two_octet()}) out.push_back(encode_ok(u, opt));
  out.push_back(encode_ok(o));
  out.push_back(encode_ok(Notification::cease_with_message(2, "maintenance")));
  out.push_back(encode_ok(RouteRefresh{{Afi::kIpv6, Safi::kUnicast}, 1}));
  out.push_back(encode_ok(Keepalive{}));
  return out;
}

TEST(Properties, EveryTruncationIsAnErrorAndNeverReadsPastTheSpan) {
  for (const Bytes& full : valid_messages()) {
    for (size_t n = 0; n < full.size(); ++n) {
      // Exactly n octets in their own allocation, so ASan sees any overread.
      auto cut = std::make_unique<uint8_t[]>(n + 1);
      std::copy(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n), cut.get());
      for (const CodecOptions& o : {four_octet(), two_octet()}) {
        DecodeResult r = decode(std::span<const uint8_t>(cut.get(), n), o);
        EXPECT_FALSE(r.ok()) << "prefix of " << n << " octets decoded";
        EXPECT_TRUE(r.error);
        // With the length field patched to match, the body parsers see the
        // cut: they may accept (the cut fell on a field boundary) but must
        // not crash and must agree with themselves.
        if (n >= 19) {
          Bytes patched = with_length(Bytes(cut.get(), cut.get() + n), static_cast<uint16_t>(n));
          DecodeResult p = decode_bytes(patched, o);
          EXPECT_EQ(p.ok(), !p.error.has_value());
        }
      }
    }
  }
}

TEST(Properties, MutatedMessagesDecodeToSomethingThatRoundTrips) {
  std::mt19937 rng(4271);
  size_t decoded = 0;
  for (const Bytes& full : valid_messages()) {
    if (full.size() == kHeaderSize) continue;  // nothing past the header to mutate
    for (int i = 0; i < 3000; ++i) {
      Bytes m = full;
      int flips = 1 + static_cast<int>(rng() % 3);
      for (int k = 0; k < flips; ++k) m[19 + rng() % (m.size() - 19)] = static_cast<uint8_t>(rng());
      for (const CodecOptions& o : {four_octet(), two_octet()}) {
        DecodeResult r = decode_bytes(m, o);
        ASSERT_EQ(r.ok(), !r.error.has_value());
        if (!r.ok()) continue;
        ++decoded;
        auto again = encode(*r.message, o);
        if (!again.ok()) {
          ASSERT_EQ(again.status().reason(), "message-too-large");
          continue;
        }
        DecodeResult r2 = decode_bytes(*again, o);
        ASSERT_TRUE(r2.ok()) << r2.reason();
        EXPECT_EQ(r2.action, Action::kNone) << r2.reason();
        EXPECT_TRUE(*r2.message == *r.message);
      }
    }
  }
  EXPECT_GT(decoded, 1000u);
}

}  // namespace
}  // namespace byoipd::bgp
