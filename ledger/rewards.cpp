#include "ledger/rewards.h"

#include <algorithm>
#include <map>

#include "core/int128.h"

namespace loconet::ledger {

namespace {

struct Share {
  PublicKey miner;
  uint64_t units;
  U128 remainder;
};

// q = floor(a * b / d) and r = a * b mod d for b <= d, d > 0. The product can need 192 bits
// (b is a sum of many int64 scores), so the long division runs bit by bit on three limbs; the
// quotient fits 64 bits because b <= d.
void MulDiv(uint64_t a, U128 b, U128 d, uint64_t* q, U128* r) {
  if ((b >> 64) == 0) {
    U128 p = static_cast<U128>(a) * static_cast<uint64_t>(b);
    *q = static_cast<uint64_t>(p / d);
    *r = p % d;
    return;
  }
  // p = hi * 2^128 + lo.
  U128 low = static_cast<U128>(a) * static_cast<uint64_t>(b);
  U128 high = static_cast<U128>(a) * static_cast<uint64_t>(b >> 64);
  U128 lo = low + (high << 64);
  uint64_t hi = static_cast<uint64_t>(high >> 64) + (lo < low ? 1 : 0);
  uint64_t quotient = 0;
  U128 rem = 0;
  for (int bit = 191; bit >= 0; --bit) {
    uint64_t in = bit >= 128 ? (hi >> (bit - 128)) & 1 : static_cast<uint64_t>(lo >> bit) & 1;
    bool overflow = (rem >> 127) != 0;
    rem = (rem << 1) | in;
    if (overflow || rem >= d) {
      rem -= d;  // modulo 2^128 this is exact: the true value is below 2 * d
      if (bit < 64) quotient |= uint64_t{1} << bit;
    }
  }
  *q = quotient;
  *r = rem;
}

}  // namespace

RewardBody ComputeReward(uint64_t epoch, uint64_t first_round, uint64_t last_round,
                         uint64_t emission, const std::vector<ScoresBody>& scores) {
  RewardBody out;
  out.epoch = epoch;
  out.first_round = first_round;
  out.last_round = last_round;
  out.emission = emission;

  std::map<PublicKey, U128> weight;  // ordered: the result must not depend on hashing
  U128 total = 0;
  for (const ScoresBody& body : scores) {
    if (body.round < first_round || body.round > last_round) continue;
    for (const ScoreEntry& e : body.entries) {
      if (e.score_ppb <= 0) continue;
      weight[e.miner] += static_cast<uint64_t>(e.score_ppb);
      total += static_cast<uint64_t>(e.score_ppb);
    }
  }
  if (total == 0 || emission == 0) return out;

  std::vector<Share> shares;
  shares.reserve(weight.size());
  uint64_t given = 0;
  for (const auto& [miner, w] : weight) {
    Share s{miner, 0, 0};
    MulDiv(emission, w, total, &s.units, &s.remainder);
    given += s.units;
    shares.push_back(s);
  }
  // Sum of floors <= emission, and what is left is below the number of miners.
  uint64_t left = emission - given;
  std::vector<size_t> order(shares.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    if (shares[x].remainder != shares[y].remainder) {
      return shares[x].remainder > shares[y].remainder;
    }
    return shares[x].miner < shares[y].miner;
  });
  for (size_t i = 0; i < order.size() && left > 0; ++i, --left) shares[order[i]].units += 1;

  for (const Share& s : shares) {
    if (s.units > 0) out.entries.push_back(RewardEntry{s.miner, s.units});
  }
  return out;
}

}  // namespace loconet::ledger
