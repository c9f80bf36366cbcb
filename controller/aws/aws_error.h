// The error an AWS-compatible endpoint answers with.
#pragma once

#include <string>

namespace byoipd::aws {

// An EC2-style error: HTTP status, EC2 error code ("InvalidParameterValue",
// "SignatureDoesNotMatch", ...) and the human message shown by the aws CLI.
struct AwsError {
  int http_status = 400;
  std::string code;
  std::string message;
};

}  // namespace byoipd::aws
