// EC2 Query protocol requests: form parameters -> the operation's input.
//
// Naming follows botocore's EC2Serializer: a member is sent as its queryName,
// else its locationName with the first letter upper-cased, else its member
// name; list elements as Name.N (N from 1) without the list member's name;
// structure members dotted (CidrAuthorizationContext.Message,
// Filter.1.Value.2, TagSpecification.1.Tag.1.Key). An empty list is not sent.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws_error.h"
#include "aws_form.h"

namespace byoipd::aws {

using Json = nlohmann::json;

struct Ec2Request {
  std::string action;  // "AllocateIpamPoolCidr"
  // Object keyed by botocore member names of the input shape ("IpamPoolId",
  // "AllowedCidrs", "Filters": [{"Name", "Values": [..]}]); integers and
  // longs as JSON integers, doubles as numbers, booleans as bools,
  // timestamps and everything else as the string given.
  Json input = Json::object();
};

// Exactly one of request / error is meaningful: request when ok().
struct ParseResult {
  std::optional<Ec2Request> request;
  AwsError error;
  bool ok() const { return request.has_value(); }
};

// Parses an EC2 Query request (the pairs of parse_form, body and query
// string merged by the caller). All errors are HTTP 400:
//   MissingAction         no Action
//   InvalidAction         Action not in the subset: "The action X is not
//                         valid for this web service."
//   MissingParameter      no Version, or a required member missing:
//                         "The request must contain the parameter IpamPoolId"
//                         (nested: "... parameter Filter.1.Name")
//   InvalidParameterValue Version other than 2016-11-15; a bad integer,
//                         long, double, boolean or enum value, or one outside
//                         the model's min/max (value range, string length,
//                         list length); a parameter given twice; list indices
//                         with a gap ("Filter.1", "Filter.3")
//   UnknownParameter      a name that is not in the input shape (also
//                         "Filter.0.Name", "Filter.x.Name", a list or
//                         structure given a value of its own):
//                         "The parameter Foo is not recognized"
ParseResult parse_ec2_request(const FormPairs& form);

}  // namespace byoipd::aws
