// libFuzzer target for the VRP JSON loader (built with -DBYOIPD_FUZZ=ON and
// clang). The same input is also read as a SLURM file. Properties checked:
//   - neither parser reads outside its input (ASan) nor throws;
//   - every "roas" entry is either accepted or counted as skipped, the
//     listed findings are in entry order, within the text, and capped;
//   - every accepted VRP has a max length within [prefix length, width]
//     and carries the source id it was given;
//   - a parsed SLURM file applies to the parsed VRPs with counts that add up.
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "byoipd/rpki/slurm.h"
#include "byoipd/rpki/vrp_json.h"

namespace {

void fail(const char* what) {
  std::fprintf(stderr, "vrp_json_fuzz: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  byoipd::rpki::VrpJsonOptions options;
  options.max_findings = 8;
  auto file = byoipd::rpki::parse_vrp_json(text, 42, options);
  std::vector<byoipd::rpki::Vrp> vrps;
  if (file.ok()) {
    if (file->vrps.size() + file->skipped_count != file->entries) fail("entries do not add up");
    if (file->skipped.size() > options.max_findings) fail("findings not capped");
    if (file->skipped.size() > file->skipped_count) fail("more findings than skipped entries");
    size_t last_index = 0;
    for (size_t i = 0; i < file->skipped.size(); ++i) {
      const auto& f = file->skipped[i];
      if (f.index >= file->entries) fail("finding index past the array");
      if (i > 0 && f.index <= last_index) fail("findings out of order");
      if (f.offset > size || f.line == 0) fail("finding position outside the text");
      if (f.error.ok()) fail("finding without a reason");
      last_index = f.index;
    }
    for (const auto& v : file->vrps) {
      if (v.max_length < v.prefix.length() || v.max_length > v.prefix.width()) {
        fail("accepted a VRP with an out-of-range max length");
      }
      if (v.source != 42) fail("VRP without its source id");
    }
    vrps = file->vrps;
  } else if (file.status().ok() || file.status().reason().empty()) {
    fail("an error without a reason");
  }

  auto slurm = byoipd::rpki::parse_slurm(text);
  if (slurm.ok()) {
    size_t before = vrps.size();
    auto applied = byoipd::rpki::apply_slurm(*slurm, vrps, 7);
    if (vrps.size() != before - applied.filtered + applied.added) fail("SLURM counts do not add up");
    if (applied.added > slurm->prefix_assertions.size()) fail("added more than asserted");
  }
  return 0;
}
