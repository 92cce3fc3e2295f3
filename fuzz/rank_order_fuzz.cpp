// libFuzzer target: RankOrder::Decode (miner/rank_order.h), the order a data-parallel miner's
// rank 0 posts to its other ranks through the c10d store. A buffer that decodes must encode
// back to the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_util.h"
#include "miner/rank_order.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace loconet;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto order = RankOrder::Decode(bytes);
  if (!order.ok()) {
    FUZZ_CHECK(order.status().code() == Code::kDecodeError);
    return 0;
  }
  FUZZ_CHECK(order->Encode() == bytes);
  return 0;
}
