// Miner slots (validator/slots.h): who a newcomer replaces when every slot is held.
#include "validator/slots.h"

#include <catch2/catch.hpp>

using namespace loconet;

namespace {

PublicKey K(uint8_t n) {
  PublicKey k;
  k.bytes.fill(n);
  return k;
}

}  // namespace

TEST_CASE("a free slot replaces no one", "[validator]") {
  Registry reg = {{K(1), "a"}};
  auto slot = ChooseSlot(reg, {{K(1), 0}}, {}, 0, SlotRules{2, 10});
  REQUIRE(slot.ok());
  CHECK_FALSE(slot->has_value());
}

TEST_CASE("when full, the lowest EMA past its immunity period is replaced", "[validator]") {
  Registry reg = {{K(1), "a"}, {K(2), "b"}, {K(3), "c"}};
  JoinedRounds joined = {{K(1), 0}, {K(2), 0}, {K(3), 8}};
  Standings st = {{K(1), {500, 0}}, {K(2), {900, 0}}, {K(3), {0, 0}}};
  // Round 10, immunity 5: K(3) joined in round 8 and is immune although it scores least.
  auto slot = ChooseSlot(reg, joined, st, 10, SlotRules{3, 5});
  REQUIRE(slot.ok());
  REQUIRE(slot->has_value());
  CHECK(**slot == K(1));
  // Round 13: K(3) is past its immunity and lowest.
  slot = ChooseSlot(reg, joined, st, 13, SlotRules{3, 5});
  REQUIRE(slot.ok());
  CHECK(**slot == K(3));
}

TEST_CASE("ties go to the earliest joined, then the smallest key; unscored counts 0",
          "[validator]") {
  Registry reg = {{K(1), "a"}, {K(2), "b"}, {K(3), "c"}};
  Standings st = {{K(1), {7, 0}}};  // K(2) and K(3) never scored: 0
  auto slot = ChooseSlot(reg, {{K(1), 0}, {K(2), 4}, {K(3), 2}}, st, 20, SlotRules{3, 0});
  REQUIRE(slot.ok());
  CHECK(**slot == K(3));
  slot = ChooseSlot(reg, {{K(1), 0}, {K(2), 2}, {K(3), 2}}, st, 20, SlotRules{3, 0});
  CHECK(**slot == K(2));
}

TEST_CASE("when every slot holder is immune, there is no slot", "[validator]") {
  Registry reg = {{K(1), "a"}, {K(2), "b"}};
  auto slot = ChooseSlot(reg, {{K(1), 5}, {K(2), 6}}, {}, 7, SlotRules{2, 10});
  CHECK(slot.status().code() == Code::kNoSlot);
  CHECK(slot.status().message().find("immunity") != std::string::npos);
}
