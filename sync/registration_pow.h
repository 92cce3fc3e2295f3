// The proof of work a registration carries: identities cost something, so one operator cannot
// fill a network with free keys. Memory-hard (Argon2id, libsodium's crypto_pwhash), so a GPU or
// an ASIC buys little over the CPU a miner already has; one evaluation verifies it.
//
// digest(nonce) = Argon2id(password = miner key (32) || u64le nonce,
//                          salt = first 16 bytes of BLAKE2b-256("loconet.pow" || validator key),
//                          opslimit = ops, memlimit = memory_kib x 1024, 32-byte output)
// A nonce is valid when the digest starts with at least `bits` zero bits. The validator's key is
// in the salt, so a proof made for one validator (or network) is worth nothing at another, and
// the miner's key is in the password, so a proof cannot be lent to another key. Expected work:
// 2^bits evaluations. Torch-free.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/hash.h"
#include "core/keys.h"
#include "core/status.h"

namespace loconet::sync {

struct PowTerms {
  uint32_t bits = 0;          // leading zero bits asked for; 0: no proof needed
  uint32_t memory_kib = 16384;  // Argon2id memory per evaluation
  uint32_t ops = 1;           // Argon2id passes
};

// OK if the terms are within what a validator may ask and a miner can verify cheaply: bits at
// most 32, memory_kib in [8, 1048576], ops in [1, 16]; kInvalidArgument naming the field
// otherwise.
Status CheckPowTerms(const PowTerms& terms);

// The digest of `nonce` (header comment). kInvalidArgument for bad terms; kInternal if libsodium
// cannot allocate the memory.
Result<Hash256> PowDigest(const PublicKey& miner, const PublicKey& validator, uint64_t nonce,
                          const PowTerms& terms);

// Leading zero bits of a digest, 0 to 256.
uint32_t LeadingZeroBits(const Hash256& digest);

// OK if `nonce` is valid for `miner` at `validator` under `terms`; kBadProofOfWork saying how
// many zero bits it has and how many are asked for otherwise (any nonce is valid at bits 0).
Status VerifyPow(const PublicKey& miner, const PublicKey& validator, uint64_t nonce,
                 const PowTerms& terms);

// Tries nonces 0, 1, 2, ... until one is valid. kUnavailable if *stop becomes true first.
Result<uint64_t> SolvePow(const PublicKey& miner, const PublicKey& validator,
                          const PowTerms& terms, const std::atomic<bool>& stop);

}  // namespace loconet::sync
