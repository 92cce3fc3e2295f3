#include "datasets/shard.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "core/files.h"
#include "tests/temp_dir.h"

using namespace loconet;
using namespace loconet::datasets;
using loconet::testing::TempDir;

namespace {

std::vector<uint32_t> Ramp(size_t n, uint32_t vocab) {
  std::vector<uint32_t> t(n);
  for (size_t i = 0; i < n; ++i) t[i] = static_cast<uint32_t>((i * 7919) % vocab);
  return t;
}

std::string ReadAll(const std::string& path) { return ReadFile(path).value(); }

void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Opens `path`, expecting kCorrupt with a message naming the path and containing `reason`.
void ExpectCorrupt(const std::string& path, const std::string& reason) {
  auto r = ShardReader::Open(path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kCorrupt);
  CHECK(r.status().message().find(path) != std::string::npos);
  CHECK(r.status().message().find(reason) != std::string::npos);
}

}  // namespace

TEST_CASE("a written shard reads back with the same pages", "[datasets]") {
  TempDir dir;
  std::vector<uint32_t> tokens = Ramp(10 * 64 + 17, 5000);
  REQUIRE(WriteShard(dir / "s.shard", tokens, 5000, 64).ok());
  auto r = ShardReader::Open(dir / "s.shard");
  REQUIRE(r.ok());
  CHECK(r->vocab_size() == 5000);
  CHECK(r->page_tokens() == 64);
  CHECK(r->num_pages() == 10);
  CHECK(r->num_tokens() == 640);
  for (uint64_t p = 0; p < 10; ++p) {
    for (uint32_t i = 0; i < 64; ++i) REQUIRE(r->Page(p)[i] == tokens[p * 64 + i]);
  }
  CHECK(ReadAll(dir / "s.shard").size() == kShardHeaderBytes + 2 * 640);
  CHECK(ReadAll(dir / "s.shard").substr(0, 8) == "LCNSHARD");
}

TEST_CASE("the largest vocabulary that fits u16 round-trips", "[datasets]") {
  TempDir dir;
  std::vector<uint32_t> tokens = {0, 65535, 1, 65534};
  REQUIRE(WriteShard(dir / "s.shard", tokens, 65536, 2).ok());
  auto r = ShardReader::Open(dir / "s.shard");
  REQUIRE(r.ok());
  CHECK(r->Page(0)[1] == 65535);
  CHECK(r->Page(1)[1] == 65534);
}

TEST_CASE("the writer refuses bad vocabularies, tokens and too little data", "[datasets]") {
  TempDir dir;
  CHECK(WriteShard(dir / "s", Ramp(100, 10), 65537, 10).code() == Code::kInvalidArgument);
  CHECK(WriteShard(dir / "s", {1, 2, 10, 3}, 10, 2).code() == Code::kInvalidArgument);
  CHECK(WriteShard(dir / "s", Ramp(9, 10), 10, 10).code() == Code::kInvalidArgument);
  CHECK(WriteShard(dir / "s", Ramp(9, 10), 10, 0).code() == Code::kInvalidArgument);
  CHECK_FALSE(ShardReader::Open(dir / "s").ok());
}

TEST_CASE("a flipped token byte is refused as a checksum mismatch naming the file", "[datasets]") {
  TempDir dir;
  REQUIRE(WriteShard(dir / "s.shard", Ramp(256, 300), 300, 32).ok());
  std::string bytes = ReadAll(dir / "s.shard");
  bytes[kShardHeaderBytes + 101] ^= 0x01;
  WriteAll(dir / "s.shard", bytes);
  ExpectCorrupt(dir / "s.shard", "checksum mismatch");
}

TEST_CASE("a shard with a bad magic is refused", "[datasets]") {
  TempDir dir;
  REQUIRE(WriteShard(dir / "s.shard", Ramp(256, 300), 300, 32).ok());
  std::string bytes = ReadAll(dir / "s.shard");
  bytes[0] = 'X';
  WriteAll(dir / "s.shard", bytes);
  ExpectCorrupt(dir / "s.shard", "bad magic");
}

TEST_CASE("a shard truncated by one byte is refused", "[datasets]") {
  TempDir dir;
  REQUIRE(WriteShard(dir / "s.shard", Ramp(256, 300), 300, 32).ok());
  std::string bytes = ReadAll(dir / "s.shard");
  WriteAll(dir / "s.shard", bytes.substr(0, bytes.size() - 1));
  ExpectCorrupt(dir / "s.shard", "truncated");
  WriteAll(dir / "s.shard", bytes + std::string(2, '\0'));
  ExpectCorrupt(dir / "s.shard", "size mismatch");
}

TEST_CASE("a shard with a truncated header is refused", "[datasets]") {
  TempDir dir;
  REQUIRE(WriteShard(dir / "s.shard", Ramp(256, 300), 300, 32).ok());
  std::string bytes = ReadAll(dir / "s.shard");
  for (size_t n : {size_t{0}, size_t{5}, size_t{8}, size_t{40}, kShardHeaderBytes - 1}) {
    WriteAll(dir / "s.shard", bytes.substr(0, n));
    ExpectCorrupt(dir / "s.shard", "truncated header");
  }
}

TEST_CASE("a shard with an unknown version or inconsistent header is refused", "[datasets]") {
  TempDir dir;
  REQUIRE(WriteShard(dir / "s.shard", Ramp(256, 300), 300, 32).ok());
  std::string bytes = ReadAll(dir / "s.shard");
  std::string v2 = bytes;
  v2[8] = 2;
  WriteAll(dir / "s.shard", v2);
  ExpectCorrupt(dir / "s.shard", "unsupported version 2");
  std::string pages = bytes;
  pages[28] = 9;  // num_pages 8 -> 9
  WriteAll(dir / "s.shard", pages);
  ExpectCorrupt(dir / "s.shard", "pages of 32");
}

TEST_CASE("a token outside the vocabulary is refused even with a matching checksum", "[datasets]") {
  TempDir dir;
  REQUIRE(WriteShard(dir / "s.shard", Ramp(256, 300), 300, 32).ok());
  std::string bytes = ReadAll(dir / "s.shard");
  bytes[12] = 100;  // the vocabulary size (u32 LE at offset 12) from 300 to 100
  bytes[13] = 0;
  WriteAll(dir / "s.shard", bytes);
  ExpectCorrupt(dir / "s.shard", "outside the vocabulary");
}

TEST_CASE("opening a missing shard is not_found", "[datasets]") {
  TempDir dir;
  auto r = ShardReader::Open(dir / "none.shard");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kNotFound);
}
