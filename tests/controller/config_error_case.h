// A config refusal case shared by the config tests: the YAML, the stable
// reason, and the message's start (position and key path) and parts (the
// offending value, what is allowed).
#pragma once

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "byoipd/controller/config.h"

namespace byoipd::controller::testing_config {

struct ErrorCase {
  const char* name;
  std::string yaml;
  const char* reason;
  // The message starts with this ("test.yaml:7:11: log.format: ")...
  const char* starts;
  // ...and contains each of these.
  std::vector<std::string> mentions;
  friend void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }
};

// Parses c.yaml as "test.yaml" and checks the refusal: invalid-argument with
// c.reason, one line starting with c.starts and naming every c.mentions.
// Returns the message.
inline std::string expect_refused(const ErrorCase& c) {
  Result<Config> r = parse_config(c.yaml, "test.yaml");
  EXPECT_FALSE(r.ok()) << "accepted:\n" << c.yaml;
  if (r.ok()) return "";
  const Status& s = r.status();
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.reason(), c.reason) << s.message();
  EXPECT_TRUE(s.message().starts_with(c.starts)) << s.message();
  EXPECT_EQ(s.message().find('\n'), std::string::npos) << s.message();
  for (const std::string& part : c.mentions) {
    EXPECT_NE(s.message().find(part), std::string::npos)
        << "message lacks \"" << part << "\": " << s.message();
  }
  return s.message();
}

}  // namespace byoipd::controller::testing_config
