// The RPKI validator at run time: RTR caches, VRP JSON files (path or URL)
// and a SLURM file, merged with provenance into one VrpTable that callers
// validate against.
//
// A Validator runs on its own thread (RTR sessions on an Asio loop, file
// fetches on a worker) and publishes each new merged table atomically
// (VrpStore), so a lookup never sees half a set. Every public method is
// thread-safe.
//
// Merging: each source keeps its last good VRPs; the published table is the
// union of the sources that are not past their expire interval, with the
// SLURM filters applied and its assertions added (RFC 8416 section 4). A
// source past expire is left out (RFC 8210 section 6); when every source is,
// the last table stays published and the state is `stale`: callers must
// treat stale data as unable to prove anything Valid (fail closed).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "byoipd/common/ip.h"
#include "byoipd/common/status.h"
#include "byoipd/rpki/vrp_table.h"

namespace byoipd::rpki {

struct RtrCacheConfig {
  std::string name;   // unique among sources; [A-Za-z0-9_.-]
  IpAddress address;
  uint16_t port = 323;
  uint8_t preference = 100;  // RFC 8210 section 10: lower is preferred
  uint8_t max_version = 1;   // 1 (RFC 8210), or 0 to speak RFC 6810 only
  // Used until the cache's End of Data (version 1) gives its own.
  uint32_t refresh_seconds = 3600;
  uint32_t retry_seconds = 600;
  uint32_t expire_seconds = 7200;
  // Local policy: stale this long after the last sync whatever the cache
  // says (1..172800 s; below RFC 8210's 600 s only for labs and tests).
  std::optional<uint32_t> expire_override;
};

struct JsonSourceConfig {
  std::string name;
  std::string location;  // a path, file://, http:// or https://
  uint32_t refresh_seconds = 600;
  uint32_t expire_seconds = 7200;  // stale this long after the last good fetch
  uint32_t timeout_seconds = 60;
  uint64_t max_bytes = 512ull << 20;
};

struct RpkiConfig {
  std::vector<RtrCacheConfig> rtr;
  std::vector<JsonSourceConfig> json;
  std::string slurm;  // a SLURM file (path or URL); empty: none
  uint32_t slurm_refresh_seconds = 60;
};

// Names the first rule a config breaks (no source at all, duplicate names,
// expire not above refresh and retry, ...).
Status validate(const RpkiConfig& config);

struct SourceStatus {
  std::string name;
  std::string kind;      // "rtr", "json", "slurm"
  std::string location;  // "127.0.0.1:8282", a path or URL
  std::string state;     // rtr: the client state; json/slurm: "ok", "error", "pending"
  std::optional<uint16_t> session_id;  // rtr
  std::optional<uint32_t> serial;      // rtr
  std::optional<uint8_t> version;      // rtr, once agreed
  // rtr: whether this is the cache whose VRPs are published, the most
  // preferred fresh one (RFC 8210 section 10); empty for json and slurm.
  std::optional<bool> selected;
  std::optional<std::chrono::system_clock::time_point> last_update;  // last good data
  size_t vrps_v4 = 0;
  size_t vrps_v6 = 0;
  bool stale = false;     // past its expire interval
  std::string last_error;
};

struct RpkiStatus {
  // "ok" (some source is fresh), "syncing" (none has delivered yet) or
  // "stale" (every source is past expire).
  std::string state;
  std::vector<SourceStatus> sources;
  size_t vrps = 0;          // in the published table
  size_t table_bytes = 0;
  uint64_t table_version = 0;  // increases with every published table
  std::optional<std::chrono::system_clock::time_point> published;
  size_t slurm_filtered = 0;
  size_t slurm_added = 0;
};

class Validator {
 public:
  static Result<std::unique_ptr<Validator>> start(RpkiConfig config);
  ~Validator();
  Validator(const Validator&) = delete;
  Validator& operator=(const Validator&) = delete;

  std::shared_ptr<const VrpTable> table() const;
  bool stale() const;   // see RpkiStatus::state
  bool synced() const;  // some source has delivered
  RpkiStatus status() const;

 private:
  class Impl;
  explicit Validator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace byoipd::rpki
