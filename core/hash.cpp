#include "core/hash.h"

#include "core/sodium_init.h"

namespace loconet {

Hash256 Blake2b256(const void* data, size_t n) {
  EnsureSodium();
  Hash256 h;
  crypto_generichash(h.bytes.data(), h.bytes.size(), static_cast<const unsigned char*>(data), n,
                     nullptr, 0);
  return h;
}

Hasher::Hasher() {
  EnsureSodium();
  crypto_generichash_init(&state_, nullptr, 0, 32);
}

void Hasher::Update(const void* data, size_t n) {
  crypto_generichash_update(&state_, static_cast<const unsigned char*>(data), n);
}

Hash256 Hasher::Final() {
  Hash256 h;
  crypto_generichash_final(&state_, h.bytes.data(), h.bytes.size());
  return h;
}

Result<Hash256> ParseHash256(std::string_view hex) {
  Hash256 h;
  Status s = FromHex(hex, h.bytes.data(), h.bytes.size());
  if (!s.ok()) return s.WithContext("hash");
  return h;
}

}  // namespace loconet
