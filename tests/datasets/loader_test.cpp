#include "datasets/loader.h"

#include <catch2/catch.hpp>
#include <set>

#include "datasets/shard.h"
#include "tests/temp_dir.h"

using namespace loconet;
using namespace loconet::datasets;
using loconet::testing::TempDir;

namespace {

constexpr uint32_t kPageTokens = 64;
constexpr uint64_t kPages = 100;

// A shard whose token at position i is i, so every token tells where it came from.
const ShardReader& PositionShard() {
  static TempDir dir;
  static ShardReader shard = [] {
    std::vector<uint32_t> tokens(kPageTokens * kPages);
    for (uint32_t i = 0; i < tokens.size(); ++i) tokens[i] = i;
    REQUIRE(WriteShard(dir / "pos.shard", tokens, 65536, kPageTokens).ok());
    auto r = ShardReader::Open(dir / "pos.shard");
    REQUIRE(r.ok());
    return std::move(r).value();
  }();
  return shard;
}

std::vector<std::vector<int64_t>> Batches(BlockLoader& loader, int n) {
  std::vector<std::vector<int64_t>> out;
  for (int i = 0; i < n; ++i) out.push_back(loader.Next());
  return out;
}

}  // namespace

TEST_CASE("the loader yields batch rows of ctx + 1 consecutive tokens inside assigned pages",
          "[datasets]") {
  const std::set<uint64_t> pages = {3, 10, 42, 77};
  const int batch = 4, ctx = 15;
  auto loader = BlockLoader::Create(PositionShard(), {77, 3, 42, 10}, batch, ctx, 1);
  REQUIRE(loader.ok());
  CHECK(loader->windows_per_epoch() == 4 * ((kPageTokens - 1) / ctx));
  for (int step = 0; step < 20; ++step) {
    std::vector<int64_t> b = loader->Next();
    REQUIRE(b.size() == static_cast<size_t>(batch * (ctx + 1)));
    for (int r = 0; r < batch; ++r) {
      const int64_t* row = b.data() + r * (ctx + 1);
      CHECK(pages.count(row[0] / kPageTokens) == 1);
      CHECK(row[0] % kPageTokens % ctx == 0);
      CHECK(row[ctx] / kPageTokens == row[0] / kPageTokens);
      for (int t = 1; t <= ctx; ++t) REQUIRE(row[t] == row[t - 1] + 1);
    }
  }
  CHECK(loader->position() == 20 * batch);
}

TEST_CASE("an epoch visits every window once", "[datasets]") {
  auto loader = BlockLoader::Create(PositionShard(), {0, 1, 2, 50}, 1, 8, 9);
  REQUIRE(loader.ok());
  std::set<int64_t> starts;
  for (uint64_t i = 0; i < loader->windows_per_epoch(); ++i) starts.insert(loader->Next()[0]);
  CHECK(starts.size() == loader->windows_per_epoch());
  CHECK(starts.size() == 4 * 7);
}

TEST_CASE("the loader is deterministic for a seed and reshuffles each epoch", "[datasets]") {
  std::vector<uint64_t> pages = {5, 6, 7, 8, 9};
  auto a = BlockLoader::Create(PositionShard(), pages, 2, 7, 42);
  auto b = BlockLoader::Create(PositionShard(), pages, 2, 7, 42);
  auto c = BlockLoader::Create(PositionShard(), pages, 2, 7, 43);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(c.ok());
  auto ba = Batches(*a, 40);
  CHECK(ba == Batches(*b, 40));
  CHECK(ba != Batches(*c, 40));
  // Epoch 1 (rows 45..89) is ordered differently from epoch 0 (rows 0..44).
  auto d = BlockLoader::Create(PositionShard(), pages, 1, 7, 42);
  REQUIRE(d.ok());
  auto epoch0 = Batches(*d, 45);
  auto epoch1 = Batches(*d, 45);
  CHECK(epoch0 != epoch1);
}

TEST_CASE("seeking to a position reproduces the batches that followed it", "[datasets]") {
  std::vector<uint64_t> pages = {1, 4, 9, 16, 25};
  auto first = BlockLoader::Create(PositionShard(), pages, 3, 10, 7);
  REQUIRE(first.ok());
  Batches(*first, 11);  // crosses the epoch boundary at 30 rows
  uint64_t pos = first->position();
  CHECK(pos == 33);
  auto expected = Batches(*first, 12);
  auto resumed = BlockLoader::Create(PositionShard(), pages, 3, 10, 7);
  REQUIRE(resumed.ok());
  resumed->Seek(pos);
  CHECK(Batches(*resumed, 12) == expected);
  // Seeking back to the start replays from the beginning.
  auto fresh = BlockLoader::Create(PositionShard(), pages, 3, 10, 7);
  REQUIRE(fresh.ok());
  auto from_start = Batches(*fresh, 3);
  resumed->Seek(0);
  CHECK(Batches(*resumed, 3) == from_start);
}

TEST_CASE("the loader refuses windows longer than a page and pages outside the shard",
          "[datasets]") {
  const ShardReader& shard = PositionShard();
  CHECK(BlockLoader::Create(shard, {1}, 1, kPageTokens, 1).status().code() ==
        Code::kInvalidArgument);
  CHECK(BlockLoader::Create(shard, {1}, 1, kPageTokens - 1, 1).ok());
  CHECK(BlockLoader::Create(shard, {kPages}, 1, 8, 1).status().code() == Code::kInvalidArgument);
  CHECK(BlockLoader::Create(shard, {}, 1, 8, 1).status().code() == Code::kInvalidArgument);
  CHECK(BlockLoader::Create(shard, {1}, 0, 8, 1).status().code() == Code::kInvalidArgument);
}
