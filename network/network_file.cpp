#include "network/network_file.h"

#include <toml++/toml.h>

#include <cstring>
#include <set>
#include <sstream>

#include "core/files.h"

namespace loconet::network {
namespace {

// Reads the integer `key` of `table` into [min, max]; `where` names the table in errors.
Result<int64_t> Int(const toml::table& table, const std::string& where, const std::string& key,
                    int64_t min, int64_t max) {
  const toml::node* n = table.get(key);
  const std::string name = where.empty() ? key : where + "." + key;
  if (!n) return Error(Code::kParseError, "field '" + name + "' is missing");
  std::optional<int64_t> v = n->value_exact<int64_t>();
  if (!v) return Error(Code::kParseError, "field '" + name + "' must be an integer");
  if (*v < min || *v > max) {
    return Error(Code::kInvalidArgument, "field '" + name + "' is " + std::to_string(*v) +
                                             ", expected a value in [" + std::to_string(min) +
                                             ", " + std::to_string(max) + "]");
  }
  return *v;
}

Result<std::string> Str(const toml::table& table, const std::string& where,
                        const std::string& key) {
  const toml::node* n = table.get(key);
  const std::string name = where.empty() ? key : where + "." + key;
  if (!n) return Error(Code::kParseError, "field '" + name + "' is missing");
  std::optional<std::string> v = n->value_exact<std::string>();
  if (!v) return Error(Code::kParseError, "field '" + name + "' must be a string");
  return *v;
}

Status OnlyKnown(const toml::table& table, const std::string& where,
                 const std::set<std::string>& known) {
  for (const auto& [k, v] : table) {
    (void)v;
    const std::string key(k.str());
    if (!known.count(key)) {
      return Error(Code::kParseError,
                   "unknown field '" + (where.empty() ? key : where + "." + key) + "'");
    }
  }
  return Status::Ok();
}

Result<GenesisValidator> ParseValidator(const toml::table& t, const std::string& where) {
  LOCONET_RETURN_IF_ERROR(OnlyKnown(t, where, {"key", "stake", "signature"}));
  GenesisValidator v;
  LOCONET_ASSIGN_OR_RETURN(std::string key, Str(t, where, "key"));
  Result<PublicKey> parsed = ParsePublicKey(key);
  if (!parsed.ok()) return parsed.status().WithContext(where + ".key");
  v.key = *parsed;
  LOCONET_ASSIGN_OR_RETURN(int64_t stake, Int(t, where, "stake", 0, INT64_MAX));
  v.stake = static_cast<uint64_t>(stake);
  if (t.contains("signature")) {
    LOCONET_ASSIGN_OR_RETURN(std::string hex, Str(t, where, "signature"));
    Signature sig;
    Status s = FromHex(hex, sig.data(), sig.size());
    if (!s.ok()) return s.WithContext(where + ".signature");
    v.signature = sig;
  }
  return v;
}

Result<Genesis> ParseTable(const toml::table& root) {
  LOCONET_RETURN_IF_ERROR(OnlyKnown(root, "", {"version", "name", "consensus", "validator"}));
  Genesis g;
  LOCONET_ASSIGN_OR_RETURN(int64_t version, Int(root, "", "version", 0, UINT32_MAX));
  g.version = static_cast<uint32_t>(version);
  if (g.version != kGenesisVersion) {
    return Error(Code::kInvalidArgument, "version " + std::to_string(version) +
                                             " is not supported (expected " +
                                             std::to_string(kGenesisVersion) + ")");
  }
  LOCONET_ASSIGN_OR_RETURN(g.name, Str(root, "", "name"));

  const toml::table* c = root.get_as<toml::table>("consensus");
  if (!c) return Error(Code::kParseError, "table [consensus] is missing");
  LOCONET_RETURN_IF_ERROR(OnlyKnown(*c, "consensus",
                                    {"kappa", "bonds_moving_average", "bonds_penalty",
                                     "epoch_rounds", "emission", "miner_share"}));
  NetworkParams& p = g.params;
  LOCONET_ASSIGN_OR_RETURN(int64_t kappa, Int(*c, "consensus", "kappa", 0, 65535));
  LOCONET_ASSIGN_OR_RETURN(int64_t bma, Int(*c, "consensus", "bonds_moving_average", 0, INT64_MAX));
  LOCONET_ASSIGN_OR_RETURN(int64_t penalty, Int(*c, "consensus", "bonds_penalty", 0, 65535));
  LOCONET_ASSIGN_OR_RETURN(int64_t epoch, Int(*c, "consensus", "epoch_rounds", 0, INT64_MAX));
  LOCONET_ASSIGN_OR_RETURN(int64_t emission, Int(*c, "consensus", "emission", 0, INT64_MAX));
  p.kappa = static_cast<uint16_t>(kappa);
  p.bonds_moving_average = static_cast<uint64_t>(bma);
  p.bonds_penalty = static_cast<uint16_t>(penalty);
  p.epoch_rounds = static_cast<uint64_t>(epoch);
  p.emission = static_cast<uint64_t>(emission);
  if (c->contains("miner_share")) {
    LOCONET_ASSIGN_OR_RETURN(int64_t share, Int(*c, "consensus", "miner_share", 0, 65535));
    p.miner_share = static_cast<uint16_t>(share);
  }

  const toml::node* vs = root.get("validator");
  if (!vs) return Error(Code::kParseError, "no [[validator]] entries");
  const toml::array* arr = vs->as_array();
  if (!arr || !arr->is_array_of_tables()) {
    return Error(Code::kParseError, "'validator' must be an array of tables ([[validator]])");
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    const std::string where = "validator[" + std::to_string(i) + "]";
    LOCONET_ASSIGN_OR_RETURN(GenesisValidator v, ParseValidator(*arr->get(i)->as_table(), where));
    g.validators.push_back(v);
  }
  LOCONET_RETURN_IF_ERROR(CheckContents(g));
  return g;
}

}  // namespace

std::string FormatNetworkFile(const Genesis& g) {
  std::ostringstream s;
  s << "# loconet network file (docs/formats.md, \"Network file\").\n"
    << "# network id " << NetworkId(g).Hex() << "\n"
    << "# The id hashes the canonical bytes of every field below except the signatures.\n"
    << "version = " << g.version << "\n"
    << "name = \"" << g.name << "\"\n\n"
    << "[consensus]\n"
    << "kappa = " << g.params.kappa << "\n"
    << "bonds_moving_average = " << g.params.bonds_moving_average << "\n"
    << "bonds_penalty = " << g.params.bonds_penalty << "\n"
    << "epoch_rounds = " << g.params.epoch_rounds << "\n"
    << "emission = " << g.params.emission << "\n";
  if (g.params.miner_share) s << "miner_share = " << *g.params.miner_share << "\n";
  s << "\n# Validators in lead order: the first leads first.\n";
  for (const GenesisValidator& v : g.validators) {
    s << "\n[[validator]]\n"
      << "key = \"" << v.key.Hex() << "\"\n"
      << "stake = " << v.stake << "\n";
    if (v.signature) {
      s << "signature = \"" << ToHex(v.signature->data(), v.signature->size()) << "\"\n";
    }
  }
  return s.str();
}

Result<Genesis> ParseNetworkFile(const std::string& text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << source << ":" << e.source().begin.line << ":" << e.source().begin.column
        << ": invalid TOML: " << e.description();
    return Error(Code::kParseError, msg.str());
  }
  Result<Genesis> g = ParseTable(root);
  if (!g.ok()) return g.status().WithContext(source);
  return g;
}

Result<Genesis> ReadNetworkFile(const std::string& path) {
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status().WithContext("network file");
  return ParseNetworkFile(*text, path);
}

Result<Genesis> LoadNetworkFile(const std::string& path) {
  LOCONET_ASSIGN_OR_RETURN(Genesis g, ReadNetworkFile(path));
  Status s = CheckSignatures(g);
  if (!s.ok()) return s.WithContext(path);
  return g;
}

Status WriteNetworkFile(const std::string& path, const Genesis& genesis) {
  return WriteFileAtomic(path, FormatNetworkFile(genesis), 0644);
}

}  // namespace loconet::network
