#include "ec2_xml.h"

#include <string>

#include <gtest/gtest.h>

#include "test_data.h"

namespace byoipd::aws {
namespace {

using testing::load_test_data;

constexpr const char* kProlog = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
constexpr const char* kNs = " xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"";

// xml_roundtrip.json: the XML this serializer made of each output (golden),
// and what botocore's EC2QueryParser (the aws CLI) read back from it.
TEST(Ec2Xml, GoldenOutputsReadBackByBotocore) {
  Json data = load_test_data("xml_roundtrip.json");
  ASSERT_GE(data.at("cases").size(), 8u);
  for (const auto& c : data.at("cases")) {
    std::string name = c.at("name").get<std::string>();
    SCOPED_TRACE(name);
    auto xml = ec2_response_xml(c.at("action").get<std::string>(), c.at("output"), "req-" + name);
    ASSERT_TRUE(xml.ok()) << xml.status().to_string();
    EXPECT_EQ(*xml, c.at("xml").get<std::string>());

    Json parsed = c.at("botocore_parsed");
    EXPECT_EQ(parsed["ResponseMetadata"]["RequestId"], "req-" + name);
    parsed.erase("ResponseMetadata");
    if (name == "escaping") {
      // Control characters and U+FFFF arrive as U+FFFD; CR survives as &#13;.
      EXPECT_EQ(parsed["IpamPoolAllocation"]["Description"],
                "l1\r\nl2\ttab\xEF\xBF\xBD" "bell\xEF\xBF\xBD ]]> &amp;");
    } else {
      EXPECT_EQ(parsed, c.at("output"));
    }
  }
}

TEST(Ec2Xml, ErrorBodyAsBotocoreReadsIt) {
  Json data = load_test_data("xml_roundtrip.json").at("error");
  AwsError e{400, "InvalidParameterValue", "a <b>"};
  EXPECT_EQ(ec2_error_xml(e, "req-err"), kProlog + data.at("xml").get<std::string>());
  EXPECT_EQ(data.at("botocore_parsed").at("Error"),
            (Json{{"Code", "InvalidParameterValue"}, {"Message", "a <b>"}}));
}

TEST(Ec2Xml, SuccessElementAndRequestIdEscaped) {
  auto xml = ec2_response_xml("ReleaseIpamPoolAllocation", {{"Success", true}}, "r&1");
  ASSERT_TRUE(xml.ok());
  EXPECT_EQ(*xml, std::string(kProlog) + "<ReleaseIpamPoolAllocationResponse" + kNs +
                      "><requestId>r&amp;1</requestId><success>true</success>"
                      "</ReleaseIpamPoolAllocationResponse>");
}

TEST(Ec2Xml, NestedListsAndEmptyList) {
  Json out = {{"IpamScopes",
               {{{"IpamScopeId", "s1"}, {"IsDefault", true}, {"PoolCount", 3}, {"Tags", Json::array()}}}}};
  auto xml = ec2_response_xml("DescribeIpamScopes", out, "r");
  ASSERT_TRUE(xml.ok()) << xml.status().to_string();
  EXPECT_EQ(*xml, std::string(kProlog) + "<DescribeIpamScopesResponse" + kNs +
                      "><requestId>r</requestId><ipamScopeSet><item><ipamScopeId>s1</ipamScopeId>"
                      "<isDefault>true</isDefault><poolCount>3</poolCount><tagSet/></item>"
                      "</ipamScopeSet></DescribeIpamScopesResponse>");
}

TEST(Ec2Xml, NullMeansAbsentAndActionsWithoutOutputSayReturnTrue) {
  auto xml = ec2_response_xml("DescribeIpamPools", {{"NextToken", nullptr}, {"IpamPools", Json::array()}}, "r");
  ASSERT_TRUE(xml.ok());
  EXPECT_EQ(*xml, std::string(kProlog) + "<DescribeIpamPoolsResponse" + kNs +
                      "><requestId>r</requestId><ipamPoolSet/></DescribeIpamPoolsResponse>");
  for (const Json& empty : {Json(nullptr), Json::object()}) {
    auto del = ec2_response_xml("DeleteVpc", empty, "r");
    ASSERT_TRUE(del.ok());
    EXPECT_EQ(*del, std::string(kProlog) + "<DeleteVpcResponse" + kNs +
                        "><requestId>r</requestId><return>true</return></DeleteVpcResponse>");
  }
}

TEST(Ec2Xml, ProgrammingErrorsAreRefusedNamingThePath) {
  struct Case {
    const char* name;
    const char* action;
    Json output;
    std::string message;
  };
  const Case cases[] = {
      {"unknown_action", "RunInstances", Json::object(),
       "EC2 output RunInstances: not an action of the EC2 model"},
      {"unknown_member", "ReleaseIpamPoolAllocation", {{"Sucess", true}},
       "EC2 output Sucess: not a member of ReleaseIpamPoolAllocationResult"},
      {"nested_unknown_member", "DescribeIpamPools", {{"IpamPools", {{{"ipamPoolId", "x"}}}}},
       "EC2 output IpamPools[0].ipamPoolId: not a member of IpamPool"},
      {"string_for_boolean", "ReleaseIpamPoolAllocation", {{"Success", "true"}},
       "EC2 output Success: expected a boolean, got \"true\""},
      {"float_for_integer", "DescribeIpamPools", {{"IpamPools", {{{"PoolDepth", 1.5}}}}},
       "EC2 output IpamPools[0].PoolDepth: expected an integer, got 1.5"},
      {"integer_over_model_max", "DescribeIpamPools",
       {{"IpamPools", {{{"AllocationMinNetmaskLength", 129}}}}},
       "EC2 output IpamPools[0].AllocationMinNetmaskLength: integer 129 out of range"},
      {"integer_over_int32", "DescribeIpamPools", {{"IpamPools", {{{"PoolDepth", 4294967296}}}}},
       "EC2 output IpamPools[0].PoolDepth: integer 4294967296 out of range"},
      {"enum_outside_model", "DescribeIpamPools", {{"IpamPools", {{{"State", "happy"}}}}},
       "EC2 output IpamPools[0].State: \"happy\" is not one of [\"create-in-progress\","
       "\"create-complete\",\"create-failed\",\"modify-in-progress\",\"modify-complete\","
       "\"modify-failed\",\"delete-in-progress\",\"delete-complete\",\"delete-failed\","
       "\"isolate-in-progress\",\"isolate-complete\",\"restore-in-progress\"]"},
      {"object_for_list", "DescribeIpamPools", {{"IpamPools", Json::object()}},
       "EC2 output IpamPools: expected an array, got {}"},
      {"null_list_element", "DescribeIpamPools", {{"IpamPools", {nullptr}}},
       "EC2 output IpamPools[0]: null list element"},
      {"array_for_structure", "AllocateIpamPoolCidr", {{"IpamPoolAllocation", Json::array()}},
       "EC2 output IpamPoolAllocation: expected an object, got []"},
      {"output_for_action_without_output", "CreateTags", {{"Return", true}},
       "EC2 output CreateTags: has no output members, got {\"Return\":true}"},
      {"top_level_not_object", "DescribeIpams", Json::array(),
       "EC2 output : expected an object, got []"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto xml = ec2_response_xml(c.action, c.output, "r");
    ASSERT_FALSE(xml.ok());
    EXPECT_EQ(xml.status().code(), Code::kInternal);
    EXPECT_EQ(xml.status().reason(), "ec2-output-shape");
    EXPECT_EQ(xml.status().message(), c.message);
  }
}

TEST(XmlEscape, MarkupQuotesControlAndInvalidUtf8) {
  EXPECT_EQ(xml_escape("<a href='x'>&\"</a>"), "&lt;a href=&apos;x&apos;&gt;&amp;&quot;&lt;/a&gt;");
  EXPECT_EQ(xml_escape("\t\n\r"), "\t\n&#13;");
  EXPECT_EQ(xml_escape(std::string("a\0b", 3)), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(xml_escape("\xC3\xA9 \xF0\x9F\x98\x80"), "\xC3\xA9 \xF0\x9F\x98\x80");  // kept
  EXPECT_EQ(xml_escape("\xC3"), "\xEF\xBF\xBD");                                    // truncated
  EXPECT_EQ(xml_escape("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                    // overlong
  EXPECT_EQ(xml_escape("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
}

}  // namespace
}  // namespace byoipd::aws
