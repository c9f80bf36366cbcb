#include "ec2_query.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>

#include "ec2_model.h"

namespace byoipd::aws {

namespace {

AwsError error(std::string code, std::string message) {
  return AwsError{400, std::move(code), std::move(message)};
}

AwsError unknown_parameter(const std::string& name) {
  return error("UnknownParameter", "The parameter " + name + " is not recognized");
}

AwsError missing_parameter(const std::string& name) {
  return error("MissingParameter", "The request must contain the parameter " + name);
}

AwsError invalid_value(const std::string& name, const std::string& value,
                       const std::string& rule) {
  return error("InvalidParameterValue",
               "Value (" + value + ") for parameter " + name + " is invalid. " + rule);
}

// The name a member travels under (botocore EC2Serializer._get_serialized_name).
std::string wire_name(const std::string& member, const Json& ref) {
  if (auto q = ref.find("queryName"); q != ref.end()) return q->get<std::string>();
  if (auto l = ref.find("locationName"); l != ref.end()) {
    std::string name = l->get<std::string>();
    if (!name.empty() && name[0] >= 'a' && name[0] <= 'z') name[0] = static_cast<char>(name[0] - 32);
    return name;
  }
  return member;
}

bool is_scalar(const Json& shape) {
  const std::string& t = shape.at("type").get_ref<const std::string&>();
  return t != "structure" && t != "list" && t != "map";
}

// A list index: 1, 2, ... in decimal without leading zeros.
std::optional<int64_t> list_index(std::string_view seg) {
  if (seg.empty() || seg.size() > 9 || seg[0] == '0') return std::nullopt;
  int64_t v = 0;
  for (char c : seg) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::string range_rule(const Json& shape, const char* what) {
  std::string rule = std::string("Expected ") + what;
  auto mn = shape.find("min");
  auto mx = shape.find("max");
  if (mn != shape.end() && mx != shape.end()) {
    rule += " from " + mn->dump() + " to " + mx->dump();
  } else if (mn != shape.end()) {
    rule += " of at least " + mn->dump();
  } else if (mx != shape.end()) {
    rule += " of at most " + mx->dump();
  }
  return rule + ".";
}

bool within_model_range(const Json& shape, double v) {
  if (auto mn = shape.find("min"); mn != shape.end() && v < mn->get<double>()) return false;
  if (auto mx = shape.find("max"); mx != shape.end() && v > mx->get<double>()) return false;
  return true;
}

size_t utf8_length(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// Converts the text of scalar parameter `name` to its JSON value.
std::optional<AwsError> convert_scalar(const Json& shape, const std::string& name,
                                       const std::string& text, Json& out) {
  const std::string& type = shape.at("type").get_ref<const std::string&>();
  if (type == "integer" || type == "long") {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    bool parsed = ec == std::errc() && end == text.data() + text.size() && !text.empty();
    int64_t lo = type == "integer" ? std::numeric_limits<int32_t>::min()
                                   : std::numeric_limits<int64_t>::min();
    int64_t hi = type == "integer" ? std::numeric_limits<int32_t>::max()
                                   : std::numeric_limits<int64_t>::max();
    if (!parsed || v < lo || v > hi || !within_model_range(shape, static_cast<double>(v))) {
      return invalid_value(name, text, range_rule(shape, "an integer"));
    }
    out = v;
  } else if (type == "double" || type == "float") {
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v) ||
        !within_model_range(shape, v)) {
      return invalid_value(name, text, range_rule(shape, "a number"));
    }
    out = v;
  } else if (type == "boolean") {
    if (text != "true" && text != "false") {
      return invalid_value(name, text, "Expected true or false.");
    }
    out = text == "true";
  } else {
    // string, timestamp, blob: kept as given.
    if (auto en = shape.find("enum"); en != shape.end()) {
      if (std::find(en->begin(), en->end(), text) == en->end()) {
        std::string values;
        for (const auto& v : *en) values += (values.empty() ? "" : ", ") + v.get<std::string>();
        return invalid_value(name, text, "Valid values: " + values + ".");
      }
    }
    if (type == "string" && !within_model_range(shape, static_cast<double>(utf8_length(text)))) {
      return invalid_value(name, text, range_rule(shape, "a length"));
    }
    out = text;
  }
  return std::nullopt;
}

// Stores one parameter into `raw`, the input being built: structures are
// objects keyed by member name, lists objects keyed by the decimal index
// (made arrays by finish()).
std::optional<AwsError> place(const Json& input_shape, const std::string& key,
                              const std::string& value, Json& raw) {
  const Json* shape = &input_shape;
  Json* node = &raw;
  size_t start = 0;
  while (true) {
    if (is_scalar(*shape)) return unknown_parameter(key);  // "Foo.Bar" with Foo a scalar
    size_t dot = key.find('.', start);
    std::string seg = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const std::string& type = shape->at("type").get_ref<const std::string&>();
    if (type == "structure") {
      const Json* ref = nullptr;
      for (const auto& [member, r] : shape->at("members").items()) {
        if (wire_name(member, r) == seg) {
          ref = &r;
          node = &(*node)[member];
          break;
        }
      }
      if (ref == nullptr) return unknown_parameter(key);
      shape = &ec2_shape(ref->at("shape").get<std::string>());
    } else if (type == "list") {
      if (!list_index(seg)) return unknown_parameter(key);
      node = &(*node)[seg];
      shape = &ec2_shape(shape->at("member").at("shape").get<std::string>());
    } else {
      return unknown_parameter(key);  // maps: not in the EC2 subset
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (!is_scalar(*shape)) return unknown_parameter(key);  // "Filter" or "Filter.1" given a value
  if (!node->is_null()) {
    return invalid_value(key, value, "The parameter is given more than once.");
  }
  return convert_scalar(*shape, key, value, *node);
}

// Turns the list objects of `raw` into arrays (indices must be 1..N) and checks
// required members and list lengths. `prefix` is the wire name of `raw`.
std::optional<AwsError> finish(const Json& shape, const std::string& prefix, Json& raw) {
  const std::string& type = shape.at("type").get_ref<const std::string&>();
  if (type == "structure") {
    if (raw.is_null()) raw = Json::object();
    const Json& members = shape.at("members");
    std::string dotted = prefix.empty() ? "" : prefix + ".";
    if (auto req = shape.find("required"); req != shape.end()) {
      for (const auto& r : *req) {
        const std::string& member = r.get_ref<const std::string&>();
        if (!raw.contains(member)) return missing_parameter(dotted + wire_name(member, members.at(member)));
      }
    }
    for (auto& [member, value] : raw.items()) {
      const Json& ref = members.at(member);
      if (auto e = finish(ec2_shape(ref.at("shape").get<std::string>()),
                          dotted + wire_name(member, ref), value)) {
        return e;
      }
    }
  } else if (type == "list") {
    std::vector<std::pair<int64_t, Json*>> elems;
    for (auto& [index, value] : raw.items()) elems.emplace_back(*list_index(index), &value);
    std::sort(elems.begin(), elems.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    Json array = Json::array();
    const Json& member = ec2_shape(shape.at("member").at("shape").get<std::string>());
    for (size_t i = 0; i < elems.size(); ++i) {
      int64_t want = static_cast<int64_t>(i) + 1;
      if (elems[i].first != want) {
        std::string given = prefix + "." + std::to_string(elems[i].first);
        return error("InvalidParameterValue",
                     "The parameter " + given + " is out of sequence: " + prefix + "." +
                         std::to_string(want) + " is missing (list elements are numbered from 1 " +
                         "without gaps).");
      }
      if (auto e = finish(member, prefix + "." + std::to_string(want), *elems[i].second)) return e;
      array.push_back(std::move(*elems[i].second));
    }
    if (!within_model_range(shape, static_cast<double>(array.size()))) {
      return invalid_value(prefix, std::to_string(array.size()) + " elements",
                           range_rule(shape, "a number of elements"));
    }
    raw = std::move(array);
  }
  return std::nullopt;
}

ParseResult fail(AwsError e) { return ParseResult{std::nullopt, std::move(e)}; }

}  // namespace

ParseResult parse_ec2_request(const FormPairs& form) {
  const std::string* action = nullptr;
  const std::string* version = nullptr;
  for (const auto& [name, value] : form) {
    const std::string** slot = name == "Action" ? &action : name == "Version" ? &version : nullptr;
    if (slot == nullptr) continue;
    if (*slot != nullptr) return fail(invalid_value(name, value, "The parameter is given more than once."));
    *slot = &value;
  }
  if (action == nullptr || action->empty()) {
    return fail(error("MissingAction", "The request must contain the parameter Action"));
  }
  const Json* op = ec2_operation(*action);
  if (op == nullptr) {
    return fail(error("InvalidAction", "The action " + *action + " is not valid for this web service."));
  }
  if (version == nullptr) return fail(missing_parameter("Version"));
  if (*version != kEc2ApiVersion) {
    return fail(invalid_value("Version", *version,
                              "Expected " + std::string(kEc2ApiVersion) + "."));
  }

  const Json& input_shape = ec2_shape(op->at("input").get<std::string>());
  Json raw = Json::object();
  for (const auto& [name, value] : form) {
    if (name == "Action" || name == "Version") continue;
    if (auto e = place(input_shape, name, value, raw)) return fail(std::move(*e));
  }
  if (auto e = finish(input_shape, "", raw)) return fail(std::move(*e));
  return ParseResult{Ec2Request{*action, std::move(raw)}, AwsError{}};
}

}  // namespace byoipd::aws
