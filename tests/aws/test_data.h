// Loading of the committed vectors in tests/aws/data.
#pragma once

#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace byoipd::aws::testing {

inline nlohmann::json load_test_data(const std::string& file) {
  std::ifstream in(std::string(BYOIPD_AWS_TEST_DATA) + "/" + file);
  EXPECT_TRUE(in.good()) << "cannot open " << file;
  return nlohmann::json::parse(in);
}

}  // namespace byoipd::aws::testing
