#include "miner/rank_order.h"

#include <cstring>

#include "core/bytes.h"

namespace loconet {

namespace {
constexpr char kTag[] = "loconet.rank";
constexpr size_t kTagLen = sizeof(kTag) - 1;
}  // namespace

std::string RankOrder::Encode() const {
  ByteWriter w;
  w.Raw(kTag, kTagLen);
  w.U8(stop ? 1 : 0);
  w.U64(round);
  w.U32(steps);
  w.U32(batch);
  w.U64(loader_seed);
  w.I64(trainer_step);
  w.U64(pages.size());
  for (uint64_t p : pages) w.U64(p);
  return std::string(w.bytes().begin(), w.bytes().end());
}

Result<RankOrder> RankOrder::Decode(const std::string& bytes) {
  ByteReader r(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  char tag[kTagLen] = {};
  RankOrder o;
  uint8_t stop = 0;
  uint64_t count = 0;
  if (!r.Raw(tag, kTagLen) || std::memcmp(tag, kTag, kTagLen) != 0) {
    return Error(Code::kDecodeError, "rank order: wrong tag");
  }
  if (!r.U8(&stop) || stop > 1 || !r.U64(&o.round) || !r.U32(&o.steps) || !r.U32(&o.batch) ||
      !r.U64(&o.loader_seed) || !r.I64(&o.trainer_step) || !r.U64(&count) ||
      count > r.remaining() / 8) {
    return Error(Code::kDecodeError, "rank order: truncated or malformed header");
  }
  o.stop = stop == 1;
  o.pages.resize(count);
  for (uint64_t& p : o.pages) r.U64(&p);
  LOCONET_RETURN_IF_ERROR(r.Finish("rank order"));
  if (!o.stop && (o.batch == 0 || o.pages.empty())) {
    return Error(Code::kDecodeError, "rank order: no batch or no pages to train on");
  }
  return o;
}

std::string RankOrderKey(uint64_t seq) { return "loconet.miner.order." + std::to_string(seq); }

}  // namespace loconet
