// The /v1/bgp read routes: live speaker state as JSON (docs/api/openapi.yaml).
#pragma once

#include "byoipd/bgp/speaker.h"
#include "json_codec.h"

namespace byoipd::controller {

Json peers_json(const std::vector<bgp::PeerStatus>& peers);
Json routes_json(const bgp::Speaker::RouteAnswer& answer);

// ?prefix=&peer=&exact=&limit= of GET /v1/bgp/routes.
Result<bgp::Speaker::RouteQuery> route_query(const Json& args);

}  // namespace byoipd::controller

namespace byoipd::controller {
// Prometheus text for the speaker: per-peer session state and prefix counts,
// RIB size.
std::string bgp_metrics(const std::vector<bgp::PeerStatus>& peers,
                        const bgp::Speaker::RibStats& rib);
}  // namespace byoipd::controller
