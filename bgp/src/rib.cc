#include "byoipd/bgp/rib.h"

#include <algorithm>
#include <array>
#include <bit>

#include "heap_size.h"
#include "path_table.h"
#include "route_index.h"

namespace byoipd::bgp {

// RFC 6811 section 2: "the rightmost AS in the final segment of the AS_PATH
// attribute in the Route if that segment is of type AS_SEQUENCE, or the BGP
// speaker's own AS if the AS_PATH is empty"; NONE when the final segment is
// an AS_SET. Segments without any AS (which a decoder may pass) are skipped.
std::optional<uint32_t> origin_as(const std::vector<AsPathSegment>& path, uint32_t local_as) {
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    if (it->asns.empty()) continue;
    if (it->type == AsPathSegment::Type::kSet) return std::nullopt;
    return it->asns.back();
  }
  return local_as;
}

namespace {

// The watched prefixes of one family: a sorted vector plus a bitmask of the
// watched lengths, so a route's covering watches are found with one lookup
// per watched length, and nothing at all is done when none is watched.
struct WatchSet {
  std::vector<Prefix> prefixes;
  std::array<uint64_t, 3> lengths{};  // bit L: some watched prefix is /L

  bool empty() const { return prefixes.empty(); }
  void add(const Prefix& p) {
    auto it = std::lower_bound(prefixes.begin(), prefixes.end(), p);
    if (it != prefixes.end() && *it == p) return;
    prefixes.insert(it, p);
    lengths[p.length() / 64] |= uint64_t{1} << (p.length() % 64);
  }
  void remove(const Prefix& p) {
    auto it = std::lower_bound(prefixes.begin(), prefixes.end(), p);
    if (it == prefixes.end() || !(*it == p)) return;
    prefixes.erase(it);
    lengths = {};
    for (const Prefix& w : prefixes) lengths[w.length() / 64] |= uint64_t{1} << (w.length() % 64);
  }
  bool contains(const Prefix& p) const {
    return std::binary_search(prefixes.begin(), prefixes.end(), p);
  }
};

size_t family_slot(Family f) { return f == Family::kV4 ? 0 : 1; }

template <typename R>
Prefix prefix_of(const typename R::Key& k) {
  IpAddress addr = R::kFamily == Family::kV4 ? IpAddress::v4(static_cast<uint32_t>(R::address(k)))
                                              : IpAddress::v6(R::address(k));
  return Prefix::containing(addr, R::length(k));
}

}  // namespace

class AdjRibIn::Impl {
 public:
  explicit Impl(uint32_t local_as) : paths_(local_as) {}

  ApplyStats apply(PeerIndex peer, const Update& update);
  template <typename R>
  size_t remove_where(RouteIndex<R>& index, PeerIndex peer, bool stale_only);
  template <typename R>
  size_t mark_stale(RouteIndex<R>& index, PeerIndex peer);
  template <typename R>
  bool collect(const RouteIndex<R>& index, const typename R::Key& from, const Prefix* within,
               bool exact, std::optional<PeerIndex> peer, size_t limit,
               std::vector<RouteEntry>& out) const;

  size_t count(PeerIndex peer, size_t family) const {
    return peer < counts_.size() ? counts_[peer][family] : 0;
  }
  size_t memory_bytes() const;

  PathTable paths_;
  RouteIndex<V4Route> v4_;
  RouteIndex<V6Route> v6_;
  std::vector<std::array<uint32_t, 2>> counts_;  // routes per peer and family
  Listener listener_;
  std::array<WatchSet, 2> watches_;

 private:
  std::vector<size_t> route_blocks_;  // apply(): each prefix's route block, from prefetch()
  template <typename R>
  void insert(RouteIndex<R>& index, PeerIndex peer, const Prefix& p, PathId path, size_t block,
              ApplyStats& stats);
  template <typename R>
  void withdraw(RouteIndex<R>& index, PeerIndex peer, const Prefix& p, ApplyStats& stats);
  uint32_t& counter(PeerIndex peer, Family f) {
    if (peer >= counts_.size()) counts_.resize(size_t{peer} + 1, {0, 0});
    return counts_[peer][family_slot(f)];
  }
  bool watching(Family f) const { return listener_ && !watches_[family_slot(f)].empty(); }
  void notify(OriginEvent::Kind kind, const Prefix& p, PeerIndex peer,
              std::optional<uint32_t> old_origin, std::optional<uint32_t> new_origin);
};

// One event per watched prefix covering `p`: the covering prefixes are p's
// supernets, at most one per watched length.
void AdjRibIn::Impl::notify(OriginEvent::Kind kind, const Prefix& p, PeerIndex peer,
                            std::optional<uint32_t> old_origin,
                            std::optional<uint32_t> new_origin) {
  const WatchSet& set = watches_[family_slot(p.family())];
  std::array<uint64_t, 3> lengths = set.lengths;  // the listener may (un)watch
  for (int word = 0; word < 3; ++word) {
    for (uint64_t bits = lengths[word]; bits != 0; bits &= bits - 1) {
      int len = word * 64 + std::countr_zero(bits);
      if (len > p.length()) return;
      Prefix w = p.supernet(len);
      if (!watches_[family_slot(p.family())].contains(w) || !listener_) continue;
      OriginEvent ev;
      ev.kind = kind;
      ev.watched = w;
      ev.prefix = p;
      ev.peer = peer;
      ev.old_origin_as = old_origin;
      ev.new_origin_as = new_origin;
      listener_(ev);
    }
  }
}

template <typename R>
void AdjRibIn::Impl::insert(RouteIndex<R>& index, PeerIndex peer, const Prefix& p, PathId path,
                            size_t block, ApplyStats& stats) {
  auto [route, added] = index.emplace(R::make_key(p, peer), block);
  paths_.acquire(path);
  if (added) {
    route->path = path;
    counter(peer, R::kFamily)++;
    stats.added++;
    if (watching(R::kFamily)) {
      notify(OriginEvent::Kind::kAdded, p, peer, std::nullopt, paths_.origin_as(path));
    }
    return;
  }
  // RFC 4271 9.1: a route for a prefix the peer already announced replaces
  // the earlier one (and ends its stale state, RFC 4724 4.2).
  PathId old = route->path & kPathMask;
  route->path = path;
  stats.replaced++;
  std::optional<uint32_t> old_origin, new_origin;
  bool watched = watching(R::kFamily) && old != path;
  if (watched) {
    old_origin = paths_.origin_as(old);
    new_origin = paths_.origin_as(path);
  }
  paths_.release(old);
  if (watched && old_origin != new_origin) {
    notify(OriginEvent::Kind::kChanged, p, peer, old_origin, new_origin);
  }
}

template <typename R>
void AdjRibIn::Impl::withdraw(RouteIndex<R>& index, PeerIndex peer, const Prefix& p,
                              ApplyStats& stats) {
  R gone;
  if (!index.erase(R::make_key(p, peer), &gone)) return;  // absent: nothing to do
  PathId path = gone.path & kPathMask;
  std::optional<uint32_t> old_origin = paths_.origin_as(path);
  paths_.release(path);
  counter(peer, R::kFamily)--;
  stats.withdrawn++;
  if (watching(R::kFamily)) notify(OriginEvent::Kind::kWithdrawn, p, peer, old_origin, std::nullopt);
}

AdjRibIn::ApplyStats AdjRibIn::Impl::apply(PeerIndex peer, const Update& update) {
  ApplyStats stats;
  auto withdraw_one = [&](const Prefix& p) {
    if (p.family() == Family::kV4) {
      withdraw(v4_, peer, p, stats);
    } else {
      withdraw(v6_, peer, p, stats);
    }
  };
  auto insert_all = [&](const std::vector<Prefix>& nlri, const IpAddress& next_hop) {
    if (nlri.empty()) return;
    // Once per UPDATE; the path's index slot loads with the route blocks.
    PathTable::Lookup lookup = paths_.start(update.attributes, next_hop);
    route_blocks_.clear();
    for (const Prefix& p : nlri) {
      route_blocks_.push_back(p.family() == Family::kV4
                                  ? v4_.prefetch(V4Route::make_key(p, peer))
                                  : v6_.prefetch(V6Route::make_key(p, peer)));
    }
    PathId path = paths_.intern(lookup);
    for (size_t i = 0; i < nlri.size(); ++i) {
      const Prefix& p = nlri[i];
      if (p.family() == Family::kV4) {
        insert(v4_, peer, p, path, route_blocks_[i], stats);
      } else {
        insert(v6_, peer, p, path, route_blocks_[i], stats);
      }
    }
  };
  // RFC 4271 9.1 / RFC 4760 section 4: withdrawals are processed first.
  for (const Prefix& p : update.withdrawn) withdraw_one(p);
  const PathAttributes& attrs = update.attributes;
  if (attrs.mp_unreach) {
    for (const Prefix& p : attrs.mp_unreach->withdrawn) withdraw_one(p);
  }
  insert_all(update.nlri, attrs.next_hop.value_or(IpAddress()));
  if (attrs.mp_reach) {
    // RFC 4760 section 3 / RFC 2545 section 3: the first next hop is the
    // global one (a second, link-local, one is not kept).
    const std::vector<IpAddress>& hops = attrs.mp_reach->next_hops;
    insert_all(attrs.mp_reach->nlri, hops.empty() ? IpAddress() : hops.front());
  }
  return stats;
}

template <typename R>
size_t AdjRibIn::Impl::remove_where(RouteIndex<R>& index, PeerIndex peer, bool stale_only) {
  struct Gone {
    Prefix prefix;
    std::optional<uint32_t> origin;
  };
  std::vector<Gone> events;  // sent once the index is consistent again
  bool watched = watching(R::kFamily);
  size_t removed = index.remove_if([&](R& r) {
    auto key = r.key();
    if (R::peer(key) != peer || (stale_only && !(r.path & kStaleBit))) return false;
    PathId path = r.path & kPathMask;
    if (watched) events.push_back({prefix_of<R>(key), paths_.origin_as(path)});
    paths_.release(path);
    return true;
  });
  if (removed != 0) counter(peer, R::kFamily) -= static_cast<uint32_t>(removed);
  for (const Gone& g : events) {
    notify(OriginEvent::Kind::kWithdrawn, g.prefix, peer, g.origin, std::nullopt);
  }
  return removed;
}

template <typename R>
size_t AdjRibIn::Impl::mark_stale(RouteIndex<R>& index, PeerIndex peer) {
  if (count(peer, family_slot(R::kFamily)) == 0) return 0;
  size_t marked = 0;
  index.for_each_mut([&](R& r) {
    if (R::peer(r.key()) != peer) return;
    r.path |= kStaleBit;
    marked++;
  });
  return marked;
}

// Appends to `out` the routes from key `from` on: within `within` (its
// more-specifics, or only itself when `exact`), or all when null. Returns
// whether more matched than `limit` allowed.
template <typename R>
bool AdjRibIn::Impl::collect(const RouteIndex<R>& index, const typename R::Key& from,
                             const Prefix* within, bool exact, std::optional<PeerIndex> peer,
                             size_t limit, std::vector<RouteEntry>& out) const {
  bool truncated = false;
  u128 last = within ? within->last() : 0;
  index.for_each_from(from, [&](const R& r) {
    auto key = r.key();
    if (within) {
      u128 addr = R::address(key);
      int len = R::length(key);
      if (exact ? (addr != within->network() || len != within->length()) : addr > last) {
        return false;
      }
      if (len < within->length()) return true;  // a covering route: not canonical here
    }
    if (peer && R::peer(key) != *peer) return true;
    if (out.size() >= limit) {
      truncated = true;
      return false;
    }
    RouteEntry& e = out.emplace_back();
    e.prefix = prefix_of<R>(key);
    e.peer = R::peer(key);
    paths_.decode(r.path & kPathMask, e);
    e.stale = (r.path & kStaleBit) != 0;
    return true;
  });
  return truncated;
}

size_t AdjRibIn::Impl::memory_bytes() const {
  size_t bytes = heap_size(sizeof(Impl)) + paths_.memory_bytes() + v4_.memory_bytes() +
                 v6_.memory_bytes() + heap_size(counts_.capacity() * sizeof(counts_[0])) +
                 heap_size(route_blocks_.capacity() * sizeof(size_t));
  for (const WatchSet& w : watches_) bytes += heap_size(w.prefixes.capacity() * sizeof(Prefix));
  return bytes;
}

// ---- AdjRibIn ---------------------------------------------------------------

AdjRibIn::AdjRibIn(uint32_t local_as) : impl_(std::make_unique<Impl>(local_as)) {}
AdjRibIn::~AdjRibIn() = default;
AdjRibIn::AdjRibIn(AdjRibIn&&) noexcept = default;
AdjRibIn& AdjRibIn::operator=(AdjRibIn&&) noexcept = default;

AdjRibIn::ApplyStats AdjRibIn::apply(PeerIndex peer, const Update& update) {
  return impl_->apply(peer, update);
}

size_t AdjRibIn::remove_peer(PeerIndex peer) {
  return impl_->remove_where(impl_->v4_, peer, false) +
         impl_->remove_where(impl_->v6_, peer, false);
}

size_t AdjRibIn::mark_stale(PeerIndex peer) {
  return impl_->mark_stale(impl_->v4_, peer) + impl_->mark_stale(impl_->v6_, peer);
}

size_t AdjRibIn::sweep_stale(PeerIndex peer) {
  return impl_->remove_where(impl_->v4_, peer, true) + impl_->remove_where(impl_->v6_, peer, true);
}

size_t AdjRibIn::size() const { return impl_->v4_.size() + impl_->v6_.size(); }

size_t AdjRibIn::count(PeerIndex peer) const { return impl_->count(peer, 0) + impl_->count(peer, 1); }

size_t AdjRibIn::count(PeerIndex peer, Family family) const {
  return impl_->count(peer, family_slot(family));
}

size_t AdjRibIn::path_count() const { return impl_->paths_.size(); }

std::vector<RouteEntry> AdjRibIn::routes(const Prefix& prefix, bool more_specifics,
                                         std::optional<PeerIndex> peer, size_t limit,
                                         bool* truncated) const {
  std::vector<RouteEntry> out;
  bool more;
  if (prefix.family() == Family::kV4) {
    more = impl_->collect(impl_->v4_, V4Route::make_key(prefix, 0), &prefix, !more_specifics, peer,
                          limit, out);
  } else {
    more = impl_->collect(impl_->v6_, V6Route::make_key(prefix, 0), &prefix, !more_specifics, peer,
                          limit, out);
  }
  if (truncated) *truncated = more;
  return out;
}

std::vector<RouteEntry> AdjRibIn::all_routes(std::optional<PeerIndex> peer, size_t limit,
                                             bool* truncated) const {
  std::vector<RouteEntry> out;
  bool more = impl_->collect(impl_->v4_, V4Route::Key{}, nullptr, false, peer, limit, out) ||
              impl_->collect(impl_->v6_, V6Route::Key{}, nullptr, false, peer, limit, out);
  if (truncated) *truncated = more;
  return out;
}

void AdjRibIn::set_listener(Listener listener) { impl_->listener_ = std::move(listener); }

void AdjRibIn::watch(const Prefix& prefix) {
  auto& watches = impl_->watches_[family_slot(prefix.family())];
  if (watches.contains(prefix)) return;
  watches.add(prefix);
  if (!impl_->listener_) return;
  // The routes already there are reported as added, so a watcher starts
  // from the whole picture, not only from what changes next.
  for (const RouteEntry& r : routes(prefix, true, std::nullopt, SIZE_MAX)) {
    OriginEvent e;
    e.kind = OriginEvent::Kind::kAdded;
    e.watched = prefix;
    e.prefix = r.prefix;
    e.peer = r.peer;
    e.new_origin_as = r.origin_as;
    impl_->listener_(e);
  }
}

void AdjRibIn::unwatch(const Prefix& prefix) {
  impl_->watches_[family_slot(prefix.family())].remove(prefix);
}

size_t AdjRibIn::memory_bytes() const { return impl_->memory_bytes(); }

}  // namespace byoipd::bgp
