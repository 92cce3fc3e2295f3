// The genesis of a loconet network: the validators (public keys and stakes) in lead order and
// the consensus parameters, and its hash, the network id (docs/formats.md, "Network file").
//
// The id is BLAKE2b-256 of CanonicalBytes(genesis): explicit little-endian bytes in a fixed
// order, never the TOML text, so reformatting a network file does not change its network.
// Validators' signatures are not part of the id: each listed validator signs
// SigningBytes(id), and a genesis is valid only when every listed validator has signed.
//
// Pure and thread-compatible: no I/O, no globals. Torch-free; depends on core/ only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/hash.h"
#include "core/keys.h"
#include "core/status.h"

namespace loconet::network {

// The consensus parameters. Names, types and meanings are consensus::EpochParams' (consensus/
// yuma.h), plus the epoch length.
struct NetworkParams {
  uint16_t kappa = 32767;                  // majority ratio, u16 proportion of 65535; >= 1
  uint64_t bonds_moving_average = 900000;  // parts per million of the old bonds kept; <= 1e6
  uint16_t bonds_penalty = 65535;          // u16 proportion
  uint64_t epoch_rounds = 5;               // rounds per epoch; in [1, 1e6]
  uint64_t emission = 1000000;             // tokens emitted per epoch; in [1, 2^63 - 1]
  // Unset: subtensor's split of the emission between miners and validators. Set: this u16
  // proportion to miners by incentive, the rest to validators by dividends.
  std::optional<uint16_t> miner_share;
};

struct GenesisValidator {
  PublicKey key;
  uint64_t stake = 0;  // >= 1; the stakes' total stays below 2^63
  // The validator's signature of SigningBytes(NetworkId(genesis)); not part of the id.
  std::optional<Signature> signature;
};

struct Genesis {
  uint32_t version = 1;  // the only version
  std::string name;      // 1 to 64 of [A-Za-z0-9._-]; tells apart networks of the same keys
  NetworkParams params;
  std::vector<GenesisValidator> validators;  // the lead order: validators[0] leads first
};

inline constexpr uint32_t kGenesisVersion = 1;
inline constexpr size_t kMaxValidators = 256;
inline constexpr size_t kMaxNameBytes = 64;
// Domain prefixes (ByteWriter Blob) of the canonical bytes and of what a validator signs.
inline constexpr std::string_view kGenesisDomain = "loconet/network/v1";
inline constexpr std::string_view kGenesisSignDomain = "loconet/network/sign/v1";

// Blob(kGenesisDomain) || u32 version || Blob(name) || u16 kappa || u64 bonds_moving_average ||
// u16 bonds_penalty || u64 epoch_rounds || u64 emission || u8 has_miner_share ||
// u16 miner_share (0 when unset) || u32 n || n x (32-byte key || u64 stake), all little-endian.
Bytes CanonicalBytes(const Genesis& genesis);

// BLAKE2b-256 of CanonicalBytes.
Hash256 NetworkId(const Genesis& genesis);

// What each validator signs: Blob(kGenesisSignDomain) || the 32 bytes of the id.
Bytes SigningBytes(const Hash256& network_id);

// Every rule but signatures, the first broken one reported: version, name, parameter ranges
// (kInvalidArgument naming the parameter), no validators or more than kMaxValidators
// (kInvalidArgument), a zero stake or a total of 2^63 or more (kInvalidArgument), a key listed
// twice (kDuplicate).
[[nodiscard]] Status CheckContents(const Genesis& genesis);

enum class SignatureState { kMissing, kValid, kInvalid };
SignatureState StateOf(const GenesisValidator& v, const Hash256& network_id);

// OK when every listed validator's signature is present and valid; otherwise kBadSignature
// naming the first validator (by key and position) whose signature is missing or invalid.
[[nodiscard]] Status CheckSignatures(const Genesis& genesis);

// Adds (or replaces) `id`'s signature; kUnknownKey if `id` is not a listed validator.
[[nodiscard]] Status Sign(Genesis* genesis, const Identity& id);

// The position of `key` in the lead order, or nullopt for a key not listed (an observer).
std::optional<size_t> LeadIndex(const Genesis& genesis, const PublicKey& key);

}  // namespace loconet::network
