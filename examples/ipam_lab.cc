// Walks the hands-on lab of the AWS IPAM guide against the byoipd IPAM
// engine and prints each step with its result: the IPAM, a top pool with
// 10.0.0.0/16, a guardrailed leaf pool, a compliant /24, the three requests
// the guardrails must refuse, the allocation listing, and the bottom-up
// teardown (after first showing that the wrong order is refused).
//
// Exit status 0 only if every step behaved as the guide says it must.
#include <cstdio>
#include <string>

#include "byoipd/ipam/engine.h"

using namespace byoipd;
using namespace byoipd::ipam;

namespace {

int failures = 0;

void step(const std::string& title) { std::printf("\n== %s\n", title.c_str()); }

template <typename T>
bool expect_ok(const char* what, const Result<T>& r) {
  if (r.ok()) {
    std::printf("  ok       %s\n", what);
    return true;
  }
  std::printf("  FAILED   %s: %s\n", what, r.status().to_string().c_str());
  ++failures;
  return false;
}

bool expect_ok(const char* what, const Status& st) {
  if (st.ok()) {
    std::printf("  ok       %s\n", what);
    return true;
  }
  std::printf("  FAILED   %s: %s\n", what, st.to_string().c_str());
  ++failures;
  return false;
}

template <typename T>
void expect_refused(const char* what, const Result<T>& r, std::string_view reason) {
  Status st = r.status();
  if (!st.ok() && st.reason() == reason) {
    std::printf("  REJECTED %s\n           %s\n", what, st.to_string().c_str());
    return;
  }
  std::printf("  FAILED   %s: expected refusal '%s', got %s\n", what, std::string(reason).c_str(),
              st.to_string().c_str());
  ++failures;
}

void expect_refused(const char* what, const Status& st, std::string_view reason) {
  expect_refused(what, Result<int>(st.ok() ? Result<int>(0) : Result<int>(st)), reason);
}

}  // namespace

int main() {
  const std::string region = "eu-west-1";
  IpamEngine engine;

  step("Step 2: create the IPAM (free tier, one operating region)");
  auto ipam = engine.create_ipam(IpamSpec{"111122223333", region, {region}, Tier::kFree, "lab", {}});
  if (!expect_ok("create-ipam", ipam)) return 1;
  std::printf("  IPAM=%s SCOPE=%s\n", ipam->id.c_str(), ipam->private_default_scope_id.c_str());

  step("Step 3: top pool, provision 10.0.0.0/16");
  PoolSpec top_spec;
  top_spec.scope_id = ipam->private_default_scope_id;
  top_spec.family = Family::kV4;
  auto top = engine.create_pool(top_spec);
  if (!expect_ok("create-ipam-pool (top, locale-free)", top)) return 1;
  expect_ok("provision-ipam-pool-cidr 10.0.0.0/16",
            engine.provision_cidr(top->id, ProvisionRequest{*Prefix::parse("10.0.0.0/16"), {}, false}));

  step("Step 4: leaf pool with guardrails (locale, required tag, /20../26, default /24)");
  PoolSpec leaf_spec = top_spec;
  leaf_spec.source_pool_id = top->id;
  leaf_spec.locale = region;
  leaf_spec.guardrails.default_netmask_length = 24;
  leaf_spec.guardrails.min_netmask_length = 20;
  leaf_spec.guardrails.max_netmask_length = 26;
  leaf_spec.guardrails.required_tags = {{"Environment", "lab"}};
  auto leaf = engine.create_pool(leaf_spec);
  if (!expect_ok("create-ipam-pool (leaf)", leaf)) return 1;
  auto leaf_cidr = engine.provision_cidr(leaf->id, ProvisionRequest{{}, 20, false});
  if (!expect_ok("provision-ipam-pool-cidr --netmask-length 20", leaf_cidr)) return 1;
  std::printf("  leaf CIDR %s state=%s\n", leaf_cidr->cidr.to_string().c_str(),
              std::string(to_string(leaf_cidr->state)).c_str());

  step("Step 5: a compliant VPC draws a /24");
  ResourceRef vpc{AllocationType::kVpc, "vpc-0lab000000000001", "111122223333", region,
                  {{"Environment", "lab"}}};
  AllocationRequest good;
  good.netmask_length = 24;
  good.resource = vpc;
  auto alloc = engine.allocate(leaf->id, good);
  if (!expect_ok("create-vpc /24 with Environment=lab", alloc)) return 1;
  std::printf("  %s got %s\n", vpc.id.c_str(), alloc->cidr.to_string().c_str());

  step("Step 6: the guardrails must reject");
  AllocationRequest untagged = good;
  untagged.resource->id = "vpc-0lab000000000002";
  untagged.resource->tags.clear();
  expect_refused("(a) untagged", engine.allocate(leaf->id, untagged), "missing-required-tag");
  AllocationRequest too_big = good;
  too_big.resource->id = "vpc-0lab000000000003";
  too_big.netmask_length = 19;
  expect_refused("(b) /19 (below min 20)", engine.allocate(leaf->id, too_big), "netmask-below-min");
  AllocationRequest too_small = good;
  too_small.resource->id = "vpc-0lab000000000004";
  too_small.netmask_length = 27;
  expect_refused("(c) /27 (above max 26)", engine.allocate(leaf->id, too_small), "netmask-above-max");

  step("Step 7: the allocation is registered");
  auto allocations = engine.list_allocations(leaf->id);
  if (expect_ok("get-ipam-pool-allocations", allocations)) {
    for (const auto& a : *allocations) {
      std::printf("  %-8s %-18s %-24s owner=%s\n", std::string(to_string(a.type)).c_str(),
                  a.cidr.to_string().c_str(), a.resource_id.c_str(), a.resource_owner.c_str());
    }
  }
  auto util = engine.utilization(leaf->id);
  if (util.ok()) {
    std::printf("  leaf utilization %.2f%% (%s of %s addresses)\n", util->percent,
                u128_to_string(util->allocated_addresses).c_str(),
                u128_to_string(util->provisioned_addresses).c_str());
  }

  step("Teardown in the wrong order is refused (deletion protection)");
  expect_refused("deprovision leaf CIDR while the VPC holds a /24",
                 engine.deprovision_cidr(leaf->id, leaf_cidr->cidr), "deletion-protected");
  expect_refused("delete leaf pool while it has a provisioned CIDR", engine.delete_pool(leaf->id),
                 "deletion-protected");
  expect_refused("delete top pool while it has a child pool", engine.delete_pool(top->id),
                 "deletion-protected");

  step("Teardown bottom-up");
  expect_ok("delete-vpc (releases its allocation)", engine.remove_resource(vpc.id));
  expect_ok("deprovision-ipam-pool-cidr (leaf)", engine.deprovision_cidr(leaf->id, leaf_cidr->cidr));
  expect_ok("delete-ipam-pool (leaf)", engine.delete_pool(leaf->id));
  expect_ok("deprovision-ipam-pool-cidr 10.0.0.0/16 (top)",
            engine.deprovision_cidr(top->id, *Prefix::parse("10.0.0.0/16")));
  expect_ok("delete-ipam-pool (top)", engine.delete_pool(top->id));
  expect_ok("delete-ipam", engine.delete_ipam(ipam->id));

  std::printf("\n%s: %d step(s) did not behave as the guide requires\n",
              failures == 0 ? "LAB PASSED" : "LAB FAILED", failures);
  return failures == 0 ? 0 : 1;
}
