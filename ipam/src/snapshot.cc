// IpamEngine snapshot: a versioned, checksummed binary image of the whole
// engine. Restoring rebuilds every pool's trie from its provisioned CIDRs and
// allocations and puts each allocation back into its original slot, so ids
// and future allocation choices are exactly those of the original.
//
// Layout: "BYOIPAM\0", u32 version, body, u64 FNV-1a of the body.
// Integers are little-endian fixed width; strings are u32 length + bytes.
#include <cstring>

#include "state.h"

namespace byoipd::ipam {
namespace {

constexpr char kMagic[8] = {'B', 'Y', 'O', 'I', 'P', 'A', 'M', '\0'};
constexpr uint32_t kVersion = 1;

uint64_t fnv1a(std::string_view data) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

class Writer {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) { fixed(v, 4); }
  void u64(uint64_t v) { fixed(v, 8); }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void str(const std::string& s) {
    u32(static_cast<uint32_t>(s.size()));
    out_ += s;
  }
  void prefix(const Prefix& p) {
    u8(static_cast<uint8_t>(p.family()));
    u8(static_cast<uint8_t>(p.length()));
    u64(static_cast<uint64_t>(p.network() >> 64));
    u64(static_cast<uint64_t>(p.network()));
  }
  void tags(const Tags& t) {
    u32(static_cast<uint32_t>(t.size()));
    for (const auto& [k, v] : t) {
      str(k);
      str(v);
    }
  }
  void opt_int(const std::optional<int>& v) {
    boolean(v.has_value());
    if (v) u32(static_cast<uint32_t>(*v));
  }
  void opt_u64(const std::optional<uint64_t>& v) {
    boolean(v.has_value());
    if (v) u64(*v);
  }
  void opt_str(const std::optional<std::string>& v) {
    boolean(v.has_value());
    if (v) str(*v);
  }
  std::string& out() { return out_; }

 private:
  void fixed(uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  std::string out_;
};

// Bounds-checked reader: after any overrun every read returns zero values
// and failed() is true.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool failed() const { return failed_; }
  bool done() const { return pos_ == in_.size(); }
  uint8_t u8() { return static_cast<uint8_t>(fixed(1)); }
  uint32_t u32() { return static_cast<uint32_t>(fixed(4)); }
  uint64_t u64() { return fixed(8); }
  bool boolean() { return u8() != 0; }
  std::string str() {
    uint32_t n = u32();
    if (!take(n)) return {};
    std::string s(in_.substr(pos_ - n, n));
    return s;
  }
  Prefix prefix() {
    uint8_t fam = u8();
    int len = u8();
    u128 hi = u64();
    u128 net = (hi << 64) | u64();
    if (fam != 4 && fam != 6) {
      failed_ = true;
      return {};
    }
    auto p = Prefix::make(static_cast<Family>(fam), net, len);
    if (!p.ok()) {
      failed_ = true;
      return {};
    }
    return *p;
  }
  Tags tags() {
    Tags t;
    uint32_t n = u32();
    for (uint32_t i = 0; i < n && !failed_; ++i) {
      std::string k = str();
      t[k] = str();
    }
    return t;
  }
  std::optional<int> opt_int() {
    if (!boolean()) return std::nullopt;
    return static_cast<int>(u32());
  }
  std::optional<uint64_t> opt_u64() {
    if (!boolean()) return std::nullopt;
    return u64();
  }
  std::optional<std::string> opt_str() {
    if (!boolean()) return std::nullopt;
    return str();
  }
  // A count of items each at least `min_bytes` long; refuses absurd counts
  // before anything is reserved.
  uint64_t count(size_t min_bytes) {
    uint64_t n = u64();
    if (n > (in_.size() - pos_) / (min_bytes ? min_bytes : 1)) {
      failed_ = true;
      return 0;
    }
    return n;
  }

 private:
  bool take(size_t n) {
    if (failed_ || in_.size() - pos_ < n) {
      failed_ = true;
      return false;
    }
    pos_ += n;
    return true;
  }
  uint64_t fixed(int bytes) {
    if (!take(static_cast<size_t>(bytes))) return 0;
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) {
      v |= static_cast<uint64_t>(static_cast<unsigned char>(in_[pos_ - bytes + i])) << (8 * i);
    }
    return v;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool failed_ = false;
};

Status corrupt(const std::string& what) {
  return Status(Code::kInternal, "snapshot-corrupt",
                "IPAM snapshot is corrupt or inconsistent: " + what);
}

}  // namespace

std::string IpamEngine::snapshot() const {
  const State& s = *s_;
  Writer w;
  w.out().append(kMagic, sizeof kMagic);
  w.u32(kVersion);
  size_t body_start = w.out().size();
  w.u64(s.ids.salt());
  w.u64(s.next_cidr_serial);

  w.u64(s.ipams.size());
  for (const auto& r : s.ipams) {
    w.boolean(r != nullptr);
    if (!r) continue;
    w.str(r->owner);
    w.str(r->home_region);
    w.u32(static_cast<uint32_t>(r->regions.size()));
    for (const auto& region : r->regions) w.str(region);
    w.u8(static_cast<uint8_t>(r->tier));
    w.str(r->description);
    w.tags(r->tags);
    w.u64(r->private_scope);
    w.u64(r->public_scope);
  }

  w.u64(s.scopes.size());
  for (const auto& r : s.scopes) {
    w.boolean(r != nullptr);
    if (!r) continue;
    w.u64(r->ipam);
    w.u8(static_cast<uint8_t>(r->type));
    w.boolean(r->is_default);
    w.str(r->description);
    w.u64(r->top_cidrs.size());
    for (const auto& [cidr, pool] : r->top_cidrs) {
      w.prefix(cidr);
      w.u64(pool);
    }
  }

  w.u64(s.pools.size());
  for (const auto& r : s.pools) {
    w.boolean(r != nullptr);
    if (!r) continue;
    w.u8(static_cast<uint8_t>(r->family));
    w.u64(r->ipam);
    w.u64(r->scope);
    w.opt_u64(r->parent);
    w.u32(static_cast<uint32_t>(r->depth));
    w.opt_str(r->locale);
    w.str(r->owner);
    w.str(r->description);
    w.tags(r->tags);
    w.boolean(r->auto_import);
    w.boolean(r->publicly_advertisable);
    w.opt_int(r->guardrails.default_netmask_length);
    w.opt_int(r->guardrails.min_netmask_length);
    w.opt_int(r->guardrails.max_netmask_length);
    w.tags(r->guardrails.required_tags);
    w.u64(r->cidrs.size());
    for (const auto& c : r->cidrs) {
      w.u64(c.serial);
      w.prefix(c.cidr);
      w.u8(static_cast<uint8_t>(c.state));
      w.str(c.failure_reason);
    }
    w.u64(r->children.size());
    for (uint64_t c : r->children) w.u64(c);
    auto table = r->space.slot_table();
    w.u64(table.size());
    for (const auto& slot : table) {
      w.u32(slot.generation);
      w.boolean(slot.live);
      w.u8(slot.type);
    }
    auto free_slots = r->space.free_slot_list();
    w.u64(free_slots.size());
    for (uint32_t f : free_slots) w.u32(f);
    w.u64(r->space.allocation_count());
    r->space.for_each_allocation(Prefix::root(r->family), std::nullopt,
                                 [&](const Prefix& p, uint32_t slot) {
                                   w.prefix(p);
                                   w.u32(slot);
                                   return true;
                                 });
    std::vector<std::pair<uint32_t, const AllocDetails*>> details;
    for (const auto& [slot, d] : r->details) details.emplace_back(slot, &d);
    std::sort(details.begin(), details.end());
    w.u64(details.size());
    for (const auto& [slot, d] : details) {
      w.u32(slot);
      w.str(d->resource_id);
      w.str(d->owner);
      w.str(d->region);
      w.str(d->description);
      w.u64(d->child_pool);
    }
  }

  w.u64(s.resources.size());
  for (const auto& [key, rec] : s.resources) {
    w.u64(key.scope);
    w.str(key.resource_id);
    w.prefix(key.cidr);
    w.u8(static_cast<uint8_t>(rec.type));
    w.str(rec.owner);
    w.str(rec.region);
    w.tags(rec.tags);
    w.opt_u64(rec.pool);
    w.boolean(rec.has_allocation);
    w.boolean(rec.ignored);
  }
  uint64_t sum = fnv1a(std::string_view(w.out()).substr(body_start));
  w.u64(sum);
  return std::move(w.out());
}

Result<IpamEngine> IpamEngine::restore(std::string_view bytes) {
  if (bytes.size() < sizeof kMagic + 4 + 8 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    return corrupt("it does not start with the IPAM snapshot header");
  }
  Reader header(bytes.substr(sizeof kMagic, 4));
  uint32_t version = header.u32();
  if (version > kVersion) {
    return Status(Code::kFailedPrecondition, "snapshot-too-new",
                  "IPAM snapshot version " + std::to_string(version) +
                      " is newer than this build understands (" + std::to_string(kVersion) +
                      "); upgrade byoipd");
  }
  std::string_view body = bytes.substr(sizeof kMagic + 4, bytes.size() - sizeof kMagic - 4 - 8);
  Reader trailer(bytes.substr(bytes.size() - 8));
  if (trailer.u64() != fnv1a(body)) return corrupt("checksum mismatch");

  Reader r(body);
  IpamEngine engine(Options{r.u64()});
  State& s = *engine.s_;
  s.next_cidr_serial = r.u64();

  for (uint64_t n = r.count(1), i = 0; i < n && !r.failed(); ++i) {
    if (!r.boolean()) {
      s.ipams.emplace_back();
      continue;
    }
    auto rec = std::make_unique<IpamRec>();
    rec->owner = r.str();
    rec->home_region = r.str();
    for (uint32_t k = r.u32(), j = 0; j < k && !r.failed(); ++j) rec->regions.insert(r.str());
    rec->tier = static_cast<Tier>(r.u8());
    rec->description = r.str();
    rec->tags = r.tags();
    rec->private_scope = r.u64();
    rec->public_scope = r.u64();
    s.ipams.push_back(std::move(rec));
  }
  for (uint64_t n = r.count(1), i = 0; i < n && !r.failed(); ++i) {
    if (!r.boolean()) {
      s.scopes.emplace_back();
      continue;
    }
    auto rec = std::make_unique<ScopeRec>();
    rec->ipam = r.u64();
    rec->type = static_cast<ScopeType>(r.u8());
    rec->is_default = r.boolean();
    rec->description = r.str();
    for (uint64_t k = r.count(26), j = 0; j < k && !r.failed(); ++j) {
      Prefix p = r.prefix();
      rec->top_cidrs[p] = r.u64();
    }
    s.scopes.push_back(std::move(rec));
  }
  for (uint64_t n = r.count(1), i = 0; i < n && !r.failed(); ++i) {
    if (!r.boolean()) {
      s.pools.emplace_back();
      continue;
    }
    uint8_t fam = r.u8();
    if (fam != 4 && fam != 6) return corrupt("pool " + std::to_string(i) + " has no family");
    auto rec = std::make_unique<PoolRec>(static_cast<Family>(fam));
    rec->ipam = r.u64();
    rec->scope = r.u64();
    rec->parent = r.opt_u64();
    rec->depth = static_cast<int>(r.u32());
    rec->locale = r.opt_str();
    rec->owner = r.str();
    rec->description = r.str();
    rec->tags = r.tags();
    rec->auto_import = r.boolean();
    rec->publicly_advertisable = r.boolean();
    rec->guardrails.default_netmask_length = r.opt_int();
    rec->guardrails.min_netmask_length = r.opt_int();
    rec->guardrails.max_netmask_length = r.opt_int();
    rec->guardrails.required_tags = r.tags();
    for (uint64_t k = r.count(30), j = 0; j < k && !r.failed(); ++j) {
      PoolCidrRec c;
      c.serial = r.u64();
      c.cidr = r.prefix();
      c.state = static_cast<PoolCidrState>(r.u8());
      c.failure_reason = r.str();
      if (c.state == PoolCidrState::kProvisioned) {
        if (rec->space.provision(c.cidr).kind != AddressSpace::Blocked::kNone) {
          return corrupt("pool " + std::to_string(i) + " provisions " + c.cidr.to_string() +
                         " twice");
        }
      }
      rec->cidrs.push_back(std::move(c));
    }
    for (uint64_t k = r.count(8), j = 0; j < k && !r.failed(); ++j) rec->children.push_back(r.u64());
    std::vector<AddressSpace::SlotRecord> table(r.count(6));
    for (auto& slot : table) {
      slot.generation = r.u32();
      slot.live = r.boolean();
      slot.type = r.u8();
    }
    std::vector<uint32_t> free_slots(r.count(4));
    for (auto& f : free_slots) f = r.u32();
    rec->space.restore_slot_table(table, std::move(free_slots));
    for (uint64_t k = r.count(22), j = 0; j < k && !r.failed(); ++j) {
      Prefix p = r.prefix();
      uint32_t slot = r.u32();
      if (r.failed()) break;
      if (slot >= table.size() || !table[slot].live || !rec->space.claim_into_slot(p, slot)) {
        return corrupt("allocation " + p.to_string() + " of pool " + std::to_string(i) +
                       " does not fit its pool");
      }
    }
    uint64_t detail_count = r.count(28);
    rec->details.reserve(detail_count);
    for (uint64_t j = 0; j < detail_count && !r.failed(); ++j) {
      uint32_t slot = r.u32();
      AllocDetails& d = rec->details[slot];
      d.resource_id = r.str();
      d.owner = r.str();
      d.region = r.str();
      d.description = r.str();
      d.child_pool = r.u64();
    }
    s.pools.push_back(std::move(rec));
  }
  for (uint64_t n = r.count(30), i = 0; i < n && !r.failed(); ++i) {
    ResourceKey key;
    key.scope = r.u64();
    key.resource_id = r.str();
    key.cidr = r.prefix();
    ResourceRec rec;
    rec.type = static_cast<AllocationType>(r.u8());
    rec.owner = r.str();
    rec.region = r.str();
    rec.tags = r.tags();
    rec.pool = r.opt_u64();
    rec.has_allocation = r.boolean();
    rec.ignored = r.boolean();
    s.resources.emplace(std::move(key), std::move(rec));
  }
  if (r.failed()) return corrupt("it ends early or holds an invalid value");
  if (!r.done()) return corrupt("it has trailing bytes");
  // Cross-references must point at live objects.
  for (const auto& ipam : s.ipams) {
    if (ipam && (ipam->private_scope >= s.scopes.size() || !s.scopes[ipam->private_scope] ||
                 ipam->public_scope >= s.scopes.size() || !s.scopes[ipam->public_scope])) {
      return corrupt("an IPAM names a missing default scope");
    }
  }
  for (const auto& scope : s.scopes) {
    if (scope && (scope->ipam >= s.ipams.size() || !s.ipams[scope->ipam])) {
      return corrupt("a scope names a missing IPAM");
    }
  }
  for (const auto& pool : s.pools) {
    if (!pool) continue;
    if (pool->scope >= s.scopes.size() || !s.scopes[pool->scope] ||
        (pool->parent && (*pool->parent >= s.pools.size() || !s.pools[*pool->parent]))) {
      return corrupt("a pool names a missing scope or source pool");
    }
  }
  for (const auto& [key, rec] : s.resources) {
    if (key.scope >= s.scopes.size() || !s.scopes[key.scope] ||
        (rec.pool && (*rec.pool >= s.pools.size() || !s.pools[*rec.pool]))) {
      return corrupt("resource " + key.resource_id + " names a missing scope or pool");
    }
  }
  return engine;
}

}  // namespace byoipd::ipam
