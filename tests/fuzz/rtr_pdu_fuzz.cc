// libFuzzer target for the RTR PDU decoder (built with -DBYOIPD_FUZZ=ON and
// clang). The input is decoded whole, then as a stream of framed PDUs that
// also drive an RTR client. Properties checked:
//   - decode never reads outside its span (ASan) and yields a PDU or an
//     error, never both;
//   - frame() and decode() agree on header errors and on the length;
//   - whatever decodes re-encodes and decodes again to an equal PDU;
//   - the client takes any sequence of PDUs without crashing, and never
//     answers an Error Report with one.
#include <cstdio>
#include <cstdlib>
#include <span>
#include <variant>

#include "byoipd/rpki/rtr.h"
#include "byoipd/rpki/rtr_client.h"

namespace {

namespace rtr = byoipd::rpki::rtr;

void fail(const char* what) {
  std::fprintf(stderr, "rtr_pdu_fuzz: %s\n", what);
  std::abort();
}

class FixedClock final : public rtr::Clock {
 public:
  TimePoint now() const override { return {}; }
};

rtr::DecodeResult check_one(std::span<const uint8_t> bytes) {
  rtr::DecodeResult r = rtr::decode(bytes);
  if (r.ok() == r.error.has_value()) fail("decode returned both or neither of PDU and error");
  if (!r.ok()) return r;
  auto encoded = rtr::encode(*r.pdu);
  if (!encoded.ok()) {
    std::fprintf(stderr, "%s\n", encoded.status().to_string().c_str());
    fail("a decoded PDU does not encode");
  }
  rtr::DecodeResult again = rtr::decode(*encoded);
  if (!again.ok()) {
    std::fprintf(stderr, "%s\n", again.error->reason.c_str());
    fail("a re-encoded PDU does not decode");
  }
  if (!(*again.pdu == *r.pdu)) fail("decode(encode(p)) != p");
  return r;
}

bool sends_error_report(const std::vector<rtr::Action>& actions) {
  for (const auto& action : actions) {
    const auto* send = std::get_if<rtr::SendPdu>(&action);
    if (send != nullptr && std::holds_alternative<rtr::ErrorReport>(send->pdu.body)) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> input(data, size);
  check_one(input);

  static const FixedClock clock;
  rtr::ClientConfig config;
  rtr::Client client(config, clock);
  client.handle(rtr::Start{});
  client.handle(rtr::Connected{});
  std::span<const uint8_t> rest = input;
  while (!rest.empty()) {
    rtr::FrameResult f = rtr::frame(rest);
    if (f.error) {
      if (rest.size() >= rtr::kHeaderSize) {
        auto r = rtr::decode(rest.first(rtr::kHeaderSize));
        if (!r.error || r.error->code != f.error->code) {
          fail("frame() and decode() disagree on a header error");
        }
      }
      auto actions = client.handle(rtr::DecodeFailed{*f.error, {}});
      if (f.error->is_error_report() && sends_error_report(actions)) {
        fail("answered an Error Report with one");
      }
      break;
    }
    if (!f.length || *f.length > rest.size()) break;
    rtr::DecodeResult r = check_one(rest.first(*f.length));
    std::vector<rtr::Action> actions;
    if (r.ok()) {
      bool is_report = std::holds_alternative<rtr::ErrorReport>(r.pdu->body);
      actions = client.handle(rtr::PduReceived{*r.pdu});
      if (is_report && sends_error_report(actions)) fail("answered an Error Report with one");
    } else {
      actions = client.handle(rtr::DecodeFailed{*r.error, {}});
    }
    // Keep the session going after an error so later PDUs reach the client.
    if (client.state() == rtr::State::kConnecting) client.handle(rtr::Connected{});
    if (client.state() == rtr::State::kError) {
      client.handle(rtr::TimerExpired{rtr::Timer::kRetry});
      client.handle(rtr::Connected{});
    }
    rest = rest.subspan(*f.length);
  }
  return 0;
}
