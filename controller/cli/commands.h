// byoipctl's command line: one subcommand per API operation (CLI11), the
// global connection and output options, and the exit-code contract (see
// the kExit constants in client.h).
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client.h"

namespace byoipctl {

// Where an invocation reads its environment and writes its output, and how it
// reaches the server; tests substitute an environment map, string streams
// and a fake Api.
struct Invocation {
  Environment env = process_environment();
  std::function<std::unique_ptr<Api>(const Settings&, int timeout_seconds)> connect =
      make_curl_api;
  std::ostream* out = nullptr;  // REQUIRES: set
  std::ostream* err = nullptr;  // REQUIRES: set
};

// Runs one command line (`args` without the program name) and returns the
// exit code.
int run_byoipctl(const std::vector<std::string>& args, const Invocation& invocation);

// "KEY=VALUE" -> {KEY, VALUE}. The key must be non-empty; the value may be
// empty and may contain '='.
Parsed<std::pair<std::string, std::string>> parse_tag(std::string_view text);
// Several K=V into a JSON object; a key given twice is refused.
Parsed<Json> parse_tags(const std::vector<std::string>& items);

}  // namespace byoipctl
