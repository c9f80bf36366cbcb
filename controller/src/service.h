// IpamService: the controller's state and every operation on it.
//
// One entry point, execute(principal, op, args), serves both the API and
// journal replay, so a replayed journal rebuilds exactly the state the API
// built. It holds the IPAM engine plus what the engine does not know: the
// delegated IPAM admin, RAM-style pool shares and idempotency tokens. No I/O.
//
// Who may do what (the guide's trust boundary):
//  * the management account delegates IPAM administration to one account;
//  * only the delegated admin creates or changes IPAMs, scopes, pools, CIDRs,
//    resources and shares;
//  * any other account sees only pools shared to it (directly or through its
//    OU or the whole organization), may allocate from them within the
//    guardrails, and may list and release its own allocations;
//  * everything else is refused with permission-denied.
#pragma once

#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "byoipd/bgp/speaker.h"
#include "byoipd/controller/config.h"
#include "byoipd/ipam/engine.h"
#include "json_codec.h"

namespace byoipd::controller {

struct Principal {
  std::string account;  // 12-digit account id
  std::string name;
  std::string ou;
};

struct Share {
  std::string id;
  std::string name;
  std::string owner;
  bool allow_external_principals = false;
  std::set<std::string> pools;       // pool ids
  std::set<std::string> principals;  // account ids, OU ids, or the organization id
};

// Records of the EC2-compatible endpoint that the IPAM engine does not hold:
// VPCs (resource records, no networking behind them), BYOIP CIDRs
// provisioned with ProvisionByoipCidr, and BYOASNs. The per-prefix state
// machine (advertise/withdraw) will drive ByoipCidr::state.
struct Vpc {
  std::string id;
  std::string owner;
  std::string region;
  Prefix cidr;
  std::string pool_id;  // empty when the CIDR was given without a pool
  std::string description;
  ipam::Tags tags;
};

struct ByoipCidr {
  Prefix cidr;
  std::string owner;
  std::string region;
  std::string description;
  // pending-provision, provisioned, provisioned-not-publicly-advertisable,
  // failed-provision, pending-advertising, advertised, pending-withdrawal,
  // pending-deprovision, deprovisioned, failed-deprovision.
  std::string state;
  std::string status_message;
  bool publicly_advertisable = true;
};

struct Byoasn {
  uint32_t asn = 0;
  std::string ipam_id;
  std::string owner;
  std::string state;  // provisioned, failed-provision
  std::string status_message;
  std::set<Prefix> cidrs;  // associated BYOIP CIDRs
};

// The principal the daemon itself acts as (internal operations).
inline constexpr const char* kSystemAccount = "byoipd";

struct Outcome {
  Result<Json> result;
  bool mutated = false;  // journal the command
};

class IpamService {
 public:
  explicit IpamService(OrganizationConfig org);

  // Runs one operation. `args` carries the path and body parameters.
  Outcome execute(const Principal& who, const std::string& op, const Json& args);
  // Re-applies a journaled command: no access checks (they passed when the
  // command was first accepted, under the configuration of that time).
  Outcome replay(const Principal& who, const std::string& op, const Json& args);
  // Whether `who` may run `op` at all (a DryRun): the permission checks of
  // execute() without running anything. Checks that need the operation's
  // target to exist (owner of a VPC or an allocation) are left to execute().
  Status permitted(const Principal& who, const std::string& op, const Json& args) const;
  // Whether `op` names a known operation, and whether it can change state.
  static bool known_op(const std::string& op);
  static bool mutating_op(const std::string& op);

  // Config reload: accounts and OUs may change; state is kept.
  void set_organization(OrganizationConfig org) { org_ = std::move(org); }
  const OrganizationConfig& organization() const { return org_; }
  std::optional<Principal> principal_for_account(const std::string& account) const;

  const ipam::IpamEngine& engine() const { return engine_; }
  const std::string& delegated_admin() const { return delegated_admin_; }

  // Prefixes byoipd originates in BGP (the speaker's Adj-RIB-Out source).
  const std::map<Prefix, bgp::Announcement>& bgp_announcements() const { return announcements_; }
  // Peer names announcements may name (from the bgp config); checked on
  // execute, not on replay (a journal outlives config changes).
  void set_bgp_peer_names(std::set<std::string> names) { bgp_peer_names_ = std::move(names); }

  // Whole state as bytes (engine snapshot + access state).
  std::string snapshot() const;
  Status restore(const std::string& bytes);

 private:
  bool is_admin(const Principal& who) const {
    return replaying_ || (!delegated_admin_.empty() && who.account == delegated_admin_);
  }
  bool can_see_pool(const Principal& who, const std::string& pool_id) const;
  Status require_admin(const Principal& who, const std::string& op) const;
  Status require_pool_access(const Principal& who, const std::string& op,
                             const std::string& pool_id) const;
  bool in_organization(const std::string& principal) const;
  Status change_share(Share& s, const Json& body, bool creating) const;

  Result<Json> run(const Principal& who, const std::string& op, const Json& args, bool& mutated);
  Result<Json> run_ipam(const Principal& who, const std::string& op, const Json& args, bool& mutated);
  Result<Json> run_pools(const Principal& who, const std::string& op, const Json& args, bool& mutated);
  Result<Json> run_allocations(const Principal& who, const std::string& op, const Json& args,
                               bool& mutated);
  Result<Json> run_resources(const Principal& who, const std::string& op, const Json& args,
                             bool& mutated);
  Result<Json> run_access(const Principal& who, const std::string& op, const Json& args,
                          bool& mutated);
  Result<Json> run_bgp(const Principal& who, const std::string& op, const Json& args,
                       bool& mutated);
  Result<Json> run_cloud(const Principal& who, const std::string& op, const Json& args,
                         bool& mutated);
  Result<Json> run_vpcs(const Principal& who, const std::string& op, const Json& args,
                        bool& mutated);
  Result<Json> run_byoasn(const Principal& who, const std::string& op, const Json& args,
                          bool& mutated);
  Status byoip_usable(const Principal& who, const Prefix& cidr) const;
  Status remove_resource_reoffering(const std::string& resource_id,
                                    const std::string* scope_id = nullptr,
                                    const Prefix* cidr = nullptr);
  std::vector<Json> byoip_list(const Principal& who) const;
  Json cloud_snapshot() const;
  Status restore_cloud(const Json& cloud);
  Result<bgp::Announcement> parse_announcement(const Json& body, const Prefix& prefix) const;
  Status require_bgp_reader(const Principal& who, const std::string& op) const;
  Json announcements_snapshot() const;
  Status restore_announcements(const Json& list);

  OrganizationConfig org_;
  bool replaying_ = false;
  bool initialized_ = false;
  ipam::IpamEngine engine_;
  std::string delegated_admin_;
  std::map<std::string, Share> shares_;  // by id
  uint64_t next_share_serial_ = 1;
  // Idempotency: (account, client token) -> (op + parameters, first result).
  struct TokenEntry {
    std::string request;
    Json response;
  };
  std::map<std::pair<std::string, std::string>, TokenEntry> tokens_;
  std::deque<std::pair<std::string, std::string>> token_order_;  // oldest first
  std::map<Prefix, bgp::Announcement> announcements_;
  std::set<std::string> bgp_peer_names_;
  std::map<std::string, Vpc> vpcs_;  // by id
  uint64_t next_vpc_serial_ = 1;
  std::map<Prefix, ByoipCidr> byoip_;
  std::map<uint32_t, Byoasn> byoasns_;
};

// Keeps at most this many idempotency tokens (oldest are forgotten).
constexpr size_t kMaxIdempotencyTokens = 100000;

}  // namespace byoipd::controller
