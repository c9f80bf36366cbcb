#include <algorithm>

#include "byoipd/rpki/rtr_client.h"

namespace byoipd::rpki::rtr {

void SourceSet::add(SourceId source, uint32_t preference) {
  auto it = std::find_if(caches_.begin(), caches_.end(),
                         [&](const Cache& c) { return c.source == source; });
  if (it != caches_.end()) {
    it->preference = preference;
  } else {
    caches_.push_back(Cache{source, preference, Health::kNoData});
  }
  reselect();
}

void SourceSet::remove(SourceId source) {
  std::erase_if(caches_, [&](const Cache& c) { return c.source == source; });
  reselect();
}

bool SourceSet::set_health(SourceId source, Health health) {
  for (Cache& c : caches_) {
    if (c.source == source) c.health = health;
  }
  return reselect();
}

SourceSet::Health SourceSet::overall() const {
  Health out = Health::kNoData;
  for (const Cache& c : caches_) {
    if (c.health == Health::kFresh) return Health::kFresh;
    if (c.health == Health::kStale) out = Health::kStale;
  }
  return out;
}

// RFC 8210 section 10: lower preference values are more preferred.
bool SourceSet::reselect() {
  const Cache* best = nullptr;
  for (const Cache& c : caches_) {
    if (c.health != Health::kFresh) continue;
    if (best == nullptr || c.preference < best->preference ||
        (c.preference == best->preference && c.source < best->source)) {
      best = &c;
    }
  }
  std::optional<SourceId> selected;
  if (best != nullptr) selected = best->source;
  bool changed = selected != selected_;
  selected_ = selected;
  return changed;
}

}  // namespace byoipd::rpki::rtr
