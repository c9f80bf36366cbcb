// Argument helpers shared by the service's operation files.
#pragma once

#include <string>

#include "json_codec.h"

namespace byoipd::controller {

// A path parameter (e.g. "pool_id"); empty when absent.
inline std::string path_arg(const Json& args, const char* key) {
  auto it = args.find(key);
  return it != args.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The request body; an empty object when absent.
inline const Json& body_arg(const Json& args) {
  static const Json empty = Json::object();
  auto it = args.find("body");
  return it != args.end() && it->is_object() ? *it : empty;
}

// A query parameter; nullopt when absent.
inline std::optional<std::string> query_arg(const Json& args, const char* key) {
  auto q = args.find("query");
  if (q == args.end() || !q->is_object()) return std::nullopt;
  auto it = q->find(key);
  if (it == q->end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// Page size from ?limit= (1..1000, default 100 or `fallback`).
Result<size_t> limit_arg(const Json& args, size_t fallback = 100);

// {key: items[offset..offset+limit), "next_token": offset or null}; the
// token is the decimal offset of the next item.
Result<Json> paginate(std::vector<Json> items, const Json& args, const char* key);

}  // namespace byoipd::controller
