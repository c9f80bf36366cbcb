#include "byoipd/rpki/vrp_json.h"

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

Vrp V(const std::string& prefix, int max_length, uint32_t asn, SourceId source) {
  auto p = Prefix::parse(prefix);
  EXPECT_TRUE(p.ok()) << prefix;
  return Vrp{p.ok() ? *p : Prefix(), static_cast<uint8_t>(max_length), asn, source};
}

VrpFile parse_ok(const std::string& text, SourceId source = 7) {
  auto r = parse_vrp_json(text, source);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? std::move(*r) : VrpFile();
}

TEST(VrpJson, RpkiClient) {
  VrpFile f = parse_ok(read_sample("rpki-client.json"));
  EXPECT_EQ(f.format, VrpFormat::kRpkiClient);
  EXPECT_EQ(f.vrps, (std::vector<Vrp>{V("1.0.0.0/24", 24, 13335, 7), V("1.1.1.0/24", 24, 13335, 7),
                                      V("2606:4700::/32", 48, 13335, 7),
                                      V("192.0.2.0/24", 32, 0, 7)}));
  EXPECT_TRUE(f.skipped.empty());
  EXPECT_EQ(f.entries, 4u);
  EXPECT_EQ(f.metadata.generated, 1736845960);
  EXPECT_EQ(f.metadata.generated_time, "2025-01-14T09:12:40Z");
  EXPECT_EQ(f.metadata.build_machine, "rpki.example.net");
  EXPECT_EQ(f.metadata.declared_count, 4u);  // "uniquevrps", not "vrps" or the ROA count
}

TEST(VrpJson, RoutinatorJson) {
  VrpFile f = parse_ok(read_sample("routinator.json"), 3);
  EXPECT_EQ(f.format, VrpFormat::kRoutinatorJson);
  EXPECT_EQ(f.vrps, (std::vector<Vrp>{V("93.175.147.0/24", 24, 196615, 3),
                                      V("2001:7fb:fd02::/48", 48, 196615, 3),
                                      V("1.1.1.0/24", 24, 13335, 3)}));
  EXPECT_EQ(f.metadata.generated, 1736845960);
  EXPECT_EQ(f.metadata.generated_time, "2025-01-14T09:12:40Z");
  EXPECT_FALSE(f.metadata.declared_count);
}

TEST(VrpJson, RoutinatorJsonExt) {
  VrpFile f = parse_ok(read_sample("routinator-jsonext.json"));
  EXPECT_EQ(f.format, VrpFormat::kRoutinatorJsonExt);
  EXPECT_EQ(f.vrps, (std::vector<Vrp>{V("93.175.147.0/24", 24, 196615, 7),
                                      V("2606:4700::/32", 48, 13335, 7),
                                      V("198.51.100.0/24", 24, 64496, 7)}));
  EXPECT_TRUE(f.skipped.empty());
}

TEST(VrpJson, StayRtrMixedAsnForms) {
  VrpFile f = parse_ok(read_sample("stayrtr.json"));
  EXPECT_EQ(f.format, VrpFormat::kStayRtr);
  EXPECT_EQ(f.vrps, (std::vector<Vrp>{V("192.0.2.0/24", 24, 64496, 7),
                                      V("198.51.100.0/22", 24, 64497, 7),
                                      V("2001:db8::/32", 48, 4200000000u, 7),
                                      V("203.0.113.0/24", 24, 0, 7)}));
  EXPECT_EQ(f.metadata.declared_count, 4u);
  EXPECT_EQ(f.metadata.valid_until, 1736849560);
}

TEST(VrpJson, FormatFromEntriesWithoutMetadata) {
  EXPECT_EQ(parse_ok(read_sample("stayrtr-numeric.json")).format, VrpFormat::kStayRtr);
  EXPECT_EQ(parse_ok(R"({"roas":[{"asn":"AS1","prefix":"10.0.0.0/8","maxLength":8}]})").format,
            VrpFormat::kRoutinatorJson);
  EXPECT_EQ(parse_ok(R"({"roas":[{"asn":1,"prefix":"10.0.0.0/8","maxLength":8,"expires":1}]})")
                .format,
            VrpFormat::kRpkiClient);
  VrpFile empty = parse_ok(R"({"roas":[]})");
  EXPECT_EQ(empty.format, VrpFormat::kUnknown);
  EXPECT_TRUE(empty.vrps.empty());
}

TEST(VrpJson, AsnTextForms) {
  VrpFile f = parse_ok(R"({"roas":[
    {"prefix":"10.0.0.0/8","maxLength":8,"asn":"AS4294967295"},
    {"prefix":"10.0.0.0/8","maxLength":8,"asn":"as65000"},
    {"prefix":"10.0.0.0/8","maxLength":8,"asn":"65001"},
    {"prefix":"10.0.0.0/8","maxLength":8,"asn":"AS4294967296"},
    {"prefix":"10.0.0.0/8","maxLength":8,"asn":"AS"},
    {"prefix":"10.0.0.0/8","maxLength":8,"asn":"AS 1"},
    {"prefix":"10.0.0.0/8","maxLength":8,"asn":"1.10"}]})");
  ASSERT_EQ(f.vrps.size(), 3u);
  EXPECT_EQ(f.vrps[0].asn, 4294967295u);
  EXPECT_EQ(f.vrps[1].asn, 65000u);
  EXPECT_EQ(f.vrps[2].asn, 65001u);
  ASSERT_EQ(f.skipped.size(), 4u);
  for (const VrpFinding& s : f.skipped) EXPECT_EQ(s.error.reason(), "invalid-asn") << s.to_string();
}

// tests/rpki/data/malformed-entries.json: entry i sits on line i + 3.
TEST(VrpJson, MalformedEntriesAreSkippedWithPositionAndReason) {
  std::string text = read_sample("malformed-entries.json");
  VrpFile f = parse_ok(text);
  EXPECT_EQ(f.vrps, (std::vector<Vrp>{V("192.0.2.0/24", 24, 64496, 7),
                                      V("198.51.100.0/24", 24, 64497, 7)}));
  struct Want {
    size_t index;
    const char* reason;
  };
  const std::vector<Want> want = {
      {1, "non-canonical-prefix"},
      {2, "invalid-prefix"},
      {3, "invalid-ip-address"},
      {4, "max-length-below-prefix-length"},
      {5, "max-length-above-width"},
      {6, "max-length-above-width"},
      {7, "invalid-asn"},
      {8, "invalid-asn"},
      {9, "invalid-asn"},
      {10, "missing-asn"},
      {11, "missing-prefix"},
      {12, "missing-max-length"},
      {13, "invalid-max-length"},
      {14, "invalid-max-length"},
      {15, "invalid-prefix"},
      {16, "duplicate-field"},
      {17, "entry-not-object"},
      {18, "entry-not-object"},
  };
  ASSERT_EQ(f.skipped.size(), want.size());
  EXPECT_EQ(f.skipped_count, want.size());
  EXPECT_EQ(f.entries, 20u);
  for (size_t i = 0; i < want.size(); ++i) {
    const VrpFinding& s = f.skipped[i];
    SCOPED_TRACE(s.to_string());
    EXPECT_EQ(s.index, want[i].index);
    EXPECT_EQ(s.error.reason(), want[i].reason);
    EXPECT_EQ(s.line, want[i].index + 3);
    // The offset is the entry's first byte, after four spaces of indent.
    size_t line_start = 0;
    for (size_t l = 1; l < s.line; ++l) line_start = text.find('\n', line_start) + 1;
    EXPECT_EQ(s.offset, line_start + 4);
  }
  // The messages name the rule and the value.
  EXPECT_NE(f.skipped[0].error.message().find("192.0.2.0/24"), std::string::npos);
  EXPECT_NE(f.skipped[3].error.message().find("RFC 6482"), std::string::npos);
  EXPECT_NE(f.skipped[6].error.message().find("\"ASX\""), std::string::npos);
}

TEST(VrpJson, FindingsAreCappedButCounted) {
  std::string text = R"({"roas":[)";
  for (int i = 0; i < 5; ++i) text += R"({"prefix":"10.0.0.1/8","maxLength":8,"asn":1},)";
  text += R"({"prefix":"10.0.0.0/8","maxLength":8,"asn":1}]})";
  VrpJsonOptions options;
  options.max_findings = 2;
  auto r = parse_vrp_json(text, 1, options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->skipped.size(), 2u);
  EXPECT_EQ(r->skipped_count, 5u);
  EXPECT_EQ(r->vrps.size(), 1u);
  EXPECT_EQ(r->entries, 6u);
}

TEST(VrpJson, UnknownMembersAndNestingAreIgnored) {
  VrpFile f = parse_ok(R"({"x":{"roas":"not this one"},"roas":[
    {"prefix":"10.0.0.0/8","maxLength":8,"asn":1,"extra":{"a":[1,{"prefix":"bad"}]},"ta":[]}],
    "aspas":[{"customer_asid":1,"providers":[2]}],"nonfunc_cas":[]})");
  EXPECT_EQ(f.vrps, (std::vector<Vrp>{V("10.0.0.0/8", 8, 1, 7)}));
  EXPECT_TRUE(f.skipped.empty());
}

TEST(VrpJson, ManyEntries) {
  std::string text = "{\"roas\":[";
  std::vector<Vrp> want;
  for (uint32_t i = 0; i < 20000; ++i) {
    std::string p = std::to_string(i >> 8) + "." + std::to_string(i & 255) + ".0.0/16";
    text += (i ? "," : "") + std::string("{\"asn\":") + std::to_string(i) + ",\"prefix\":\"" + p +
            "\",\"maxLength\":24}";
    want.push_back(V(p, 24, i, 2));
  }
  text += "]}";
  auto r = parse_vrp_json(text, 2);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->vrps, want);
}

struct FileCase {
  const char* name;
  std::string text;
  const char* reason;
};

TEST(VrpJson, MalformedFilesAreErrors) {
  const std::vector<FileCase> cases = {
      {"empty", "", "invalid-json"},
      {"not-json", "roas: []", "invalid-json"},
      {"truncated", read_sample("truncated.json"), "invalid-json"},
      {"trailing-garbage", R"({"roas":[]} x)", "invalid-json"},
      {"bad-utf8", "{\"roas\":[],\"x\":\"\xff\"}", "invalid-json"},
      {"array", read_sample("not-an-object.json"), "not-an-object"},
      {"scalar", "42", "not-an-object"},
      {"missing-roas", read_sample("missing-roas.json"), "missing-roas"},
      {"roas-object", read_sample("roas-not-array.json"), "roas-not-array"},
      {"roas-string", R"({"roas":"1.1.1.0/24"})", "roas-not-array"},
      {"roas-null", R"({"roas":null})", "roas-not-array"},
      {"duplicate-roas", R"({"roas":[],"roas":[]})", "duplicate-roas"},
  };
  for (const FileCase& c : cases) {
    auto r = parse_vrp_json(c.text, 1);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.status().reason(), c.reason) << c.name << ": " << r.status().to_string();
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << c.name;
  }
}

TEST(VrpJson, JsonErrorNamesTheLine) {
  auto r = parse_vrp_json("{\n\"roas\": [\n{\"prefix\": \"10.0.0.0/8\",,}\n]}", 1);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("line 3"), std::string::npos) << r.status().to_string();
}

TEST(VrpJson, FormatNames) {
  EXPECT_EQ(vrp_format_name(VrpFormat::kRpkiClient), "rpki-client");
  EXPECT_EQ(vrp_format_name(VrpFormat::kRoutinatorJson), "routinator-json");
  EXPECT_EQ(vrp_format_name(VrpFormat::kRoutinatorJsonExt), "routinator-jsonext");
  EXPECT_EQ(vrp_format_name(VrpFormat::kStayRtr), "stayrtr");
  EXPECT_EQ(vrp_format_name(VrpFormat::kUnknown), "unknown");
}

}  // namespace
}  // namespace byoipd::rpki
