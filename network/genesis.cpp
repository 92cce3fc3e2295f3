#include "network/genesis.h"

#include <set>

namespace loconet::network {
namespace {

Status Range(const std::string& name, uint64_t value, uint64_t min, uint64_t max) {
  if (value >= min && value <= max) return Status::Ok();
  return Error(Code::kInvalidArgument, "parameter " + name + " is " + std::to_string(value) +
                                           ", expected a value in [" + std::to_string(min) + ", " +
                                           std::to_string(max) + "]");
}

bool NameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

std::string Who(const GenesisValidator& v, size_t index) {
  return "validator " + std::to_string(index) + " (" + v.key.Hex() + ")";
}

}  // namespace

Bytes CanonicalBytes(const Genesis& g) {
  ByteWriter w;
  w.Blob(kGenesisDomain);
  w.U32(g.version);
  w.Blob(g.name);
  w.U16(g.params.kappa);
  w.U64(g.params.bonds_moving_average);
  w.U16(g.params.bonds_penalty);
  w.U64(g.params.epoch_rounds);
  w.U64(g.params.emission);
  w.U8(g.params.miner_share ? 1 : 0);
  w.U16(g.params.miner_share.value_or(0));
  w.U32(static_cast<uint32_t>(g.validators.size()));
  for (const GenesisValidator& v : g.validators) {
    w.Raw(v.key.bytes.data(), v.key.bytes.size());
    w.U64(v.stake);
  }
  return w.Take();
}

Hash256 NetworkId(const Genesis& genesis) { return Blake2b256(CanonicalBytes(genesis)); }

Bytes SigningBytes(const Hash256& network_id) {
  ByteWriter w;
  w.Blob(kGenesisSignDomain);
  w.Raw(network_id.bytes.data(), network_id.bytes.size());
  return w.Take();
}

Status CheckContents(const Genesis& g) {
  if (g.version != kGenesisVersion) {
    return Error(Code::kInvalidArgument, "version " + std::to_string(g.version) +
                                             " is not supported (expected " +
                                             std::to_string(kGenesisVersion) + ")");
  }
  if (g.name.empty() || g.name.size() > kMaxNameBytes) {
    return Error(Code::kInvalidArgument, "name must be 1 to " + std::to_string(kMaxNameBytes) +
                                             " characters, found " + std::to_string(g.name.size()));
  }
  for (char c : g.name) {
    if (!NameChar(c)) {
      return Error(Code::kInvalidArgument, "name may hold only letters, digits, '.', '_' and '-'");
    }
  }
  const NetworkParams& p = g.params;
  LOCONET_RETURN_IF_ERROR(Range("kappa", p.kappa, 1, 65535));
  LOCONET_RETURN_IF_ERROR(Range("bonds_moving_average", p.bonds_moving_average, 0, 1000000));
  LOCONET_RETURN_IF_ERROR(Range("epoch_rounds", p.epoch_rounds, 1, 1000000));
  LOCONET_RETURN_IF_ERROR(Range("emission", p.emission, 1, uint64_t{INT64_MAX}));
  if (g.validators.empty()) {
    return Error(Code::kInvalidArgument, "no validators: a network needs at least one");
  }
  if (g.validators.size() > kMaxValidators) {
    return Error(Code::kInvalidArgument, std::to_string(g.validators.size()) +
                                             " validators, at most " +
                                             std::to_string(kMaxValidators));
  }
  std::set<PublicKey> seen;
  uint64_t total = 0;
  for (size_t i = 0; i < g.validators.size(); ++i) {
    const GenesisValidator& v = g.validators[i];
    if (!seen.insert(v.key).second) {
      return Error(Code::kDuplicate, Who(v, i) + " is listed twice");
    }
    if (v.stake == 0) return Error(Code::kInvalidArgument, Who(v, i) + " has zero stake");
    if (v.stake > uint64_t{INT64_MAX} - total) {
      return Error(Code::kInvalidArgument, "the stakes' total reaches 2^63 at " + Who(v, i));
    }
    total += v.stake;
  }
  return Status::Ok();
}

SignatureState StateOf(const GenesisValidator& v, const Hash256& network_id) {
  if (!v.signature) return SignatureState::kMissing;
  return Verify(v.key, SigningBytes(network_id), *v.signature) ? SignatureState::kValid
                                                               : SignatureState::kInvalid;
}

Status CheckSignatures(const Genesis& g) {
  const Hash256 id = NetworkId(g);
  for (size_t i = 0; i < g.validators.size(); ++i) {
    switch (StateOf(g.validators[i], id)) {
      case SignatureState::kValid:
        break;
      case SignatureState::kMissing:
        return Error(Code::kBadSignature,
                     Who(g.validators[i], i) + " has not signed (loconet network sign)");
      case SignatureState::kInvalid:
        return Error(
            Code::kBadSignature,
            Who(g.validators[i], i) + ": signature does not verify for network " + id.Hex());
    }
  }
  return Status::Ok();
}

Status Sign(Genesis* genesis, const Identity& id) {
  std::optional<size_t> index = LeadIndex(*genesis, id.public_key());
  if (!index) {
    return Error(Code::kUnknownKey,
                 "key " + id.public_key().Hex() + " is not a validator of this network");
  }
  genesis->validators[*index].signature = id.Sign(SigningBytes(NetworkId(*genesis)));
  return Status::Ok();
}

std::optional<size_t> LeadIndex(const Genesis& genesis, const PublicKey& key) {
  for (size_t i = 0; i < genesis.validators.size(); ++i) {
    if (genesis.validators[i].key == key) return i;
  }
  return std::nullopt;
}

}  // namespace loconet::network
