#include "datasets/assignment.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "core/keys.h"

using namespace loconet;
using namespace loconet::datasets;

namespace {

PublicKey MinerKey(uint8_t n) {
  std::array<uint8_t, 32> seed{};
  seed[0] = n;
  return Identity::FromSeed(seed).public_key();
}

Hash256 RoundSeed(uint64_t round) {
  std::string s = "round " + std::to_string(round);
  return Blake2b256(s);
}

void CheckWellFormed(const std::vector<uint64_t>& pages, uint64_t num_pages, size_t count) {
  REQUIRE(pages.size() == count);
  CHECK(std::is_sorted(pages.begin(), pages.end()));
  CHECK(std::adjacent_find(pages.begin(), pages.end()) == pages.end());
  for (uint64_t p : pages) CHECK(p < num_pages);
}

size_t Overlap(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  std::vector<uint64_t> both;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
  return both.size();
}

}  // namespace

TEST_CASE("the same round seed and miner always get the same pages", "[datasets]") {
  auto a = AssignPages(RoundSeed(1), MinerKey(1), 5000, 64);
  auto b = AssignPages(RoundSeed(1), MinerKey(1), 5000, 64);
  CheckWellFormed(a, 5000, 64);
  CHECK(a == b);
}

TEST_CASE("assignment matches the documented algorithm's known answer", "[datasets]") {
  // Recomputed independently from docs/formats.md (Python hashlib.blake2b, digest_size=32).
  Hash256 seed = Blake2b256(std::string("loconet test round"));
  PublicKey miner;
  for (int i = 0; i < 32; ++i) miner.bytes[i] = static_cast<uint8_t>(i);
  CHECK(MinerOffset(seed, miner, 1000) == 276);
  CHECK(AssignPages(seed, miner, 1000, 8) ==
        std::vector<uint64_t>{56, 221, 443, 476, 557, 648, 758, 979});
  CHECK(PagesDigest({3, 1, 2}).Hex() ==
        "7424ea8316b80851cffeafa2640c6818935487e2597eaf9659487e924d6e79b4");
}

TEST_CASE("different miners get mostly different pages", "[datasets]") {
  const uint64_t num_pages = 10000;
  std::set<uint64_t> all;
  std::vector<std::vector<uint64_t>> per_miner;
  for (uint8_t m = 0; m < 10; ++m) {
    per_miner.push_back(AssignPages(RoundSeed(7), MinerKey(m), num_pages, 100));
    CheckWellFormed(per_miner.back(), num_pages, 100);
    all.insert(per_miner.back().begin(), per_miner.back().end());
  }
  CHECK(all.size() >= 900);
  CHECK(per_miner[0] != per_miner[1]);
}

TEST_CASE("a miner gets different pages in different rounds", "[datasets]") {
  auto r1 = AssignPages(RoundSeed(1), MinerKey(3), 10000, 100);
  auto r2 = AssignPages(RoundSeed(2), MinerKey(3), 10000, 100);
  CHECK(Overlap(r1, r2) < 10);
}

TEST_CASE("the page count is clamped to the pages there are", "[datasets]") {
  CHECK(AssignPages(RoundSeed(1), MinerKey(1), 5, 10) == std::vector<uint64_t>{0, 1, 2, 3, 4});
  CHECK(AssignPages(RoundSeed(1), MinerKey(1), 0, 10).empty());
  CHECK(AssignPages(RoundSeed(1), MinerKey(1), 10, 0).empty());
  CheckWellFormed(AssignPages(RoundSeed(1), MinerKey(1), 1, 1), 1, 1);
}

TEST_CASE("the round order is a permutation of all pages", "[datasets]") {
  auto order = RoundPageOrder(RoundSeed(4), 777);
  std::vector<uint64_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  for (uint64_t i = 0; i < 777; ++i) REQUIRE(sorted[i] == i);
  CHECK(order != sorted);
}

TEST_CASE("the data receipt digest depends on the set of pages only", "[datasets]") {
  CHECK(PagesDigest({5, 1, 9}) == PagesDigest({1, 5, 9}));
  CHECK(PagesDigest({1, 5, 9}) != PagesDigest({1, 5, 10}));
  CHECK(PagesDigest({1, 5}) != PagesDigest({1, 5, 9}));
  CHECK(PagesDigest({}) != PagesDigest({0}));
}

TEST_CASE("unassigned samples avoid the assigned pages and are deterministic", "[datasets]") {
  auto assigned = AssignPages(RoundSeed(1), MinerKey(1), 500, 100);
  auto a = SampleUnassignedPages(RoundSeed(99), assigned, 500, 50);
  auto b = SampleUnassignedPages(RoundSeed(99), assigned, 500, 50);
  CheckWellFormed(a, 500, 50);
  CHECK(a == b);
  CHECK(Overlap(a, assigned) == 0);
  CHECK(a != SampleUnassignedPages(RoundSeed(98), assigned, 500, 50));
  // Only 400 pages are free.
  CheckWellFormed(SampleUnassignedPages(RoundSeed(99), assigned, 500, 1000), 500, 400);
}

TEST_CASE("a round's assignment covers every window it reads once", "[datasets]") {
  // micro: context 128, pages of 1024 tokens hold 7 windows; 30 steps of 8 read 240 windows.
  CHECK(datasets::PagesToCover(30, 8, 128, 1024, 2559) == 35);
  CHECK(datasets::PagesToCover(50, 16, 128, 1024, 2559) == 115);
  CHECK(datasets::PagesToCover(7, 1, 128, 1024, 2559) == 1);   // exactly one page
  CHECK(datasets::PagesToCover(8, 1, 128, 1024, 2559) == 2);   // one window more
  CHECK(datasets::PagesToCover(30, 8, 128, 1024, 20) == 20);   // at most every page
  CHECK(datasets::PagesToCover(0, 8, 128, 1024, 20) == 1);     // at least one
  CHECK(datasets::PagesToCover(10, 2, 0, 1024, 100) == 20);    // degenerate: one window a page
  CHECK(datasets::PagesToCover(10, 2, 512, 256, 100) == 20);   // a page shorter than a window
  CHECK(datasets::PagesToCover(UINT32_MAX, UINT32_MAX, 1, 2, UINT64_MAX) == UINT32_MAX);
}
