#include "validator/payload_log.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "core/files.h"
#include "tests/temp_dir.h"

using namespace loconet;
using loconet::testing::TempDir;

namespace {
Hash256 H(int i) { return Blake2b256(std::string_view("payload " + std::to_string(i))); }
}  // namespace

TEST_CASE("remembered payloads survive reopening", "[validator]") {
  TempDir dir;
  {
    auto log = PayloadLog::Open(dir / "p", 10);
    REQUIRE(log.ok());
    for (int i = 0; i < 5; ++i) REQUIRE(log->Remember(3, H(i)).ok());
  }
  auto log = PayloadLog::Open(dir / "p", 10);
  REQUIRE(log.ok());
  CHECK(log->size() == 5);
  for (int i = 0; i < 5; ++i) CHECK(log->Contains(H(i)));
  CHECK_FALSE(log->Contains(H(9)));
  CHECK(log->dropped_at_open() == 0);
}

TEST_CASE("a torn or corrupt tail is dropped and the log carries on after the good records",
          "[validator]") {
  TempDir dir;
  {
    auto log = PayloadLog::Open(dir / "p", 10);
    REQUIRE(log.ok());
    for (int i = 0; i < 3; ++i) REQUIRE(log->Remember(1, H(i)).ok());
  }
  // A power cut in the middle of the fourth record: half of it on disk.
  {
    std::ofstream f(dir / "p", std::ios::app | std::ios::binary);
    f.write("\x01\x00\x00\x00\x00\x00\x00\x00garbage-garbage", 23);
  }
  {
    auto log = PayloadLog::Open(dir / "p", 10);
    REQUIRE(log.ok());
    CHECK(log->size() == 3);
    CHECK(log->dropped_at_open() == 1);
    REQUIRE(log->Remember(2, H(7)).ok());
  }
  CHECK(std::filesystem::file_size(dir / "p") == 4 * PayloadLog::kRecordBytes);
  // A flipped bit in the second record: it and everything after it are dropped.
  {
    std::fstream f(dir / "p", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(PayloadLog::kRecordBytes + 12);
    f.put('\x55');
  }
  auto log = PayloadLog::Open(dir / "p", 10);
  REQUIRE(log.ok());
  CHECK(log->Contains(H(0)));
  CHECK_FALSE(log->Contains(H(1)));
  CHECK_FALSE(log->Contains(H(7)));
}

TEST_CASE("the payload log keeps a window of rounds in memory and on disk", "[validator]") {
  TempDir dir;
  auto log = PayloadLog::Open(dir / "p", 4);
  REQUIRE(log.ok());
  for (int r = 0; r < 100; ++r) {
    for (int i = 0; i < 10; ++i) REQUIRE(log->Remember(r, H(r * 10 + i)).ok());
    REQUIRE(log->Prune(r + 1).ok());
    CHECK(log->size() <= 50);
  }
  CHECK(log->Contains(H(99 * 10)));
  CHECK_FALSE(log->Contains(H(10)));
  CHECK(std::filesystem::file_size(dir / "p") <= (2 * 50 + 64 + 10) * PayloadLog::kRecordBytes);
  auto reopened = PayloadLog::Open(dir / "p", 4);
  REQUIRE(reopened.ok());
  CHECK(reopened->Contains(H(99 * 10 + 9)));
}
