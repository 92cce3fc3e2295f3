// The order rank 0 of a data-parallel miner posts to the other ranks: round trip, and strict
// decoding of every malformed buffer.
#include <catch2/catch.hpp>

#include "miner/rank_order.h"

using namespace loconet;

TEST_CASE("rank orders round-trip and decode strictly", "[parallel]") {
  RankOrder o;
  o.round = 7;
  o.steps = 30;
  o.batch = 8;
  o.loader_seed = 0x1234567890abcdefULL;
  o.trainer_step = 210;
  o.pages = {5, 9, 1000000};
  const std::string bytes = o.Encode();
  auto back = RankOrder::Decode(bytes);
  REQUIRE(back.ok());
  CHECK_FALSE(back->stop);
  CHECK(back->round == 7);
  CHECK(back->steps == 30);
  CHECK(back->batch == 8);
  CHECK(back->loader_seed == o.loader_seed);
  CHECK(back->trainer_step == 210);
  CHECK(back->pages == o.pages);

  RankOrder stop;
  stop.stop = true;
  auto s = RankOrder::Decode(stop.Encode());
  REQUIRE(s.ok());
  CHECK(s->stop);

  // Every truncation, a trailing byte, a wrong tag, a bad stop flag, a page count larger than
  // the bytes, and an order with nothing to train on.
  for (size_t n = 0; n < bytes.size(); ++n) {
    INFO(n);
    CHECK(RankOrder::Decode(bytes.substr(0, n)).status().code() == Code::kDecodeError);
  }
  CHECK(RankOrder::Decode(bytes + "x").status().code() == Code::kDecodeError);
  std::string tag = bytes;
  tag[0] = 'L';
  CHECK(RankOrder::Decode(tag).status().code() == Code::kDecodeError);
  std::string flag = bytes;
  flag[12] = 2;
  CHECK(RankOrder::Decode(flag).status().code() == Code::kDecodeError);
  std::string count = bytes;
  count[12 + 1 + 8 + 4 + 4 + 8 + 8] = 4;  // four pages claimed, three present
  CHECK(RankOrder::Decode(count).status().code() == Code::kDecodeError);
  RankOrder empty = o;
  empty.pages.clear();
  CHECK(RankOrder::Decode(empty.Encode()).status().code() == Code::kDecodeError);
  CHECK(RankOrderKey(3) != RankOrderKey(4));
}
