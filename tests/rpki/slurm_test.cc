#include "byoipd/rpki/slurm.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace byoipd::rpki {
namespace {

std::string read_sample(const std::string& name) {
  std::ifstream in(std::string(BYOIPD_RPKI_TEST_DATA) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Prefix P(const std::string& text) {
  auto p = Prefix::parse(text);
  EXPECT_TRUE(p.ok()) << text;
  return p.ok() ? *p : Prefix();
}

Vrp V(const std::string& prefix, int max_length, uint32_t asn, SourceId source = 1) {
  return Vrp{P(prefix), static_cast<uint8_t>(max_length), asn, source};
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

// RFC 8416 section 3.5 with its two placeholders replaced by base64url text.
std::string rfc_example_filled() {
  std::string text = read_sample("slurm-rfc8416-example.json");
  replace_all(text, "<some base64 SKI>", "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA");
  replace_all(text, "<some base64 public key>", "Ymx1YmI");
  return text;
}

Slurm parse_ok(const std::string& text) {
  auto r = parse_slurm(text);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? std::move(*r) : Slurm();
}

// A SLURM file with the given prefixFilters and prefixAssertions arrays.
std::string slurm_with(const std::string& filters, const std::string& assertions,
                       const std::string& bgpsec_filters = "[]",
                       const std::string& bgpsec_assertions = "[]") {
  return R"({"slurmVersion":1,"validationOutputFilters":{"prefixFilters":)" + filters +
         R"(,"bgpsecFilters":)" + bgpsec_filters +
         R"(},"locallyAddedAssertions":{"prefixAssertions":)" + assertions +
         R"(,"bgpsecAssertions":)" + bgpsec_assertions + "}}";
}

TEST(Slurm, Rfc8416EmptyFile) {
  EXPECT_EQ(parse_ok(read_sample("slurm-rfc8416-empty.json")), Slurm{});
}

TEST(Slurm, Rfc8416ExampleVerbatimIsRefusedAtItsPlaceholder) {
  auto r = parse_slurm(read_sample("slurm-rfc8416-example.json"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "invalid-base64url");
  EXPECT_EQ(r.status().message().rfind("$.locallyAddedAssertions.bgpsecAssertions[0].SKI: ", 0),
            0u)
      << r.status().message();
}

TEST(Slurm, Rfc8416Example) {
  Slurm s = parse_ok(rfc_example_filled());
  ASSERT_EQ(s.prefix_filters.size(), 3u);
  EXPECT_EQ(s.prefix_filters[0], (PrefixFilter{P("192.0.2.0/24"), std::nullopt,
                                               "All VRPs encompassed by prefix"}));
  EXPECT_EQ(s.prefix_filters[1], (PrefixFilter{std::nullopt, 64496, "All VRPs matching ASN"}));
  EXPECT_EQ(s.prefix_filters[2], (PrefixFilter{P("198.51.100.0/24"), 64497,
                                               "All VRPs encompassed by prefix, matching ASN"}));
  ASSERT_EQ(s.bgpsec_filters.size(), 3u);
  EXPECT_EQ(s.bgpsec_filters[1].ski, "Zm9v");
  EXPECT_EQ(s.bgpsec_filters[2].asn, 64497u);
  ASSERT_EQ(s.prefix_assertions.size(), 2u);
  EXPECT_EQ(s.prefix_assertions[0],
            (PrefixAssertion{P("198.51.100.0/24"), 64496, std::nullopt, "My other important route"}));
  EXPECT_EQ(s.prefix_assertions[1], (PrefixAssertion{P("2001:db8::/32"), 64496, 48,
                                                      "My other important de-aggregated routes"}));
  ASSERT_EQ(s.bgpsec_assertions.size(), 1u);
  EXPECT_EQ(s.bgpsec_assertions[0].router_public_key, "Ymx1YmI");

  std::vector<Vrp> vrps = {
      V("192.0.2.128/25", 25, 64511),    // inside 192.0.2.0/24: filtered
      V("192.0.2.0/24", 24, 64511),      // equal to 192.0.2.0/24: filtered
      V("192.0.0.0/16", 24, 64511),      // covers the filter prefix, not covered: kept
      V("203.0.113.0/24", 24, 64496),    // AS64496: filtered
      V("198.51.100.0/25", 25, 64497),   // in 198.51.100.0/24 and AS64497: filtered
      V("198.51.100.0/25", 25, 64498),   // in the prefix, other ASN: kept
      V("198.51.0.0/16", 24, 64497),     // AS64497 but less specific: kept
      V("2001:db8:ff::/48", 48, 64511),  // untouched
  };
  SlurmApplied applied = apply_slurm(s, vrps, 9);
  EXPECT_EQ(applied, (SlurmApplied{4, 2}));
  EXPECT_EQ(vrps, (std::vector<Vrp>{V("192.0.0.0/16", 24, 64511), V("198.51.100.0/25", 25, 64498),
                                    V("198.51.0.0/16", 24, 64497), V("2001:db8:ff::/48", 48, 64511),
                                    // The assertions, not filtered by the AS64496 filter.
                                    V("198.51.100.0/24", 24, 64496, 9),
                                    V("2001:db8::/32", 48, 64496, 9)}));
}

TEST(Slurm, AssertionsAreDeduplicated) {
  Slurm s = parse_ok(slurm_with("[]", R"([{"asn":1,"prefix":"10.0.0.0/8"},
      {"asn":1,"prefix":"10.0.0.0/8","maxPrefixLength":8,"comment":"same VRP"},
      {"asn":1,"prefix":"10.0.0.0/8","maxPrefixLength":9}])"));
  std::vector<Vrp> vrps = {V("10.0.0.0/8", 8, 1, 1)};
  EXPECT_EQ(apply_slurm(s, vrps, 2), (SlurmApplied{0, 2}));
  EXPECT_EQ(vrps, (std::vector<Vrp>{V("10.0.0.0/8", 8, 1, 1), V("10.0.0.0/8", 8, 1, 2),
                                    V("10.0.0.0/8", 9, 1, 2)}));
}

TEST(Slurm, FilterMatchesEqualOrMoreSpecificOnly) {
  PrefixFilter both{P("10.0.0.0/8"), 5, ""};
  EXPECT_TRUE(both.matches(V("10.0.0.0/8", 8, 5)));
  EXPECT_TRUE(both.matches(V("10.1.0.0/16", 24, 5)));
  EXPECT_FALSE(both.matches(V("10.1.0.0/16", 24, 6)));
  EXPECT_FALSE(both.matches(V("0.0.0.0/0", 32, 5)));
  EXPECT_FALSE(both.matches(V("::/0", 128, 5)));
  PrefixFilter v6{P("2001:db8::/32"), std::nullopt, ""};
  EXPECT_TRUE(v6.matches(V("2001:db8:1::/48", 48, 1)));
  EXPECT_FALSE(v6.matches(V("10.0.0.0/8", 8, 1)));
}

struct ErrorCase {
  const char* name;
  std::string text;
  const char* reason;
  const char* path;  // the message starts with it
};

TEST(Slurm, Errors) {
  const std::vector<ErrorCase> cases = {
      {"not-json", "{", "invalid-json", "SLURM file"},
      {"array", "[]", "invalid-slurm", "$: "},
      {"no-version",
       R"({"validationOutputFilters":{"prefixFilters":[],"bgpsecFilters":[]},"locallyAddedAssertions":{"prefixAssertions":[],"bgpsecAssertions":[]}})",
       "missing-member", "$: "},
      {"version-2", [] {
         std::string t = slurm_with("[]", "[]");
         replace_all(t, "\"slurmVersion\":1", "\"slurmVersion\":2");
         return t;
       }(),
       "unsupported-slurm-version", "$.slurmVersion: "},
      {"unknown-top-member",
       R"({"slurmVersion":1,"validationOutputFilters":{"prefixFilters":[],"bgpsecFilters":[]},"locallyAddedAssertions":{"prefixAssertions":[],"bgpsecAssertions":[]},"extra":1})",
       "invalid-slurm", "$: "},
      {"missing-bgpsec-filters",
       R"({"slurmVersion":1,"validationOutputFilters":{"prefixFilters":[]},"locallyAddedAssertions":{"prefixAssertions":[],"bgpsecAssertions":[]}})",
       "missing-member", "$.validationOutputFilters: "},
      {"filters-not-array", slurm_with("{}", "[]"), "invalid-slurm",
       "$.validationOutputFilters.prefixFilters: "},
      {"filter-empty", slurm_with(R"([{"comment":"nothing"}])", "[]"),
       "filter-without-prefix-or-asn", "$.validationOutputFilters.prefixFilters[0]: "},
      {"filter-typo", slurm_with(R"([{"prefx":"10.0.0.0/8"}])", "[]"), "invalid-slurm",
       "$.validationOutputFilters.prefixFilters[0]: "},
      {"filter-non-canonical", slurm_with(R"([{"asn":1},{"prefix":"10.0.0.1/8"}])", "[]"),
       "non-canonical-prefix", "$.validationOutputFilters.prefixFilters[1].prefix: "},
      {"filter-asn-string", slurm_with(R"([{"asn":"AS1"}])", "[]"), "invalid-asn",
       "$.validationOutputFilters.prefixFilters[0].asn: "},
      {"filter-asn-too-big", slurm_with(R"([{"asn":4294967296}])", "[]"), "invalid-asn",
       "$.validationOutputFilters.prefixFilters[0].asn: "},
      {"comment-not-string", slurm_with(R"([{"asn":1,"comment":5}])", "[]"), "invalid-slurm",
       "$.validationOutputFilters.prefixFilters[0].comment: "},
      {"bgpsec-filter-empty", slurm_with("[]", "[]", R"([{"comment":"x"}])"),
       "bgpsec-filter-without-asn-or-ski", "$.validationOutputFilters.bgpsecFilters[0]: "},
      {"bgpsec-filter-padded-ski", slurm_with("[]", "[]", R"([{"SKI":"Zm9vYg=="}])"),
       "invalid-base64url", "$.validationOutputFilters.bgpsecFilters[0].SKI: "},
      {"assertion-no-asn", slurm_with("[]", R"([{"prefix":"10.0.0.0/8"}])"), "missing-member",
       "$.locallyAddedAssertions.prefixAssertions[0]: "},
      {"assertion-no-prefix", slurm_with("[]", R"([{"asn":1}])"), "missing-member",
       "$.locallyAddedAssertions.prefixAssertions[0]: "},
      {"assertion-max-below", slurm_with("[]", R"([{"asn":1,"prefix":"10.0.0.0/16","maxPrefixLength":8}])"),
       "max-prefix-length-out-of-range", "$.locallyAddedAssertions.prefixAssertions[0].maxPrefixLength: "},
      {"assertion-max-above", slurm_with("[]", R"([{"asn":1,"prefix":"10.0.0.0/16","maxPrefixLength":33}])"),
       "max-prefix-length-out-of-range", "$.locallyAddedAssertions.prefixAssertions[0].maxPrefixLength: "},
      {"assertion-max-string", slurm_with("[]", R"([{"asn":1,"prefix":"10.0.0.0/16","maxPrefixLength":"24"}])"),
       "max-prefix-length-out-of-range", "$.locallyAddedAssertions.prefixAssertions[0].maxPrefixLength: "},
      {"bgpsec-assertion-no-key", slurm_with("[]", "[]", "[]", R"([{"asn":1,"SKI":"Zm9v"}])"),
       "missing-member", "$.locallyAddedAssertions.bgpsecAssertions[0]: "},
  };
  for (const ErrorCase& c : cases) {
    auto r = parse_slurm(c.text);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.status().reason(), c.reason) << c.name << ": " << r.status().to_string();
    EXPECT_EQ(r.status().message().rfind(c.path, 0), 0u) << c.name << ": " << r.status().message();
  }
}

TEST(Slurm, ErrorMessagesNameTheRule) {
  auto r = parse_slurm(slurm_with(R"([{"comment":"nothing"}])", "[]"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("RFC 8416 section 3.3.1"), std::string::npos);
  r = parse_slurm(slurm_with("[]", R"([{"asn":1,"prefix":"10.0.0.0/16","maxPrefixLength":8}])"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("10.0.0.0/16"), std::string::npos);
  EXPECT_NE(r.status().message().find("16..32"), std::string::npos);
}

TEST(Slurm, AspaExtensionMembersAreIgnored) {
  Slurm s = parse_ok(R"({"slurmVersion":1,
    "validationOutputFilters":{"prefixFilters":[],"bgpsecFilters":[],"aspaFilters":[{"customerAsid":1}]},
    "locallyAddedAssertions":{"prefixAssertions":[],"bgpsecAssertions":[],"aspaAssertions":[]}})");
  EXPECT_EQ(s, Slurm{});
}

// Names the files "a.json", "b.json"...
std::vector<NamedSlurm> named(std::vector<Slurm> slurms) {
  std::vector<NamedSlurm> out;
  for (Slurm& s : slurms) {
    NamedSlurm n;
    n.name = std::string(1, static_cast<char>('a' + out.size())) + ".json";
    n.slurm = std::move(s);
    out.push_back(std::move(n));
  }
  return out;
}

TEST(Slurm, MergeDisjointFiles) {
  auto r = merge_slurm(named({
      parse_ok(slurm_with(R"([{"prefix":"10.0.0.0/16"},{"asn":7}])",
                          R"([{"asn":1,"prefix":"10.0.0.0/24"}])")),
      parse_ok(slurm_with(R"([{"prefix":"10.1.0.0/16"}])", R"([{"asn":7,"prefix":"2001:db8::/32"}])",
                          R"([{"asn":7}])")),
  }));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->prefix_filters.size(), 3u);
  EXPECT_EQ(r->prefix_assertions.size(), 2u);
  EXPECT_EQ(r->bgpsec_filters.size(), 1u);
}

void expect_overlap(const std::string& a, const std::string& b, const std::string& mentions) {
  auto r = merge_slurm(named({parse_ok(a), parse_ok(b)}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), "slurm-files-overlap");
  const std::string m = r.status().message();
  EXPECT_NE(m.find(mentions), std::string::npos) << m;
  EXPECT_NE(m.find("a.json"), std::string::npos) << m;
  EXPECT_NE(m.find("b.json"), std::string::npos) << m;
  EXPECT_NE(m.find("RFC 8416 section 4.2"), std::string::npos) << m;
}

TEST(Slurm, MergeRefusesOverlappingFiles) {
  {
    SCOPED_TRACE("an assertion inside another file's filter");
    expect_overlap(slurm_with(R"([{"prefix":"10.0.0.0/8"}])", "[]"),
                   slurm_with("[]", R"([{"asn":1,"prefix":"10.20.0.0/16"}])"), "10.0.0.0/8");
  }
  {
    SCOPED_TRACE("equal prefixes");
    expect_overlap(slurm_with("[]", R"([{"asn":1,"prefix":"192.0.2.0/24"}])"),
                   slurm_with("[]", R"([{"asn":2,"prefix":"192.0.2.0/24"}])"), "192.0.2.0/24");
  }
  {
    SCOPED_TRACE("a BGPsec filter and assertion for one ASN");
    expect_overlap(
        slurm_with("[]", "[]", R"([{"asn":64496}])"),
        slurm_with("[]", "[]", "[]", R"([{"asn":64496,"SKI":"Zm9v","routerPublicKey":"YmFy"}])"),
        "AS64496");
  }
  // Overlaps inside one file, and ASN-only prefix filters, are not conflicts.
  EXPECT_TRUE(merge_slurm(named({parse_ok(slurm_with(R"([{"prefix":"10.0.0.0/8"},{"asn":5}])",
                                                     R"([{"asn":1,"prefix":"10.0.0.0/8"}])")),
                                  parse_ok(slurm_with(R"([{"asn":5}])", "[]"))}))
                  .ok());
}

TEST(Slurm, ApplyAtScale) {
  // 100k VRPs against filters at several lengths: the index agrees with
  // PrefixFilter::matches.
  Slurm s = parse_ok(slurm_with(
      R"([{"prefix":"10.0.0.0/8"},{"prefix":"11.2.0.0/16","asn":3},{"asn":4},{"prefix":"12.3.4.0/24"}])",
      "[]"));
  std::vector<Vrp> vrps;
  for (uint32_t i = 0; i < 100000; ++i) {
    uint32_t net = (10u + i % 4) << 24 | (i % 7) << 16 | (i % 5) << 8;
    auto p = Prefix::make(Family::kV4, net, 24);
    ASSERT_TRUE(p.ok());
    vrps.push_back(Vrp{*p, 24, i % 6, 1});
  }
  std::vector<Vrp> want;
  for (const Vrp& v : vrps) {
    bool hit = false;
    for (const PrefixFilter& f : s.prefix_filters) hit = hit || f.matches(v);
    if (!hit) want.push_back(v);
  }
  size_t before = vrps.size();
  SlurmApplied applied = apply_slurm(s, vrps, 2);
  EXPECT_EQ(vrps, want);
  EXPECT_EQ(applied.filtered, before - want.size());
  EXPECT_GT(applied.filtered, 0u);
}

}  // namespace
}  // namespace byoipd::rpki
