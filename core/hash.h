// BLAKE2b-256 (libsodium crypto_generichash with a 32-byte output): the one hash of loconet,
// used for model hashes, shard checksums, ledger record hashes and page assignment.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <sodium.h>

#include "core/bytes.h"

namespace loconet {

struct Hash256 {
  std::array<uint8_t, 32> bytes{};
  std::string Hex() const { return ToHex(bytes.data(), bytes.size()); }
  bool operator==(const Hash256& o) const { return bytes == o.bytes; }
  bool operator!=(const Hash256& o) const { return bytes != o.bytes; }
  bool operator<(const Hash256& o) const { return bytes < o.bytes; }
};

Hash256 Blake2b256(const void* data, size_t n);
inline Hash256 Blake2b256(const Bytes& b) { return Blake2b256(b.data(), b.size()); }
inline Hash256 Blake2b256(std::string_view s) { return Blake2b256(s.data(), s.size()); }

// Incremental hashing: Update any number of times, then Final once.
class Hasher {
 public:
  Hasher();
  void Update(const void* data, size_t n);
  void Update(const Bytes& b) { Update(b.data(), b.size()); }
  Hash256 Final();

 private:
  crypto_generichash_state state_;
};

// The 32 raw bytes as a string (protobuf `bytes` fields), and back; a string that is not 32
// bytes long gives the all-zero hash, which names no model.
inline std::string RawString(const Hash256& h) {
  return std::string(reinterpret_cast<const char*>(h.bytes.data()), h.bytes.size());
}
inline Hash256 HashFromRaw(std::string_view s) {
  Hash256 h;
  if (s.size() == h.bytes.size()) std::copy(s.begin(), s.end(), h.bytes.begin());
  return h;
}

// Parses a 64-character hex string.
Result<Hash256> ParseHash256(std::string_view hex);

}  // namespace loconet
