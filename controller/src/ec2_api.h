// The EC2-compatible endpoint's actions: an EC2 request (botocore member
// names, as controller/aws parses it) becomes IpamService operations, and
// their results become the EC2 output shape. No I/O: the daemon runs the
// operations (journaling a mutation, answering once it is durable) and
// verifies ownership proofs through the callbacks given here.
//
// One action makes at most one mutating service call, so an action is one
// journal record and either happens whole or not at all.
#pragma once

#include <functional>
#include <string>
#include <variant>

#include "aws_error.h"
#include "service.h"

namespace byoipd::controller {

struct Ec2Caller {
  Principal who;
  std::string region;  // from the SigV4 credential scope
  bool dry_run = false;
};

// Runs one service operation. In a dry run, a mutating operation is only
// checked for permission (see IpamService::permitted) and not run.
using ServiceExec = std::function<Outcome(const std::string& op, const Json& args)>;

// The daemon's verdict on a signed authorization context, as the service
// expects it in args["verification"]: {ok, reason, message}.
struct AuthorizationRequest {
  bool asn_form = false;
  std::string message;
  std::string signature;
  std::string account;
  std::string resource;  // the CIDR, or the ASN in asplain
};
using AuthorizationCheck = std::function<Json(const AuthorizationRequest&)>;

using Ec2Result = std::variant<Json, aws::AwsError>;

// Runs `action` with `input` (botocore member names); returns the output
// object (botocore member names) or the EC2 error to answer.
Ec2Result run_ec2_action(const std::string& action, const Json& input, const Ec2Caller& caller,
                         const ServiceExec& exec, const AuthorizationCheck& check);

// The EC2 error for a service refusal: its code, HTTP status and a message
// that keeps byoipd's own text (it names the rule and the value).
aws::AwsError ec2_error_for(const Status& st);

}  // namespace byoipd::controller
