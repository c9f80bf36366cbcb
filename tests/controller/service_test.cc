// IpamService: who may do what, idempotency, replay and snapshot.
#include "service.h"

#include <gtest/gtest.h>

namespace byoipd::controller {
namespace {

const Principal kMgmt{"111122223333", "management", ""};
const Principal kNet{"222233334444", "network", "ou-infra"};
const Principal kPay{"333344445555", "payments", "ou-prod"};
const Principal kDev{"444455556666", "dev", "ou-dev"};

OrganizationConfig org() {
  OrganizationConfig o;
  o.id = "o-test";
  o.management_account = kMgmt.account;
  for (const auto& p : {kMgmt, kNet, kPay, kDev}) o.accounts.push_back(Account{p.account, p.name, p.ou, ""});
  return o;
}

struct Lab {
  IpamService svc{org()};
  std::vector<std::pair<std::string, Json>> journal;  // mutations as the daemon would log them
  std::string ipam, scope, top, leaf;

  Json ok(const Principal& who, const std::string& op, Json args) {
    Outcome out = svc.execute(who, op, args);
    EXPECT_TRUE(out.result.ok()) << op << ": " << out.result.status().to_string();
    if (out.mutated) journal.emplace_back(who.account + " " + op, args);
    return out.result.ok() ? *out.result : Json();
  }
  Status refused(const Principal& who, const std::string& op, Json args) {
    Outcome out = svc.execute(who, op, args);
    EXPECT_FALSE(out.result.ok()) << op << " should be refused";
    EXPECT_FALSE(out.mutated);
    return out.result.status();
  }

  Lab() {
    ok(kMgmt, "delegate_admin", {{"body", {{"account_id", kNet.account}}}});
    auto i = ok(kNet, "create_ipam",
                {{"body", {{"home_region", "eu-west-1"}, {"operating_regions", {"us-east-1"}}}}});
    ipam = i["ipam"]["id"];
    scope = i["ipam"]["private_default_scope_id"];
    top = ok(kNet, "create_pool", {{"body", {{"scope_id", scope}}}})["pool"]["id"];
    ok(kNet, "provision_cidr", {{"pool_id", top}, {"body", {{"cidr", "10.0.0.0/16"}}}});
    leaf = ok(kNet, "create_pool",
              {{"body",
                {{"scope_id", scope},
                 {"source_pool_id", top},
                 {"locale", "eu-west-1"},
                 {"allocation_default_netmask_length", 24},
                 {"allocation_min_netmask_length", 20},
                 {"allocation_max_netmask_length", 26},
                 {"allocation_resource_tags", {{"Environment", "lab"}}}}}})["pool"]["id"];
    ok(kNet, "provision_cidr", {{"pool_id", leaf}, {"body", {{"netmask_length", 20}}}});
  }
};

TEST(Service, NothingIsAdministeredBeforeDelegation) {
  IpamService svc(org());
  for (const auto& who : {kMgmt, kNet}) {
    Outcome out = svc.execute(who, "create_ipam", {{"body", {{"home_region", "eu-west-1"}}}});
    ASSERT_FALSE(out.result.ok());
    EXPECT_EQ(out.result.status().reason(), "not-delegated-admin");
    EXPECT_NE(out.result.status().message().find("delegates one first"), std::string::npos);
  }
  // Only the management account delegates, and only to an org account.
  Outcome by_member = svc.execute(kPay, "delegate_admin", {{"body", {{"account_id", kPay.account}}}});
  EXPECT_EQ(by_member.result.status().reason(), "not-management-account");
  Outcome outsider = svc.execute(kMgmt, "delegate_admin", {{"body", {{"account_id", "999999999999"}}}});
  EXPECT_EQ(outsider.result.status().reason(), "not-in-organization");
}

TEST(Service, MemberSeesAndDrawsFromSharedPoolsOnly) {
  Lab lab;
  Json vpc_body = {{"netmask_length", 24},
                   {"resource", {{"id", "vpc-pay1"}, {"region", "eu-west-1"},
                                 {"tags", {{"Environment", "lab"}}}}}};
  // Not shared yet: every call on the pool is refused with 403-class errors.
  for (const char* op : {"describe_pool", "allocate", "list_allocations", "list_pool_cidrs"}) {
    SCOPED_TRACE(op);
    Status st = lab.refused(kPay, op, {{"pool_id", lab.leaf}, {"body", vpc_body}});
    EXPECT_EQ(st.code(), Code::kPermissionDenied);
    EXPECT_EQ(st.reason(), "pool-not-shared");
  }
  EXPECT_TRUE(lab.ok(kPay, "list_pools", Json::object())["pools"].empty());
  // Share the leaf (never the IPAM) with the payments OU.
  std::string share = lab.ok(kNet, "create_share", {{"body", {{"name", "lab"}}}})["share"]["id"];
  EXPECT_EQ(lab.refused(kNet, "associate_share_pool",
                        {{"share_id", share}, {"body", {{"pool_id", lab.ipam}}}})
                .reason(),
            "only-pools-shareable");
  lab.ok(kNet, "associate_share_pool", {{"share_id", share}, {"body", {{"pool_id", lab.leaf}}}});
  EXPECT_EQ(lab.refused(kNet, "associate_share_principal",
                        {{"share_id", share}, {"body", {{"principal", "999999999999"}}}})
                .reason(),
            "external-principal");
  lab.ok(kNet, "associate_share_principal", {{"share_id", share}, {"body", {{"principal", "ou-prod"}}}});
  auto pools = lab.ok(kPay, "list_pools", Json::object())["pools"];
  ASSERT_EQ(pools.size(), 1u);
  EXPECT_EQ(pools[0]["id"], lab.leaf);
  auto alloc = lab.ok(kPay, "allocate", {{"pool_id", lab.leaf}, {"body", vpc_body}})["allocation"];
  EXPECT_EQ(alloc["resource_owner"], kPay.account);  // forced to the caller
  // Guardrails still apply to members.
  Json too_big = vpc_body;
  too_big["netmask_length"] = 19;
  EXPECT_EQ(lab.refused(kPay, "allocate", {{"pool_id", lab.leaf}, {"body", too_big}}).reason(),
            "netmask-below-min");
  // A member can do nothing else: no pool changes, no other pools, no IPAM.
  EXPECT_EQ(lab.refused(kPay, "modify_pool", {{"pool_id", lab.leaf},
                                             {"body", {{"allocation_min_netmask_length", 8}}}})
                .code(),
            Code::kPermissionDenied);
  EXPECT_EQ(lab.refused(kPay, "delete_pool", {{"pool_id", lab.leaf}}).code(), Code::kPermissionDenied);
  EXPECT_EQ(lab.refused(kPay, "describe_pool", {{"pool_id", lab.top}}).code(), Code::kPermissionDenied);
  EXPECT_EQ(lab.refused(kPay, "list_ipams", Json::object()).code(), Code::kPermissionDenied);
  EXPECT_EQ(lab.refused(kPay, "list_resource_cidrs", {{"scope_id", lab.scope}}).code(),
            Code::kPermissionDenied);
  // Allocating on behalf of someone else is refused.
  Json theirs = vpc_body;
  theirs["resource"]["owner"] = kDev.account;
  EXPECT_EQ(lab.refused(kPay, "allocate", {{"pool_id", lab.leaf}, {"body", theirs}}).reason(),
            "not-owner");
  // An account outside the OU still sees nothing.
  EXPECT_TRUE(lab.ok(kDev, "list_pools", Json::object())["pools"].empty());
  // Members list only their own allocations; the admin sees all.
  lab.ok(kNet, "allocate", {{"pool_id", lab.leaf}, {"body", {{"netmask_length", 24}}}});
  EXPECT_EQ(lab.ok(kPay, "list_allocations", {{"pool_id", lab.leaf}})["allocations"].size(), 1u);
  EXPECT_EQ(lab.ok(kNet, "list_allocations", {{"pool_id", lab.leaf}})["allocations"].size(), 2u);
}

TEST(Service, FreeTierRefusesCrossAccountSharing) {
  IpamService svc(org());
  svc.execute(kMgmt, "delegate_admin", {{"body", {{"account_id", kNet.account}}}});
  auto i = svc.execute(kNet, "create_ipam", {{"body", {{"home_region", "eu-west-1"}, {"tier", "free"}}}});
  ASSERT_TRUE(i.result.ok());
  std::string scope = (*i.result)["ipam"]["private_default_scope_id"];
  std::string pool = (*svc.execute(kNet, "create_pool", {{"body", {{"scope_id", scope}}}}).result)["pool"]["id"];
  std::string share = (*svc.execute(kNet, "create_share", {{"body", {{"name", "x"}}}}).result)["share"]["id"];
  auto out = svc.execute(kNet, "associate_share_pool", {{"share_id", share}, {"body", {{"pool_id", pool}}}});
  ASSERT_FALSE(out.result.ok());
  EXPECT_EQ(out.result.status().reason(), "tier-restriction");
}

TEST(Service, ClientTokenMakesRetriesReturnTheFirstResult) {
  Lab lab;
  Json args = {{"pool_id", lab.leaf}, {"body", {{"netmask_length", 24}, {"client_token", "t-1"}}}};
  Outcome first = lab.svc.execute(kNet, "allocate", args);
  ASSERT_TRUE(first.result.ok());
  EXPECT_TRUE(first.mutated);
  Outcome retry = lab.svc.execute(kNet, "allocate", args);
  ASSERT_TRUE(retry.result.ok());
  EXPECT_FALSE(retry.mutated);
  EXPECT_EQ(*first.result, *retry.result);
  EXPECT_EQ(lab.svc.engine().list_allocations(lab.leaf)->size(), 1u);
  Json other = args;
  other["body"]["netmask_length"] = 25;
  Outcome mismatch = lab.svc.execute(kNet, "allocate", other);
  ASSERT_FALSE(mismatch.result.ok());
  EXPECT_EQ(mismatch.result.status().reason(), "idempotency-mismatch");
  // Tokens are per account: another account's same token is a new request.
  lab.ok(kMgmt, "delegate_admin", {{"body", {{"account_id", kNet.account}}}});
}

TEST(Service, ReplayAndSnapshotRebuildTheSameState) {
  Lab lab;
  std::string share = lab.ok(kNet, "create_share", {{"body", {{"name", "s"}}}})["share"]["id"];
  lab.ok(kNet, "associate_share_pool", {{"share_id", share}, {"body", {{"pool_id", lab.leaf}}}});
  lab.ok(kNet, "associate_share_principal", {{"share_id", share}, {"body", {{"principal", kPay.account}}}});
  for (int i = 0; i < 5; ++i) {
    lab.ok(kPay, "allocate",
           {{"pool_id", lab.leaf},
            {"body", {{"netmask_length", 26}, {"client_token", "c" + std::to_string(i)}}}});
  }
  // Replay the journal into a fresh service: same snapshot bytes.
  IpamService replayed(org());
  for (const auto& [who_op, args] : lab.journal) {
    std::string account = who_op.substr(0, who_op.find(' '));
    std::string op = who_op.substr(who_op.find(' ') + 1);
    Outcome out = replayed.replay(Principal{account, "", ""}, op, args);
    ASSERT_TRUE(out.result.ok()) << op << ": " << out.result.status().to_string();
  }
  EXPECT_EQ(replayed.snapshot(), lab.svc.snapshot());
  // Snapshot restore keeps shares, delegation and idempotency tokens.
  IpamService restored(org());
  ASSERT_TRUE(restored.restore(lab.svc.snapshot()).ok());
  EXPECT_EQ(restored.snapshot(), lab.svc.snapshot());
  EXPECT_EQ(restored.delegated_admin(), kNet.account);
  Outcome retry = restored.execute(
      kPay, "allocate", {{"pool_id", lab.leaf}, {"body", {{"netmask_length", 26}, {"client_token", "c0"}}}});
  ASSERT_TRUE(retry.result.ok());
  EXPECT_FALSE(retry.mutated);
  EXPECT_FALSE(restored.restore("garbage").ok());
}

TEST(Service, UnknownOperationsAndBadBodies) {
  Lab lab;
  EXPECT_EQ(lab.refused(kNet, "format_disk", Json::object()).reason(), "unknown-operation");
  EXPECT_EQ(lab.refused(kNet, "create_pool", {{"body", {{"scope_id", lab.scope}, {"colour", "red"}}}})
                .reason(),
            "invalid-request");
  EXPECT_EQ(lab.refused(kNet, "allocate", {{"pool_id", lab.leaf}, {"body", {{"netmask_length", "24"}}}})
                .reason(),
            "invalid-request");
  EXPECT_EQ(lab.refused(kNet, "provision_cidr", {{"pool_id", lab.top}, {"body", {{"cidr", "10.1.0.1/16"}}}})
                .reason(),
            "non-canonical-prefix");
  EXPECT_EQ(lab.refused(kNet, "list_pools", {{"query", {{"limit", "0"}}}}).reason(), "invalid-request");
}

TEST(Service, InitializeStateSaltsIdsPerDeployment) {
  auto ipam_id = [](IpamService& svc) {
    svc.execute(kMgmt, "delegate_admin", {{"body", {{"account_id", kNet.account}}}});
    auto out = svc.execute(kNet, "create_ipam", {{"body", {{"home_region", "eu-west-1"}}}});
    return (*out.result)["ipam"]["id"].get<std::string>();
  };
  IpamService a(org()), b(org()), c(org());
  Principal system{kSystemAccount, "", ""};
  ASSERT_TRUE(a.execute(system, "initialize_state", {{"id_salt", 1}}).result.ok());
  ASSERT_TRUE(b.execute(system, "initialize_state", {{"id_salt", 2}}).result.ok());
  ASSERT_TRUE(c.replay(Principal{kSystemAccount, "", ""}, "initialize_state", {{"id_salt", 1}}).result.ok());
  std::string in_a = ipam_id(a), in_b = ipam_id(b), in_c = ipam_id(c);
  EXPECT_NE(in_a, in_b);
  EXPECT_EQ(in_a, in_c);  // replay gives the same ids
  // Only the daemon, only once, only before any state exists.
  EXPECT_EQ(a.execute(system, "initialize_state", {{"id_salt", 3}}).result.status().reason(),
            "already-initialized");
  IpamService d(org());
  EXPECT_EQ(d.execute(kMgmt, "initialize_state", {{"id_salt", 3}}).result.status().reason(),
            "internal-operation");
}


// ---- BGP announcements --------------------------------------------------------

TEST(ServiceBgp, AnnounceIsIdempotentJournaledAndSurvivesReplayAndSnapshot) {
  Lab lab;
  lab.svc.set_bgp_peer_names({"onprem-r1", "upstream-1"});
  Json body{{"prefix", "203.0.113.0/24"},
            {"communities", {"65000:2", "65000:1", "no-export", "65000:1"}},
            {"large_communities", {"65000:1:2"}},
            {"prepend", 2},
            {"peers", {"onprem-r1"}}};
  Json first = lab.ok(kNet, "bgp_announce", {{"body", body}});
  EXPECT_TRUE(first["changed"].get<bool>());
  EXPECT_EQ(first["announcement"]["communities"],
            Json({"65000:1", "65000:2", "no-export"}));  // sorted, unique
  Outcome again = lab.svc.execute(kNet, "bgp_announce", {{"body", body}});
  ASSERT_TRUE(again.result.ok());
  EXPECT_FALSE(again.mutated) << "the same announcement again changes nothing";
  EXPECT_FALSE((*again.result)["changed"].get<bool>());
  lab.ok(kNet, "bgp_announce",
         {{"body", {{"prefixes", {"2001:db8:100::/48", "198.51.100.0/24"}}}}});
  lab.ok(kNet, "bgp_withdraw", {{"body", {{"prefix", "198.51.100.0/24"}}}});
  Outcome absent = lab.svc.execute(kNet, "bgp_withdraw", {{"body", {{"prefix", "192.0.2.0/24"}}}});
  ASSERT_TRUE(absent.result.ok());
  EXPECT_FALSE(absent.mutated);

  const auto& now = lab.svc.bgp_announcements();
  ASSERT_EQ(now.size(), 2u);
  const auto& a = now.at(*Prefix::parse("203.0.113.0/24"));
  EXPECT_EQ(a.prepend, 2);
  EXPECT_EQ(a.peers, std::vector<std::string>{"onprem-r1"});
  EXPECT_EQ(a.communities.size(), 3u);

  // Replay without the peer names of today's config still rebuilds it.
  IpamService replayed(org());
  for (const auto& [who_op, args] : lab.journal) {
    std::string account = who_op.substr(0, who_op.find(' '));
    std::string op = who_op.substr(who_op.find(' ') + 1);
    ASSERT_TRUE(replayed.replay(Principal{account, "", ""}, op, args).result.ok()) << op;
  }
  EXPECT_EQ(replayed.snapshot(), lab.svc.snapshot());
  IpamService restored(org());
  ASSERT_TRUE(restored.restore(lab.svc.snapshot()).ok());
  EXPECT_EQ(restored.bgp_announcements(), lab.svc.bgp_announcements());
  Json listed = *restored.execute(kMgmt, "bgp_list_announcements", Json::object()).result;
  EXPECT_EQ(listed["announcements"].size(), 2u);
}

TEST(ServiceBgp, RefusalsNameTheRuleAndChangeNothing) {
  Lab lab;
  lab.svc.set_bgp_peer_names({"onprem-r1"});
  struct Case {
    const char* name;
    Principal who;
    Json body;
    const char* reason;
  };
  const Case cases[] = {
      {"member account", kPay, {{"prefix", "203.0.113.0/24"}}, "not-delegated-admin"},
      {"management account may read, not announce", kMgmt, {{"prefix", "203.0.113.0/24"}},
       "not-delegated-admin"},
      {"no prefix", kNet, Json::object(), "invalid-request"},
      {"prefix and prefixes", kNet, {{"prefix", "203.0.113.0/24"}, {"prefixes", {"192.0.2.0/24"}}},
       "invalid-request"},
      {"host bits set", kNet, {{"prefix", "203.0.113.1/24"}}, "non-canonical-prefix"},
      {"bad community", kNet, {{"prefix", "203.0.113.0/24"}, {"communities", {"70000:1"}}},
       "invalid-community"},
      {"bad large community", kNet,
       {{"prefix", "203.0.113.0/24"}, {"large_communities", {"1:2"}}}, "invalid-large-community"},
      {"prepend 11", kNet, {{"prefix", "203.0.113.0/24"}, {"prepend", 11}}, "invalid-prepend"},
      {"unknown peer", kNet, {{"prefix", "203.0.113.0/24"}, {"peers", {"nobody"}}},
       "no-such-peer"},
      {"one bad prefix in a bulk call", kNet, {{"prefixes", {"192.0.2.0/24", "10.0.0.0/33"}}},
       "invalid-prefix-length"},
  };
  for (const auto& c : cases) {
    Status st = lab.refused(c.who, "bgp_announce", {{"body", c.body}});
    EXPECT_EQ(st.reason(), c.reason) << c.name << ": " << st.message();
  }
  EXPECT_TRUE(lab.svc.bgp_announcements().empty());
  Status st = lab.refused(kPay, "bgp_list_announcements", Json::object());
  EXPECT_EQ(st.reason(), "not-delegated-admin");
}

}  // namespace
}  // namespace byoipd::controller
