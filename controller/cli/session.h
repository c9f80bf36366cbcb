// Internals of byoipctl's command line shared by the command files
// (commands.cc, commands_bgp.cc, commands_rpki.cc): the parsed global flags,
// the Session a command runs in, and the registry of leaf subcommands. Not a
// public header.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "client.h"
#include "commands.h"
#include "render.h"

namespace byoipctl {

struct GlobalFlags {
  ConnectionFlags connection;
  std::string output = "table";
  int timeout = kDefaultTimeoutSeconds;
  std::optional<std::string> client_token;
};

// List paging: without --limit every page is fetched.
struct Paging {
  std::optional<int> limit;
  std::optional<std::string> next_token;
  bool all = false;
};

struct Reply {
  int code = kExitOk;
  Json body;
};

// One invocation after parsing: settings, the API, and the output streams.
class Session {
 public:
  Session(const Invocation& inv, const GlobalFlags& flags, Settings settings)
      : inv_(inv), flags_(flags), settings_(std::move(settings)) {}

  bool json() const { return flags_.output == "json"; }
  std::ostream& out() { return *inv_.out; }

  Reply call(std::string_view method, const std::string& path, const Json* body = nullptr) {
    if (!api_) api_ = inv_.connect(settings_, flags_.timeout);
    ApiResponse r = api_->call(method, path, body);
    Reply reply{exit_code_for(r), std::move(r.body)};
    if (!r.error.empty() || r.status == 0) {
      err() << "byoipctl: " << (r.error.empty() ? "no answer from " + settings_.endpoint : r.error)
            << "\n";
    } else if (reply.code != kExitOk && !raw_ok_) {
      err() << error_line(r.status, reply.body, r.text) << "\n";
      if (r.status == 401 && settings_.token.empty()) {
        err() << "byoipctl: hint: no token was given; use --token, BYOIPCTL_TOKEN or 'token:' in "
              << (settings_.config_path.empty() ? "~/.config/byoipctl/config.yaml"
                                                : settings_.config_path)
              << "\n";
      }
    }
    if (reply.body.is_null() && reply.code == kExitOk) reply.body = Json(r.text);
    return reply;
  }

  // GETs the pages of a list into `items`; `last` gets the last page and
  // `next` its next_token.
  int fetch(const std::string& path, const Query& query, const char* key, const Paging& paging,
            Json& items, Json* last = nullptr, std::optional<std::string>* next = nullptr) {
    std::optional<std::string> token = paging.next_token;
    std::set<std::string> seen;
    while (true) {
      Query page = query;
      page.add("limit", std::to_string(paging.limit.value_or(1000)));
      page.add_if("next_token", token);
      Reply r = call("GET", path + page.str());
      if (r.code != kExitOk) return r.code;
      if (r.body.contains(key) && r.body[key].is_array()) {
        for (auto& item : r.body[key]) items.push_back(std::move(item));
      }
      const Json& t = r.body.contains("next_token") ? r.body["next_token"] : Json();
      token = t.is_string() ? std::optional(t.get<std::string>()) : std::nullopt;
      if (last) *last = std::move(r.body);
      if (!token || (paging.limit && !paging.all)) break;
      if (!seen.insert(*token).second) {
        err() << "byoipctl: the server returned next_token '" << *token << "' twice; stopping\n";
        return kExitOther;
      }
    }
    if (next) *next = token;
    return kExitOk;
  }

  int list(const std::string& path, const Query& query, const char* key, ListKind kind,
           const Paging& paging) {
    Json items = Json::array();
    Json last;
    std::optional<std::string> next;
    if (int code = fetch(path, query, key, paging, items, &last, &next); code != kExitOk) {
      return code;
    }
    if (json()) {
      last[key] = std::move(items);
      last["next_token"] = next ? Json(*next) : Json(nullptr);
      return print_json(last);
    }
    out() << render_list(kind, items);
    if (next) err() << "(more: --next-token " << *next << ")\n";
    return kExitOk;
  }

  // Sends a request answered by {key: object}; prints the object.
  int object(std::string_view method, const std::string& path, const Json* body, const char* key) {
    Reply r = call(method, path, body);
    if (r.code != kExitOk) return r.code;
    if (json()) return print_json(r.body);
    out() << render_object(r.body.contains(key) ? r.body[key] : r.body);
    return kExitOk;
  }

  // Sends a request answered by {key: "value"}; prints "<verb> <value>".
  int done(std::string_view method, const std::string& path, const Json* body, const char* key,
           const char* verb) {
    Reply r = call(method, path, body);
    if (r.code != kExitOk) return r.code;
    if (json()) return print_json(r.body);
    out() << verb << " " << cell_text(r.body.value(key, Json())) << "\n";
    return kExitOk;
  }

  int print_json(const Json& body) {
    out() << body.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
    return kExitOk;
  }

  int usage(const std::string& message) {
    err() << "byoipctl: " << message << "\n";
    return kExitUsage;
  }

  void add_client_token(Json& body) const {
    if (flags_.client_token) body["client_token"] = *flags_.client_token;
  }

  // /healthz and /metrics answer outside the API's error format: the
  // command reports their failures itself.
  void expect_raw() { raw_ok_ = true; }
  std::ostream& err() { return *inv_.err; }

 private:
  const Invocation& inv_;
  const GlobalFlags& flags_;
  Settings settings_;
  std::unique_ptr<Api> api_;
  bool raw_ok_ = false;
};

using Action = std::function<int(Session&)>;

// Leaf subcommands and what each runs.
class Commands {
 public:
  // `idempotent`: the operation honours --client-token.
  CLI::App* leaf(CLI::App* parent, const char* name, const char* description, Action action,
                 bool idempotent = false) {
    CLI::App* app = parent->add_subcommand(name, description);
    entries_[app] = Entry{std::move(action), idempotent};
    return app;
  }
  struct Entry {
    Action action;
    bool idempotent = false;
  };
  const Entry* find(const CLI::App* app) const {
    auto it = entries_.find(app);
    return it == entries_.end() ? nullptr : &it->second;
  }

 private:
  std::map<const CLI::App*, Entry> entries_;
};

inline CLI::App* group(CLI::App& app, const char* name, const char* description) {
  CLI::App* g = app.add_subcommand(name, description);
  g->require_subcommand(1);
  return g;
}


template <typename T>
void put(Json& body, const char* key, const std::optional<T>& value) {
  if (value) body[key] = *value;
}

inline std::string enc(const std::string& segment) { return percent_encode(segment); }

// The bgp command group (commands_bgp.cc).
void add_bgp(CLI::App& app, Commands& c);
// The rpki command group (commands_rpki.cc).
void add_rpki(CLI::App& app, Commands& c);

}  // namespace byoipctl
