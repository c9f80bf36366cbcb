// The aws section of byoipd's config: the EC2-compatible endpoint (EC2 Query
// and RAM JSON over SigV4), its access keys, and the RDAP certificates that
// BYOIP/BYOASN authorization contexts are verified against.
#include <set>
#include <string>

#include "config_reader.h"

namespace byoipd::controller::config_detail {
namespace {

constexpr std::string_view kAwsKeys[] = {"listen", "access_keys", "rdap"};
constexpr std::string_view kKeyKeys[] = {"access_key_id", "secret_access_key", "account"};
constexpr std::string_view kRdapKeys[] = {"resource", "certificate"};

constexpr std::string_view kListenAllowed =
    "allowed: host:port, e.g. 127.0.0.1:8787 or [::1]:8787 (port 0 picks a free one)";
constexpr std::string_view kKeyIdAllowed = "allowed: 16 to 128 of A-Z 0-9, unique";
constexpr std::string_view kSecretAllowed = "allowed: 16 to 128 printable characters, no spaces";
constexpr std::string_view kResourceAllowed =
    "allowed: the prefix of the RDAP network object (e.g. 203.0.113.0/24) or the AS number of "
    "the autnum object (e.g. AS64500)";

bool is_key_char(char c) { return (c >= 'A' && c <= 'Z') || is_digit(c); }
bool is_secret_char(char c) { return c > ' ' && c < 127; }

}  // namespace

void Reader::read_aws(const Value* v, const OrganizationConfig& org,
                      std::optional<AwsConfig>& out) {
  if (v == nullptr || failed()) return;
  Fields f = open(*v, kAwsKeys);
  AwsConfig config;
  std::string listen;
  if (text(need(f, "listen", kListenAllowed), listen, false, kListenAllowed)) {
    std::string wrong = parse_endpoint(listen, config.listen, 0);
    if (!wrong.empty()) invalid(*f.get("listen"), in_quotes(listen) + " " + wrong, kListenAllowed);
  }
  std::vector<Value> keys;
  if (const Value* list = f.get("access_keys")) {
    keys = items(*list, "allowed: a list of mappings with keys " + join(kKeyKeys));
  }
  std::set<std::string> seen;
  for (const Value& item : keys) {
    if (failed()) return;
    Fields k = open(item, kKeyKeys);
    AwsAccessKey key;
    constexpr std::string_view kRequired =
        "required: every access key has access_key_id, secret_access_key and account";
    const Value* id = need(k, "access_key_id", kRequired);
    const Value* secret = need(k, "secret_access_key", kRequired);
    const Value* account = need(k, "account", kRequired);
    if (text(id, key.access_key_id, false, kKeyIdAllowed)) {
      const auto& s = key.access_key_id;
      if (s.size() < 16 || s.size() > 128 || !all_of(s, is_key_char)) {
        invalid(*id, in_quotes(s) + " is not an access key id", kKeyIdAllowed);
      } else if (!seen.insert(s).second) {
        invalid(*id, in_quotes(s) + " is listed twice", kKeyIdAllowed);
      }
    }
    if (text(secret, key.secret_access_key, false, kSecretAllowed)) {
      const auto& s = key.secret_access_key;
      if (s.size() < 16 || s.size() > 128 || !all_of(s, is_secret_char)) {
        // Never echo a secret into a log line.
        invalid(*secret, "the secret has " + std::to_string(s.size()) +
                             " characters or a space/control character",
                kSecretAllowed);
      }
    }
    account_id(account, key.account);
    if (!failed()) {
      bool known = false;
      for (const auto& a : org.accounts) known = known || a.id == key.account;
      if (!known) {
        invalid(*account, "account " + key.account + " is not in organization.accounts",
                "allowed: the id of an account listed under organization.accounts");
      }
    }
    config.access_keys.push_back(std::move(key));
  }
  std::vector<Value> certs;
  if (const Value* list = f.get("rdap")) {
    certs = items(*list, "allowed: a list of mappings with keys " + join(kRdapKeys));
  }
  for (const Value& item : certs) {
    if (failed()) return;
    Fields c = open(item, kRdapKeys);
    RdapCertificate cert;
    constexpr std::string_view kRequired = "required: every rdap entry has resource and certificate";
    const Value* resource = need(c, "resource", kRequired);
    std::string text_form;
    if (text(resource, text_form, false, kResourceAllowed)) {
      if (text_form.size() > 2 && (text_form.starts_with("AS") || text_form.starts_with("as"))) {
        auto asn = Asn::parse(text_form.substr(2));
        if (!asn.ok()) {
          invalid(*resource, in_quotes(text_form) + ": " + asn.status().message(), kResourceAllowed);
        } else {
          cert.asn = asn->value();
        }
      } else {
        auto prefix = Prefix::parse(text_form);
        if (!prefix.ok()) {
          invalid(*resource, in_quotes(text_form) + ": " + prefix.status().message(),
                  kResourceAllowed);
        } else {
          cert.prefix = *prefix;
        }
      }
    }
    readable_file(need(c, "certificate", kRequired), cert.certificate_file);
    config.rdap.push_back(std::move(cert));
  }
  if (!failed()) out = std::move(config);
}

void diff_aws(const std::optional<AwsConfig>& a, const std::optional<AwsConfig>& b,
              ChangeList& out) {
  out.note("aws", a ? "on" : "off", b ? "on" : "off", true);
  if (!a || !b) return;
  out.note("aws.listen", a->listen.to_string(), b->listen.to_string(), true);
  auto key_list = [](const AwsConfig& c) {
    std::string s;
    for (const auto& k : c.access_keys) {
      s += (s.empty() ? "" : ", ") + k.access_key_id + " (" + k.account + ")";
    }
    return s.empty() ? std::string("(none)") : s;
  };
  out.note("aws.access_keys", key_list(*a), key_list(*b));
  for (size_t i = 0; i < a->access_keys.size() && i < b->access_keys.size(); ++i) {
    if (a->access_keys[i].access_key_id == b->access_keys[i].access_key_id &&
        a->access_keys[i].secret_access_key != b->access_keys[i].secret_access_key) {
      out.add("aws.access_keys: the secret of " + b->access_keys[i].access_key_id + " changed");
    }
  }
  auto rdap_list = [](const AwsConfig& c) {
    std::string s;
    for (const auto& r : c.rdap) {
      s += (s.empty() ? "" : ", ") +
           (r.prefix ? r.prefix->to_string() : "AS" + std::to_string(r.asn.value_or(0))) + "=" +
           r.certificate_file;
    }
    return s.empty() ? std::string("(none)") : s;
  };
  out.note("aws.rdap", rdap_list(*a), rdap_list(*b));
}

}  // namespace byoipd::controller::config_detail
