// `loconet network init|sign|show`: write a network file (the genesis: validators, stakes, lead
// order, consensus parameters), add a validator's signature to it, and print it with the state
// of every signature (network/network_file.h, docs/formats.md "Network file").
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>
#include <vector>

#include "apps/commands.h"
#include "core/keys.h"
#include "network/genesis.h"
#include "network/network_file.h"

namespace loconet::apps {
namespace {

struct InitArgs {
  std::vector<std::string> validators;  // KEYFILE_OR_PUBHEX:STAKE
  std::string name = "loconet";
  network::NetworkParams params;
  int miner_share = -1;  // -1: unset
  std::string out;
  bool force = false;
};

// "KEY:STAKE" where KEY is 64 hex characters (a public key) or a key file (its public key is
// read; nothing is signed).
Result<network::GenesisValidator> ParseValidatorSpec(const std::string& spec) {
  const size_t colon = spec.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) {
    return Error(Code::kInvalidArgument,
                 "--validator '" + spec + "': expected KEYFILE_OR_PUBHEX:STAKE");
  }
  const std::string key = spec.substr(0, colon);
  const std::string stake = spec.substr(colon + 1);
  network::GenesisValidator v;
  if (stake.find_first_not_of("0123456789") != std::string::npos || stake.size() > 19) {
    return Error(Code::kInvalidArgument,
                 "--validator '" + spec + "': stake must be a whole number below 2^63");
  }
  v.stake = std::stoull(stake);
  const bool hex =
      key.size() == 64 && key.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
  if (hex && !std::filesystem::exists(key)) {
    Result<PublicKey> k = ParsePublicKey(key);
    if (!k.ok()) return k.status().WithContext("--validator " + spec);
    v.key = *k;
  } else {
    Result<Identity> id = Identity::Load(key);
    if (!id.ok()) return id.status().WithContext("--validator " + spec);
    v.key = id->public_key();
  }
  return v;
}

Status RunInit(const InitArgs& a) {
  network::Genesis g;
  g.name = a.name;
  g.params = a.params;
  if (a.miner_share >= 0) g.params.miner_share = static_cast<uint16_t>(a.miner_share);
  for (const std::string& spec : a.validators) {
    LOCONET_ASSIGN_OR_RETURN(network::GenesisValidator v, ParseValidatorSpec(spec));
    g.validators.push_back(v);
  }
  LOCONET_RETURN_IF_ERROR(network::CheckContents(g));
  if (!a.force && std::filesystem::exists(a.out)) {
    return Error(Code::kAlreadyExists, a.out + " exists (--force to overwrite)");
  }
  LOCONET_RETURN_IF_ERROR(network::WriteNetworkFile(a.out, g));
  std::cout << "network " << network::NetworkId(g).Hex() << "\n"
            << "wrote " << a.out << ": " << g.validators.size()
            << " validator(s); each signs it with loconet network sign --network " << a.out
            << " --key KEYFILE\n";
  return Status::Ok();
}

size_t CountValid(const network::Genesis& g) {
  const Hash256 id = network::NetworkId(g);
  size_t n = 0;
  for (const auto& v : g.validators)
    n += network::StateOf(v, id) == network::SignatureState::kValid;
  return n;
}

Status RunSign(const std::string& path, const std::string& key_file) {
  LOCONET_ASSIGN_OR_RETURN(network::Genesis g, network::ReadNetworkFile(path));
  LOCONET_ASSIGN_OR_RETURN(Identity id, Identity::Load(key_file));
  LOCONET_RETURN_IF_ERROR(network::Sign(&g, id).WithContext(path));
  LOCONET_RETURN_IF_ERROR(network::WriteNetworkFile(path, g));
  std::cout << "signed network " << network::NetworkId(g).Hex() << " as validator "
            << *network::LeadIndex(g, id.public_key()) << " (" << id.public_key().Hex() << "); "
            << CountValid(g) << " of " << g.validators.size() << " signatures valid\n";
  return Status::Ok();
}

std::string Share(uint64_t stake, uint64_t total) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%",
                100.0 * static_cast<double>(stake) / static_cast<double>(total));
  return buf;
}

Status RunShow(const std::string& path) {
  LOCONET_ASSIGN_OR_RETURN(network::Genesis g, network::ReadNetworkFile(path));
  const Hash256 id = network::NetworkId(g);
  const network::NetworkParams& p = g.params;
  uint64_t total = 0;
  for (const auto& v : g.validators) total += v.stake;
  std::ostringstream s;
  s << "network  " << id.Hex() << "\n"
    << "name     " << g.name << "\n"
    << "file     " << path << " (version " << g.version << ")\n"
    << "consensus\n"
    << "  kappa                 " << p.kappa << " (" << Share(p.kappa, 65535) << ")\n"
    << "  bonds_moving_average  " << p.bonds_moving_average << " ppm\n"
    << "  bonds_penalty         " << p.bonds_penalty << "\n"
    << "  epoch_rounds          " << p.epoch_rounds << "\n"
    << "  emission              " << p.emission << " per epoch\n"
    << "  miner_share           "
    << (p.miner_share
            ? std::to_string(*p.miner_share) + " (" + Share(*p.miner_share, 65535) + " to miners)"
            : std::string("unset (subtensor's split)"))
    << "\n"
    << "validators, in lead order (total stake " << total << ")\n";
  for (size_t i = 0; i < g.validators.size(); ++i) {
    const auto& v = g.validators[i];
    const char* state = "missing";
    switch (network::StateOf(v, id)) {
      case network::SignatureState::kValid:
        state = "valid";
        break;
      case network::SignatureState::kInvalid:
        state = "INVALID";
        break;
      case network::SignatureState::kMissing:
        state = "missing";
        break;
    }
    s << "  " << i << "  " << v.key.Hex() << "  stake " << v.stake << " (" << Share(v.stake, total)
      << ")  signature " << state << (i == 0 ? "  (lead)" : "") << "\n";
  }
  const size_t valid = CountValid(g);
  s << "signatures " << valid << " of " << g.validators.size() << " valid: "
    << (valid == g.validators.size() ? "complete, nodes accept this file"
                                     : "incomplete, nodes refuse this file")
    << "\n";
  std::cout << s.str();
  return Status::Ok();
}

void Finish(const char* label, const Status& s, int* exit_code) {
  if (!s.ok()) {
    std::cerr << "loconet network " << label << ": " << s.ToString() << "\n";
    *exit_code = 1;
    return;
  }
  *exit_code = 0;
}

}  // namespace

void RegisterNetwork(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("network", "The network file: validators, stakes, parameters");
  cmd->require_subcommand(1);

  auto init = cmd->add_subcommand("init", "Write an unsigned network file (the genesis)");
  auto a = std::make_shared<InitArgs>();
  init->add_option("--validator", a->validators,
                   "KEYFILE_OR_PUBHEX:STAKE, repeated; the order given is the lead order")
      ->required();
  init->add_option("--name", a->name, "Network name (letters, digits, . _ -)")
      ->capture_default_str();
  init->add_option("--kappa", a->params.kappa, "Majority ratio, u16 proportion of 65535")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  init->add_option("--bonds-moving-average", a->params.bonds_moving_average,
                   "Parts per million of old bonds kept per epoch")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  init->add_option("--bonds-penalty", a->params.bonds_penalty, "u16 proportion")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  init->add_option("--epoch-rounds", a->params.epoch_rounds, "Rounds per epoch")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1000000}));
  init->add_option("--emission", a->params.emission, "Tokens emitted per epoch")
      ->capture_default_str();
  init->add_option("--miner-share", a->miner_share,
                   "u16 proportion of the emission to miners (default: subtensor's split)")
      ->check(CLI::Range(0, 65535));
  init->add_option("--out", a->out, "Network file to write")->required();
  init->add_flag("--force", a->force, "Overwrite an existing file");
  init->callback([=] { Finish("init", RunInit(*a), exit_code); });

  auto sign = cmd->add_subcommand("sign", "Add a listed validator's signature to a network file");
  auto sign_file = std::make_shared<std::string>();
  auto key_file = std::make_shared<std::string>();
  sign->add_option("--network", *sign_file, "Network file")->required();
  sign->add_option("--key", *key_file, "The validator's key file")->required();
  sign->callback([=] { Finish("sign", RunSign(*sign_file, *key_file), exit_code); });

  auto show = cmd->add_subcommand("show", "Print a network file and the state of its signatures");
  auto show_file = std::make_shared<std::string>();
  show->add_option("--network", *show_file, "Network file")->required();
  show->callback([=] { Finish("show", RunShow(*show_file), exit_code); });
}

}  // namespace loconet::apps
