// The /v1/rpki routes and RPKI metrics: the validator's state as JSON
// (docs/api/openapi.yaml) and Prometheus text.
#pragma once

#include <optional>
#include <string>

#include "byoipd/rpki/validator.h"
#include "json_codec.h"

namespace byoipd::controller {

Json rpki_status_json(const rpki::RpkiStatus& status);

// GET /v1/rpki/validate?prefix=&origin_as= against the published table.
Result<Json> rpki_validate(const rpki::Validator& validator, const rpki::RpkiStatus& status,
                           const Json& args);

// "valid", "invalid" or "not-found" for one route (the bgp routes column).
std::string rpki_route_state(const rpki::VrpTable& table, const Prefix& prefix,
                             std::optional<uint32_t> origin_as);

std::string rpki_metrics(const rpki::RpkiStatus& status);

}  // namespace byoipd::controller
