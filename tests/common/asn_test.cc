#include "byoipd/common/asn.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

namespace byoipd {

void PrintTo(const Asn& asn, std::ostream* os) { *os << "AS" << asn.value(); }

namespace {

std::string case_name(const char* name) { return name; }

// 'text', as the error messages quote offending input. Built with append:
// GCC 12 at -O2 gives a false -Wrestrict on "'" + std::string(...) (PR 105329).
std::string quoted(std::string_view text) { return std::string("'").append(text).append("'"); }

// ---------------------------------------------------------------------------
// Asn::parse, accepted.

struct AsnCase {
  const char* name;
  std::string_view text;
  uint32_t value;
  friend void PrintTo(const AsnCase& c, std::ostream* os) { *os << c.name; }
};

const AsnCase kValidAsns[] = {
    {"asplain_zero", "0", 0},
    {"asplain_one", "1", 1},
    {"asplain_two_octet", "64512", 64512},
    {"asplain_last_two_octet", "65535", 65535},
    {"asplain_first_four_octet", "65536", 65536},
    {"asplain_private_four_octet", "4200000000", 4200000000u},
    {"asplain_max", "4294967295", 4294967295u},
    {"prefix_upper", "AS64512", 64512},
    {"prefix_lower", "as64512", 64512},
    {"prefix_mixed_case", "aS64512", 64512},
    {"prefix_zero", "AS0", 0},
    {"asdot_1_10", "1.10", 65546},
    {"asdot_1_0", "1.0", 65536},
    {"asdot_0_65535", "0.65535", 65535},
    {"asdot_0_0", "0.0", 0},
    {"asdot_max", "65535.65535", 4294967295u},
    {"asdot_private", "64086.59904", 4200000000u},
    {"asdot_with_prefix", "as1.10", 65546},
    {"asdot_with_upper_prefix", "AS1.10", 65546},
};

class AsnParseValid : public testing::TestWithParam<AsnCase> {};

TEST_P(AsnParseValid, Parses) {
  const AsnCase& c = GetParam();
  Result<Asn> r = Asn::parse(c.text);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->value(), c.value);
  EXPECT_EQ(*r, Asn(c.value));
}

INSTANTIATE_TEST_SUITE_P(Table, AsnParseValid, testing::ValuesIn(kValidAsns),
                         [](const auto& info) { return case_name(info.param.name); });

// ---------------------------------------------------------------------------
// Asn::parse, refused.

struct BadAsnCase {
  const char* name;
  std::string_view text;
  friend void PrintTo(const BadAsnCase& c, std::ostream* os) { *os << c.name; }
};

const BadAsnCase kInvalidAsns[] = {
    {"empty", ""},
    {"prefix_only", "AS"},
    {"prefix_only_lower", "as"},
    {"one_past_max", "4294967296"},
    {"ten_nines", "9999999999"},
    {"eleven_digits", "12345678901"},
    {"leading_zero", "01"},
    {"double_zero", "00"},
    {"leading_zero_after_prefix", "AS01"},
    {"leading_zero_long", "0064512"},
    {"asdot_high_too_big", "65536.0"},
    {"asdot_low_too_big", "1.65536"},
    {"asdot_high_leading_zero", "01.1"},
    {"asdot_low_leading_zero", "1.01"},
    {"asdot_missing_low", "1."},
    {"asdot_missing_high", ".1"},
    {"asdot_dot_only", "."},
    {"asdot_two_dots", "1..1"},
    {"asdot_three_parts", "1.2.3"},
    {"negative", "-1"},
    {"plus_sign", "+1"},
    {"leading_space", " 1"},
    {"trailing_space", "1 "},
    {"space_after_prefix", "AS 1"},
    {"asn_prefix", "ASN1"},
    {"half_prefix_a", "A1"},
    {"half_prefix_s", "S1"},
    {"double_prefix", "ASAS1"},
    {"prefix_negative", "AS-1"},
    {"trailing_letter", "1a"},
    {"hex", "0x10"},
    {"embedded_nul", std::string_view("1\0", 2)},
};

class AsnParseInvalid : public testing::TestWithParam<BadAsnCase> {};

TEST_P(AsnParseInvalid, IsRefused) {
  const BadAsnCase& c = GetParam();
  Result<Asn> r = Asn::parse(c.text);
  ASSERT_FALSE(r.ok()) << "accepted as " << r->value();
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().reason(), "invalid-asn");
  EXPECT_NE(r.status().message().find(quoted(c.text)), std::string::npos)
      << r.status().message();
}

INSTANTIATE_TEST_SUITE_P(Table, AsnParseInvalid, testing::ValuesIn(kInvalidAsns),
                         [](const auto& info) { return case_name(info.param.name); });

TEST(AsnParse, ErrorSaysWhatIsAccepted) {
  Result<Asn> r = Asn::parse("4294967296");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().to_string(),
            "invalid-argument/invalid-asn: '4294967296' is not an AS number (expected asplain "
            "0..4294967295 such as 64512, or asdot such as 1.10)");
}

// ---------------------------------------------------------------------------
// Text forms

TEST(Asn, ToStringIsAsplain) {
  EXPECT_EQ(Asn(0).to_string(), "0");
  EXPECT_EQ(Asn(64512).to_string(), "64512");
  EXPECT_EQ(Asn(65546).to_string(), "65546");
  EXPECT_EQ(Asn(4294967295u).to_string(), "4294967295");
}

TEST(Asn, ToAsdot) {
  struct Case {
    uint32_t value;
    const char* asdot;
  };
  const Case cases[] = {
      {0, "0"},
      {1, "1"},
      {64512, "64512"},
      {65535, "65535"},  // RFC 5396: plain below 65536
      {65536, "1.0"},
      {65546, "1.10"},
      {131071, "1.65535"},
      {131072, "2.0"},
      {4200000000u, "64086.59904"},
      {4294967295u, "65535.65535"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.value);
    EXPECT_EQ(Asn(c.value).to_asdot(), c.asdot);
  }
}

TEST(Asn, TextRoundTrips) {
  for (uint32_t v : {0u, 1u, 23456u, 64496u, 64512u, 65534u, 65535u, 65536u, 65546u, 131072u,
                     397197u, 4199999999u, 4200000000u, 4294967294u, 4294967295u}) {
    SCOPED_TRACE(v);
    Asn asn(v);
    Result<Asn> from_asdot = Asn::parse(asn.to_asdot());
    ASSERT_TRUE(from_asdot.ok()) << from_asdot.status().to_string();
    EXPECT_EQ(*from_asdot, asn);
    Result<Asn> from_asplain = Asn::parse(asn.to_string());
    ASSERT_TRUE(from_asplain.ok()) << from_asplain.status().to_string();
    EXPECT_EQ(*from_asplain, asn);
    Result<Asn> with_prefix = Asn::parse("AS" + asn.to_string());
    ASSERT_TRUE(with_prefix.ok()) << with_prefix.status().to_string();
    EXPECT_EQ(*with_prefix, asn);
  }
}

// ---------------------------------------------------------------------------
// Classification

struct ClassCase {
  const char* name;
  uint32_t value;
  bool is_private;
  bool is_reserved;
  bool is_four_octet;
  friend void PrintTo(const ClassCase& c, std::ostream* os) { *os << c.name; }
};

const ClassCase kClasses[] = {
    {"as0", 0, false, true, false},                            // RFC 7607
    {"as1", 1, false, false, false},
    {"as_trans", 23456, false, true, false},                   // RFC 6793
    {"before_doc16", 64495, false, false, false},
    {"doc16_first", 64496, false, true, false},                // RFC 5398
    {"doc16_last", 64511, false, true, false},
    {"private16_first", 64512, true, false, false},            // RFC 6996
    {"private16_last", 65534, true, false, false},
    {"last16", 65535, false, true, false},                     // RFC 7300
    {"doc32_first", 65536, false, true, true},                 // RFC 5398
    {"doc32_last", 65551, false, true, true},
    {"after_doc32", 65552, false, false, true},
    {"public32", 397197, false, false, true},
    {"before_private32", 4199999999u, false, false, true},
    {"private32_first", 4200000000u, true, false, true},       // RFC 6996
    {"private32_last", 4294967294u, true, false, true},
    {"last32", 4294967295u, false, true, true},                // RFC 7300
};

class AsnClassification : public testing::TestWithParam<ClassCase> {};

TEST_P(AsnClassification, Flags) {
  const ClassCase& c = GetParam();
  Asn asn(c.value);
  EXPECT_EQ(asn.is_private(), c.is_private);
  EXPECT_EQ(asn.is_reserved(), c.is_reserved);
  EXPECT_EQ(asn.is_four_octet(), c.is_four_octet);
}

INSTANTIATE_TEST_SUITE_P(Table, AsnClassification, testing::ValuesIn(kClasses),
                         [](const auto& info) { return case_name(info.param.name); });

TEST(Asn, ConstantsAndConstexpr) {
  static_assert(Asn::kTrans == 23456);
  static_assert(Asn(64512).is_private());
  static_assert(Asn(4294967295u).is_reserved());
  static_assert(Asn(65536).is_four_octet());
  static_assert(Asn().value() == 0);
  EXPECT_TRUE(Asn(Asn::kTrans).is_reserved());
}

TEST(Asn, Ordering) {
  EXPECT_EQ(Asn(64512), Asn(64512));
  EXPECT_NE(Asn(64512), Asn(64513));
  EXPECT_LT(Asn(1), Asn(2));
  EXPECT_LT(Asn(65535), Asn(65536));
  EXPECT_LT(Asn(4294967294u), Asn(4294967295u));
  EXPECT_EQ(Asn(), Asn(0));
}

}  // namespace
}  // namespace byoipd
