// Helpers shared by the IPAM tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "byoipd/ipam/engine.h"

namespace byoipd::ipam::testing {

inline Prefix P(std::string_view text) {
  auto p = Prefix::parse(text);
  EXPECT_TRUE(p.ok()) << text << ": " << p.status().to_string();
  return p.ok() ? *p : Prefix();
}

// Asserts a refusal with the given stable reason; returns its message.
template <typename T>
std::string refused(const Result<T>& r, std::string_view reason) {
  EXPECT_FALSE(r.ok()) << "expected refusal '" << reason << "'";
  EXPECT_EQ(r.status().reason(), reason) << r.status().to_string();
  return r.status().message();
}
inline std::string refused(const Status& st, std::string_view reason) {
  EXPECT_FALSE(st.ok()) << "expected refusal '" << reason << "'";
  EXPECT_EQ(st.reason(), reason) << st.to_string();
  return st.message();
}

#define ASSERT_OK(expr)                                        \
  do {                                                         \
    const auto& _r = (expr);                                   \
    ASSERT_TRUE(_r.ok()) << #expr << ": " << ::byoipd::ipam::testing::status_text(_r); \
  } while (0)

template <typename T>
std::string status_text(const Result<T>& r) { return r.status().to_string(); }
inline std::string status_text(const Status& s) { return s.to_string(); }

// An advanced-tier IPAM in eu-west-1 + us-east-1 with a locale-free top pool
// holding 10.0.0.0/8 in the private default scope.
struct Estate {
  IpamEngine engine;
  IpamInfo ipam;
  PoolInfo top;

  explicit Estate(Family family = Family::kV4) {
    ipam = *engine.create_ipam(
        IpamSpec{"222233334444", "eu-west-1", {"us-east-1"}, Tier::kAdvanced, "", {}});
    PoolSpec spec;
    spec.scope_id = ipam.private_default_scope_id;
    spec.family = family;
    top = *engine.create_pool(spec);
    auto cidr = engine.provision_cidr(
        top.id, ProvisionRequest{family == Family::kV4 ? P("10.0.0.0/8") : P("fd00::/8"), {}, false});
    EXPECT_TRUE(cidr.ok()) << cidr.status().to_string();
  }

  // A child of `parent` with `netmask` carved from it.
  PoolInfo child(const std::string& parent, int netmask, std::optional<std::string> locale,
                 Guardrails g = {}) {
    auto parent_info = engine.describe_pool(parent);
    PoolSpec spec;
    spec.scope_id = parent_info->scope_id;
    spec.family = parent_info->family;
    spec.source_pool_id = parent;
    spec.locale = std::move(locale);
    spec.guardrails = std::move(g);
    auto pool = engine.create_pool(spec);
    EXPECT_TRUE(pool.ok()) << pool.status().to_string();
    auto cidr = engine.provision_cidr(pool->id, ProvisionRequest{{}, netmask, false});
    EXPECT_TRUE(cidr.ok()) << cidr.status().to_string();
    return *pool;
  }
};

inline ResourceRef vpc(std::string id, std::string region, Tags tags = {},
                       std::string owner = "555566667777") {
  return ResourceRef{AllocationType::kVpc, std::move(id), std::move(owner), std::move(region),
                     std::move(tags)};
}

inline AllocationRequest by_netmask(int len) {
  AllocationRequest r;
  r.netmask_length = len;
  return r;
}
inline AllocationRequest by_cidr(std::string_view cidr) {
  AllocationRequest r;
  r.cidr = P(cidr);
  return r;
}

}  // namespace byoipd::ipam::testing
