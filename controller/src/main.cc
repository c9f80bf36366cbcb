// byoipd: the controller daemon.
//
//   byoipd --config FILE          run
//   byoipd --check-config FILE    validate the file and exit (0 = valid)
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>

#include "byoipd/controller/config.h"
#include "daemon.h"

int main(int argc, char** argv) {
  // A closed stdout or log pipe must not kill the daemon: writes fail instead.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"byoipd: IPAM, BGP and RPKI controller for BYOIP prefixes"};
  std::string config_path;
  std::string check_path;
  int port = -1;
  app.add_option("-c,--config", config_path, "configuration file (YAML)");
  app.add_option("--check-config", check_path, "validate a configuration file and exit");
  app.add_option("--port", port, "listen on this API port instead of the configured one (0 = any free port)")
      ->check(CLI::Range(0, 65535));
  app.set_version_flag("--version", "byoipd 0.1.0");
  CLI11_PARSE(app, argc, argv);

  if (!check_path.empty()) {
    auto config = byoipd::controller::load_config(check_path);
    if (!config.ok()) {
      std::fprintf(stderr, "%s\n", config.status().message().c_str());
      return 1;
    }
    std::printf("%s: configuration is valid\n", check_path.c_str());
    return 0;
  }
  if (config_path.empty()) {
    std::fprintf(stderr, "byoipd: --config FILE is required (see examples/quickstart.yaml)\n");
    return 2;
  }
  auto config = byoipd::controller::load_config(config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", config.status().message().c_str());
    return 1;
  }
  return byoipd::controller::run_daemon(*config, {config_path, port});
}
