// libFuzzer target for the BGP message decoder (built with -DBYOIPD_FUZZ=ON
// and clang). The input is decoded whole and as a stream of framed messages,
// on a 4-octet and a 2-octet AS session. Properties checked:
//   - decode never reads outside its span (ASan) and either yields a message
//     or a NOTIFICATION, never both;
//   - frame() and decode() agree on header errors;
//   - whatever decodes re-encodes (unless the re-encoding exceeds 4096
//     octets or one optional parameter) and decodes again, cleanly, to an
//     equal message.
#include <cstdio>
#include <cstdlib>
#include <span>

#include "byoipd/bgp/wire.h"

namespace {

using byoipd::bgp::Action;
using byoipd::bgp::CodecOptions;

void fail(const char* what) {
  std::fprintf(stderr, "bgp_message_fuzz: %s\n", what);
  std::abort();
}

void check_one(std::span<const uint8_t> message, const CodecOptions& options) {
  byoipd::bgp::DecodeResult r = byoipd::bgp::decode(message, options);
  if (r.ok() == r.error.has_value()) fail("decode returned both or neither of message and error");
  if (r.error && r.action != Action::kSessionReset) fail("an error without session reset");
  if (!r.ok()) return;
  auto bytes = byoipd::bgp::encode(*r.message, options);
  if (!bytes.ok()) {
    auto reason = bytes.status().reason();
    if (reason == "message-too-large" || reason == "capabilities-too-long") return;
    std::fprintf(stderr, "%s\n", bytes.status().to_string().c_str());
    fail("a decoded message does not encode");
  }
  byoipd::bgp::DecodeResult again = byoipd::bgp::decode(*bytes, options);
  if (!again.ok()) {
    std::fprintf(stderr, "%s\n", again.reason().c_str());
    fail("a re-encoded message does not decode");
  }
  if (again.action != Action::kNone) {
    std::fprintf(stderr, "%s\n", again.reason().c_str());
    fail("a re-encoded message has findings");
  }
  if (!(*again.message == *r.message)) fail("decode(encode(m)) != m");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> input(data, size);
  CodecOptions four;
  CodecOptions two;
  two.four_octet_as = false;
  for (const CodecOptions* options : {&four, &two}) {
    check_one(input, *options);
    // As a stream: frame and decode message after message.
    std::span<const uint8_t> rest = input;
    while (true) {
      byoipd::bgp::FrameResult f = byoipd::bgp::frame(rest);
      if (f.error) {
        // decode() reports the same header error from the header alone.
        auto r = byoipd::bgp::decode(rest.first(byoipd::bgp::kHeaderSize), *options);
        if (!r.error || r.error->code != f.error->code || r.error->subcode != f.error->subcode) {
          fail("frame() and decode() disagree on a header error");
        }
        break;
      }
      if (!f.length || *f.length > rest.size()) break;
      check_one(rest.first(*f.length), *options);
      rest = rest.subspan(*f.length);
    }
  }
  return 0;
}
