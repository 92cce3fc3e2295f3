// What rank 0 of a data-parallel miner (`loconet miner --dp K`) tells the other ranks each
// round, through the group's store: train `steps` inner steps on these pages with this loader
// seed and batch per rank, starting at this inner step (the learning-rate schedule's position),
// from the parameters rank 0 then broadcasts; or stop. Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace loconet {

struct RankOrder {
  bool stop = false;
  uint64_t round = 0;
  uint32_t steps = 0;
  uint32_t batch = 0;  // rows per rank and step
  uint64_t loader_seed = 0;
  int64_t trainer_step = 0;
  std::vector<uint64_t> pages;

  // "loconet.rank", u8 stop, u64 round, u32 steps, u32 batch, u64 seed, i64 step, u64 page count,
  // the pages (u64 each), little-endian.
  std::string Encode() const;
  // Strict: kDecodeError on a wrong tag, a short or long buffer, more pages than the bytes hold.
  static Result<RankOrder> Decode(const std::string& bytes);
};

// The store key of the seq-th order of a miner's group.
std::string RankOrderKey(uint64_t seq);

}  // namespace loconet
