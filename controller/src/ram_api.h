// The RAM (AWS Resource Access Manager) JSON API of the AWS endpoint: the
// resource shares through which the IPAM admin shares pools with accounts,
// OUs or the whole organization. Each action becomes service share
// operations (one change at most); answers and errors are RAM's JSON.
#pragma once

#include <string>
#include <string_view>

#include "ec2_api.h"

namespace byoipd::controller {

// Whether `path` is a RAM action ("/createresourceshare", ...).
bool is_ram_path(std::string_view path);
// The header carrying the request id (RAM's; EC2 clients ignore it).
inline const char* ram_request_id_header() { return "x-amzn-RequestId"; }
// {"message": ...} as RAM errors carry it (the code goes in x-amzn-ErrorType).
std::string ram_error_json(const aws::AwsError& e);

// Runs the RAM action of `path` with the JSON `body` (DeleteResourceShare:
// with the parameters of the `query` string).
Ec2Result run_ram_action(const std::string& path, const std::string& body,
                         const std::string& query, const Ec2Caller& caller,
                         const ServiceExec& exec);

}  // namespace byoipd::controller
