// The aws section of byoipd's config: every key, the refusals with their
// position, key path and rule, and describe_changes() lines. A secret never
// appears in a message.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "byoipd/controller/config.h"
#include "config_error_case.h"

namespace byoipd::controller {
namespace {

using testing_config::ErrorCase;
using testing_config::expect_refused;

namespace fs = std::filesystem;

// listen (1-2), organization (3-7), then the aws section from line 8.
std::string with_aws(const std::string& section) {
  return "listen:\n  api: 127.0.0.1:8080\n"
         "organization:\n"
         "  management_account: \"111122223333\"\n"
         "  accounts:\n"
         "    - {id: \"111122223333\", name: mgmt, token_sha256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}\n"
         "    - {id: \"222233334444\", name: net, ou: ou-infra-net01, token_sha256: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb}\n"
         "aws:\n" +
         section;
}

// One key on lines 11-13.
std::string one_key(const std::string& id = "AKIAEXAMPLE000000001",
                    const std::string& secret = "a-secret-of-enough-length",
                    const std::string& account = "\"111122223333\"") {
  return with_aws("  listen: 127.0.0.1:8787\n"   // 9
                  "  access_keys:\n"             // 10
                  "    - access_key_id: " + id + "\n" +  // 11
                  "      secret_access_key: " + secret + "\n" +  // 12
                  "      account: " + account + "\n");  // 13
}

TEST(ConfigAwsTest, AbsentSectionMeansNoEndpoint) {
  auto r = parse_config("listen:\n  api: 127.0.0.1:8080\n", "t.yaml");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_FALSE(r->aws.has_value());
}

TEST(ConfigAwsTest, EveryKeyIsRead) {
  fs::path dir = fs::temp_directory_path() / "byoipd_config_aws_test";
  fs::create_directories(dir);
  std::ofstream(dir / "cert.pem") << "-----BEGIN CERTIFICATE-----\n";
  std::string yaml = one_key() +
                     "  rdap:\n"
                     "    - resource: 203.0.113.0/24\n"
                     "      certificate: cert.pem\n"
                     "    - {resource: AS64500, certificate: " + (dir / "cert.pem").string() + "}\n";
  std::ofstream(dir / "byoipd.yaml") << yaml;
  auto r = load_config((dir / "byoipd.yaml").string());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_TRUE(r->aws.has_value());
  const AwsConfig& a = *r->aws;
  EXPECT_EQ(a.listen.to_string(), "127.0.0.1:8787");
  ASSERT_EQ(a.access_keys.size(), 1u);
  EXPECT_EQ(a.access_keys[0].access_key_id, "AKIAEXAMPLE000000001");
  EXPECT_EQ(a.access_keys[0].secret_access_key, "a-secret-of-enough-length");
  EXPECT_EQ(a.access_keys[0].account, "111122223333");
  ASSERT_EQ(a.rdap.size(), 2u);
  EXPECT_EQ(a.rdap[0].prefix->to_string(), "203.0.113.0/24");
  EXPECT_EQ(a.rdap[0].certificate_file, (dir / "cert.pem").string());
  EXPECT_EQ(a.rdap[1].asn, 64500u);
  fs::remove_all(dir);
}

class ConfigAwsErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ConfigAwsErrorTest, IsRefusedWithAPreciseMessage) {
  std::string message = expect_refused(GetParam());
  // Secrets stay out of messages.
  EXPECT_EQ(message.find("a-secret"), std::string::npos) << message;
  EXPECT_EQ(message.find("short"), std::string::npos) << message;
}

const ErrorCase kErrors[] = {
    {"unknown_key", with_aws("  listen: 127.0.0.1:8787\n  keys: []\n"), "config-unknown-key",
     "test.yaml:10:3: aws.keys", {"listen, access_keys, rdap"}},
    {"missing_listen", with_aws("  access_keys: []\n"), "config-missing-key",
     "test.yaml:9:3: aws.listen", {"127.0.0.1:8787"}},
    {"bad_listen", with_aws("  listen: 8787\n"), "config-invalid-value", "test.yaml:9:11: aws.listen",
     {"'8787'"}},
    {"lower_case_key_id", one_key("akiaexample000000001"), "config-invalid-value",
     "test.yaml:11:22: aws.access_keys[0].access_key_id", {"A-Z 0-9"}},
    {"short_key_id", one_key("AKIA1"), "config-invalid-value",
     "test.yaml:11:22: aws.access_keys[0].access_key_id", {"'AKIA1'", "16 to 128"}},
    {"short_secret", one_key("AKIAEXAMPLE000000001", "short"), "config-invalid-value",
     "test.yaml:12:26: aws.access_keys[0].secret_access_key", {"5 characters"}},
    {"account_outside_org", one_key("AKIAEXAMPLE000000001", "a-secret-of-enough-length",
                                    "\"999988887777\""),
     "config-invalid-value", "test.yaml:13:16: aws.access_keys[0].account",
     {"999988887777", "organization.accounts"}},
    {"missing_secret", with_aws("  listen: 127.0.0.1:8787\n  access_keys:\n"
                                "    - {access_key_id: AKIAEXAMPLE000000001, account: \"111122223333\"}\n"),
     "config-missing-key", "test.yaml:11:7: aws.access_keys[0].secret_access_key",
     {"access_key_id, secret_access_key and account"}},
    {"duplicate_key_id",
     with_aws("  listen: 127.0.0.1:8787\n  access_keys:\n"
              "    - {access_key_id: AKIAEXAMPLE000000001, secret_access_key: a-secret-of-enough-length, account: \"111122223333\"}\n"
              "    - {access_key_id: AKIAEXAMPLE000000001, secret_access_key: a-secret-of-enough-length-2, account: \"222233334444\"}\n"),
     "config-invalid-value", "test.yaml:12:23: aws.access_keys[1].access_key_id", {"listed twice"}},
    {"bad_rdap_resource",
     with_aws("  listen: 127.0.0.1:8787\n  rdap:\n    - {resource: 203.0.113.1/24, certificate: x.pem}\n"),
     "config-invalid-value", "test.yaml:11:18: aws.rdap[0].resource", {"203.0.113.0/24"}},
    {"unreadable_certificate",
     with_aws("  listen: 127.0.0.1:8787\n  rdap:\n    - {resource: AS64500, certificate: /nonexistent/c.pem}\n"),
     "config-invalid-value", "test.yaml:11:40: aws.rdap[0].certificate", {"/nonexistent/c.pem"}},
};

INSTANTIATE_TEST_SUITE_P(Refused, ConfigAwsErrorTest, testing::ValuesIn(kErrors),
                         [](const testing::TestParamInfo<ErrorCase>& i) { return i.param.name; });

TEST(ConfigAwsTest, ChangesAreDescribedWithoutSecrets) {
  Config a = *parse_config(one_key(), "a.yaml");
  Config b = *parse_config(one_key("AKIAEXAMPLE000000001", "another-secret-of-enough-length"),
                           "b.yaml");
  auto lines = describe_changes(a, b);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "aws.access_keys: the secret of AKIAEXAMPLE000000001 changed");
  Config c = *parse_config(one_key("AKIAEXAMPLE000000002"), "c.yaml");
  lines = describe_changes(a, c);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0],
            "aws.access_keys: AKIAEXAMPLE000000001 (111122223333) -> AKIAEXAMPLE000000002 "
            "(111122223333)");
}

}  // namespace
}  // namespace byoipd::controller
