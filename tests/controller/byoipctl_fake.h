// A fake byoipd for byoipctl tests: canned answers per "METHOD path?query",
// a record of the requests sent, and run() for a whole command line.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "client.h"
#include "commands.h"

namespace byoipctl {

inline Environment env_of(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

class FakeApi : public Api {
 public:
  // Answers "METHOD path?query" with `body` and `status`.
  void on(const std::string& request, int status, Json body) {
    replies_[request] = ApiResponse{status, body, body.dump(), ""};
  }
  ApiResponse call(std::string_view method, const std::string& path, const Json* body) override {
    std::string request = std::string(method) + " " + path;
    calls.push_back(request);
    bodies.push_back(body ? *body : Json());
    auto it = replies_.find(request);
    if (it != replies_.end()) return it->second;
    if (transport_error) return ApiResponse{0, Json(), "", "cannot reach http://x: refused"};
    Json err{{"error",
              {{"code", "no-such-route"}, {"message", "unexpected " + request}, {"request_id", "r"}}}};
    return ApiResponse{404, err, err.dump(), ""};
  }
  std::vector<std::string> calls;
  std::vector<Json> bodies;
  bool transport_error = false;

 private:
  std::map<std::string, ApiResponse> replies_;
};

struct Outcome {
  int code;
  std::string out, err;
  Settings settings;
};

inline Outcome run(FakeApi& api, std::vector<std::string> args,
        std::map<std::string, std::string> env = {{"BYOIPCTL_TOKEN", "t"}}) {
  std::ostringstream out, err;
  Outcome r;
  Invocation inv;
  inv.env = env_of(env);
  inv.out = &out;
  inv.err = &err;
  inv.connect = [&api, &r](const Settings& s, int) -> std::unique_ptr<Api> {
    r.settings = s;
    struct Forward : Api {
      FakeApi* to;
      ApiResponse call(std::string_view m, const std::string& p, const Json* b) override {
        return to->call(m, p, b);
      }
    };
    auto f = std::make_unique<Forward>();
    f->to = &api;
    return f;
  };
  r.code = run_byoipctl(args, inv);
  r.out = out.str();
  r.err = err.str();
  return r;
}

}  // namespace byoipctl
