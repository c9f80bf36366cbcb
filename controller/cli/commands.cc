#include "commands.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <map>
#include <ostream>
#include <set>

#include "render.h"
#include "session.h"

namespace byoipctl {

Parsed<std::pair<std::string, std::string>> parse_tag(std::string_view text) {
  using Out = Parsed<std::pair<std::string, std::string>>;
  size_t eq = text.find('=');
  if (eq == std::string_view::npos) {
    return Out::fail("tag '" + std::string(text) + "' has no '='; expected KEY=VALUE");
  }
  if (eq == 0) return Out::fail("tag '" + std::string(text) + "' has an empty key; expected KEY=VALUE");
  return Out{std::pair(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))), {}};
}

Parsed<Json> parse_tags(const std::vector<std::string>& items) {
  Json tags = Json::object();
  for (const auto& item : items) {
    auto tag = parse_tag(item);
    if (!tag.ok()) return Parsed<Json>::fail(tag.error);
    if (tags.contains(tag.value->first)) {
      return Parsed<Json>::fail("tag key '" + tag.value->first + "' is given twice");
    }
    tags[tag.value->first] = tag.value->second;
  }
  return Parsed<Json>{std::move(tags), {}};
}

namespace {

constexpr const char* kExitCodesHelp =
    "Exit codes: 0 ok; 1 other error; 2 usage (bad flags, arguments or config file); "
    "3 not found (404); 4 unauthenticated or forbidden (401, 403); 5 refused by a rule or a "
    "conflict (400, 409, 422); 6 server error or unavailable (5xx); 7 cannot connect.";
constexpr const char* kSettingsHelp =
    "Global options may come before or after the subcommand. Each setting is taken from the "
    "flag, else the environment (BYOIPCTL_ENDPOINT, BYOIPCTL_TOKEN, BYOIPCTL_CACERT), else the "
    "config file (lines 'endpoint: URL', 'token: T', 'cacert: FILE'), else the default.";

const CLI::Validator kTagSyntax(
    [](std::string& text) {
      auto tag = parse_tag(text);
      return tag.ok() ? std::string() : tag.error;
    },
    "", "tag");

void tag_option(CLI::App* app, const char* name, std::vector<std::string>& into,
                const char* description) {
  app->add_option(name, into, description)->check(kTagSyntax)->type_name("KEY=VALUE");
}

void paging_options(CLI::App* app, Paging& p) {
  app->add_option("--limit", p.limit, "Return one page of at most N items")
      ->check(CLI::Range(1, 1000));
  app->add_option("--next-token", p.next_token, "Resume a list where a page ended");
  app->add_flag("--all", p.all, "With --limit: fetch every page, N at a time");
}

// Adds non-empty tags under `key` (syntax was checked by kTagSyntax at parse
// time; a repeated key is refused here as a usage error).
bool put_tags(Session& s, Json& body, const char* key, const std::vector<std::string>& items,
              int* code) {
  auto tags = parse_tags(items);
  if (!tags.ok()) {
    *code = s.usage(tags.error);
    return false;
  }
  if (!tags.value->empty()) body[key] = *tags.value;
  return true;
}


// ---- whoami, organization, health, metrics, alarms ---------------------------

void add_misc(CLI::App& app, Commands& c) {
  c.leaf(&app, "whoami", "Show the account the token belongs to", [](Session& s) {
    Reply r = s.call("GET", "/v1/whoami");
    if (r.code != kExitOk) return r.code;
    if (s.json()) return s.print_json(r.body);
    r.body.erase("request_id");
    s.out() << render_object(r.body);
    return kExitOk;
  });

  CLI::App* org = group(app, "org", "The organization and its delegated IPAM admin");
  c.leaf(org, "show", "Show the organization, its accounts and delegated admin",
         [](Session& s) { return s.object("GET", "/v1/organization", nullptr, "organization"); });
  auto account = std::make_shared<std::string>();
  c.leaf(org, "delegate-admin", "Delegate IPAM administration to ACCOUNT (management account only)",
         [account](Session& s) {
           Json body{{"account_id", *account}};
           return s.done("POST", "/v1/organization/delegated-admin", &body, "delegated_admin",
                         "delegated IPAM administration to");
         })
      ->add_option("ACCOUNT", *account, "12-digit account id")
      ->required();

  c.leaf(&app, "health", "Check the daemon (/healthz); exit 6 when degraded", [](Session& s) {
    s.expect_raw();
    Reply r = s.call("GET", "/healthz");
    if (r.code == kExitTransport) return r.code;
    if (s.json()) {
      s.print_json(r.body);
    } else {
      s.out() << render_object(r.body);
    }
    return r.code;
  });

  c.leaf(&app, "metrics", "Print the daemon's Prometheus metrics (/metrics)", [](Session& s) {
    s.expect_raw();
    Reply r = s.call("GET", "/metrics");
    if (r.code != kExitOk) {
      if (r.code != kExitTransport) s.err() << "byoipctl: /metrics answered an error\n";
      return r.code;
    }
    s.out() << (r.body.is_string() ? r.body.get<std::string>() : r.body.dump());
    return kExitOk;
  });

  CLI::App* alarms = group(app, "alarms", "Firing alarms (utilization, overlap, noncompliance)");
  c.leaf(alarms, "list", "List the alarms firing now", [](Session& s) {
    Reply r = s.call("GET", "/v1/alarms");
    if (r.code != kExitOk) return r.code;
    if (s.json()) return s.print_json(r.body);
    // The daemon nests the list: {"alarms": {"alarms": [...]}}; accept both.
    Json list = r.body.value("alarms", Json::array());
    if (list.is_object()) list = list.value("alarms", Json::array());
    s.out() << render_list(ListKind::kAlarms, list);
    return kExitOk;
  });
}

// ---- IPAMs and scopes -----------------------------------------------------------

struct IpamFlags {
  std::string id;
  std::string home_region;
  std::vector<std::string> regions, add_regions, remove_regions, tags;
  std::optional<std::string> tier, description;
  bool cascade = false;
  Paging paging;
};

int ipam_tree(Session& s, const std::optional<std::string>& only);

void add_ipam(CLI::App& app, Commands& c) {
  CLI::App* g = group(app, "ipam", "IPAMs: create, list, show, modify, delete, tree");
  auto o = std::make_shared<IpamFlags>();
  const auto tiers = CLI::IsMember({"free", "advanced"});

  CLI::App* create = c.leaf(g, "create", "Create an IPAM (with its default private and public scopes)",
                            [o](Session& s) {
                              Json body{{"home_region", o->home_region}};
                              if (!o->regions.empty()) body["operating_regions"] = o->regions;
                              put(body, "tier", o->tier);
                              put(body, "description", o->description);
                              int code = kExitOk;
                              if (!put_tags(s, body, "tags", o->tags, &code)) return code;
                              s.add_client_token(body);
                              return s.object("POST", "/v1/ipams", &body, "ipam");
                            }, true);
  create->add_option("--home-region", o->home_region, "Home region (always operating)")->required();
  create->add_option("--operating-region", o->regions, "Another operating region (repeatable)")
      ->delimiter(',');
  create->add_option("--tier", o->tier, "free or advanced")->check(tiers);
  create->add_option("--description", o->description, "Free text");
  tag_option(create, "--tag", o->tags, "Tag (repeatable)");

  paging_options(c.leaf(g, "list", "List IPAMs", [o](Session& s) {
    return s.list("/v1/ipams", Query(), "ipams", ListKind::kIpams, o->paging);
  }), o->paging);

  c.leaf(g, "show", "Show one IPAM", [o](Session& s) {
     return s.object("GET", "/v1/ipams/" + enc(o->id), nullptr, "ipam");
   })->add_option("ID", o->id, "IPAM id")->required();

  CLI::App* modify = c.leaf(g, "modify", "Change operating regions, tier or description",
                            [o](Session& s) {
                              Json body = Json::object();
                              if (!o->add_regions.empty()) body["add_operating_regions"] = o->add_regions;
                              if (!o->remove_regions.empty()) {
                                body["remove_operating_regions"] = o->remove_regions;
                              }
                              put(body, "tier", o->tier);
                              put(body, "description", o->description);
                              if (body.empty()) {
                                return s.usage("ipam modify: nothing to change; give --add-region, "
                                               "--remove-region, --tier or --description");
                              }
                              return s.object("PATCH", "/v1/ipams/" + enc(o->id), &body, "ipam");
                            });
  modify->add_option("ID", o->id, "IPAM id")->required();
  modify->add_option("--add-region", o->add_regions, "Operating region to add (repeatable)")
      ->delimiter(',');
  modify->add_option("--remove-region", o->remove_regions, "Operating region to remove (repeatable)")
      ->delimiter(',');
  modify->add_option("--tier", o->tier, "free or advanced")->check(tiers);
  modify->add_option("--description", o->description, "Free text");

  CLI::App* del = c.leaf(g, "delete", "Delete an IPAM (refused while it has pools, unless --cascade)",
                         [o](Session& s) {
                           Query q;
                           if (o->cascade) q.add("cascade", "true");
                           return s.done("DELETE", "/v1/ipams/" + enc(o->id) + q.str(), nullptr,
                                         "deleted", "deleted");
                         });
  del->add_option("ID", o->id, "IPAM id")->required();
  del->add_flag("--cascade", o->cascade, "Also delete its scopes and pools");

  auto tree_id = std::make_shared<std::optional<std::string>>();
  c.leaf(g, "tree",
         "Draw scopes, pools, locales, provisioned CIDRs and utilization (all IPAMs by default)",
         [tree_id](Session& s) { return ipam_tree(s, *tree_id); })
      ->add_option("IPAM_ID", *tree_id, "Only this IPAM");

  // Scopes.
  CLI::App* sg = group(app, "scope", "Scopes: create, list, show, delete");
  auto so = std::make_shared<IpamFlags>();
  auto scope_ipam = std::make_shared<std::optional<std::string>>();
  CLI::App* screate = c.leaf(sg, "create", "Create an extra private scope in IPAM_ID",
                             [so](Session& s) {
                               Json body = Json::object();
                               put(body, "description", so->description);
                               s.add_client_token(body);
                               return s.object("POST", "/v1/ipams/" + enc(so->id) + "/scopes", &body,
                                               "scope");
                             }, true);
  screate->add_option("IPAM_ID", so->id, "IPAM id")->required();
  screate->add_option("--description", so->description, "Free text");
  CLI::App* slist = c.leaf(sg, "list", "List scopes", [so, scope_ipam](Session& s) {
    return s.list("/v1/scopes", Query().add_if("ipam_id", *scope_ipam), "scopes",
                  ListKind::kScopes, so->paging);
  });
  slist->add_option("--ipam", *scope_ipam, "Only scopes of this IPAM");
  paging_options(slist, so->paging);
  c.leaf(sg, "show", "Show one scope", [so](Session& s) {
     return s.object("GET", "/v1/scopes/" + enc(so->id), nullptr, "scope");
   })->add_option("ID", so->id, "Scope id")->required();
  c.leaf(sg, "delete", "Delete a scope (not a default one; refused while it has pools)",
         [so](Session& s) {
           return s.done("DELETE", "/v1/scopes/" + enc(so->id), nullptr, "deleted", "deleted");
         })
      ->add_option("ID", so->id, "Scope id")
      ->required();
}

// ---- pools and CIDRs --------------------------------------------------------------

struct PoolFlags {
  std::string id, scope;
  std::optional<std::string> family, source, locale, description, cidr;
  std::vector<std::string> tags, required_tags;
  bool auto_import = false, no_auto_import = false, publicly_advertisable = false;
  std::optional<int> default_netmask, min_netmask, max_netmask, netmask;
  bool clear_default = false, clear_min = false, clear_max = false, clear_required_tags = false;
  bool pending_verification = false;
  std::optional<std::string> list_scope;
  Paging paging;
};

void guardrail_options(CLI::App* cmd, PoolFlags& o) {
  cmd->add_option("--default-netmask", o.default_netmask, "Default allocation netmask length")
      ->check(CLI::Range(0, 128));
  cmd->add_option("--min-netmask", o.min_netmask, "Largest block allowed (min netmask length)")
      ->check(CLI::Range(0, 128));
  cmd->add_option("--max-netmask", o.max_netmask, "Smallest block allowed (max netmask length)")
      ->check(CLI::Range(0, 128));
  tag_option(cmd, "--required-tag", o.required_tags,
             "Tag every resource allocation must carry (repeatable)");
}

void put_guardrails(Json& body, const PoolFlags& o) {
  put(body, "allocation_default_netmask_length", o.default_netmask);
  put(body, "allocation_min_netmask_length", o.min_netmask);
  put(body, "allocation_max_netmask_length", o.max_netmask);
}

void add_pool(CLI::App& app, Commands& c) {
  CLI::App* g = group(app, "pool", "Pools and their provisioned CIDRs");
  auto o = std::make_shared<PoolFlags>();

  CLI::App* create = c.leaf(g, "create", "Create a pool in a scope (a child pool with --source)",
                            [o](Session& s) {
                              Json body{{"scope_id", o->scope}};
                              put(body, "address_family", o->family);
                              put(body, "source_pool_id", o->source);
                              put(body, "locale", o->locale);
                              put(body, "description", o->description);
                              if (o->auto_import) body["auto_import"] = true;
                              if (o->publicly_advertisable) body["publicly_advertisable"] = true;
                              put_guardrails(body, *o);
                              int code = kExitOk;
                              if (!put_tags(s, body, "tags", o->tags, &code) ||
                                  !put_tags(s, body, "allocation_resource_tags", o->required_tags,
                                            &code)) {
                                return code;
                              }
                              s.add_client_token(body);
                              return s.object("POST", "/v1/pools", &body, "pool");
                            }, true);
  create->add_option("--scope", o->scope, "Scope id")->required();
  create->add_option("--family", o->family, "ipv4 (default) or ipv6")
      ->check(CLI::IsMember({"ipv4", "ipv6"}));
  create->add_option("--source", o->source, "Source (parent) pool id");
  create->add_option("--locale", o->locale, "Region the pool serves (an operating region)");
  create->add_option("--description", o->description, "Free text");
  tag_option(create, "--tag", o->tags, "Tag (repeatable)");
  create->add_flag("--auto-import", o->auto_import, "Claim discovered resource CIDRs in free space");
  create->add_flag("--publicly-advertisable", o->publicly_advertisable,
                   "Public scope only: the space may be advertised");
  guardrail_options(create, *o);

  CLI::App* list = c.leaf(g, "list", "List pools", [o](Session& s) {
    return s.list("/v1/pools", Query().add_if("scope_id", o->list_scope), "pools",
                  ListKind::kPools, o->paging);
  });
  list->add_option("--scope", o->list_scope, "Only pools of this scope");
  paging_options(list, o->paging);

  c.leaf(g, "show", "Show one pool", [o](Session& s) {
     return s.object("GET", "/v1/pools/" + enc(o->id), nullptr, "pool");
   })->add_option("ID", o->id, "Pool id")->required();

  CLI::App* modify = c.leaf(g, "modify", "Change a pool's description, auto-import or guardrails",
                            [o](Session& s) {
                              Json body = Json::object();
                              put(body, "description", o->description);
                              if (o->auto_import) body["auto_import"] = true;
                              if (o->no_auto_import) body["auto_import"] = false;
                              put_guardrails(body, *o);
                              if (o->clear_default) body["clear_allocation_default_netmask_length"] = true;
                              if (o->clear_min) body["clear_allocation_min_netmask_length"] = true;
                              if (o->clear_max) body["clear_allocation_max_netmask_length"] = true;
                              int code = kExitOk;
                              if (!put_tags(s, body, "allocation_resource_tags", o->required_tags,
                                            &code)) {
                                return code;
                              }
                              if (o->clear_required_tags) body["allocation_resource_tags"] = Json::object();
                              if (body.empty()) {
                                return s.usage("pool modify: nothing to change; see "
                                               "'byoipctl pool modify --help'");
                              }
                              return s.object("PATCH", "/v1/pools/" + enc(o->id), &body, "pool");
                            });
  modify->add_option("ID", o->id, "Pool id")->required();
  modify->add_option("--description", o->description, "Free text");
  auto* ai = modify->add_flag("--auto-import", o->auto_import, "Turn auto-import on");
  modify->add_flag("--no-auto-import", o->no_auto_import, "Turn auto-import off")->excludes(ai);
  guardrail_options(modify, *o);
  modify->add_flag("--clear-default-netmask", o->clear_default, "Remove the default netmask")
      ->excludes("--default-netmask");
  modify->add_flag("--clear-min-netmask", o->clear_min, "Remove the min netmask")
      ->excludes("--min-netmask");
  modify->add_flag("--clear-max-netmask", o->clear_max, "Remove the max netmask")
      ->excludes("--max-netmask");
  modify->add_flag("--clear-required-tags", o->clear_required_tags, "Remove every required tag")
      ->excludes("--required-tag");

  c.leaf(g, "delete", "Delete a pool (refused while it has children or provisioned CIDRs)",
         [o](Session& s) {
           return s.done("DELETE", "/v1/pools/" + enc(o->id), nullptr, "deleted", "deleted");
         })
      ->add_option("ID", o->id, "Pool id")
      ->required();

  CLI::App* provision = c.leaf(g, "provision", "Provision a CIDR (or a netmask from the source pool)",
                               [o](Session& s) {
                                 if (!o->cidr && !o->netmask) {
                                   return s.usage("pool provision: give --cidr CIDR or --netmask N");
                                 }
                                 Json body = Json::object();
                                 put(body, "cidr", o->cidr);
                                 put(body, "netmask_length", o->netmask);
                                 if (o->pending_verification) body["pending_verification"] = true;
                                 s.add_client_token(body);
                                 return s.object("POST", "/v1/pools/" + enc(o->id) + "/cidrs", &body,
                                                 "pool_cidr");
                               }, true);
  provision->add_option("POOL", o->id, "Pool id")->required();
  auto* pc = provision->add_option("--cidr", o->cidr, "Explicit CIDR");
  auto* pn = provision->add_option("--netmask", o->netmask, "Netmask length carved from the source")
                 ->check(CLI::Range(0, 128));
  pc->excludes(pn);
  provision->add_flag("--pending-verification", o->pending_verification,
                      "Public scope (BYOIP): enter pending-provision until ownership is verified");

  CLI::App* deprovision = c.leaf(g, "deprovision", "Deprovision a CIDR (refused while allocated)",
                                 [o](Session& s) {
                                   Query q;
                                   q.add("cidr", o->cidr.value_or(""));
                                   return s.object("DELETE",
                                                   "/v1/pools/" + enc(o->id) + "/cidrs" + q.str(),
                                                   nullptr, "pool_cidr");
                                 });
  deprovision->add_option("POOL", o->id, "Pool id")->required();
  deprovision->add_option("--cidr", o->cidr, "The provisioned CIDR")->required();

  CLI::App* cidrs = c.leaf(g, "cidrs", "List a pool's CIDRs and their states", [o](Session& s) {
    return s.list("/v1/pools/" + enc(o->id) + "/cidrs", Query(), "pool_cidrs",
                  ListKind::kPoolCidrs, o->paging);
  });
  cidrs->add_option("POOL", o->id, "Pool id")->required();
  paging_options(cidrs, o->paging);
}

// ---- allocations ----------------------------------------------------------------

struct AllocFlags {
  std::string pool, id;
  std::optional<std::string> cidr, description;
  std::optional<int> netmask;
  std::vector<std::string> allowed, disallowed;
  std::optional<std::string> resource_type, resource_id, resource_region, resource_owner;
  std::vector<std::string> resource_tags;
  Paging paging;
};

// The allocate / preview body; false (with *code) on a usage error.
bool allocation_body(Session& s, const AllocFlags& o, Json& body, int* code) {
  body = Json::object();
  put(body, "cidr", o.cidr);
  put(body, "netmask_length", o.netmask);
  if (!o.allowed.empty()) body["allowed_cidrs"] = o.allowed;
  if (!o.disallowed.empty()) body["disallowed_cidrs"] = o.disallowed;
  put(body, "description", o.description);
  if (o.resource_id) {
    Json r{{"id", *o.resource_id}};
    put(r, "type", o.resource_type);
    put(r, "region", o.resource_region);
    put(r, "owner", o.resource_owner);
    if (!put_tags(s, r, "tags", o.resource_tags, code)) return false;
    body["resource"] = std::move(r);
  }
  return true;
}

void allocation_options(CLI::App* cmd, AllocFlags& o) {
  cmd->add_option("POOL", o.pool, "Pool id")->required();
  auto* cidr = cmd->add_option("--cidr", o.cidr, "A specific CIDR");
  cmd->add_option("--netmask", o.netmask, "Netmask length (else the pool's default)")
      ->check(CLI::Range(0, 128))
      ->excludes(cidr);
  cmd->add_option("--allowed", o.allowed, "Search only inside this CIDR (repeatable)")
      ->delimiter(',');
  cmd->add_option("--disallowed", o.disallowed, "Never return space in this CIDR (repeatable)")
      ->delimiter(',');
  cmd->add_option("--description", o.description, "Free text (manual reservations)");
  auto* id = cmd->add_option("--resource-id", o.resource_id, "Allocate for this resource");
  cmd->add_option("--resource-type", o.resource_type, "vpc (default), subnet, eip, ...")
      ->check(CLI::IsMember({"vpc", "subnet", "eip", "ec2-public-ipv4-pool", "anycast-ip-list"}))
      ->needs(id);
  cmd->add_option("--resource-region", o.resource_region, "The resource's region")->needs(id);
  cmd->add_option("--resource-owner", o.resource_owner, "The resource's account")->needs(id);
  auto* tag = cmd->add_option("--resource-tag", o.resource_tags, "The resource's tag (repeatable)");
  tag->check(kTagSyntax)->type_name("KEY=VALUE")->needs(id);
}

void add_alloc(CLI::App& app, Commands& c) {
  CLI::App* g = group(app, "alloc", "Allocations: create, preview, list, show, release");
  auto o = std::make_shared<AllocFlags>();

  allocation_options(c.leaf(g, "create", "Allocate a CIDR from a pool", [o](Session& s) {
    Json body;
    int code = kExitOk;
    if (!allocation_body(s, *o, body, &code)) return code;
    s.add_client_token(body);
    return s.object("POST", "/v1/pools/" + enc(o->pool) + "/allocations", &body, "allocation");
  }, true), *o);

  allocation_options(c.leaf(g, "preview", "Show the CIDR 'alloc create' would return now",
                            [o](Session& s) {
                              Json body;
                              int code = kExitOk;
                              if (!allocation_body(s, *o, body, &code)) return code;
                              Reply r = s.call("POST",
                                               "/v1/pools/" + enc(o->pool) + "/allocations/preview",
                                               &body);
                              if (r.code != kExitOk) return r.code;
                              if (s.json()) return s.print_json(r.body);
                              s.out() << cell_text(r.body.value("cidr", Json())) << "\n";
                              return kExitOk;
                            }),
                     *o);

  CLI::App* list = c.leaf(g, "list", "List a pool's allocations (in address order)", [o](Session& s) {
    return s.list("/v1/pools/" + enc(o->pool) + "/allocations", Query(), "allocations",
                  ListKind::kAllocations, o->paging);
  });
  list->add_option("POOL", o->pool, "Pool id")->required();
  paging_options(list, o->paging);

  c.leaf(g, "show", "Show one allocation", [o](Session& s) {
     return s.object("GET", "/v1/allocations/" + enc(o->id), nullptr, "allocation");
   })->add_option("ID", o->id, "Allocation id")->required();

  CLI::App* release = c.leaf(g, "release", "Release a manual reservation at once", [o](Session& s) {
    return s.done("DELETE",
                  "/v1/pools/" + enc(o->pool) + "/allocations/" + enc(o->id) +
                      Query().add_if("cidr", o->cidr).str(),
                  nullptr, "released", "released");
  });
  release->add_option("POOL", o->pool, "Pool id")->required();
  release->add_option("ALLOC_ID", o->id, "Allocation id")->required();
  release->add_option("--cidr", o->cidr, "Refuse unless the allocation holds this CIDR");
}

// ---- resources ------------------------------------------------------------------

struct ResourceFlags {
  std::string target, id, cidr;
  std::optional<std::string> region, owner, type;
  std::vector<std::string> tags;
  bool unignore = false;
  std::optional<std::string> management, overlap, compliance, pool, resource_id, list_owner;
  Paging paging;
};

void resource_options(CLI::App* cmd, ResourceFlags& o, const char* target, const char* what) {
  cmd->add_option(target, o.target, what)->required();
  cmd->add_option("--id", o.id, "Resource id")->required();
  cmd->add_option("--cidr", o.cidr, "The resource's CIDR")->required();
  cmd->add_option("--region", o.region, "The resource's region")->required();
  cmd->add_option("--owner", o.owner, "Owning account id");
  cmd->add_option("--type", o.type, "vpc (default), subnet, eip, ...")
      ->check(CLI::IsMember({"vpc", "subnet", "eip", "ec2-public-ipv4-pool", "anycast-ip-list"}));
  tag_option(cmd, "--tag", o.tags, "The resource's tag (repeatable)");
}

int send_resource(Session& s, const ResourceFlags& o, const std::string& path) {
  Json r{{"id", o.id}};
  put(r, "type", o.type);
  put(r, "region", o.region);
  put(r, "owner", o.owner);
  int code = kExitOk;
  if (!put_tags(s, r, "tags", o.tags, &code)) return code;
  Json body{{"resource", std::move(r)}, {"cidr", o.cidr}};
  return s.object("POST", path, &body, "resource_cidr");
}

void add_resource(CLI::App& app, Commands& c) {
  CLI::App* g = group(app, "resource", "Monitored resource CIDRs");
  auto o = std::make_shared<ResourceFlags>();

  resource_options(c.leaf(g, "register", "Record a resource CIDR seen in SCOPE", [o](Session& s) {
    return send_resource(s, *o, "/v1/scopes/" + enc(o->target) + "/resources");
  }), *o, "SCOPE", "Scope id");
  resource_options(c.leaf(g, "import", "Bring a live resource CIDR under POOL without renumbering",
                          [o](Session& s) {
                            return send_resource(s, *o, "/v1/pools/" + enc(o->target) + "/import");
                          }),
                   *o, "POOL", "Pool id");

  CLI::App* list = c.leaf(g, "list", "List a scope's resource CIDRs with their states",
                          [o](Session& s) {
                            Query q;
                            q.add_if("management_state", o->management)
                                .add_if("overlap_status", o->overlap)
                                .add_if("compliance_status", o->compliance)
                                .add_if("pool_id", o->pool)
                                .add_if("resource_id", o->resource_id)
                                .add_if("owner", o->list_owner);
                            return s.list("/v1/scopes/" + enc(o->target) + "/resources", q,
                                          "resource_cidrs", ListKind::kResourceCidrs, o->paging);
                          });
  list->add_option("SCOPE", o->target, "Scope id")->required();
  list->add_option("--management-state", o->management, "managed, unmanaged or ignored")
      ->check(CLI::IsMember({"managed", "unmanaged", "ignored"}));
  list->add_option("--overlap-status", o->overlap, "overlapping, nonoverlapping or ignored")
      ->check(CLI::IsMember({"overlapping", "nonoverlapping", "ignored"}));
  list->add_option("--compliance-status", o->compliance,
                   "compliant, noncompliant, unmanaged or ignored")
      ->check(CLI::IsMember({"compliant", "noncompliant", "unmanaged", "ignored"}));
  list->add_option("--pool", o->pool, "Only CIDRs managed by this pool");
  list->add_option("--resource-id", o->resource_id, "Only this resource");
  list->add_option("--owner", o->list_owner, "Only this account's resources");
  paging_options(list, o->paging);

  CLI::App* ignore = c.leaf(g, "ignore", "Exclude a resource CIDR from overlap and compliance",
                            [o](Session& s) {
                              Json body{{"resource_id", o->id}, {"cidr", o->cidr},
                                        {"ignored", !o->unignore}};
                              return s.object("PATCH", "/v1/scopes/" + enc(o->target) + "/resources",
                                              &body, "resource_cidr");
                            });
  ignore->add_option("SCOPE", o->target, "Scope id")->required();
  ignore->add_option("--id", o->id, "Resource id")->required();
  ignore->add_option("--cidr", o->cidr, "The resource's CIDR")->required();
  ignore->add_flag("--unignore", o->unignore, "Monitor it again");

  c.leaf(g, "remove", "Forget a resource (every CIDR, every scope) and release its allocations",
         [o](Session& s) {
           return s.done("DELETE", "/v1/resources/" + enc(o->id), nullptr, "deleted", "deleted");
         })
      ->add_option("ID", o->id, "Resource id")
      ->required();

  CLI::App* remove_cidr = c.leaf(g, "remove-cidr", "Forget one CIDR of a resource", [o](Session& s) {
    Query q;
    q.add("resource_id", o->id).add("cidr", o->cidr);
    return s.done("DELETE", "/v1/scopes/" + enc(o->target) + "/resources" + q.str(), nullptr,
                  "deleted", "deleted");
  });
  remove_cidr->add_option("SCOPE", o->target, "Scope id")->required();
  remove_cidr->add_option("--id", o->id, "Resource id")->required();
  remove_cidr->add_option("--cidr", o->cidr, "The CIDR")->required();
}

// ---- utilization and shares ------------------------------------------------------

void add_util(CLI::App& app, Commands& c) {
  CLI::App* g = group(app, "util", "Pool utilization");
  auto pool = std::make_shared<std::string>();
  c.leaf(g, "show", "Show a pool's utilization", [pool](Session& s) {
     Reply r = s.call("GET", "/v1/pools/" + enc(*pool) + "/utilization");
     if (r.code != kExitOk) return r.code;
     if (s.json()) return s.print_json(r.body);
     s.out() << render_utilization(r.body.value("utilization", Json::object()));
     return kExitOk;
   })->add_option("POOL", *pool, "Pool id")->required();

  auto threshold = std::make_shared<std::optional<double>>();
  c.leaf(g, "report", "Pools at or above a utilization threshold, most utilized first",
         [threshold](Session& s) {
           Query q;
           if (*threshold) q.add("threshold", Json(**threshold).dump());
           Reply r = s.call("GET", "/v1/reports/utilization" + q.str());
           if (r.code != kExitOk) return r.code;
           if (s.json()) return s.print_json(r.body);
           s.out() << "threshold: " << cell_text(r.body.value("threshold", Json())) << "%\n"
                   << render_list(ListKind::kUtilization, r.body.value("pools", Json::array()));
           return kExitOk;
         })
      ->add_option("--threshold", *threshold, "Percent (default: the daemon's, 80)")
      ->check(CLI::Range(0.0, 100.0));
}

struct ShareFlags {
  std::string id, name, member;
  bool allow_external = false;
  Paging paging;
};

void add_share(CLI::App& app, Commands& c) {
  CLI::App* g = group(app, "share", "Pool shares with accounts, OUs or the organization");
  auto o = std::make_shared<ShareFlags>();
  CLI::App* create = c.leaf(g, "create", "Create a share", [o](Session& s) {
    Json body{{"name", o->name}};
    if (o->allow_external) body["allow_external_principals"] = true;
    s.add_client_token(body);
    return s.object("POST", "/v1/shares", &body, "share");
  }, true);
  create->add_option("NAME", o->name, "Share name")->required();
  create->add_flag("--allow-external-principals", o->allow_external,
                   "Allow principals outside the organization");
  paging_options(c.leaf(g, "list", "List shares", [o](Session& s) {
    return s.list("/v1/shares", Query(), "shares", ListKind::kShares, o->paging);
  }), o->paging);
  c.leaf(g, "show", "Show one share", [o](Session& s) {
     return s.object("GET", "/v1/shares/" + enc(o->id), nullptr, "share");
   })->add_option("ID", o->id, "Share id")->required();
  c.leaf(g, "delete", "Delete a share", [o](Session& s) {
     return s.done("DELETE", "/v1/shares/" + enc(o->id), nullptr, "deleted", "deleted");
   })->add_option("ID", o->id, "Share id")->required();

  struct Member {
    const char* name;
    const char* description;
    const char* what;
    const char* collection;
    const char* field;
    bool add;
  };
  static const Member kMembers[] = {
      {"add-pool", "Add a pool to a share", "POOL", "pools", "pool_id", true},
      {"remove-pool", "Remove a pool from a share", "POOL", "pools", "pool_id", false},
      {"add-principal", "Share with an account, an OU or the organization", "PRINCIPAL",
       "principals", "principal", true},
      {"remove-principal", "Stop sharing with a principal", "PRINCIPAL", "principals",
       "principal", false},
  };
  for (const Member& m : kMembers) {
    CLI::App* cmd = c.leaf(g, m.name, m.description, [o, m](Session& s) {
      std::string path = "/v1/shares/" + enc(o->id) + "/" + m.collection;
      if (m.add) {
        Json body{{m.field, o->member}};
        return s.object("POST", path, &body, "share");
      }
      return s.object("DELETE", path + "/" + enc(o->member), nullptr, "share");
    });
    cmd->add_option("SHARE", o->id, "Share id")->required();
    cmd->add_option(m.what, o->member, m.what == std::string("POOL")
                                           ? "Pool id"
                                           : "Account id, OU id or organization id")
        ->required();
  }
}

// ---- ipam tree ------------------------------------------------------------------

int ipam_tree(Session& s, const std::optional<std::string>& only) {
  const Paging all;
  Json ipams = Json::array();
  if (only) {
    Reply r = s.call("GET", "/v1/ipams/" + enc(*only));
    if (r.code != kExitOk) return r.code;
    ipams.push_back(r.body.value("ipam", Json::object()));
  } else if (int code = s.fetch("/v1/ipams", Query(), "ipams", all, ipams); code != kExitOk) {
    return code;
  }
  Json trees = Json::array();
  std::string text;
  for (const auto& ipam : ipams) {
    std::string ipam_id = ipam.value("id", "");
    Json scopes = Json::array();
    if (int code = s.fetch("/v1/scopes", Query().add("ipam_id", ipam_id), "scopes", all, scopes);
        code != kExitOk) {
      return code;
    }
    Json pools = Json::array();
    for (const auto& scope : scopes) {
      if (int code = s.fetch("/v1/pools", Query().add("scope_id", scope.value("id", "")), "pools",
                             all, pools);
          code != kExitOk) {
        return code;
      }
    }
    std::map<std::string, Json> cidrs, utilization;
    for (const auto& pool : pools) {
      std::string id = pool.value("id", "");
      Json list = Json::array();
      if (int code = s.fetch("/v1/pools/" + enc(id) + "/cidrs", Query(), "pool_cidrs", all, list);
          code != kExitOk) {
        return code;
      }
      cidrs[id] = std::move(list);
      Reply u = s.call("GET", "/v1/pools/" + enc(id) + "/utilization");
      if (u.code != kExitOk) return u.code;
      utilization[id] = u.body.value("utilization", Json());
    }
    if (s.json()) {
      trees.push_back(tree_json(ipam, scopes, pools, cidrs, utilization));
    } else {
      text += (text.empty() ? "" : "\n") + render_tree(ipam, scopes, pools, cidrs, utilization);
    }
  }
  if (s.json()) return s.print_json(Json{{"ipams", std::move(trees)}});
  s.out() << (ipams.empty() ? "no IPAMs\n" : text);
  return kExitOk;
}

// The leaf subcommand that was selected.
const CLI::App* selected_leaf(const CLI::App& app) {
  const CLI::App* at = &app;
  while (!at->get_subcommands().empty()) at = at->get_subcommands().front();
  return at;
}

}  // namespace

int run_byoipctl(const std::vector<std::string>& args, const Invocation& inv) {
  CLI::App app("byoipctl: command-line client for the byoipd API", "byoipctl");
  app.fallthrough();  // global options may follow the subcommand (inherited)
  app.require_subcommand(1);
  app.footer(kExitCodesHelp);
  app.set_version_flag("--version", "byoipctl 0.1.0");

  GlobalFlags flags;
  app.add_option("--endpoint", flags.connection.endpoint,
                 std::string("API base URL (env BYOIPCTL_ENDPOINT; default ") + kDefaultEndpoint +
                     ")");
  app.add_option("--token", flags.connection.token, "API bearer token (env BYOIPCTL_TOKEN)");
  app.add_option("--config", flags.connection.config,
                 "Config file (env BYOIPCTL_CONFIG; default ~/.config/byoipctl/config.yaml)");
  app.add_option("--cacert", flags.connection.cacert, "CA bundle for HTTPS (env BYOIPCTL_CACERT)");
  app.add_option("-o,--output", flags.output, "table (default) or json")
      ->check(CLI::IsMember({"table", "json"}));
  app.add_option("--timeout", flags.timeout, "Request timeout in seconds (default 30)")
      ->check(CLI::Range(1, 3600));
  app.add_option("--client-token", flags.client_token,
                 "Idempotency token for creates, provision and allocate (a retry with the same "
                 "token returns the first result)");

  Commands commands;
  add_misc(app, commands);
  add_ipam(app, commands);
  add_pool(app, commands);
  add_alloc(app, commands);
  add_resource(app, commands);
  add_util(app, commands);
  add_share(app, commands);
  add_bgp(app, commands);
  add_rpki(app, commands);
  app.footer(std::string(kSettingsHelp) + "\n" + kExitCodesHelp);  // subcommands keep exit codes

  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 parses from the back
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, *inv.out, *inv.err);
    return code == 0 ? kExitOk : kExitUsage;
  }
  const Commands::Entry* entry = commands.find(selected_leaf(app));
  if (!entry) {
    *inv.err << "byoipctl: no command selected; see byoipctl --help\n";
    return kExitUsage;
  }
  auto settings = resolve_settings(flags.connection, inv.env);
  if (!settings.ok()) {
    *inv.err << "byoipctl: " << settings.error << "\n";
    return kExitUsage;
  }
  Session session(inv, flags, std::move(*settings.value));
  if (flags.client_token && !entry->idempotent) {
    return session.usage(
        "--client-token applies only to ipam create, scope create, pool create, pool provision, "
        "alloc create and share create");
  }
  try {
    return entry->action(session);
  } catch (const std::exception& e) {
    *inv.err << "byoipctl: unexpected: " << e.what() << "\n";
    return kExitOther;
  }
}

}  // namespace byoipctl
