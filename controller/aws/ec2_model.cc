#include "ec2_model.h"

namespace byoipd::aws {

extern const char* const kEc2ModelJson;  // ec2_model_text.cc, generated

const Json& ec2_model() {
  static const Json model = Json::parse(kEc2ModelJson);
  return model;
}

const Json* ec2_operation(std::string_view action) {
  const Json& ops = ec2_model().at("operations");
  auto it = ops.find(std::string(action));
  return it == ops.end() ? nullptr : &*it;
}

const Json& ec2_shape(const std::string& name) { return ec2_model().at("shapes").at(name); }

}  // namespace byoipd::aws
