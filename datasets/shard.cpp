#include "datasets/shard.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "core/bytes.h"
#include "core/files.h"

namespace loconet::datasets {

Status WriteShard(const std::string& path, const std::vector<uint32_t>& tokens, uint32_t vocab_size,
                  uint32_t page_tokens) {
  if (vocab_size == 0 || vocab_size > kMaxShardVocab) {
    return Error(Code::kInvalidArgument, path + ": vocabulary size " + std::to_string(vocab_size) +
                                             " does not fit a shard (1 to 65536)");
  }
  if (page_tokens == 0) return Error(Code::kInvalidArgument, path + ": page_tokens must be > 0");
  uint64_t num_pages = tokens.size() / page_tokens;
  if (num_pages == 0) {
    return Error(Code::kInvalidArgument, path + ": " + std::to_string(tokens.size()) +
                                             " tokens do not fill one page of " +
                                             std::to_string(page_tokens));
  }
  uint64_t num_tokens = num_pages * page_tokens;

  ByteWriter body;
  for (uint64_t i = 0; i < num_tokens; ++i) {
    if (tokens[i] >= vocab_size) {
      return Error(Code::kInvalidArgument, path + ": token " + std::to_string(tokens[i]) +
                                               " at index " + std::to_string(i) +
                                               " is outside the vocabulary of " +
                                               std::to_string(vocab_size));
    }
    body.U16(static_cast<uint16_t>(tokens[i]));
  }
  Hash256 checksum = Blake2b256(body.bytes());

  ByteWriter out;
  out.Raw(kShardMagic, sizeof kShardMagic);
  out.U32(kShardVersion);
  out.U32(vocab_size);
  out.U32(page_tokens);
  out.U64(num_tokens);
  out.U64(num_pages);
  out.Raw(checksum.bytes.data(), checksum.bytes.size());
  assert(out.bytes().size() == kShardHeaderBytes);
  out.Raw(body.bytes());
  const Bytes& file = out.bytes();
  return WriteFileAtomic(path, file.data(), file.size());
}

Result<ShardReader> ShardReader::Open(const std::string& path) {
  Result<std::string> read = ReadFile(path);
  if (!read.ok()) return read.status();
  const std::string& file = *read;
  auto corrupt = [&](const std::string& why) {
    return Error(Code::kCorrupt, path + ": not a valid shard: " + why);
  };
  const auto* data = reinterpret_cast<const uint8_t*>(file.data());
  size_t magic_len = std::min(file.size(), sizeof kShardMagic);
  if (std::memcmp(data, kShardMagic, magic_len) != 0) return corrupt("bad magic");
  if (file.size() < kShardHeaderBytes) {
    return corrupt("truncated header (" + std::to_string(file.size()) + " bytes, expected " +
                   std::to_string(kShardHeaderBytes) + ")");
  }

  ByteReader r(data, file.size());
  uint8_t magic[sizeof kShardMagic];
  uint32_t version = 0;
  ShardReader shard;
  shard.path_ = path;
  uint64_t num_tokens = 0;
  r.Raw(magic, sizeof magic);
  r.U32(&version);
  r.U32(&shard.vocab_size_);
  r.U32(&shard.page_tokens_);
  r.U64(&num_tokens);
  r.U64(&shard.num_pages_);
  r.Raw(shard.checksum_.bytes.data(), shard.checksum_.bytes.size());
  if (r.failed()) return corrupt("truncated header");
  if (version != kShardVersion) {
    return corrupt("unsupported version " + std::to_string(version) + " (this build reads " +
                   std::to_string(kShardVersion) + ")");
  }
  if (shard.vocab_size_ == 0 || shard.vocab_size_ > kMaxShardVocab) {
    return corrupt("vocabulary size " + std::to_string(shard.vocab_size_) + " outside 1 to 65536");
  }
  if (shard.page_tokens_ == 0) return corrupt("page_tokens is 0");
  if (shard.num_pages_ == 0) return corrupt("no pages");
  if (num_tokens % shard.page_tokens_ != 0 || num_tokens / shard.page_tokens_ != shard.num_pages_) {
    return corrupt("header says " + std::to_string(num_tokens) + " tokens but " +
                   std::to_string(shard.num_pages_) + " pages of " +
                   std::to_string(shard.page_tokens_));
  }
  size_t payload = r.remaining();
  if (payload % 2 != 0 || payload / 2 != num_tokens) {
    return corrupt(std::string(payload / 2 < num_tokens ? "truncated" : "size mismatch") +
                   ": header says " + std::to_string(num_tokens) + " tokens (" +
                   std::to_string(kShardHeaderBytes) + " + 2 * tokens bytes), file has " +
                   std::to_string(file.size()) + " bytes");
  }
  const uint8_t* body = data + r.position();
  if (Blake2b256(body, payload) != shard.checksum_) return corrupt("checksum mismatch");

  shard.tokens_.resize(num_tokens);
  for (uint64_t i = 0; i < num_tokens; ++i) {
    uint16_t t = static_cast<uint16_t>(body[2 * i] | (body[2 * i + 1] << 8));
    if (t >= shard.vocab_size_) {
      return corrupt("token " + std::to_string(t) + " at index " + std::to_string(i) +
                     " is outside the vocabulary of " + std::to_string(shard.vocab_size_));
    }
    shard.tokens_[i] = t;
  }
  return shard;
}

const uint16_t* ShardReader::Page(uint64_t i) const {
  assert(i < num_pages_);
  return tokens_.data() + i * page_tokens_;
}

}  // namespace loconet::datasets
