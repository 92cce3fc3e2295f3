// ed25519 identities (libsodium). A key file holds the 32-byte secret seed as 64 hex characters
// and must be readable by its owner only (mode 0600 or stricter); loading refuses anything else
// with a message that names the file and the problem.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/bytes.h"
#include "core/status.h"

namespace loconet {

struct PublicKey {
  std::array<uint8_t, 32> bytes{};
  std::string Hex() const { return ToHex(bytes.data(), bytes.size()); }
  // First 8 hex characters, for tables and logs.
  std::string Short() const { return Hex().substr(0, 8); }
  bool operator==(const PublicKey& o) const { return bytes == o.bytes; }
  bool operator!=(const PublicKey& o) const { return bytes != o.bytes; }
  bool operator<(const PublicKey& o) const { return bytes < o.bytes; }
};

Result<PublicKey> ParsePublicKey(const std::string& hex);

// The 32 raw bytes as a string (protobuf `bytes` fields, map keys).
inline std::string RawString(const PublicKey& k) {
  return std::string(reinterpret_cast<const char*>(k.bytes.data()), k.bytes.size());
}

using Signature = std::array<uint8_t, 64>;

// X25519 keys for ZeroMQ's CURVE encryption (sync/transport.h), derived from ed25519 keys with
// libsodium's birational map, so that one key file serves for signing and for encryption and a
// node's public key names both.
using CurveKey = std::array<uint8_t, 32>;

// The X25519 public key of an ed25519 public key; kInvalidArgument if `key` is not a valid
// ed25519 point (no secret key could match it).
Result<CurveKey> ToCurvePublicKey(const PublicKey& key);

class Identity {
 public:
  // A fresh random key.
  static Identity Generate();
  // Deterministic key from a 32-byte seed (tests and devnets derive keys this way).
  static Identity FromSeed(const std::array<uint8_t, 32>& seed);
  // Loads a key file written by Save; see the header comment for what is refused.
  static Result<Identity> Load(const std::string& path);

  // Writes the key file with mode 0600. Refuses to overwrite an existing file unless `overwrite`.
  Status Save(const std::string& path, bool overwrite = false) const;

  const PublicKey& public_key() const { return public_key_; }
  Signature Sign(const uint8_t* data, size_t n) const;
  Signature Sign(const Bytes& b) const { return Sign(b.data(), b.size()); }
  // The X25519 secret key matching ToCurvePublicKey(public_key()).
  CurveKey CurveSecretKey() const;

 private:
  std::array<uint8_t, 32> seed_{};
  std::array<uint8_t, 64> secret_{};  // libsodium's expanded secret key (seed || public key)
  PublicKey public_key_;
};

// True if `sig` is `key`'s ed25519 signature of exactly these bytes.
bool Verify(const PublicKey& key, const uint8_t* data, size_t n, const Signature& sig);
inline bool Verify(const PublicKey& key, const Bytes& b, const Signature& sig) {
  return Verify(key, b.data(), b.size(), sig);
}

}  // namespace loconet
