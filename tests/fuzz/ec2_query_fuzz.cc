// libFuzzer target for the AWS endpoint's request decoding (built with
// -DBYOIPD_FUZZ=ON and clang): the first line of the input is an
// Authorization header, the rest a form-encoded EC2 Query body. Properties:
//   - nothing reads outside its input (ASan), throws or loops;
//   - parse_ec2_request either names a served action with an object input,
//     or answers one of its documented error codes with HTTP 400;
//   - verify_sigv4 never accepts (the signature cannot match a fixed secret
//     by chance) and answers one of its documented codes.
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "aws_form.h"
#include "ec2_model.h"
#include "ec2_query.h"
#include "sigv4.h"

namespace {

void fail(const char* what, const std::string& detail = "") {
  std::fprintf(stderr, "ec2_query_fuzz: %s %s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t nl = text.find('\n');
  std::string authorization(text.substr(0, nl));
  std::string body(nl == std::string_view::npos ? "" : text.substr(nl + 1));

  auto parsed = byoipd::aws::parse_ec2_request(byoipd::aws::parse_form(body));
  if (parsed.ok()) {
    if (!byoipd::aws::ec2_operation(parsed.request->action)) fail("unknown action accepted");
    if (!parsed.request->input.is_object()) fail("input is not an object");
  } else {
    static const std::set<std::string> kCodes = {"MissingAction", "InvalidAction",
                                                 "MissingParameter", "InvalidParameterValue",
                                                 "UnknownParameter"};
    if (!kCodes.count(parsed.error.code)) fail("undocumented code", parsed.error.code);
    if (parsed.error.http_status != 400) fail("status not 400");
  }

  byoipd::aws::SignedRequest request{"POST", "/", "", {}, body};
  request.headers = {{"Host", "127.0.0.1:8787"},
                     {"X-Amz-Date", "20261126T101010Z"},
                     {"Authorization", authorization}};
  auto sig = byoipd::aws::verify_sigv4(
      request,
      [](std::string_view id) -> std::optional<std::string> {
        if (id == "AKIDEXAMPLE") return std::string("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        return std::nullopt;
      },
      1795687810, "ec2");
  static const std::set<std::string> kSigCodes = {
      "MissingAuthenticationToken", "IncompleteSignature", "SignatureDoesNotMatch",
      "RequestExpired", "AuthFailure"};
  if (sig.ok) fail("a forged signature was accepted");
  if (!kSigCodes.count(sig.error.code)) fail("undocumented signature code", sig.error.code);
  return 0;
}
