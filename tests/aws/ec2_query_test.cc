#include "ec2_query.h"

#include <string>

#include <gtest/gtest.h>

#include "test_data.h"

namespace byoipd::aws {
namespace {

using testing::load_test_data;

ParseResult parse(const std::string& body) { return parse_ec2_request(parse_form(body)); }

// Bodies the aws CLI (pip aws-cli 1.45 / botocore 1.43) sent, with the
// botocore parameters they encode (tests/aws/data/gen_aws_vectors.py).
TEST(Ec2Query, CapturedCliBodiesParseToTheirBotocoreInput) {
  Json data = load_test_data("query_requests.json");
  ASSERT_GE(data.at("cases").size(), 16u);
  for (const auto& c : data.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    ParseResult r = parse(c.at("body").get<std::string>());
    ASSERT_TRUE(r.ok()) << r.error.code << ": " << r.error.message;
    EXPECT_EQ(r.request->action, c.at("action"));
    EXPECT_EQ(r.request->input, c.at("input")) << r.request->input.dump();
  }
}

TEST(Ec2Query, TypedValuesAndNesting) {
  ParseResult r = parse(
      "Action=CreateIpamPool&Version=2016-11-15&IpamScopeId=s&AddressFamily=ipv6"
      "&AllocationMinNetmaskLength=0&AutoImport=true"
      "&TagSpecification.1.ResourceType=ipam-pool&TagSpecification.1.Tag.1.Key=k"
      "&TagSpecification.1.Tag.1.Value=");
  ASSERT_TRUE(r.ok()) << r.error.message;
  Json want = {{"IpamScopeId", "s"},
               {"AddressFamily", "ipv6"},
               {"AllocationMinNetmaskLength", 0},
               {"AutoImport", true},
               {"TagSpecifications",
                {{{"ResourceType", "ipam-pool"}, {"Tags", {{{"Key", "k"}, {"Value", ""}}}}}}}};
  EXPECT_EQ(r.request->input, want);
  EXPECT_TRUE(r.request->input["AllocationMinNetmaskLength"].is_number_integer());
}

TEST(Ec2Query, ListIndicesInAnyOrderBecomeArrayInIndexOrder) {
  ParseResult r = parse(
      "Action=DescribeIpamPools&Version=2016-11-15&Filter.2.Name=b&Filter.1.Value.2=y"
      "&Filter.1.Name=a&Filter.1.Value.1=x&Filter.10.Name=j&Filter.3.Name=c&Filter.4.Name=d"
      "&Filter.5.Name=e&Filter.6.Name=f&Filter.7.Name=g&Filter.8.Name=h&Filter.9.Name=i");
  ASSERT_TRUE(r.ok()) << r.error.message;
  const Json& f = r.request->input["Filters"];
  ASSERT_EQ(f.size(), 10u);
  EXPECT_EQ(f[0], (Json{{"Name", "a"}, {"Values", {"x", "y"}}}));
  EXPECT_EQ(f[1]["Name"], "b");
  EXPECT_EQ(f[9]["Name"], "j");  // numeric, not lexical, order
}

TEST(Ec2Query, ActionWithoutParametersGivesEmptyObject) {
  ParseResult r = parse("Action=DescribeIpams&Version=2016-11-15");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.request->input, Json::object());
}

struct ErrorCase {
  const char* name;
  std::string body;
  const char* code;
  std::string message;
};

const std::string kAlloc = "Action=AllocateIpamPoolCidr&Version=2016-11-15&IpamPoolId=p";
const std::string kPool = "Action=CreateIpamPool&Version=2016-11-15&IpamScopeId=s&AddressFamily=ipv4";

std::string many_regions(int n) {
  std::string body = "Action=CreateIpam&Version=2016-11-15";
  for (int i = 1; i <= n; ++i) {
    body += "&OperatingRegion." + std::to_string(i) + ".RegionName=r" + std::to_string(i);
  }
  return body;
}

TEST(Ec2Query, ErrorsCarryEc2CodesAndMessages) {
  const ErrorCase cases[] = {
      {"no_action", "Version=2016-11-15", "MissingAction",
       "The request must contain the parameter Action"},
      {"empty_action", "Action=&Version=2016-11-15", "MissingAction",
       "The request must contain the parameter Action"},
      {"action_outside_subset", "Action=RunInstances&Version=2016-11-15", "InvalidAction",
       "The action RunInstances is not valid for this web service."},
      {"no_version", "Action=DescribeIpams", "MissingParameter",
       "The request must contain the parameter Version"},
      {"bad_version", "Action=DescribeIpams&Version=2015-10-01", "InvalidParameterValue",
       "Value (2015-10-01) for parameter Version is invalid. Expected 2016-11-15."},
      {"unknown_top_level", kAlloc + "&Foo=bar", "UnknownParameter",
       "The parameter Foo is not recognized"},
      {"member_name_instead_of_wire_name", kAlloc + "&AllowedCidrs.1=10.0.0.0/8",
       "UnknownParameter", "The parameter AllowedCidrs.1 is not recognized"},
      {"unknown_nested", "Action=DescribeIpamPools&Version=2016-11-15&Filter.1.Nme=x",
       "UnknownParameter", "The parameter Filter.1.Nme is not recognized"},
      {"index_zero", "Action=DescribeIpamPools&Version=2016-11-15&Filter.0.Name=x",
       "UnknownParameter", "The parameter Filter.0.Name is not recognized"},
      {"index_leading_zero", kAlloc + "&AllowedCidr.01=10.0.0.0/8", "UnknownParameter",
       "The parameter AllowedCidr.01 is not recognized"},
      {"index_not_a_number", kAlloc + "&AllowedCidr.x=10.0.0.0/8", "UnknownParameter",
       "The parameter AllowedCidr.x is not recognized"},
      {"list_given_a_value", kAlloc + "&AllowedCidr=10.0.0.0/8", "UnknownParameter",
       "The parameter AllowedCidr is not recognized"},
      {"structure_given_a_value", "Action=DescribeIpamPools&Version=2016-11-15&Filter.1=x",
       "UnknownParameter", "The parameter Filter.1 is not recognized"},
      {"scalar_given_a_suffix", kAlloc + "&NetmaskLength.1=24", "UnknownParameter",
       "The parameter NetmaskLength.1 is not recognized"},
      {"missing_required", "Action=AllocateIpamPoolCidr&Version=2016-11-15&NetmaskLength=24",
       "MissingParameter", "The request must contain the parameter IpamPoolId"},
      {"missing_required_list", "Action=CreateTags&Version=2016-11-15&Tag.1.Key=k",
       "MissingParameter", "The request must contain the parameter ResourceId"},
      {"missing_required_nested",
       "Action=ProvisionByoipCidr&Version=2016-11-15&Cidr=203.0.113.0/24"
       "&CidrAuthorizationContext.Message=m",
       "MissingParameter", "The request must contain the parameter CidrAuthorizationContext.Signature"},
      {"integer_not_a_number", kAlloc + "&NetmaskLength=abc", "InvalidParameterValue",
       "Value (abc) for parameter NetmaskLength is invalid. Expected an integer."},
      {"integer_with_junk", kAlloc + "&NetmaskLength=24x", "InvalidParameterValue",
       "Value (24x) for parameter NetmaskLength is invalid. Expected an integer."},
      {"integer_empty", kAlloc + "&NetmaskLength=", "InvalidParameterValue",
       "Value () for parameter NetmaskLength is invalid. Expected an integer."},
      {"integer_over_int32", kAlloc + "&NetmaskLength=2147483648", "InvalidParameterValue",
       "Value (2147483648) for parameter NetmaskLength is invalid. Expected an integer."},
      {"integer_over_model_max", kPool + "&AllocationMinNetmaskLength=129", "InvalidParameterValue",
       "Value (129) for parameter AllocationMinNetmaskLength is invalid. Expected an integer from 0 "
       "to 128."},
      {"integer_under_model_min", kPool + "&AllocationMaxNetmaskLength=-1", "InvalidParameterValue",
       "Value (-1) for parameter AllocationMaxNetmaskLength is invalid. Expected an integer from 0 "
       "to 128."},
      {"max_results_under_min", "Action=DescribeIpamPools&Version=2016-11-15&MaxResults=4",
       "InvalidParameterValue",
       "Value (4) for parameter MaxResults is invalid. Expected an integer from 5 to 1000."},
      {"bad_boolean", kAlloc + "&PreviewNextCidr=yes", "InvalidParameterValue",
       "Value (yes) for parameter PreviewNextCidr is invalid. Expected true or false."},
      {"boolean_wrong_case", kAlloc + "&PreviewNextCidr=True", "InvalidParameterValue",
       "Value (True) for parameter PreviewNextCidr is invalid. Expected true or false."},
      {"bad_enum", "Action=CreateIpamPool&Version=2016-11-15&IpamScopeId=s&AddressFamily=ipv5",
       "InvalidParameterValue",
       "Value (ipv5) for parameter AddressFamily is invalid. Valid values: ipv4, ipv6."},
      {"list_gap", kAlloc + "&AllowedCidr.1=10.0.0.0/8&AllowedCidr.3=10.1.0.0/16",
       "InvalidParameterValue",
       "The parameter AllowedCidr.3 is out of sequence: AllowedCidr.2 is missing (list elements are "
       "numbered from 1 without gaps)."},
      {"nested_list_gap",
       "Action=DescribeIpamPools&Version=2016-11-15&Filter.1.Name=a&Filter.1.Value.2=x",
       "InvalidParameterValue",
       "The parameter Filter.1.Value.2 is out of sequence: Filter.1.Value.1 is missing (list "
       "elements are numbered from 1 without gaps)."},
      {"list_too_long", many_regions(51), "InvalidParameterValue",
       "Value (51 elements) for parameter OperatingRegion is invalid. Expected a number of elements "
       "from 0 to 50."},
      {"parameter_twice", kAlloc + "&IpamPoolId=q", "InvalidParameterValue",
       "Value (q) for parameter IpamPoolId is invalid. The parameter is given more than once."},
      {"action_twice", "Action=DescribeIpams&Action=DescribeIpams&Version=2016-11-15",
       "InvalidParameterValue",
       "Value (DescribeIpams) for parameter Action is invalid. The parameter is given more than once."},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ParseResult r = parse(c.body);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error.http_status, 400);
    EXPECT_EQ(r.error.code, c.code);
    EXPECT_EQ(r.error.message, c.message);
  }
}

TEST(Ec2Query, FiftyRegionsAreTheModelMaximum) {
  ParseResult r = parse(many_regions(50));
  ASSERT_TRUE(r.ok()) << r.error.message;
  EXPECT_EQ(r.request->input["OperatingRegions"].size(), 50u);
}

TEST(Ec2Query, FirstOffendingParameterInFormOrderIsReported) {
  ParseResult r = parse(kAlloc + "&Zed=1&Alpha=2");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.message, "The parameter Zed is not recognized");
}

}  // namespace
}  // namespace byoipd::aws
