// libFuzzer target: datasets::ShardReader::Open on a hostile file. The input is written to a
// per-process temporary file (Open reads a path); a shard that opens must have every page
// readable and every token below the vocabulary size.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "datasets/shard.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace loconet;
  static const std::string path =
      (std::getenv("TMPDIR") ? std::string(std::getenv("TMPDIR")) : std::string("/tmp")) +
      "/loconet_shard_fuzz." + std::to_string(getpid());
  std::FILE* f = std::fopen(path.c_str(), "wb");
  FUZZ_CHECK(f != nullptr);
  FUZZ_CHECK(size == 0 || std::fwrite(data, 1, size, f) == size);
  FUZZ_CHECK(std::fclose(f) == 0);
  auto shard = datasets::ShardReader::Open(path);
  if (!shard.ok()) {
    FUZZ_CHECK(shard.status().code() == Code::kCorrupt);
  } else {
    for (uint64_t i = 0; i < shard->num_pages(); ++i) {
      const uint16_t* page = shard->Page(i);
      for (uint32_t t = 0; t < shard->page_tokens(); ++t) {
        FUZZ_CHECK(page[t] < shard->vocab_size());
      }
    }
  }
  std::remove(path.c_str());
  return 0;
}
