#include "sync/registration_pow.h"

#include <sodium.h>

#include <algorithm>
#include <string>

namespace loconet::sync {

namespace {

constexpr uint32_t kMaxBits = 32;
constexpr uint32_t kMinMemoryKib = 8;  // crypto_pwhash_MEMLIMIT_MIN is 8192 bytes
constexpr uint32_t kMaxMemoryKib = 1u << 20;
constexpr uint32_t kMaxOps = 16;

}  // namespace

Status CheckPowTerms(const PowTerms& t) {
  if (t.bits > kMaxBits) {
    return Error(Code::kInvalidArgument, "proof of work: bits " + std::to_string(t.bits) +
                                             " is more than " + std::to_string(kMaxBits));
  }
  if (t.memory_kib < kMinMemoryKib || t.memory_kib > kMaxMemoryKib) {
    return Error(Code::kInvalidArgument, "proof of work: memory_kib " +
                                             std::to_string(t.memory_kib) + " is not in [" +
                                             std::to_string(kMinMemoryKib) + ", " +
                                             std::to_string(kMaxMemoryKib) + "]");
  }
  if (t.ops < 1 || t.ops > kMaxOps) {
    return Error(Code::kInvalidArgument, "proof of work: ops " + std::to_string(t.ops) +
                                             " is not in [1, " + std::to_string(kMaxOps) + "]");
  }
  return Status::Ok();
}

Result<Hash256> PowDigest(const PublicKey& miner, const PublicKey& validator, uint64_t nonce,
                          const PowTerms& terms) {
  LOCONET_RETURN_IF_ERROR(CheckPowTerms(terms));
  if (sodium_init() < 0) return Error(Code::kInternal, "libsodium failed to initialise");
  std::string salt_input = "loconet.pow";
  salt_input.append(reinterpret_cast<const char*>(validator.bytes.data()), validator.bytes.size());
  const Hash256 salt = Blake2b256(salt_input);
  static_assert(crypto_pwhash_SALTBYTES == 16, "libsodium's Argon2 salt is 16 bytes");
  unsigned char password[40];
  std::copy(miner.bytes.begin(), miner.bytes.end(), password);
  for (int i = 0; i < 8; ++i) password[32 + i] = static_cast<unsigned char>(nonce >> (8 * i));
  Hash256 out;
  if (crypto_pwhash(out.bytes.data(), out.bytes.size(), reinterpret_cast<const char*>(password),
                    sizeof(password), salt.bytes.data(), terms.ops,
                    static_cast<size_t>(terms.memory_kib) * 1024,
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Error(Code::kInternal, "proof of work: Argon2id could not allocate " +
                                      std::to_string(terms.memory_kib) + " KiB");
  }
  return out;
}

uint32_t LeadingZeroBits(const Hash256& digest) {
  uint32_t n = 0;
  for (uint8_t b : digest.bytes) {
    if (b == 0) {
      n += 8;
      continue;
    }
    for (int bit = 7; bit >= 0 && !(b & (1u << bit)); --bit) ++n;
    break;
  }
  return n;
}

Status VerifyPow(const PublicKey& miner, const PublicKey& validator, uint64_t nonce,
                 const PowTerms& terms) {
  LOCONET_RETURN_IF_ERROR(CheckPowTerms(terms));
  if (terms.bits == 0) return Status::Ok();
  LOCONET_ASSIGN_OR_RETURN(Hash256 digest, PowDigest(miner, validator, nonce, terms));
  const uint32_t zeros = LeadingZeroBits(digest);
  if (zeros < terms.bits) {
    return Error(Code::kBadProofOfWork,
                 "proof of work: nonce " + std::to_string(nonce) + " gives " +
                     std::to_string(zeros) + " leading zero bits, " +
                     std::to_string(terms.bits) + " are asked for (Argon2id, " +
                     std::to_string(terms.memory_kib) + " KiB, " + std::to_string(terms.ops) +
                     " passes)");
  }
  return Status::Ok();
}

Result<uint64_t> SolvePow(const PublicKey& miner, const PublicKey& validator,
                          const PowTerms& terms, const std::atomic<bool>& stop) {
  LOCONET_RETURN_IF_ERROR(CheckPowTerms(terms));
  for (uint64_t nonce = 0;; ++nonce) {
    if (stop.load()) return Error(Code::kUnavailable, "proof of work: stopped");
    if (terms.bits == 0) return nonce;
    LOCONET_ASSIGN_OR_RETURN(Hash256 digest, PowDigest(miner, validator, nonce, terms));
    if (LeadingZeroBits(digest) >= terms.bits) return nonce;
  }
}

}  // namespace loconet::sync
