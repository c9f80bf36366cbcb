#include "ec2_xml.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>

#include "ec2_model.h"

namespace byoipd::aws {

namespace {

constexpr std::string_view kProlog = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence at s[i] (its code point in `cp`),
// or 0.
size_t utf8_sequence(std::string_view s, size_t i, uint32_t& cp) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (n == 0 || c > 0xF4 || i + n > s.size()) return 0;
  cp = c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
bool is_xml_char(uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || cp >= 0x10000;
}

Status shape_error(const std::string& path, const std::string& what) {
  return Status(Code::kInternal, "ec2-output-shape", "EC2 output " + path + ": " + what);
}

// Writes one value of `shape` as the content of an element.
class XmlWriter {
 public:
  explicit XmlWriter(std::string& out) : out_(out) {}

  Status members(const Json& shape, const Json& value, const std::string& path) {
    if (!value.is_object()) return shape_error(path, "expected an object, got " + value.dump());
    const Json& members = shape.at("members");
    for (const auto& [name, v] : value.items()) {
      std::string member_path = path.empty() ? name : path + "." + name;
      auto ref = members.find(name);
      if (ref == members.end()) return shape_error(member_path, "not a member of " + shape_name_of(shape));
      if (v.is_null()) continue;
      std::string element = ref->value("locationName", name);
      if (Status s = element_of(ec2_shape(ref->at("shape").get<std::string>()), element, v, member_path);
          !s.ok()) {
        return s;
      }
    }
    return Status();
  }

 private:
  static std::string shape_name_of(const Json& shape) {
    for (const auto& [name, s] : ec2_model().at("shapes").items()) {
      if (&s == &shape) return name;
    }
    return "its shape";
  }

  Status element_of(const Json& shape, const std::string& element, const Json& v,
                    const std::string& path) {
    const std::string& type = shape.at("type").get_ref<const std::string&>();
    if (type == "list") {
      if (!v.is_array()) return shape_error(path, "expected an array, got " + v.dump());
      if (v.empty()) {
        out_ += "<" + element + "/>";
        return Status();
      }
      out_ += "<" + element + ">";
      const Json& member = ec2_shape(shape.at("member").at("shape").get<std::string>());
      for (size_t i = 0; i < v.size(); ++i) {
        if (v[i].is_null()) return shape_error(path + "[" + std::to_string(i) + "]", "null list element");
        if (Status s = element_of(member, "item", v[i], path + "[" + std::to_string(i) + "]"); !s.ok()) {
          return s;
        }
      }
      out_ += "</" + element + ">";
      return Status();
    }
    out_ += "<" + element + ">";
    Status s = type == "structure" ? members(shape, v, path) : scalar(shape, type, v, path);
    if (!s.ok()) return s;
    out_ += "</" + element + ">";
    return Status();
  }

  static bool in_model_range(const Json& shape, double v) {
    if (auto mn = shape.find("min"); mn != shape.end() && v < mn->get<double>()) return false;
    if (auto mx = shape.find("max"); mx != shape.end() && v > mx->get<double>()) return false;
    return true;
  }

  Status scalar(const Json& shape, const std::string& type, const Json& v, const std::string& path) {
    if (type == "boolean") {
      if (!v.is_boolean()) return shape_error(path, "expected a boolean, got " + v.dump());
      out_ += v.get<bool>() ? "true" : "false";
    } else if (type == "integer" || type == "long") {
      if (!v.is_number_integer()) return shape_error(path, "expected an integer, got " + v.dump());
      bool fits = v.is_number_unsigned()
                      ? v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
                      : true;
      int64_t n = fits ? v.get<int64_t>() : 0;
      if (type == "integer") {
        fits = fits && n >= std::numeric_limits<int32_t>::min() && n <= std::numeric_limits<int32_t>::max();
      }
      if (!fits || !in_model_range(shape, static_cast<double>(n))) {
        return shape_error(path, "integer " + v.dump() + " out of range");
      }
      out_ += std::to_string(n);
    } else if (type == "double" || type == "float") {
      if (!v.is_number()) return shape_error(path, "expected a number, got " + v.dump());
      char buf[64];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.get<double>());
      out_.append(buf, ec == std::errc() ? end : buf);
    } else {
      // string, timestamp (ISO 8601 text), blob (base64 text).
      if (!v.is_string()) return shape_error(path, "expected a string, got " + v.dump());
      const std::string& text = v.get_ref<const std::string&>();
      if (auto en = shape.find("enum"); en != shape.end() &&
                                        std::find(en->begin(), en->end(), text) == en->end()) {
        return shape_error(path, "\"" + text + "\" is not one of " + en->dump());
      }
      out_ += xml_escape(text);
    }
    return Status();
  }

  std::string& out_;
};

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    size_t n = utf8_sequence(text, i, cp);
    if (n == 0 || !is_xml_char(cp)) {
      out += kReplacement;  // one per malformed byte, or per disallowed character
      i += n == 0 ? 1 : n;
      continue;
    }
    switch (text[i]) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\r': out += "&#13;"; break;  // kept: a parser turns a raw CR into LF
      default: out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

Result<std::string> ec2_response_xml(std::string_view action, const Json& output,
                                     std::string_view request_id) {
  const Json* op = ec2_operation(action);
  if (op == nullptr) return shape_error(std::string(action), "not an action of the EC2 model");
  std::string root = std::string(action) + "Response";
  std::string out(kProlog);
  out += "<" + root + " xmlns=\"" + ec2_model().at("xml_namespace").get<std::string>() + "/\">";
  out += "<requestId>" + xml_escape(request_id) + "</requestId>";
  const Json& output_shape = op->at("output");
  if (output_shape.is_null()) {
    if (!output.is_null() && !(output.is_object() && output.empty())) {
      return shape_error(std::string(action), "has no output members, got " + output.dump());
    }
    out += "<return>true</return>";
  } else {
    Json empty = Json::object();
    XmlWriter writer(out);
    if (Status s = writer.members(ec2_shape(output_shape.get<std::string>()),
                                  output.is_null() ? empty : output, "");
        !s.ok()) {
      return s;
    }
  }
  out += "</" + root + ">";
  return out;
}

std::string ec2_error_xml(const AwsError& e, std::string_view request_id) {
  std::string out(kProlog);
  out += "<Response><Errors><Error><Code>" + xml_escape(e.code) + "</Code><Message>" +
         xml_escape(e.message) + "</Message></Error></Errors><RequestID>" + xml_escape(request_id) +
         "</RequestID></Response>";
  return out;
}

}  // namespace byoipd::aws
