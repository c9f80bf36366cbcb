#include "byoipd/common/ip.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace byoipd {

// gtest finds these by ADL, so failures print "10.0.0.0/8", not bytes.
void PrintTo(const IpAddress& a, std::ostream* os) { *os << a.to_string(); }
void PrintTo(const Prefix& p, std::ostream* os) { *os << p.to_string(); }

namespace {

constexpr u128 v6(uint64_t high, uint64_t low) { return (u128(high) << 64) | low; }
constexpr u128 kAllOnes = ~u128(0);

// Parses a prefix the test knows is valid; records a failure otherwise.
Prefix P(std::string_view text) {
  Result<Prefix> r = Prefix::parse(text);
  if (!r.ok()) {
    ADD_FAILURE() << "Prefix::parse(\"" << text << "\"): " << r.status().to_string();
    return Prefix();
  }
  return *r;
}

IpAddress A(std::string_view text) {
  Result<IpAddress> r = IpAddress::parse(text);
  if (!r.ok()) {
    ADD_FAILURE() << "IpAddress::parse(\"" << text << "\"): " << r.status().to_string();
    return IpAddress();
  }
  return *r;
}

std::string case_name(const char* name) { return name; }

// 'text', as the error messages quote offending input. Built with append:
// GCC 12 at -O2 gives a false -Wrestrict on "'" + std::string(...) (PR 105329).
std::string quoted(std::string_view text) { return std::string("'").append(text).append("'"); }

// ---------------------------------------------------------------------------
// IpAddress::parse, accepted forms and their RFC 5952 / dotted-quad text.

struct AddressCase {
  const char* name;
  std::string_view text;
  Family family;
  u128 value;
  const char* printed;
  friend void PrintTo(const AddressCase& c, std::ostream* os) { *os << c.name; }
};

const AddressCase kValidAddresses[] = {
    {"v4_zero", "0.0.0.0", Family::kV4, 0, "0.0.0.0"},
    {"v4_all_ones", "255.255.255.255", Family::kV4, 0xffffffff, "255.255.255.255"},
    {"v4_private", "10.1.2.3", Family::kV4, 0x0a010203, "10.1.2.3"},
    {"v4_documentation", "192.0.2.1", Family::kV4, 0xc0000201, "192.0.2.1"},
    {"v4_zero_octets", "10.0.0.0", Family::kV4, 0x0a000000, "10.0.0.0"},
    {"v6_unspecified", "::", Family::kV6, 0, "::"},
    {"v6_loopback", "::1", Family::kV6, 1, "::1"},
    {"v6_uppercase_uncompressed", "2001:DB8:0:0:0:0:0:1", Family::kV6,
     v6(0x20010db800000000, 1), "2001:db8::1"},
    {"v6_zero_padded_groups", "2001:0db8:0000:0000:0000:0000:0000:0001", Family::kV6,
     v6(0x20010db800000000, 1), "2001:db8::1"},
    {"v6_trailing_compression", "2001:db8::", Family::kV6, v6(0x20010db800000000, 0),
     "2001:db8::"},
    {"v6_leading_group_only", "1::", Family::kV6, v6(0x0001000000000000, 0), "1::"},
    {"v6_all_ones", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Family::kV6, kAllOnes,
     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
    {"v6_link_local", "FE80::1", Family::kV6, v6(0xfe80000000000000, 1), "fe80::1"},
    // RFC 5952 section 4.2.2: a single zero group is not shortened.
    {"v6_single_zero_group_kept", "2001:db8:0:1:1:1:1:1", Family::kV6,
     v6(0x20010db800000001, 0x0001000100010001), "2001:db8:0:1:1:1:1:1"},
    // RFC 5952 section 4.2.3: the longest run of zeros is shortened...
    {"v6_longest_zero_run", "2001:0:0:1:0:0:0:1", Family::kV6,
     v6(0x2001000000000001, 0x0000000000000001), "2001:0:0:1::1"},
    // ...and of equal runs, the first.
    {"v6_first_of_equal_zero_runs", "2001:db8:0:0:1:0:0:1", Family::kV6,
     v6(0x20010db800000000, 0x0001000000000001), "2001:db8::1:0:0:1"},
    // RFC 5952 section 5: IPv4-mapped addresses keep the dotted quad.
    {"v6_ipv4_mapped", "::ffff:1.2.3.4", Family::kV6, v6(0, 0x0000ffff01020304),
     "::ffff:1.2.3.4"},
    {"v6_ipv4_mapped_written_hex", "::FFFF:102:304", Family::kV6, v6(0, 0x0000ffff01020304),
     "::ffff:1.2.3.4"},
    // Other addresses in ::/96 are not IPv4-embedded and print in hex.
    {"v6_deprecated_ipv4_compatible", "::1.2.3.4", Family::kV6, v6(0, 0x01020304), "::102:304"},
    {"v6_low_two_groups", "::1:0", Family::kV6, v6(0, 0x00010000), "::1:0"},
    {"v6_low_two_groups_full", "::abcd:1234", Family::kV6, v6(0, 0xabcd1234), "::abcd:1234"},
    {"v6_last_group_only", "::ffff", Family::kV6, v6(0, 0xffff), "::ffff"},
    {"v6_dotted_tail_full_form", "1:2:3:4:5:6:1.2.3.4", Family::kV6,
     v6(0x0001000200030004, 0x0005000601020304), "1:2:3:4:5:6:102:304"},
    {"v6_longest_text_form", "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", Family::kV6,
     kAllOnes, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
};

class IpAddressParseValid : public testing::TestWithParam<AddressCase> {};

TEST_P(IpAddressParseValid, ParsesAndPrints) {
  const AddressCase& c = GetParam();
  Result<IpAddress> r = IpAddress::parse(c.text);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->family(), c.family);
  EXPECT_EQ(r->width(), c.family == Family::kV4 ? 32 : 128);
  EXPECT_EQ(r->value(), c.value);
  EXPECT_EQ(r->to_string(), c.printed);
  // The printed form is itself accepted and denotes the same address.
  Result<IpAddress> again = IpAddress::parse(r->to_string());
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(*again, *r);
}

INSTANTIATE_TEST_SUITE_P(Table, IpAddressParseValid, testing::ValuesIn(kValidAddresses),
                         [](const auto& info) { return case_name(info.param.name); });

// ---------------------------------------------------------------------------
// IpAddress::parse, refused text.

struct BadAddressCase {
  const char* name;
  std::string_view text;
  friend void PrintTo(const BadAddressCase& c, std::ostream* os) { *os << c.name; }
};

const BadAddressCase kInvalidAddresses[] = {
    {"empty", ""},
    {"v4_leading_zero_first_octet", "01.2.3.4"},
    {"v4_leading_zero_last_octet", "1.2.3.04"},
    {"v4_leading_zero_octet_00", "1.2.00.4"},
    {"v4_three_octets", "1.2.3"},
    {"v4_five_octets", "1.2.3.4.5"},
    {"v4_octet_256", "256.1.1.1"},
    {"v4_octet_999", "1.2.3.999"},
    {"v4_trailing_dot", "1.2.3.4."},
    {"v4_leading_dot", ".1.2.3.4"},
    {"v4_empty_octet", "1..3.4"},
    {"v4_hex_octet", "0x1.2.3.4"},
    {"v4_single_integer", "16909060"},
    {"v4_negative_octet", "1.2.3.-4"},
    {"v4_plus_sign", "+1.2.3.4"},
    {"v4_leading_space", " 1.2.3.4"},
    {"v4_trailing_space", "1.2.3.4 "},
    {"v4_with_length", "10.0.0.0/8"},
    {"v4_embedded_nul", std::string_view("1.2.3.4\0junk", 12)},
    {"v4_trailing_nul", std::string_view("1.2.3.4\0", 8)},
    {"v6_non_hex_group", "gggg::"},
    {"v6_five_digit_group", "12345::"},
    {"v6_two_double_colons", "1::2::3"},
    {"v6_nine_groups", "1:2:3:4:5:6:7:8:9"},
    {"v6_seven_groups", "1:2:3:4:5:6:7"},
    {"v6_trailing_single_colon", "1:2:3:4:5:6:7:"},
    {"v6_leading_single_colon", ":1::"},
    {"v6_lone_colon", ":"},
    {"v6_triple_colon", ":::"},
    {"v6_zone_id", "fe80::1%eth0"},
    {"v6_brackets", "[::1]"},
    {"v6_mapped_leading_zero_octet", "::ffff:01.2.3.4"},
    {"v6_dotted_quad_not_last", "::1.2.3.4:1"},
    {"v6_embedded_nul", std::string_view("::1\0:2", 6)},
    {"v6_dotted_tail_octet_2555", "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.2555"},
    {"longer_than_any_address", "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb"},
};

class IpAddressParseInvalid : public testing::TestWithParam<BadAddressCase> {};

TEST_P(IpAddressParseInvalid, IsRefused) {
  const BadAddressCase& c = GetParam();
  Result<IpAddress> r = IpAddress::parse(c.text);
  ASSERT_FALSE(r.ok()) << "accepted as " << r->to_string();
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().reason(), "invalid-ip-address");
  EXPECT_NE(r.status().message().find(quoted(c.text)), std::string::npos)
      << r.status().message();
}

INSTANTIATE_TEST_SUITE_P(Table, IpAddressParseInvalid, testing::ValuesIn(kInvalidAddresses),
                         [](const auto& info) { return case_name(info.param.name); });

TEST(IpAddress, DefaultIsV4Zero) {
  IpAddress a;
  EXPECT_EQ(a.family(), Family::kV4);
  EXPECT_EQ(a.value(), u128(0));
  EXPECT_EQ(a.to_string(), "0.0.0.0");
}

TEST(IpAddress, FactoriesSetFamily) {
  EXPECT_EQ(IpAddress::v4(0x0a000001).to_string(), "10.0.0.1");
  EXPECT_EQ(IpAddress::v4(0x0a000001).family(), Family::kV4);
  EXPECT_EQ(IpAddress::v6(1).to_string(), "::1");
  EXPECT_EQ(IpAddress::v6(1).family(), Family::kV6);
  EXPECT_EQ(IpAddress::v6(1).width(), 128);
}

TEST(IpAddress, EqualityNeedsSameFamily) {
  EXPECT_EQ(A("10.0.0.1"), IpAddress::v4(0x0a000001));
  // Same 128-bit value, different family.
  EXPECT_NE(IpAddress::v4(1), IpAddress::v6(1));
  EXPECT_NE(A("10.0.0.0"), A("::a00:0"));
}

TEST(IpAddress, OrdersByFamilyThenValue) {
  EXPECT_LT(A("10.0.0.1"), A("10.0.0.2"));
  EXPECT_LT(A("9.255.255.255"), A("10.0.0.0"));
  EXPECT_LT(A("255.255.255.255"), A("::"));  // every IPv4 address before IPv6
  EXPECT_LT(A("::1"), A("::2"));
  EXPECT_LT(A("7fff::"), A("8000::"));
  EXPECT_LT(A("8000::"), A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));  // unsigned compare
  EXPECT_EQ(A("2001:db8::1") <=> A("2001:DB8:0::1"), std::strong_ordering::equal);
}

// ---------------------------------------------------------------------------
// Prefix::parse, accepted.

struct PrefixCase {
  const char* name;
  const char* text;
  Family family;
  u128 network;
  int length;
  const char* printed;
  friend void PrintTo(const PrefixCase& c, std::ostream* os) { *os << c.name; }
};

const PrefixCase kValidPrefixes[] = {
    {"v4_slash8", "10.0.0.0/8", Family::kV4, 0x0a000000, 8, "10.0.0.0/8"},
    {"v4_default", "0.0.0.0/0", Family::kV4, 0, 0, "0.0.0.0/0"},
    {"v4_host", "192.0.2.1/32", Family::kV4, 0xc0000201, 32, "192.0.2.1/32"},
    {"v4_slash24", "198.51.100.0/24", Family::kV4, 0xc6336400, 24, "198.51.100.0/24"},
    {"v4_slash31", "203.0.113.254/31", Family::kV4, 0xcb0071fe, 31, "203.0.113.254/31"},
    {"v4_top_half", "128.0.0.0/1", Family::kV4, 0x80000000, 1, "128.0.0.0/1"},
    {"v6_default", "::/0", Family::kV6, 0, 0, "::/0"},
    {"v6_doc", "2001:db8::/32", Family::kV6, v6(0x20010db800000000, 0), 32, "2001:db8::/32"},
    {"v6_uppercase", "2001:DB8:0:0::/48", Family::kV6, v6(0x20010db800000000, 0), 48,
     "2001:db8::/48"},
    {"v6_host", "2001:db8::1/128", Family::kV6, v6(0x20010db800000000, 1), 128,
     "2001:db8::1/128"},
    {"v6_top_bit", "8000::/1", Family::kV6, v6(0x8000000000000000, 0), 1, "8000::/1"},
    {"v6_slash56", "2001:db8:0:ff00::/56", Family::kV6, v6(0x20010db80000ff00, 0), 56,
     "2001:db8:0:ff00::/56"},
    {"v6_ipv4_mapped_block", "::ffff:0.0.0.0/96", Family::kV6, v6(0, 0x0000ffff00000000), 96,
     "::ffff:0.0.0.0/96"},
    {"v6_ipv4_compatible_block", "::10.0.0.0/104", Family::kV6, v6(0, 0x0a000000), 104,
     "::a00:0/104"},
};

class PrefixParseValid : public testing::TestWithParam<PrefixCase> {};

TEST_P(PrefixParseValid, Parses) {
  const PrefixCase& c = GetParam();
  Result<Prefix> r = Prefix::parse(c.text);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->family(), c.family);
  EXPECT_EQ(r->width(), c.family == Family::kV4 ? 32 : 128);
  EXPECT_EQ(r->network(), c.network);
  EXPECT_EQ(r->length(), c.length);
  EXPECT_EQ(r->to_string(), c.printed);
  EXPECT_EQ(r->address().family(), c.family);
  EXPECT_EQ(r->address().value(), c.network);
}

INSTANTIATE_TEST_SUITE_P(Table, PrefixParseValid, testing::ValuesIn(kValidPrefixes),
                         [](const auto& info) { return case_name(info.param.name); });

TEST(PrefixParse, CanonicalTextRoundTrips) {
  const char* const texts[] = {
      "0.0.0.0/0",        "10.0.0.0/8",          "10.0.0.0/9",        "10.128.0.0/9",
      "172.16.0.0/12",    "192.168.0.0/16",      "100.64.0.0/10",     "192.0.2.0/24",
      "198.51.100.0/25",  "198.51.100.128/25",   "203.0.113.0/28",    "203.0.113.252/30",
      "1.1.1.1/32",       "255.255.255.255/32",  "255.255.255.0/24",  "128.0.0.0/1",
      "::/0",             "::/1",                "8000::/1",          "2000::/3",
      "2001:db8::/32",    "2001:db8:1::/48",     "2001:db8:1:2::/64", "2001:db8::1/128",
      "2001:db8:0:1::/64", "fe80::/10",          "fc00::/7",          "ff00::/8",
      "::1/128",          "::ffff:0.0.0.0/96",   "::ffff:10.0.0.0/104",
      "2600:1f00::/24",   "2a05:d000::/25",      "2001:db8:abcd:12::/64",
      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0/124",
  };
  for (const char* text : texts) {
    SCOPED_TRACE(text);
    Result<Prefix> r = Prefix::parse(text);
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_EQ(r->to_string(), text);
    Result<Prefix> again = Prefix::parse(r->to_string());
    ASSERT_TRUE(again.ok()) << again.status().to_string();
    EXPECT_EQ(*again, *r);
  }
}

// ---------------------------------------------------------------------------
// Prefix::parse, refused.

struct BadPrefixCase {
  const char* name;
  std::string_view text;
  const char* reason;
  const char* message_contains;
  friend void PrintTo(const BadPrefixCase& c, std::ostream* os) { *os << c.name; }
};

const BadPrefixCase kInvalidPrefixes[] = {
    {"v4_host_bits_set", "10.0.0.1/8", "non-canonical-prefix", "did you mean 10.0.0.0/8?"},
    {"v4_host_bits_set_slash0", "1.0.0.0/0", "non-canonical-prefix", "0.0.0.0/0"},
    {"v4_host_bits_set_slash31", "10.0.0.1/31", "non-canonical-prefix", "10.0.0.0/31"},
    {"v6_host_bits_set", "2001:db8::1/32", "non-canonical-prefix", "2001:db8::/32"},
    {"v6_host_bits_set_slash127", "2001:db8::1/127", "non-canonical-prefix", "2001:db8::/127"},
    {"missing_length_v4", "10.0.0.0", "invalid-prefix", "has no prefix length"},
    {"missing_length_v6", "2001:db8::", "invalid-prefix", "has no prefix length"},
    {"empty", "", "invalid-prefix", "has no prefix length"},
    {"empty_length", "10.0.0.0/", "invalid-prefix-length", "expected a decimal number"},
    {"v4_length_33", "10.0.0.0/33", "invalid-prefix-length", "0..32"},
    {"v4_length_99", "10.0.0.0/99", "invalid-prefix-length", "0..32"},
    {"v6_length_129", "2001:db8::/129", "invalid-prefix-length", "0..128"},
    {"length_four_digits", "10.0.0.0/1000", "invalid-prefix-length", "'1000'"},
    {"length_plus_sign", "10.0.0.0/+8", "invalid-prefix-length", "'+8'"},
    {"length_leading_zero", "10.0.0.0/08", "invalid-prefix-length", "'08'"},
    {"length_minus_sign", "10.0.0.0/-1", "invalid-prefix-length", "'-1'"},
    {"length_space", "10.0.0.0/ 8", "invalid-prefix-length", "' 8'"},
    {"length_trailing_space", "10.0.0.0/8 ", "invalid-prefix-length", "'8 '"},
    {"length_hex", "10.0.0.0/0x8", "invalid-prefix-length", "'0x8'"},
    {"length_netmask", "10.0.0.0/255.0.0.0", "invalid-prefix-length", "'255.0.0.0'"},
    {"two_slashes", "10.0.0.0/8/8", "invalid-prefix-length", "'8/8'"},
    {"bad_address", "10.0.0.256/8", "invalid-ip-address", "'10.0.0.256'"},
    {"address_leading_zero", "010.0.0.0/8", "invalid-ip-address", "'010.0.0.0'"},
    {"empty_address", "/8", "invalid-ip-address", "''"},
    {"v6_zone_id", "fe80::%eth0/64", "invalid-ip-address", "'fe80::%eth0'"},
};

class PrefixParseInvalid : public testing::TestWithParam<BadPrefixCase> {};

TEST_P(PrefixParseInvalid, IsRefusedWithReason) {
  const BadPrefixCase& c = GetParam();
  Result<Prefix> r = Prefix::parse(c.text);
  ASSERT_FALSE(r.ok()) << "accepted as " << r->to_string();
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().reason(), c.reason);
  EXPECT_NE(r.status().message().find(c.message_contains), std::string::npos)
      << r.status().message();
}

INSTANTIATE_TEST_SUITE_P(Table, PrefixParseInvalid, testing::ValuesIn(kInvalidPrefixes),
                         [](const auto& info) { return case_name(info.param.name); });

TEST(PrefixParse, NonCanonicalMessageNamesGivenAndCanonical) {
  Result<Prefix> r = Prefix::parse("10.0.0.1/8");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().to_string(),
            "invalid-argument/non-canonical-prefix: 10.0.0.1/8 has host bits set (rule: a prefix "
            "must be canonical); did you mean 10.0.0.0/8?");
}

// ---------------------------------------------------------------------------
// Prefix::make

TEST(PrefixMake, AcceptsCanonical) {
  Result<Prefix> r = Prefix::make(Family::kV4, 0x0a000000, 8);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(*r, P("10.0.0.0/8"));
  Result<Prefix> r6 = Prefix::make(Family::kV6, v6(0x20010db800000000, 0), 32);
  ASSERT_TRUE(r6.ok()) << r6.status().to_string();
  EXPECT_EQ(*r6, P("2001:db8::/32"));
}

TEST(PrefixMake, RefusesLengthOutsideFamilyWidth) {
  struct Case {
    const char* name;
    Family family;
    int length;
  };
  const Case cases[] = {
      {"v4_negative", Family::kV4, -1},
      {"v4_33", Family::kV4, 33},
      {"v6_negative", Family::kV6, -1},
      {"v6_129", Family::kV6, 129},
      {"v6_256", Family::kV6, 256},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<Prefix> r = Prefix::make(c.family, 0, c.length);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(r.status().reason(), "invalid-prefix-length");
    std::string length_text = std::string("/").append(std::to_string(c.length));
    EXPECT_NE(r.status().message().find(length_text), std::string::npos) << r.status().message();
  }
}

TEST(PrefixMake, RefusesV4NetworkWiderThan32Bits) {
  Result<Prefix> r = Prefix::make(Family::kV4, u128(1) << 32, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "invalid-ip-address");
}

TEST(PrefixMake, RefusesHostBits) {
  Result<Prefix> r = Prefix::make(Family::kV6, 1, 64);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "non-canonical-prefix");
  EXPECT_NE(r.status().message().find("::1/64"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("::/64"), std::string::npos) << r.status().message();
}

TEST(Prefix, DefaultAndRoot) {
  EXPECT_EQ(Prefix().to_string(), "0.0.0.0/0");
  EXPECT_EQ(Prefix(), P("0.0.0.0/0"));
  EXPECT_EQ(Prefix::root(Family::kV4), P("0.0.0.0/0"));
  EXPECT_EQ(Prefix::root(Family::kV6), P("::/0"));
  EXPECT_NE(Prefix::root(Family::kV4), Prefix::root(Family::kV6));
}

// ---------------------------------------------------------------------------
// contains / overlaps

struct RelationCase {
  const char* name;
  const char* a;
  const char* b;
  bool a_contains_b;
  bool b_contains_a;
  bool overlap;
  friend void PrintTo(const RelationCase& c, std::ostream* os) { *os << c.name; }
};

const RelationCase kRelations[] = {
    {"v4_equal", "10.0.0.0/8", "10.0.0.0/8", true, true, true},
    {"v4_parent_child_same_network", "10.0.0.0/8", "10.0.0.0/16", true, false, true},
    {"v4_parent_child_inner", "10.0.0.0/8", "10.255.255.0/24", true, false, true},
    {"v4_parent_host", "10.0.0.0/8", "10.1.2.3/32", true, false, true},
    {"v4_child_parent", "10.1.0.0/16", "10.0.0.0/8", false, true, true},
    {"v4_adjacent_halves", "10.0.0.0/9", "10.128.0.0/9", false, false, false},
    {"v4_disjoint", "10.0.0.0/8", "11.0.0.0/8", false, false, false},
    {"v4_just_past_end", "10.0.0.0/8", "11.0.0.0/32", false, false, false},
    {"v4_just_before_start", "10.0.0.0/8", "9.255.255.255/32", false, false, false},
    {"v4_root_covers_all", "0.0.0.0/0", "255.255.255.255/32", true, false, true},
    {"v4_sibling_hosts", "10.0.0.0/32", "10.0.0.1/32", false, false, false},
    {"v6_equal", "2001:db8::/32", "2001:db8::/32", true, true, true},
    {"v6_parent_child", "2001:db8::/32", "2001:db8:ffff:ffff::/64", true, false, true},
    {"v6_disjoint", "2001:db8::/32", "2001:db9::/32", false, false, false},
    {"v6_root_covers_all", "::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", true, false,
     true},
    {"v6_halves", "::/1", "8000::/1", false, false, false},
    // Different families never overlap, even where the numbers coincide.
    {"families_roots", "0.0.0.0/0", "::/0", false, false, false},
    {"families_same_network_value", "10.0.0.0/8", "::a00:0/104", false, false, false},
    {"families_v4_root_vs_v6_host", "0.0.0.0/0", "::1/128", false, false, false},
    {"families_v4_root_vs_mapped", "0.0.0.0/0", "::ffff:0.0.0.0/96", false, false, false},
};

class PrefixRelation : public testing::TestWithParam<RelationCase> {};

TEST_P(PrefixRelation, ContainsAndOverlaps) {
  const RelationCase& c = GetParam();
  Prefix a = P(c.a);
  Prefix b = P(c.b);
  EXPECT_EQ(a.contains(b), c.a_contains_b);
  EXPECT_EQ(b.contains(a), c.b_contains_a);
  EXPECT_EQ(a.overlaps(b), c.overlap);
  EXPECT_EQ(b.overlaps(a), c.overlap);  // symmetric
}

INSTANTIATE_TEST_SUITE_P(Table, PrefixRelation, testing::ValuesIn(kRelations),
                         [](const auto& info) { return case_name(info.param.name); });

TEST(Prefix, ContainsAddress) {
  Prefix p = P("10.0.0.0/8");
  EXPECT_TRUE(p.contains(A("10.0.0.0")));
  EXPECT_TRUE(p.contains(A("10.255.255.255")));
  EXPECT_FALSE(p.contains(A("11.0.0.0")));
  EXPECT_FALSE(p.contains(A("9.255.255.255")));
  EXPECT_FALSE(p.contains(A("::a00:0")));  // same value, other family
  EXPECT_FALSE(p.contains(A("::ffff:10.0.0.1")));

  Prefix host = P("2001:db8::1/128");
  EXPECT_TRUE(host.contains(A("2001:db8::1")));
  EXPECT_FALSE(host.contains(A("2001:db8::2")));
  EXPECT_FALSE(host.contains(A("2001:db8::")));

  EXPECT_TRUE(P("::/0").contains(A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
  EXPECT_FALSE(P("::/0").contains(A("0.0.0.0")));
  EXPECT_TRUE(P("0.0.0.0/0").contains(A("255.255.255.255")));
}

// ---------------------------------------------------------------------------
// size, last, host_mask

TEST(Prefix, SizeLastAndHostMask) {
  struct Case {
    const char* prefix;
    u128 size;
    u128 last;
    u128 host_mask;
  };
  const Case cases[] = {
      {"1.2.3.4/32", 1, 0x01020304, 0},
      {"10.0.0.0/31", 2, 0x0a000001, 1},
      {"10.0.0.0/24", 256, 0x0a0000ff, 0xff},
      {"10.0.0.0/8", u128(1) << 24, 0x0affffff, 0xffffff},
      {"0.0.0.0/0", u128(1) << 32, 0xffffffff, 0xffffffff},  // no saturation for IPv4
      {"::1/128", 1, 1, 0},
      {"2001:db8::/64", u128(1) << 64, v6(0x20010db800000000, ~uint64_t(0)), v6(0, ~uint64_t(0))},
      {"2001:db8::/32", u128(1) << 96, v6(0x20010db8ffffffff, ~uint64_t(0)),
       (u128(1) << 96) - 1},
      {"8000::/1", u128(1) << 127, kAllOnes, kAllOnes >> 1},
      {"::/1", u128(1) << 127, kAllOnes >> 1, kAllOnes >> 1},
      {"::/0", kAllOnes, kAllOnes, kAllOnes},  // 2^128 saturates to 2^128-1
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.prefix);
    Prefix p = P(c.prefix);
    EXPECT_EQ(p.size(), c.size);
    EXPECT_EQ(p.last(), c.last);
    EXPECT_EQ(p.host_mask(), c.host_mask);
  }
}

// ---------------------------------------------------------------------------
// bit, supernet, child, subnet

TEST(Prefix, BitCountsFromTopOfFamilyWidth) {
  Prefix p = P("10.0.0.0/8");  // 0000 1010
  const bool expected[8] = {false, false, false, false, true, false, true, false};
  for (int i = 0; i < 8; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(p.bit(i), expected[i]);
  }
  EXPECT_TRUE(P("128.0.0.0/1").bit(0));
  EXPECT_TRUE(P("0.0.0.1/32").bit(31));
  EXPECT_FALSE(P("0.0.0.1/32").bit(30));
  EXPECT_TRUE(P("8000::/1").bit(0));
  EXPECT_TRUE(P("::1/128").bit(127));
  EXPECT_FALSE(P("::1/128").bit(0));
  Prefix doc = P("2001:db8::/32");  // 0010 0000 0000 0001
  EXPECT_FALSE(doc.bit(0));
  EXPECT_FALSE(doc.bit(1));
  EXPECT_TRUE(doc.bit(2));
  EXPECT_TRUE(doc.bit(15));
}

TEST(Prefix, Supernet) {
  struct Case {
    const char* prefix;
    int len;
    const char* expected;
  };
  const Case cases[] = {
      {"10.1.2.0/24", 8, "10.0.0.0/8"},
      {"10.1.2.0/24", 16, "10.1.0.0/16"},
      {"10.1.2.0/24", 23, "10.1.2.0/23"},
      {"10.1.3.0/24", 23, "10.1.2.0/23"},
      {"10.1.2.0/24", 24, "10.1.2.0/24"},  // itself
      {"10.1.2.0/24", 0, "0.0.0.0/0"},
      {"255.255.255.255/32", 1, "128.0.0.0/1"},
      {"2001:db8:1:2::/64", 32, "2001:db8::/32"},
      {"2001:db8:1:2::/64", 48, "2001:db8:1::/48"},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", 0, "::/0"},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", 127,
       "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.prefix) + " supernet " + std::to_string(c.len));
    Prefix s = P(c.prefix).supernet(c.len);
    EXPECT_EQ(s, P(c.expected));
    EXPECT_TRUE(s.contains(P(c.prefix)));
  }
}

TEST(Prefix, Child) {
  struct Case {
    const char* prefix;
    const char* lower;
    const char* upper;
  };
  const Case cases[] = {
      {"0.0.0.0/0", "0.0.0.0/1", "128.0.0.0/1"},
      {"10.0.0.0/8", "10.0.0.0/9", "10.128.0.0/9"},
      {"10.1.2.0/24", "10.1.2.0/25", "10.1.2.128/25"},
      {"10.0.0.0/31", "10.0.0.0/32", "10.0.0.1/32"},
      {"::/0", "::/1", "8000::/1"},
      {"2001:db8::/32", "2001:db8::/33", "2001:db8:8000::/33"},
      {"2001:db8::/127", "2001:db8::/128", "2001:db8::1/128"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.prefix);
    Prefix p = P(c.prefix);
    EXPECT_EQ(p.child(0), P(c.lower));
    EXPECT_EQ(p.child(1), P(c.upper));
    EXPECT_EQ(p.child(0).supernet(p.length()), p);
    EXPECT_EQ(p.child(1).supernet(p.length()), p);
  }
}

TEST(Prefix, Subnet) {
  struct Case {
    const char* prefix;
    int len;
    u128 index;
    const char* expected;
  };
  const Case cases[] = {
      {"10.0.0.0/16", 24, 0, "10.0.0.0/24"},
      {"10.0.0.0/16", 24, 1, "10.0.1.0/24"},
      {"10.0.0.0/16", 24, 255, "10.0.255.0/24"},
      {"10.0.0.0/16", 16, 0, "10.0.0.0/16"},
      {"10.0.0.0/16", 32, 65535, "10.0.255.255/32"},
      {"0.0.0.0/0", 0, 0, "0.0.0.0/0"},
      {"0.0.0.0/0", 32, 0xffffffff, "255.255.255.255/32"},
      {"0.0.0.0/0", 8, 10, "10.0.0.0/8"},
      {"2001:db8::/32", 48, 0, "2001:db8::/48"},
      {"2001:db8::/32", 48, 0xffff, "2001:db8:ffff::/48"},
      {"2001:db8::/32", 64, 0x10002, "2001:db8:1:2::/64"},
      {"::/0", 0, 0, "::/0"},  // shift of 128 bits
      {"::/0", 1, 1, "8000::/1"},
      {"::/0", 128, kAllOnes, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"},
      {"::/0", 64, 0x20010db800000000, "2001:db8::/64"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.prefix) + " subnet /" + std::to_string(c.len) + " #" +
                 u128_to_string(c.index));
    Prefix p = P(c.prefix);
    Prefix s = p.subnet(c.len, c.index);
    EXPECT_EQ(s, P(c.expected));
    EXPECT_TRUE(p.contains(s));
  }
  // One bit longer, subnet and child agree.
  Prefix p = P("10.4.0.0/14");
  EXPECT_EQ(p.subnet(15, 0), p.child(0));
  EXPECT_EQ(p.subnet(15, 1), p.child(1));
}

// ---------------------------------------------------------------------------
// Ordering

TEST(Prefix, OrdersFamilyThenNetworkThenLength) {
  EXPECT_LT(P("10.0.0.0/8"), P("10.0.0.0/16"));  // covering prefix first
  EXPECT_LT(P("10.0.0.0/16"), P("10.0.0.0/24"));
  EXPECT_LT(P("10.0.0.0/24"), P("10.0.1.0/24"));
  EXPECT_LT(P("10.0.0.0/32"), P("10.0.0.1/32"));
  EXPECT_LT(P("10.255.255.255/32"), P("11.0.0.0/8"));  // network before length
  EXPECT_LT(P("255.255.255.255/32"), P("::/0"));       // IPv4 before IPv6
  EXPECT_LT(P("::/0"), P("::/1"));
  EXPECT_LT(P("7fff::/16"), P("8000::/1"));
  EXPECT_EQ(P("2001:db8::/32") <=> P("2001:DB8::/32"), std::strong_ordering::equal);
  EXPECT_NE(P("10.0.0.0/8"), P("10.0.0.0/9"));
}

TEST(Prefix, SortPutsCoveringPrefixBeforeItsChildren) {
  std::vector<Prefix> prefixes;
  for (const char* text : {"2001:db8::/48", "10.0.1.0/24", "::/0", "10.0.0.0/24", "2001:db8::/32",
                           "10.0.0.0/8", "9.0.0.0/8", "10.0.0.0/16", "0.0.0.0/0",
                           "10.0.0.128/25"}) {
    prefixes.push_back(P(text));
  }
  std::sort(prefixes.begin(), prefixes.end());
  std::vector<std::string> sorted;
  for (const Prefix& p : prefixes) sorted.push_back(p.to_string());
  EXPECT_EQ(sorted, (std::vector<std::string>{
                        "0.0.0.0/0", "9.0.0.0/8", "10.0.0.0/8", "10.0.0.0/16", "10.0.0.0/24",
                        "10.0.0.128/25", "10.0.1.0/24", "::/0", "2001:db8::/32",
                        "2001:db8::/48"}));
}

// ---------------------------------------------------------------------------
// Prefix::containing, host_mask_for

TEST(Prefix, ContainingClearsHostBitsAndClampsLength) {
  struct Case {
    const char* address;
    int length;
    const char* expected;
  };
  const Case cases[] = {
      {"10.1.2.3", 8, "10.0.0.0/8"},
      {"10.1.2.3", 24, "10.1.2.0/24"},
      {"10.1.2.3", 31, "10.1.2.2/31"},
      {"10.1.2.3", 32, "10.1.2.3/32"},
      {"10.1.2.3", 0, "0.0.0.0/0"},
      {"10.1.2.3", 33, "10.1.2.3/32"},   // clamped to the width
      {"10.1.2.3", -5, "0.0.0.0/0"},     // clamped to 0
      {"2001:db8::1", 64, "2001:db8::/64"},
      {"2001:db8::1", 128, "2001:db8::1/128"},
      {"2001:db8::1", 200, "2001:db8::1/128"},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, "::/0"},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1, "8000::/1"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.address) + " /" + std::to_string(c.length));
    Prefix p = Prefix::containing(A(c.address), c.length);
    EXPECT_EQ(p, P(c.expected));
    EXPECT_TRUE(p.contains(A(c.address)));
  }
}

TEST(HostMaskFor, LowBitsSet) {
  struct Case {
    int width;
    int len;
    u128 expected;
  };
  const Case cases[] = {
      {32, 32, 0},
      {32, 31, 1},
      {32, 24, 0xff},
      {32, 0, 0xffffffff},
      {32, 33, 0},  // longer than the width: no host bits
      {128, 128, 0},
      {128, 127, 1},
      {128, 64, v6(0, ~uint64_t(0))},
      {128, 1, kAllOnes >> 1},
      {128, 0, kAllOnes},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.width) + "/" + std::to_string(c.len));
    EXPECT_EQ(host_mask_for(c.width, c.len), c.expected);
  }
}

// ---------------------------------------------------------------------------
// u128_to_string, families

TEST(U128ToString, Decimal) {
  EXPECT_EQ(u128_to_string(0), "0");
  EXPECT_EQ(u128_to_string(1), "1");
  EXPECT_EQ(u128_to_string(9), "9");
  EXPECT_EQ(u128_to_string(10), "10");
  EXPECT_EQ(u128_to_string(256), "256");
  EXPECT_EQ(u128_to_string(u128(1) << 32), "4294967296");
  EXPECT_EQ(u128_to_string(u128(1) << 64), "18446744073709551616");
  EXPECT_EQ(u128_to_string(u128(1) << 127), "170141183460469231731687303715884105728");
  EXPECT_EQ(u128_to_string(kAllOnes), "340282366920938463463374607431768211455");
  EXPECT_EQ(u128_to_string(P("::/0").size()), "340282366920938463463374607431768211455");
  EXPECT_EQ(u128_to_string(P("2001:db8::/32").size()), "79228162514264337593543950336");
}

TEST(Family, NamesAndWidths) {
  EXPECT_EQ(family_name(Family::kV4), "ipv4");
  EXPECT_EQ(family_name(Family::kV6), "ipv6");
  EXPECT_EQ(family_width(Family::kV4), 32);
  EXPECT_EQ(family_width(Family::kV6), 128);
  static_assert(family_width(Family::kV6) == 128);
}

TEST(Family, ParseAcceptsOnlyLowerCaseNames) {
  Result<Family> v4 = parse_family("ipv4");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(*v4, Family::kV4);
  Result<Family> v6 = parse_family("ipv6");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(*v6, Family::kV6);

  for (const char* text : {"", "IPv4", "IPV6", "v4", "4", "6", "ipv46", "ipv4 ", "inet"}) {
    SCOPED_TRACE(text);
    Result<Family> r = parse_family(text);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(r.status().reason(), "invalid-address-family");
    EXPECT_EQ(r.status().message(),
              "address family '" + std::string(text) + "' is not one of: ipv4, ipv6");
  }
}

}  // namespace
}  // namespace byoipd
