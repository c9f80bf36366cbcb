#include "byoipd/rpki/vrp_json.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

namespace byoipd::rpki {

std::string_view vrp_format_name(VrpFormat f) {
  switch (f) {
    case VrpFormat::kRpkiClient: return "rpki-client";
    case VrpFormat::kRoutinatorJson: return "routinator-json";
    case VrpFormat::kRoutinatorJsonExt: return "routinator-jsonext";
    case VrpFormat::kStayRtr: return "stayrtr";
    case VrpFormat::kUnknown: break;
  }
  return "unknown";
}

std::string VrpFinding::to_string() const {
  return "roas[" + std::to_string(index) + "] (line " + std::to_string(line) + ", byte " +
         std::to_string(offset) + "): " + std::string(error.reason()) + ": " + error.message();
}

namespace {

using json = nlohmann::json;

// A char iterator that publishes how far the lexer has read, so SAX events
// (which carry no position in nlohmann 3.11) can be placed in the text.
class TrackedIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  TrackedIterator() = default;
  TrackedIterator(const char* p, const char** cursor) : p_(p), cursor_(cursor) {}
  reference operator*() const { return *p_; }
  TrackedIterator& operator++() {
    *cursor_ = ++p_;
    return *this;
  }
  TrackedIterator operator++(int) {
    TrackedIterator old = *this;
    ++*this;
    return old;
  }
  friend bool operator==(const TrackedIterator& a, const TrackedIterator& b) {
    return a.p_ == b.p_;
  }

 private:
  const char* p_ = nullptr;
  const char** cursor_ = nullptr;
};

Status file_error(const char* reason, std::string message) {
  return Status(Code::kInvalidArgument, reason, std::move(message));
}

Status entry_error(const char* reason, std::string message) {
  return Status(Code::kInvalidArgument, reason, std::move(message));
}

// "AS13335", "as13335" or "13335" (StayRTR accepts all three).
std::optional<uint32_t> parse_asn_text(std::string_view s) {
  if (s.size() >= 2 && (s[0] == 'A' || s[0] == 'a') && (s[1] == 'S' || s[1] == 's')) {
    s.remove_prefix(2);
  }
  if (s.empty() || s.size() > 20) return std::nullopt;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v > 0xffffffffu) return std::nullopt;
  return static_cast<uint32_t>(v);
}

std::string quoted(std::string_view s) {
  constexpr size_t kMax = 64;  // keep messages short on hostile input
  std::string out = "\"";
  out.append(s.substr(0, kMax));
  if (s.size() > kMax) out += "...";
  return out + "\"";
}

enum class Field : uint8_t { kPrefix, kMaxLength, kAsn, kTa, kExpires, kSource, kOther };
enum class TopKey : uint8_t { kMetadata, kRoas, kOther };
enum class MetaKey : uint8_t {
  kGenerated, kGeneratedTime, kBuildTime, kBuildMachine, kValid, kCounts, kUniqueVrps,
  kRpkiClientOnly, kStayRtrOnly, kOther
};

Field field_of(std::string_view k) {
  if (k == "prefix") return Field::kPrefix;
  if (k == "maxLength") return Field::kMaxLength;
  if (k == "asn") return Field::kAsn;
  if (k == "ta") return Field::kTa;
  if (k == "expires") return Field::kExpires;
  if (k == "source") return Field::kSource;
  return Field::kOther;
}

MetaKey meta_key_of(std::string_view k) {
  if (k == "generated") return MetaKey::kGenerated;
  if (k == "generatedTime") return MetaKey::kGeneratedTime;
  if (k == "buildtime") return MetaKey::kBuildTime;
  if (k == "buildmachine") return MetaKey::kBuildMachine;
  if (k == "valid") return MetaKey::kValid;
  if (k == "counts") return MetaKey::kCounts;
  if (k == "uniquevrps") return MetaKey::kUniqueVrps;
  if (k == "elapsedtime" || k == "vrps" || k == "talfiles") return MetaKey::kRpkiClientOnly;
  if (k == "signature" || k == "signatureDate") return MetaKey::kStayRtrOnly;
  return MetaKey::kOther;
}

const char* field_name(Field f) {
  switch (f) {
    case Field::kPrefix: return "prefix";
    case Field::kMaxLength: return "maxLength";
    case Field::kAsn: return "asn";
    default: return "field";
  }
}

}  // namespace

// The SAX handler: a small state machine over the JSON event stream.
// Nested values nobody asked for are skipped by counting their depth.
class VrpJsonSax {
 public:
  VrpJsonSax(std::string_view text, SourceId source, const VrpJsonOptions& options)
      : text_(text), cursor_(text.data()), source_(source), options_(options) {}

  const char** cursor() { return &cursor_; }
  Result<VrpFile> finish(bool parsed);

  // nlohmann::json_sax interface.
  bool null() { return scalar(kNull, 0, {}); }
  bool boolean(bool) { return scalar(kBool, 0, {}); }
  bool number_integer(json::number_integer_t v) { return scalar(kNegative, 0, {}, v); }
  bool number_unsigned(json::number_unsigned_t v) { return scalar(kUnsigned, v, {}); }
  bool number_float(json::number_float_t, const json::string_t&) { return scalar(kFloat, 0, {}); }
  bool string(json::string_t& s) { return scalar(kString, 0, s); }
  bool binary(json::binary_t&) { return scalar(kNull, 0, {}); }
  bool start_object(std::size_t);
  bool end_object();
  bool start_array(std::size_t);
  bool end_array();
  bool key(json::string_t& k);
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex);

 private:
  enum State : uint8_t { kStart, kTop, kMetadata, kRoas, kEntry, kDone };
  enum Kind : uint8_t { kNull, kBool, kNegative, kUnsigned, kFloat, kString };

  bool scalar(Kind kind, uint64_t u, std::string_view s, int64_t i = 0);
  // Where the value now being reported starts: the first byte after the
  // previous event that is not whitespace or a comma.
  size_t value_start() const;
  void entry_value(Kind kind, uint64_t u, std::string_view s, int64_t i);
  void metadata_value(Kind kind, uint64_t u, std::string_view s, int64_t i);
  void begin_entry();
  void end_entry();
  void skip_entry(const char* reason, std::string message, size_t offset);
  void fail_entry(Status s) {
    if (entry_.error.ok()) entry_.error = std::move(s);
  }
  size_t line_of(size_t offset);
  size_t read_offset() const { return static_cast<size_t>(cursor_ - text_.data()); }
  bool fail(Status s) {
    error_ = std::move(s);
    return false;
  }

  std::string_view text_;
  const char* cursor_;
  SourceId source_;
  const VrpJsonOptions& options_;

  State state_ = kStart;
  int skip_ = 0;  // depth inside a value being skipped
  TopKey top_key_ = TopKey::kOther;
  MetaKey meta_key_ = MetaKey::kOther;
  Field field_ = Field::kOther;
  bool seen_roas_ = false;
  Status error_;
  VrpFile out_;

  // Format evidence.
  bool meta_rpki_client_ = false;
  bool meta_stayrtr_ = false;
  bool first_judged_ = false;
  bool first_asn_string_ = false, first_has_source_ = false, first_has_expires_ = false;

  struct Entry {
    size_t offset = 0;
    unsigned seen = 0;  // bit per Field
    std::optional<Prefix> prefix;
    uint64_t max_length = 0;
    uint32_t asn = 0;
    bool asn_string = false;
    Status error;
  } entry_;

  size_t line_cache_offset_ = 0, line_cache_line_ = 1;  // findings come in offset order
  size_t prev_end_ = 0;  // read offset after the previous event

  // Records the read offset when an event handler returns.
  struct MarkEnd {
    VrpJsonSax* sax;
    ~MarkEnd() { sax->prev_end_ = sax->read_offset(); }
  };
};

size_t VrpJsonSax::value_start() const {
  size_t i = prev_end_;
  while (i < text_.size() && (text_[i] == ' ' || text_[i] == '\t' || text_[i] == '\r' ||
                              text_[i] == '\n' || text_[i] == ',')) {
    ++i;
  }
  return i;
}

bool VrpJsonSax::scalar(Kind kind, uint64_t u, std::string_view s, int64_t i) {
  MarkEnd mark{this};
  if (skip_ > 0) return true;
  switch (state_) {
    case kStart:
      return fail(file_error("not-an-object",
                             "the file is a JSON scalar; a VRP export is an object with a "
                             "\"roas\" array"));
    case kTop:
      if (top_key_ == TopKey::kRoas) {
        return fail(file_error("roas-not-array", "\"roas\" is not an array of VRP objects"));
      }
      return true;
    case kMetadata: metadata_value(kind, u, s, i); return true;
    case kRoas:
      skip_entry("entry-not-object", "the entry is a JSON scalar, not an object",
                 value_start());
      return true;
    case kEntry: entry_value(kind, u, s, i); return true;
    case kDone: return true;
  }
  return true;
}

void VrpJsonSax::metadata_value(Kind kind, uint64_t u, std::string_view s, int64_t i) {
  const bool number = kind == kUnsigned || kind == kNegative;
  const int64_t n = kind == kUnsigned ? static_cast<int64_t>(std::min<uint64_t>(
                                            u, std::numeric_limits<int64_t>::max()))
                                      : i;
  switch (meta_key_) {
    case MetaKey::kGenerated: if (number) out_.metadata.generated = n; break;
    case MetaKey::kValid:
      if (number) out_.metadata.valid_until = n;
      meta_stayrtr_ = true;
      break;
    case MetaKey::kGeneratedTime: if (kind == kString) out_.metadata.generated_time = s; break;
    case MetaKey::kBuildTime:
      if (kind == kString && out_.metadata.generated_time.empty()) {
        out_.metadata.generated_time = s;
      }
      meta_rpki_client_ = true;
      break;
    case MetaKey::kBuildMachine:
      if (kind == kString) out_.metadata.build_machine = s;
      meta_rpki_client_ = true;
      break;
    case MetaKey::kCounts:
      if (kind == kUnsigned) out_.metadata.declared_count = u;
      meta_stayrtr_ = true;
      break;
    case MetaKey::kUniqueVrps:
      if (kind == kUnsigned) out_.metadata.declared_count = u;
      meta_rpki_client_ = true;
      break;
    case MetaKey::kRpkiClientOnly: meta_rpki_client_ = true; break;
    case MetaKey::kStayRtrOnly: meta_stayrtr_ = true; break;
    case MetaKey::kOther: break;
  }
}

void VrpJsonSax::entry_value(Kind kind, uint64_t u, std::string_view s, int64_t i) {
  switch (field_) {
    case Field::kPrefix:
      if (kind != kString) {
        fail_entry(entry_error("invalid-prefix",
                               "\"prefix\" is not a string (expected text such as "
                               "\"192.0.2.0/24\" or \"2001:db8::/32\")"));
        return;
      }
      if (auto p = Prefix::parse(s); p.ok()) {
        entry_.prefix = *p;
      } else {
        Status st = p.status();
        fail_entry(Status(st.code(), st.reason().data(), "\"prefix\": " + st.message()));
      }
      return;
    case Field::kMaxLength:
      if (kind != kUnsigned) {
        fail_entry(entry_error("invalid-max-length",
                               kind == kNegative ? "\"maxLength\" " + std::to_string(i) +
                                                       " is negative (expected an integer 0..128)"
                                                 : std::string("\"maxLength\" is not an "
                                                               "integer (expected 0..128, e.g. 24)")));
        return;
      }
      entry_.max_length = u;
      return;
    case Field::kAsn:
      if (kind == kUnsigned && u <= 0xffffffffu) {
        entry_.asn = static_cast<uint32_t>(u);
      } else if (kind == kString && parse_asn_text(s)) {
        entry_.asn = *parse_asn_text(s);
        entry_.asn_string = true;
      } else {
        std::string shown = kind == kString     ? quoted(s)
                            : kind == kUnsigned ? std::to_string(u)
                            : kind == kNegative ? std::to_string(i)
                                                : std::string("a non-integer value");
        fail_entry(entry_error("invalid-asn",
                               "\"asn\" " + shown +
                                   " is not an AS number (expected 0..4294967295 as a number "
                                   "or \"AS<number>\")"));
      }
      return;
    case Field::kTa:
    case Field::kExpires:
    case Field::kSource:
    case Field::kOther:
      return;  // informational members: any type is fine
  }
}

bool VrpJsonSax::key(json::string_t& k) {
  MarkEnd mark{this};
  if (skip_ > 0) return true;
  switch (state_) {
    case kTop:
      top_key_ = k == "metadata" ? TopKey::kMetadata : k == "roas" ? TopKey::kRoas : TopKey::kOther;
      break;
    case kMetadata: meta_key_ = meta_key_of(k); break;
    case kEntry: {
      field_ = field_of(k);
      if (field_ == Field::kOther) break;
      unsigned bit = 1u << static_cast<unsigned>(field_);
      if ((entry_.seen & bit) != 0 && field_ <= Field::kAsn) {
        fail_entry(entry_error("duplicate-field",
                               "\"" + std::string(k) + "\" appears twice in one entry"));
      }
      entry_.seen |= bit;
      break;
    }
    default: break;
  }
  return true;
}

bool VrpJsonSax::start_object(std::size_t) {
  MarkEnd mark{this};
  if (skip_ > 0) {
    ++skip_;
    return true;
  }
  switch (state_) {
    case kStart: state_ = kTop; return true;
    case kTop:
      if (top_key_ == TopKey::kMetadata) {
        state_ = kMetadata;
        return true;
      }
      if (top_key_ == TopKey::kRoas) {
        return fail(file_error("roas-not-array", "\"roas\" is an object, not an array"));
      }
      break;
    case kRoas: begin_entry(); return true;
    case kEntry:
      if (field_ <= Field::kAsn) {
        fail_entry(entry_error(field_ == Field::kPrefix  ? "invalid-prefix"
                               : field_ == Field::kAsn   ? "invalid-asn"
                                                         : "invalid-max-length",
                               "\"" + std::string(field_name(field_)) + "\" is an object"));
      }
      break;
    default: break;
  }
  skip_ = 1;
  return true;
}

bool VrpJsonSax::end_object() {
  MarkEnd mark{this};
  if (skip_ > 0) {
    --skip_;
    return true;
  }
  switch (state_) {
    case kTop: state_ = kDone; break;
    case kMetadata: state_ = kTop; break;
    case kEntry: end_entry(); break;
    default: break;
  }
  return true;
}

bool VrpJsonSax::start_array(std::size_t) {
  MarkEnd mark{this};
  if (skip_ > 0) {
    ++skip_;
    return true;
  }
  switch (state_) {
    case kStart:
      return fail(file_error("not-an-object",
                             "the file is a JSON array; a VRP export is an object with a "
                             "\"roas\" array"));
    case kTop:
      if (top_key_ == TopKey::kRoas) {
        if (seen_roas_) {
          return fail(file_error("duplicate-roas", "the object has two \"roas\" members"));
        }
        seen_roas_ = true;
        state_ = kRoas;
        // Metadata usually precedes "roas"; its count sizes the vector. An
        // entry takes at least 40 bytes, which bounds a lying count.
        if (out_.metadata.declared_count) {
          out_.vrps.reserve(static_cast<size_t>(
              std::min<uint64_t>(*out_.metadata.declared_count, text_.size() / 40)));
        }
        return true;
      }
      break;
    case kRoas:
      skip_entry("entry-not-object", "the entry is an array, not an object", read_offset() - 1);
      break;
    case kEntry:
      if (field_ == Field::kSource && !first_judged_) first_has_source_ = true;
      if (field_ <= Field::kAsn) {
        fail_entry(entry_error(field_ == Field::kPrefix  ? "invalid-prefix"
                               : field_ == Field::kAsn   ? "invalid-asn"
                                                         : "invalid-max-length",
                               "\"" + std::string(field_name(field_)) + "\" is an array"));
      }
      break;
    default: break;
  }
  skip_ = 1;
  return true;
}

bool VrpJsonSax::end_array() {
  MarkEnd mark{this};
  if (skip_ > 0) {
    --skip_;
    return true;
  }
  if (state_ == kRoas) state_ = kTop;
  return true;
}

bool VrpJsonSax::parse_error(std::size_t, const std::string&,
                             const nlohmann::detail::exception& ex) {
  // ex.what() already names the line and column.
  std::string what = ex.what();
  if (auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
  return fail(file_error("invalid-json", "not valid JSON (byte " +
                                             std::to_string(read_offset()) + "): " + what));
}

void VrpJsonSax::begin_entry() {
  entry_ = Entry{};
  entry_.offset = read_offset() - 1;  // the lexer has consumed the '{' and nothing more
  field_ = Field::kOther;
  state_ = kEntry;
}

void VrpJsonSax::end_entry() {
  state_ = kRoas;
  Entry& e = entry_;
  if (!first_judged_) {
    first_judged_ = true;
    first_asn_string_ = e.asn_string;
    first_has_expires_ = (e.seen & (1u << static_cast<unsigned>(Field::kExpires))) != 0;
  }
  auto has = [&](Field f) { return (e.seen & (1u << static_cast<unsigned>(f))) != 0; };
  if (e.error.ok()) {
    if (!has(Field::kPrefix)) {
      e.error = entry_error("missing-prefix", "the entry has no \"prefix\"");
    } else if (!has(Field::kMaxLength)) {
      e.error = entry_error("missing-max-length", "the entry has no \"maxLength\"");
    } else if (!has(Field::kAsn)) {
      e.error = entry_error("missing-asn", "the entry has no \"asn\"");
    } else if (e.max_length < static_cast<uint64_t>(e.prefix->length())) {
      e.error = entry_error("max-length-below-prefix-length",
                            "maxLength " + std::to_string(e.max_length) + " is shorter than " +
                                e.prefix->to_string() +
                                " (rule: RFC 6482 section 3.3, prefix length <= maxLength)");
    } else if (e.max_length > static_cast<uint64_t>(e.prefix->width())) {
      e.error = entry_error("max-length-above-width",
                            "maxLength " + std::to_string(e.max_length) + " exceeds " +
                                std::to_string(e.prefix->width()) + " bits for " +
                                e.prefix->to_string() + " (rule: RFC 6482 section 3.3)");
    }
  }
  if (!e.error.ok()) {
    Status s = std::move(e.error);
    skip_entry(s.reason().data(), s.message(), e.offset);
    return;
  }
  out_.vrps.push_back(
      Vrp{*e.prefix, static_cast<uint8_t>(e.max_length), e.asn, source_});
  ++out_.entries;
}

void VrpJsonSax::skip_entry(const char* reason, std::string message, size_t offset) {
  size_t index = out_.entries++;
  ++out_.skipped_count;
  if (out_.skipped.size() >= options_.max_findings) return;
  out_.skipped.push_back(
      VrpFinding{index, offset, line_of(offset), entry_error(reason, std::move(message))});
}

size_t VrpJsonSax::line_of(size_t offset) {
  offset = std::min(offset, text_.size());
  if (offset < line_cache_offset_) line_cache_offset_ = 0, line_cache_line_ = 1;
  line_cache_line_ += static_cast<size_t>(std::count(
      text_.begin() + static_cast<std::ptrdiff_t>(line_cache_offset_),
      text_.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
  line_cache_offset_ = offset;
  return line_cache_line_;
}

Result<VrpFile> VrpJsonSax::finish(bool parsed) {
  if (!error_.ok()) return error_;
  if (!parsed) return file_error("invalid-json", "the JSON parser stopped early");
  if (!seen_roas_) {
    return file_error("missing-roas",
                      "the object has no \"roas\" array (expected rpki-client, Routinator "
                      "json/jsonext or StayRTR VRP JSON)");
  }
  VrpFormat& f = out_.format;
  if (meta_rpki_client_) f = VrpFormat::kRpkiClient;
  else if (meta_stayrtr_) f = VrpFormat::kStayRtr;
  else if (!first_judged_) f = VrpFormat::kUnknown;
  else if (first_has_source_) f = VrpFormat::kRoutinatorJsonExt;
  else if (first_asn_string_) f = VrpFormat::kRoutinatorJson;
  else if (first_has_expires_) f = VrpFormat::kRpkiClient;
  else f = VrpFormat::kStayRtr;
  return std::move(out_);
}

Result<VrpFile> parse_vrp_json(std::string_view text, SourceId source,
                               const VrpJsonOptions& options) {
  VrpJsonSax sax(text, source, options);
  TrackedIterator first(text.data(), sax.cursor());
  TrackedIterator last(text.data() + text.size(), sax.cursor());
  bool parsed = json::sax_parse(first, last, &sax);
  return sax.finish(parsed);
}

}  // namespace byoipd::rpki
