// The EC2 actions against a real IpamService: inputs in botocore member
// names in, outputs that render as the model's XML out; VPC-lite, BYOIP and
// BYOASN records, dry runs, the error mapping, and replay/snapshot of the
// records behind them. (The wire protocol itself is tested in tests/aws; the
// real aws CLI in tests/integration/aws_cli_test.py.)
#include <gtest/gtest.h>

#include "ec2_api.h"
#include "ec2_xml.h"
#include "ram_api.h"

namespace byoipd::controller {
namespace {

const Principal kMgmt{"111122223333", "management", ""};
const Principal kNet{"222233334444", "network", "ou-infra"};
const Principal kPay{"333344445555", "payments", "ou-prod"};

OrganizationConfig org() {
  OrganizationConfig o;
  o.id = "o-test";
  o.management_account = kMgmt.account;
  for (const auto& p : {kMgmt, kNet, kPay}) o.accounts.push_back(Account{p.account, p.name, p.ou, ""});
  return o;
}

// What the daemon would do: run the service, keep the journal, and verify
// authorization contexts by a rule the test controls.
struct Endpoint {
  IpamService svc{org()};
  std::vector<std::tuple<std::string, std::string, Json>> journal;  // by, op, args
  bool verdict_ok = true;
  std::string verdict_message = "authorization context refused (auth-expired): expired";

  Ec2Result run(const Principal& who, const std::string& action, const Json& input,
                bool dry_run = false) {
    Ec2Caller caller{who, "eu-west-1", dry_run};
    ServiceExec exec = [&](const std::string& op, const Json& args) {
      if (dry_run && IpamService::mutating_op(op)) {
        Status st = svc.permitted(who, op, args);
        if (st.ok()) st = Status(Code::kFailedPrecondition, "dry-run-operation", "");
        return Outcome{st, false};
      }
      Outcome out = svc.execute(who, op, args);
      if (out.mutated) journal.emplace_back(who.account, op, args);
      return out;
    };
    AuthorizationCheck check = [&](const AuthorizationRequest&) {
      return Json{{"ok", verdict_ok},
                  {"reason", verdict_ok ? "" : "auth-expired"},
                  {"message", verdict_ok ? "" : verdict_message}};
    };
    Ec2Result r = run_ec2_action(action, input, caller, exec, check);
    if (std::holds_alternative<Json>(r)) {
      // Every answer must render as the model's XML.
      auto xml = aws::ec2_response_xml(action, std::get<Json>(r), "req-1");
      EXPECT_TRUE(xml.ok()) << action << ": " << xml.status().message();
    }
    return r;
  }
  Json ok(const Principal& who, const std::string& action, const Json& input) {
    Ec2Result r = run(who, action, input);
    if (auto* e = std::get_if<aws::AwsError>(&r)) {
      ADD_FAILURE() << action << ": " << e->code << ": " << e->message;
      return Json();
    }
    return std::get<Json>(r);
  }
  aws::AwsError refused(const Principal& who, const std::string& action, const Json& input,
                        bool dry_run = false) {
    Ec2Result r = run(who, action, input, dry_run);
    if (!std::holds_alternative<aws::AwsError>(r)) {
      ADD_FAILURE() << action << " should be refused: " << std::get<Json>(r).dump();
      return {};
    }
    return std::get<aws::AwsError>(r);
  }

  std::string ipam, scope, public_scope, top, leaf;
  Endpoint() {
    ok(kMgmt, "EnableIpamOrganizationAdminAccount", {{"DelegatedAdminAccountId", kNet.account}});
    auto i = ok(kNet, "CreateIpam", {{"OperatingRegions", {{{"RegionName", "eu-west-1"}}}},
                                     {"Tier", "advanced"}});
    ipam = i["Ipam"]["IpamId"];
    scope = i["Ipam"]["PrivateDefaultScopeId"];
    public_scope = i["Ipam"]["PublicDefaultScopeId"];
    top = ok(kNet, "CreateIpamPool", {{"IpamScopeId", scope}, {"AddressFamily", "ipv4"}})
              ["IpamPool"]["IpamPoolId"];
    ok(kNet, "ProvisionIpamPoolCidr", {{"IpamPoolId", top}, {"Cidr", "10.0.0.0/16"}});
    leaf = ok(kNet, "CreateIpamPool",
              {{"IpamScopeId", scope},
               {"AddressFamily", "ipv4"},
               {"SourceIpamPoolId", top},
               {"Locale", "eu-west-1"},
               {"AllocationDefaultNetmaskLength", 24},
               {"AllocationMinNetmaskLength", 20},
               {"AllocationMaxNetmaskLength", 26},
               {"AllocationResourceTags", {{{"Key", "Environment"}, {"Value", "lab"}}}}})
               ["IpamPool"]["IpamPoolId"];
    ok(kNet, "ProvisionIpamPoolCidr", {{"IpamPoolId", leaf}, {"NetmaskLength", 20}});
  }
};

Json lab_tags() {
  return {{{"ResourceType", "vpc"}, {"Tags", {{{"Key", "Environment"}, {"Value", "lab"}}}}}};
}

TEST(Ec2Api, LabVpcsDrawUnderGuardrailsAndDeleteReleasesAtOnce) {
  Endpoint e;
  Json vpc = e.ok(kNet, "CreateVpc", {{"Ipv4IpamPoolId", e.leaf}, {"Ipv4NetmaskLength", 24},
                                      {"TagSpecifications", lab_tags()}})["Vpc"];
  EXPECT_EQ(vpc["CidrBlock"], "10.0.0.0/24");
  EXPECT_EQ(vpc["State"], "available");
  auto untagged = e.refused(kNet, "CreateVpc", {{"Ipv4IpamPoolId", e.leaf}, {"Ipv4NetmaskLength", 24}});
  EXPECT_EQ(untagged.code, "InvalidParameterValue");
  EXPECT_NE(untagged.message.find("missing one or more of the resource tags"), std::string::npos);
  for (int len : {19, 27}) {
    auto r = e.refused(kNet, "CreateVpc", {{"Ipv4IpamPoolId", e.leaf}, {"Ipv4NetmaskLength", len},
                                           {"TagSpecifications", lab_tags()}});
    EXPECT_EQ(r.code, "InvalidParameterValue") << len;
    EXPECT_NE(r.message.find("/" + std::to_string(len)), std::string::npos) << r.message;
  }
  auto allocs = e.ok(kNet, "GetIpamPoolAllocations", {{"IpamPoolId", e.leaf}});
  ASSERT_EQ(allocs["IpamPoolAllocations"].size(), 1u);
  EXPECT_EQ(allocs["IpamPoolAllocations"][0]["ResourceType"], "vpc");
  EXPECT_EQ(allocs["IpamPoolAllocations"][0]["ResourceId"], vpc["VpcId"]);
  // Deletion protection, then the bottom-up teardown.
  auto blocked = e.refused(kNet, "DeleteIpamPool", {{"IpamPoolId", e.leaf}});
  EXPECT_EQ(blocked.code, "DependencyViolation");
  e.ok(kNet, "DeleteVpc", {{"VpcId", vpc["VpcId"]}});
  EXPECT_TRUE(e.ok(kNet, "GetIpamPoolAllocations", {{"IpamPoolId", e.leaf}})["IpamPoolAllocations"]
                  .empty());
  Json again = e.ok(kNet, "CreateVpc", {{"Ipv4IpamPoolId", e.leaf}, {"Ipv4NetmaskLength", 24},
                                        {"TagSpecifications", lab_tags()}})["Vpc"];
  EXPECT_EQ(again["CidrBlock"], "10.0.0.0/24");
  EXPECT_NE(again["VpcId"], vpc["VpcId"]);
  auto missing = e.refused(kNet, "DeleteVpc", {{"VpcId", "vpc-0000000000000000"}});
  EXPECT_EQ(missing.code, "InvalidVpcID.NotFound");
}

TEST(Ec2Api, InsufficientSpaceIsInvalidParameterValue) {
  Endpoint e;
  for (int i = 0; i < 16; ++i) {
    e.ok(kNet, "CreateVpc", {{"Ipv4IpamPoolId", e.leaf}, {"Ipv4NetmaskLength", 24},
                             {"TagSpecifications", lab_tags()}});
  }
  auto full = e.refused(kNet, "CreateVpc", {{"Ipv4IpamPoolId", e.leaf}, {"Ipv4NetmaskLength", 24},
                                            {"TagSpecifications", lab_tags()}});
  EXPECT_EQ(full.code, "InvalidParameterValue");
  EXPECT_NE(full.message.find("The allocation size is too big for the pool."), std::string::npos);
}

TEST(Ec2Api, FiltersAndPagination) {
  Endpoint e;
  auto pools = e.ok(kNet, "DescribeIpamPools",
                    {{"Filters", {{{"Name", "locale"}, {"Values", {"eu-west-1"}}}}}});
  ASSERT_EQ(pools["IpamPools"].size(), 1u);
  EXPECT_EQ(pools["IpamPools"][0]["IpamPoolId"], e.leaf);
  auto bad = e.refused(kNet, "DescribeIpamPools",
                       {{"Filters", {{{"Name", "colour"}, {"Values", {"blue"}}}}}});
  EXPECT_EQ(bad.code, "InvalidParameterValue");
  EXPECT_NE(bad.message.find("'colour'"), std::string::npos);
  auto first = e.ok(kNet, "DescribeIpamPools", {{"MaxResults", 1}});
  ASSERT_EQ(first["IpamPools"].size(), 1u);
  ASSERT_TRUE(first.contains("NextToken"));
  auto second = e.ok(kNet, "DescribeIpamPools", {{"MaxResults", 1}, {"NextToken", first["NextToken"]}});
  ASSERT_EQ(second["IpamPools"].size(), 1u);
  EXPECT_NE(second["IpamPools"][0]["IpamPoolId"], first["IpamPools"][0]["IpamPoolId"]);
  EXPECT_FALSE(second.contains("NextToken"));
  auto token = e.refused(kNet, "DescribeIpamPools", {{"NextToken", "x"}});
  EXPECT_EQ(token.code, "InvalidPaginationToken");
  auto unknown = e.refused(kNet, "DescribeIpamPools", {{"IpamPoolIds", {"ipam-pool-0123"}}});
  EXPECT_EQ(unknown.code, "InvalidIpamPoolId.NotFound");
}

TEST(Ec2Api, OverlapReportThroughResourceCidrFilters) {
  Endpoint e;
  // A regional pool that imports what IPAM discovers in eu-west-1.
  std::string regional =
      e.ok(kNet, "CreateIpamPool", {{"IpamScopeId", e.scope}, {"AddressFamily", "ipv4"},
                                    {"SourceIpamPoolId", e.top}, {"Locale", "eu-west-1"},
                                    {"AutoImport", true}})["IpamPool"]["IpamPoolId"];
  e.ok(kNet, "ProvisionIpamPoolCidr", {{"IpamPoolId", regional}, {"Cidr", "10.0.128.0/17"}});
  std::vector<std::string> vpcs;
  for (const auto& who : {kNet, kPay, kMgmt}) {
    vpcs.push_back(e.ok(who, "CreateVpc", {{"CidrBlock", "10.0.200.0/24"}})["Vpc"]["VpcId"]);
  }
  Json overlap{{"IpamScopeId", e.scope},
               {"Filters", {{{"Name", "overlap-status"}, {"Values", {"overlapping"}}}}}};
  auto report = e.ok(kNet, "GetIpamResourceCidrs", overlap);
  ASSERT_EQ(report["IpamResourceCidrs"].size(), 3u) << report.dump();
  std::set<std::string> owners;
  for (const auto& r : report["IpamResourceCidrs"]) owners.insert(r["ResourceOwnerId"]);
  EXPECT_EQ(owners.size(), 3u);
  e.ok(kPay, "DeleteVpc", {{"VpcId", vpcs[1]}});
  EXPECT_EQ(e.ok(kNet, "GetIpamResourceCidrs", overlap)["IpamResourceCidrs"].size(), 2u);
  // Monitored=false takes one out of the overlap computation.
  auto modified = e.ok(kNet, "ModifyIpamResourceCidr",
                       {{"ResourceId", vpcs[0]}, {"ResourceCidr", "10.0.200.0/24"},
                        {"ResourceRegion", "eu-west-1"}, {"CurrentIpamScopeId", e.scope},
                        {"Monitored", false}});
  EXPECT_EQ(modified["IpamResourceCidr"]["ManagementState"], "ignored");
  EXPECT_EQ(e.ok(kNet, "GetIpamResourceCidrs", overlap)["IpamResourceCidrs"].size(), 0u);
}

TEST(Ec2Api, DeletingTheImportedVpcHandsItsSpaceToTheVpcStillOnIt) {
  Endpoint e;
  std::string regional =
      e.ok(kNet, "CreateIpamPool", {{"IpamScopeId", e.scope}, {"AddressFamily", "ipv4"},
                                    {"SourceIpamPoolId", e.top}, {"Locale", "eu-west-1"},
                                    {"AutoImport", true}})["IpamPool"]["IpamPoolId"];
  e.ok(kNet, "ProvisionIpamPoolCidr", {{"IpamPoolId", regional}, {"Cidr", "10.0.128.0/17"}});
  std::string first = e.ok(kNet, "CreateVpc", {{"CidrBlock", "10.0.200.0/24"}})["Vpc"]["VpcId"];
  std::string second = e.ok(kPay, "CreateVpc", {{"CidrBlock", "10.0.200.0/24"}})["Vpc"]["VpcId"];
  Json held{{"IpamPoolId", regional}, {"Cidr", "10.0.200.0/24"}};
  // The space is held by the first VPC's import...
  EXPECT_EQ(e.refused(kNet, "AllocateIpamPoolCidr", held).code, "InvalidParameterValue");
  // ...and after it goes, by the second's: never free while a VPC uses it.
  e.ok(kNet, "DeleteVpc", {{"VpcId", first}});
  EXPECT_EQ(e.refused(kNet, "AllocateIpamPoolCidr", held).code, "InvalidParameterValue");
  auto cidrs = e.ok(kNet, "GetIpamResourceCidrs", {{"IpamScopeId", e.scope}, {"ResourceId", second}});
  ASSERT_EQ(cidrs["IpamResourceCidrs"].size(), 1u);
  EXPECT_EQ(cidrs["IpamResourceCidrs"][0]["ManagementState"], "managed");
  EXPECT_EQ(cidrs["IpamResourceCidrs"][0]["OverlapStatus"], "nonoverlapping");
  // The /v1 removal of a resource does the same.
  Outcome out = e.svc.execute(kNet, "remove_resource", {{"resource_id", second}});
  ASSERT_TRUE(out.result.ok()) << out.result.status().to_string();
  std::string third = e.ok(kNet, "CreateVpc", {{"CidrBlock", "10.0.200.0/24"}})["Vpc"]["VpcId"];
  std::string fourth = e.ok(kPay, "CreateVpc", {{"CidrBlock", "10.0.200.0/24"}})["Vpc"]["VpcId"];
  out = e.svc.execute(kNet, "remove_resource", {{"resource_id", third}});
  ASSERT_TRUE(out.result.ok()) << out.result.status().to_string();
  EXPECT_EQ(e.refused(kNet, "AllocateIpamPoolCidr", held).code, "InvalidParameterValue");
  (void)fourth;
}

TEST(Ec2Api, ByoipCidrVerifiedOrFailedWithTheReason) {
  Endpoint e;
  Json ctx{{"Message", "1|aws|222233334444|203.0.113.0/24|20991231|SHA256|RSAPSS"},
           {"Signature", "sig"}};
  auto ok = e.ok(kNet, "ProvisionByoipCidr", {{"Cidr", "203.0.113.0/24"}, {"CidrAuthorizationContext", ctx}});
  EXPECT_EQ(ok["ByoipCidr"]["State"], "provisioned");
  auto overlap = e.refused(kNet, "ProvisionByoipCidr",
                           {{"Cidr", "203.0.113.0/25"}, {"CidrAuthorizationContext", ctx}});
  EXPECT_EQ(overlap.code, "InvalidParameterValue");
  EXPECT_NE(overlap.message.find("longer than /24"), std::string::npos) << overlap.message;
  e.verdict_ok = false;
  auto failed = e.ok(kNet, "ProvisionByoipCidr",
                     {{"Cidr", "198.51.100.0/24"}, {"CidrAuthorizationContext", ctx}});
  EXPECT_EQ(failed["ByoipCidr"]["State"], "failed-provision");
  EXPECT_EQ(failed["ByoipCidr"]["StatusMessage"], e.verdict_message);
  auto listed = e.ok(kNet, "DescribeByoipCidrs", {{"MaxResults", 10}});
  EXPECT_EQ(listed["ByoipCidrs"].size(), 2u);
  // Another account sees none of them.
  EXPECT_TRUE(e.ok(kPay, "DescribeByoipCidrs", {{"MaxResults", 10}})["ByoipCidrs"].empty());
  auto gone = e.ok(kNet, "DeprovisionByoipCidr", {{"Cidr", "203.0.113.0/24"}});
  EXPECT_EQ(gone["ByoipCidr"]["State"], "deprovisioned");
}

TEST(Ec2Api, PublicPoolCidrWithAuthorizationContext) {
  Endpoint e;
  std::string pub = e.ok(kNet, "CreateIpamPool", {{"IpamScopeId", e.public_scope},
                                                  {"AddressFamily", "ipv4"},
                                                  {"PubliclyAdvertisable", true}})["IpamPool"]["IpamPoolId"];
  Json ctx{{"Message", "m"}, {"Signature", "s"}};
  // Without a context, public space is refused.
  auto bare = e.refused(kNet, "ProvisionIpamPoolCidr", {{"IpamPoolId", pub}, {"Cidr", "203.0.113.0/24"}});
  EXPECT_EQ(bare.code, "IncorrectState");
  auto good = e.ok(kNet, "ProvisionIpamPoolCidr",
                   {{"IpamPoolId", pub}, {"Cidr", "203.0.113.0/24"}, {"CidrAuthorizationContext", ctx}});
  EXPECT_EQ(good["IpamPoolCidr"]["State"], "provisioned");
  e.verdict_ok = false;
  auto bad = e.ok(kNet, "ProvisionIpamPoolCidr",
                  {{"IpamPoolId", pub}, {"Cidr", "198.51.100.0/24"}, {"CidrAuthorizationContext", ctx}});
  EXPECT_EQ(bad["IpamPoolCidr"]["State"], "failed-provision");
  EXPECT_EQ(bad["IpamPoolCidr"]["FailureReason"]["Message"], e.verdict_message);
  auto small = e.refused(kNet, "ProvisionIpamPoolCidr",
                         {{"IpamPoolId", pub}, {"Cidr", "192.0.2.0/25"}, {"CidrAuthorizationContext", ctx}});
  EXPECT_EQ(small.code, "InvalidParameterValue");
  // The provisioned IPAM CIDR is a BYOIP CIDR too, and takes a BYOASN.
  e.verdict_ok = true;
  auto asn = e.ok(kNet, "ProvisionIpamByoasn", {{"IpamId", e.ipam}, {"Asn", "64500"},
                                               {"AsnAuthorizationContext", ctx}});
  EXPECT_EQ(asn["Byoasn"]["State"], "provisioned");
  auto assoc = e.ok(kNet, "AssociateIpamByoasn", {{"Asn", "64500"}, {"Cidr", "203.0.113.0/24"}});
  EXPECT_EQ(assoc["AsnAssociation"]["State"], "associated");
  auto byoip = e.ok(kNet, "DescribeByoipCidrs", {{"MaxResults", 10}});
  ASSERT_FALSE(byoip["ByoipCidrs"].empty());
  EXPECT_EQ(byoip["ByoipCidrs"][0]["AsnAssociations"][0]["Asn"], "64500");
  auto busy = e.refused(kNet, "DeprovisionIpamByoasn", {{"IpamId", e.ipam}, {"Asn", "64500"}});
  EXPECT_EQ(busy.code, "DependencyViolation");
  e.ok(kNet, "DisassociateIpamByoasn", {{"Asn", "64500"}, {"Cidr", "203.0.113.0/24"}});
  e.ok(kNet, "DeprovisionIpamByoasn", {{"IpamId", e.ipam}, {"Asn", "64500"}});
  e.verdict_ok = false;
  auto failed = e.ok(kNet, "ProvisionIpamByoasn", {{"IpamId", e.ipam}, {"Asn", "64501"},
                                                  {"AsnAuthorizationContext", ctx}});
  EXPECT_EQ(failed["Byoasn"]["State"], "failed-provision");
  EXPECT_EQ(failed["Byoasn"]["StatusMessage"], e.verdict_message);
}

TEST(Ec2Api, DryRunChecksPermissionOnly) {
  Endpoint e;
  Json create{{"IpamScopeId", e.scope}, {"AddressFamily", "ipv4"}};
  auto admin = e.refused(kNet, "CreateIpamPool", create, true);
  EXPECT_EQ(admin.code, "DryRunOperation");
  EXPECT_EQ(admin.http_status, 412);
  auto member = e.refused(kPay, "CreateIpamPool", create, true);
  EXPECT_EQ(member.code, "UnauthorizedOperation");
  EXPECT_EQ(member.http_status, 403);
  // A member owns no IPAM: it lists none (as on AWS) instead of a refusal.
  EXPECT_TRUE(e.ok(kPay, "DescribeIpams", Json::object())["Ipams"].empty());
  EXPECT_TRUE(e.ok(kPay, "DescribeIpamScopes", Json::object())["IpamScopes"].empty());
  auto read = e.refused(kPay, "DescribeIpamPools", Json::object(), true);
  EXPECT_EQ(read.code, "DryRunOperation");
  // Nothing was created by the dry runs.
  EXPECT_EQ(e.ok(kNet, "DescribeIpamPools", Json::object())["IpamPools"].size(), 2u);
}

TEST(Ec2Api, TagsOnIpamsPoolsAndVpcs) {
  Endpoint e;
  std::string vpc = e.ok(kNet, "CreateVpc", {{"CidrBlock", "172.16.0.0/16"}})["Vpc"]["VpcId"];
  e.ok(kNet, "CreateTags", {{"Resources", {e.ipam, e.leaf, vpc}},
                            {"Tags", {{{"Key", "team"}, {"Value", "netops"}}}}});
  auto pools = e.ok(kNet, "DescribeIpamPools",
                    {{"Filters", {{{"Name", "tag:team"}, {"Values", {"netops"}}}}}});
  ASSERT_EQ(pools["IpamPools"].size(), 1u);
  EXPECT_EQ(pools["IpamPools"][0]["IpamPoolId"], e.leaf);
  auto vpcs = e.ok(kNet, "DescribeVpcs", {{"Filters", {{{"Name", "tag-key"}, {"Values", {"team"}}}}}});
  EXPECT_EQ(vpcs["Vpcs"].size(), 1u);
  e.ok(kNet, "DeleteTags", {{"Resources", {e.leaf}}});
  EXPECT_TRUE(e.ok(kNet, "DescribeIpamPools", {{"IpamPoolIds", {e.leaf}}})["IpamPools"][0]["Tags"]
                  .empty());
  // A member may not tag the admin's pool.
  auto member = e.refused(kPay, "CreateTags", {{"Resources", {e.leaf}},
                                               {"Tags", {{{"Key", "x"}, {"Value", "y"}}}}});
  EXPECT_EQ(member.code, "UnauthorizedOperation");
}

TEST(Ec2Api, RamSharingGivesMembersThePoolOnly) {
  Endpoint e;
  Ec2Caller admin{kNet, "eu-west-1", false};
  Ec2Caller member{kPay, "eu-west-1", false};
  auto exec_for = [&](const Principal& who) {
    return ServiceExec([&e, who](const std::string& op, const Json& args) {
      return e.svc.execute(who, op, args);
    });
  };
  std::string pool_arn = "arn:aws:ec2::" + kNet.account + ":ipam-pool/" + e.leaf;
  auto created = run_ram_action("/createresourceshare",
                                Json{{"name", "leaf"}, {"resourceArns", {pool_arn}},
                                     {"principals", {kPay.account}},
                                     {"allowExternalPrincipals", false}}.dump(),
                                "", admin, exec_for(kNet));
  ASSERT_TRUE(std::holds_alternative<Json>(created));
  std::string arn = std::get<Json>(created)["resourceShare"]["resourceShareArn"];
  auto pools = e.ok(kPay, "DescribeIpamPools", Json::object());
  ASSERT_EQ(pools["IpamPools"].size(), 1u);
  EXPECT_EQ(pools["IpamPools"][0]["IpamPoolId"], e.leaf);
  e.ok(kPay, "CreateVpc", {{"Ipv4IpamPoolId", e.leaf}, {"TagSpecifications", lab_tags()}});
  auto unshared = e.refused(kPay, "CreateVpc", {{"Ipv4IpamPoolId", e.top}, {"Ipv4NetmaskLength", 24}});
  EXPECT_EQ(unshared.code, "UnauthorizedOperation");
  auto theirs = run_ram_action("/getresourceshares", R"({"resourceOwner":"OTHER-ACCOUNTS"})", "",
                               member, exec_for(kPay));
  ASSERT_TRUE(std::holds_alternative<Json>(theirs));
  EXPECT_EQ(std::get<Json>(theirs)["resourceShares"].size(), 1u);
  auto external = run_ram_action("/associateresourceshare",
                                 Json{{"resourceShareArn", arn}, {"principals", {"999988887777"}}}.dump(),
                                 "", admin, exec_for(kNet));
  ASSERT_TRUE(std::holds_alternative<aws::AwsError>(external));
  EXPECT_EQ(std::get<aws::AwsError>(external).code, "OperationNotPermittedException");
  auto removed = run_ram_action("/disassociateresourceshare",
                                Json{{"resourceShareArn", arn}, {"principals", {kPay.account}}}.dump(),
                                "", admin, exec_for(kNet));
  ASSERT_TRUE(std::holds_alternative<Json>(removed));
  EXPECT_TRUE(e.ok(kPay, "DescribeIpamPools", Json::object())["IpamPools"].empty());
}

TEST(Ec2Api, RecordsSurviveReplayAndSnapshot) {
  Endpoint e;
  Json ctx{{"Message", "m"}, {"Signature", "s"}};
  e.ok(kNet, "CreateVpc", {{"Ipv4IpamPoolId", e.leaf}, {"TagSpecifications", lab_tags()}});
  e.ok(kNet, "ProvisionByoipCidr", {{"Cidr", "203.0.113.0/24"}, {"CidrAuthorizationContext", ctx}});
  e.verdict_ok = false;
  e.ok(kNet, "ProvisionByoipCidr", {{"Cidr", "198.51.100.0/24"}, {"CidrAuthorizationContext", ctx}});
  e.verdict_ok = true;
  e.ok(kNet, "ProvisionIpamByoasn", {{"IpamId", e.ipam}, {"Asn", "64500"}, {"AsnAuthorizationContext", ctx}});
  // Replaying the journal (the verdicts travel in it) gives the same state.
  IpamService replayed(org());
  for (const auto& [by, op, args] : e.journal) {
    Outcome out = replayed.replay(Principal{by, "", ""}, op, args);
    ASSERT_TRUE(out.result.ok()) << op << ": " << out.result.status().to_string();
  }
  EXPECT_EQ(replayed.snapshot(), e.svc.snapshot());
  IpamService restored(org());
  ASSERT_TRUE(restored.restore(e.svc.snapshot()).ok());
  EXPECT_EQ(restored.snapshot(), e.svc.snapshot());
  Outcome vpcs = restored.execute(kNet, "list_vpcs", Json::object());
  ASSERT_TRUE(vpcs.result.ok());
  EXPECT_EQ((*vpcs.result)["vpcs"].size(), 1u);
}

TEST(Ec2Api, UnknownActionAndErrorMapping) {
  Endpoint e;
  auto r = e.refused(kNet, "RunInstances", Json::object());
  EXPECT_EQ(r.code, "InvalidAction");
  EXPECT_EQ(ec2_error_for(Status(Code::kNotFound, "pool-not-found", "x")).code,
            "InvalidIpamPoolId.NotFound");
  EXPECT_EQ(ec2_error_for(Status(Code::kNotFound, "allocation-not-found", "x")).code,
            "InvalidIpamPoolAllocationId.NotFound");
  EXPECT_EQ(ec2_error_for(Status(Code::kUnavailable, "store-failed", "x")).http_status, 503);
  auto adv = e.refused(kNet, "AdvertiseByoipCidr", {{"Cidr", "203.0.113.0/24"}});
  EXPECT_EQ(adv.code, "UnsupportedOperation");
}

}  // namespace
}  // namespace byoipd::controller
