// The Validator with a JSON file source: load, refresh on change, a
// malformed file keeps the last good set, and a source that stops
// refreshing turns the state stale (fail closed) without new data arriving.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "byoipd/rpki/validator.h"

namespace byoipd::rpki {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

template <typename F>
bool eventually(F f, std::chrono::milliseconds limit = 10s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return f();
}

void write(const fs::path& path, const std::string& text) {
  fs::path tmp = path.string() + ".tmp";
  std::ofstream(tmp) << text;
  fs::rename(tmp, path);
}

Validation::State state_of(const Validator& v, const char* prefix, uint32_t asn) {
  auto table = v.table();
  if (!table) return Validation::kNotFound;
  return table->validate_state(*Prefix::parse(prefix), asn);
}

TEST(ValidatorJson, LoadsRefreshesKeepsLastGoodAndTurnsStale) {
  fs::path dir = fs::temp_directory_path() / ("byoipd-vjson-" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::path file = dir / "vrps.json";
  write(file, R"({"roas":[{"asn":"AS64500","prefix":"192.0.2.0/24","maxLength":24,"ta":"t"}]})");
  RpkiConfig config;
  JsonSourceConfig json;
  json.name = "file";
  json.location = file.string();
  json.refresh_seconds = 1;
  json.expire_seconds = 3;
  config.json.push_back(json);
  auto started = Validator::start(config);
  ASSERT_TRUE(started.ok()) << started.status().message();
  Validator& v = **started;
  ASSERT_TRUE(eventually([&] { return v.status().state == "ok"; }));
  EXPECT_EQ(state_of(v, "192.0.2.0/24", 64500), Validation::kValid);
  EXPECT_EQ(state_of(v, "192.0.2.0/24", 64501), Validation::kInvalid);

  // A changed file is picked up at the next refresh.
  std::this_thread::sleep_for(20ms);  // a new mtime
  write(file, R"({"roas":[{"asn":64501,"prefix":"192.0.2.0/24","maxLength":24,"ta":"t"}]})");
  ASSERT_TRUE(eventually([&] { return state_of(v, "192.0.2.0/24", 64501) == Validation::kValid; }));

  // A malformed file keeps the last good set and says why.
  write(file, "{not json");
  ASSERT_TRUE(eventually([&] { return v.status().sources[0].state == "error"; }));
  EXPECT_FALSE(v.status().sources[0].last_error.empty());
  EXPECT_EQ(state_of(v, "192.0.2.0/24", 64501), Validation::kValid);

  // Nothing good for longer than expire: stale, the last table kept.
  fs::remove(file);
  ASSERT_TRUE(eventually([&] { return v.stale(); }, 8s));
  RpkiStatus s = v.status();
  EXPECT_EQ(s.state, "stale");
  EXPECT_TRUE(s.sources[0].stale);
  EXPECT_EQ(s.vrps, 1u);

  // Good data again: fresh.
  write(file, R"({"roas":[{"asn":64502,"prefix":"192.0.2.0/24","maxLength":24,"ta":"t"}]})");
  ASSERT_TRUE(eventually([&] { return !v.stale() && v.status().state == "ok"; }));
  EXPECT_EQ(state_of(v, "192.0.2.0/24", 64502), Validation::kValid);
  started->reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace byoipd::rpki
