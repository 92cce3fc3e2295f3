// The registration proof of work: Argon2id digests bound to a miner and a validator.
#include "sync/registration_pow.h"

#include <catch2/catch.hpp>

using namespace loconet;
using namespace loconet::sync;

namespace {

PublicKey KeyOf(uint8_t n) {
  std::array<uint8_t, 32> seed{};
  seed[0] = n;
  return Identity::FromSeed(seed).public_key();
}

const PowTerms kCheap{6, 64, 1};

}  // namespace

TEST_CASE("a solved proof verifies, and its digest has the leading zero bits asked for",
          "[sync]") {
  const PublicKey miner = KeyOf(1), validator = KeyOf(2);
  std::atomic<bool> stop{false};
  auto nonce = SolvePow(miner, validator, kCheap, stop);
  REQUIRE(nonce.ok());
  CHECK(VerifyPow(miner, validator, *nonce, kCheap).ok());
  auto digest = PowDigest(miner, validator, *nonce, kCheap);
  REQUIRE(digest.ok());
  CHECK(LeadingZeroBits(*digest) >= kCheap.bits);
  // Every nonce before it fails: SolvePow returns the first valid one.
  for (uint64_t n = 0; n < *nonce; ++n) {
    Status s = VerifyPow(miner, validator, n, kCheap);
    CHECK(s.code() == Code::kBadProofOfWork);
    CHECK(s.message().find("6 are asked for") != std::string::npos);
  }
}

TEST_CASE("a proof is worth nothing for another miner key, validator key or terms", "[sync]") {
  const PublicKey miner = KeyOf(1), validator = KeyOf(2);
  std::atomic<bool> stop{false};
  const PowTerms hard{12, 64, 1};
  const uint64_t nonce = SolvePow(miner, validator, hard, stop).value();
  const Hash256 digest = PowDigest(miner, validator, nonce, hard).value();
  CHECK(PowDigest(KeyOf(3), validator, nonce, hard).value() != digest);
  CHECK(PowDigest(miner, KeyOf(3), nonce, hard).value() != digest);
  CHECK(PowDigest(miner, validator, nonce, PowTerms{12, 128, 1}).value() != digest);
  CHECK(PowDigest(miner, validator, nonce, PowTerms{12, 64, 2}).value() != digest);
  // With 12 bits, a digest that changes is valid with probability 1/4096; these are not.
  CHECK(VerifyPow(KeyOf(3), validator, nonce, hard).code() == Code::kBadProofOfWork);
  CHECK(VerifyPow(miner, KeyOf(3), nonce, hard).code() == Code::kBadProofOfWork);
}

TEST_CASE("leading zero bits are counted across bytes", "[sync]") {
  Hash256 h;
  CHECK(LeadingZeroBits(h) == 256);
  h.bytes[0] = 0x80;
  CHECK(LeadingZeroBits(h) == 0);
  h.bytes[0] = 0x01;
  CHECK(LeadingZeroBits(h) == 7);
  h.bytes[0] = 0;
  h.bytes[1] = 0x10;
  CHECK(LeadingZeroBits(h) == 11);
}

TEST_CASE("terms out of range are refused, and zero bits ask for no work", "[sync]") {
  CHECK(CheckPowTerms(kCheap).ok());
  CHECK(CheckPowTerms(PowTerms{33, 64, 1}).code() == Code::kInvalidArgument);
  CHECK(CheckPowTerms(PowTerms{4, 4, 1}).code() == Code::kInvalidArgument);
  CHECK(CheckPowTerms(PowTerms{4, 2u << 20, 1}).code() == Code::kInvalidArgument);
  CHECK(CheckPowTerms(PowTerms{4, 64, 0}).code() == Code::kInvalidArgument);
  CHECK(CheckPowTerms(PowTerms{4, 64, 17}).code() == Code::kInvalidArgument);
  CHECK(VerifyPow(KeyOf(1), KeyOf(2), 12345, PowTerms{0, 64, 1}).ok());
  CHECK(VerifyPow(KeyOf(1), KeyOf(2), 0, PowTerms{40, 64, 1}).code() ==
        Code::kInvalidArgument);
  std::atomic<bool> stop{true};
  CHECK(SolvePow(KeyOf(1), KeyOf(2), PowTerms{30, 64, 1}, stop).status().code() ==
        Code::kUnavailable);
}
