// Token shards: a file of u16 token ids cut into fixed-size pages (docs/formats.md, "Shard").
//
// A page is the unit of data assignment: miners are given page ids, and their data receipts
// name page ids. The layout is little-endian and fixed, so a shard is byte-identical on every
// machine that writes it from the same tokens.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/hash.h"
#include "core/status.h"

namespace loconet::datasets {

inline constexpr char kShardMagic[8] = {'L', 'C', 'N', 'S', 'H', 'A', 'R', 'D'};
inline constexpr uint32_t kShardVersion = 1;
inline constexpr size_t kShardHeaderBytes = 68;
// Token ids are stored as u16.
inline constexpr uint32_t kMaxShardVocab = 65536;

// Writes `tokens` as a shard at `path` (atomically: see WriteFileAtomic), cut into pages of
// `page_tokens` tokens; the tail that does not fill a whole page is dropped. Fails with
// kInvalidArgument, writing nothing, if vocab_size is 0 or above kMaxShardVocab, page_tokens is
// 0, a token is >= vocab_size, or there are fewer tokens than one page.
Status WriteShard(const std::string& path, const std::vector<uint32_t>& tokens, uint32_t vocab_size,
                  uint32_t page_tokens);

// A whole shard in memory, checked on Open. Immutable after Open; any thread may read it.
class ShardReader {
 public:
  // Reads and checks the whole file. A wrong magic, an unsupported version, a truncated file, a
  // size that disagrees with the header, a token >= the vocabulary size or a checksum mismatch
  // is kCorrupt with a message naming the path and the reason; a missing file is kNotFound.
  static Result<ShardReader> Open(const std::string& path);

  uint32_t vocab_size() const { return vocab_size_; }
  uint32_t page_tokens() const { return page_tokens_; }
  uint64_t num_pages() const { return num_pages_; }
  uint64_t num_tokens() const { return tokens_.size(); }
  // BLAKE2b-256 of the token bytes as stored (the header's checksum field).
  const Hash256& checksum() const { return checksum_; }
  const std::string& path() const { return path_; }

  // The page_tokens() tokens of page i. Precondition: i < num_pages(). The pointer lives as long
  // as this reader.
  const uint16_t* Page(uint64_t i) const;

 private:
  ShardReader() = default;
  std::string path_;
  uint32_t vocab_size_ = 0;
  uint32_t page_tokens_ = 0;
  uint64_t num_pages_ = 0;
  Hash256 checksum_;
  std::vector<uint16_t> tokens_;
};

}  // namespace loconet::datasets
