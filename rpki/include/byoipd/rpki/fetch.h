// Fetching a VRP or SLURM file: a local path, file://, or http(s):// with
// libcurl, conditional on what the last fetch saw (ETag / Last-Modified), with
// a timeout and a size limit. Blocking: callers run it off their event loop.
#pragma once

#include <cstddef>
#include <string>

#include "byoipd/common/status.h"

namespace byoipd::rpki {

struct FetchRequest {
  std::string location;       // "/var/lib/rpki-client/json", "file:///...", "https://..."
  std::string etag;           // from the last 200, sent as If-None-Match
  std::string last_modified;  // from the last 200, sent as If-Modified-Since
  long timeout_ms = 30000;     // whole transfer
  size_t max_bytes = 512u << 20;  // a global rpki-client json is ~100 MB
};

struct Fetched {
  bool not_modified = false;  // 304, or a file whose mtime+size did not change
  std::string body;
  std::string etag;           // to send next time ("" when none)
  std::string last_modified;  // likewise (for files: "mtime:size")
  long http_status = 0;       // 0 for files
};

// Fails with "fetch-failed" (unreachable, timeout, HTTP status other than 200
// and 304, unreadable file) or "fetch-too-large", naming the location.
Result<Fetched> fetch(const FetchRequest& request);

}  // namespace byoipd::rpki
