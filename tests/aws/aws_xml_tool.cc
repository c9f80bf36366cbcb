// Reads {"action", "output", "request_id"} from stdin and prints
// ec2_response_xml (exit 1 and the error on stderr when it refuses).
#include <iostream>

#include "ec2_xml.h"

int main() {
  using byoipd::aws::Json;
  Json req = Json::parse(std::cin);
  auto xml = byoipd::aws::ec2_response_xml(req.at("action").get<std::string>(), req.at("output"),
                                           req.at("request_id").get<std::string>());
  if (!xml.ok()) {
    std::cerr << xml.status().to_string() << "\n";
    return 1;
  }
  std::cout << *xml;
  return 0;
}
