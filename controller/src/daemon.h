// byoipd: the long-running controller. Wires config, the durable store, the
// IPAM service, the HTTP API, audit log, metrics and alarms onto one Asio
// event loop (the control plane), plus the store's writer thread and the
// webhook thread.
#pragma once

#include <memory>
#include <string>

#include "byoipd/common/status.h"
#include "byoipd/controller/config.h"

namespace byoipd::controller {

struct DaemonOptions {
  std::string config_path;
  // Test hook: listen on this port instead of the configured one (0 = as
  // configured). Lets tests pick a free port at run time.
  int port_override = -1;
};

// Runs until SIGTERM/SIGINT (exit code 0 after a clean shutdown) or a fatal
// start-up error (1, with the reason on stderr).
int run_daemon(const Config& config, const DaemonOptions& options);

}  // namespace byoipd::controller
