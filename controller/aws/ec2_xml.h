// EC2 response and error bodies (text/xml), as botocore's EC2QueryParser
// reads them.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "aws_error.h"
#include "byoipd/common/status.h"

namespace byoipd::aws {

using Json = nlohmann::json;

// Serializes `output`, an object keyed by botocore member names of the
// action's output shape (nested structures and lists likewise), as
//   <?xml version="1.0" encoding="UTF-8"?>
//   <{Action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
//   <requestId>ID</requestId>...</{Action}Response>
// Element names are the members' locationName (else member name); a list is
// <name><item>..</item>..</name> (<name/> when empty); booleans true/false;
// integers as integers; doubles in shortest round-trip form; strings and
// timestamps (ISO 8601 strings) XML-escaped, with bytes that are not valid
// XML 1.0 characters or not UTF-8 replaced by U+FFFD. A null value means
// "absent" and is skipped. An action without an output shape (CreateTags,
// DeleteTags, DeleteVpc) answers <return>true</return> and takes an empty
// object or null.
// Errors (Code::kInternal, reason "ec2-output-shape"; they are bugs of the
// caller): unknown action, a key that is not a member of its shape, a value of
// the wrong JSON type, an enum value outside the model, an integer outside its
// range. The message names the path by member names ("IpamPools[0].State").
Result<std::string> ec2_response_xml(std::string_view action, const Json& output,
                                     std::string_view request_id);

// <?xml version="1.0" encoding="UTF-8"?>
// <Response><Errors><Error><Code>..</Code><Message>..</Message></Error></Errors>
// <RequestID>..</RequestID></Response>   (no line breaks; e.http_status is the
// caller's to send).
std::string ec2_error_xml(const AwsError& e, std::string_view request_id);

// `text` escaped for XML character data (& < > " ' and invalid characters).
std::string xml_escape(std::string_view text);

}  // namespace byoipd::aws
