#include "datasets/loader.h"

#include <algorithm>
#include <utility>

namespace loconet::datasets {

namespace {

// splitmix64 (Steele, Lea, Flood 2014): fixed arithmetic, the same output everywhere.
uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t state) : state_(state) {}
  uint64_t Next() {
    state_ += 0x9E3779B97F4A7C15ull;
    return Mix(state_);
  }
  // Uniform in [0, bound) by rejection, so without modulo bias. Precondition: bound > 0.
  uint64_t Below(uint64_t bound) {
    uint64_t threshold = (0 - bound) % bound;
    while (true) {
      uint64_t x = Next();
      if (x >= threshold) return x % bound;
    }
  }

 private:
  uint64_t state_;
};

}  // namespace

Result<BlockLoader> BlockLoader::Create(const ShardReader& shard, std::vector<uint64_t> pages,
                                        int batch, int ctx, uint64_t seed) {
  if (batch < 1 || ctx < 1) {
    return Error(Code::kInvalidArgument, "loader: batch " + std::to_string(batch) + " and ctx " +
                                             std::to_string(ctx) + " must both be >= 1");
  }
  if (pages.empty()) return Error(Code::kInvalidArgument, "loader: no pages to read");
  if (static_cast<uint64_t>(ctx) + 1 > shard.page_tokens()) {
    return Error(Code::kInvalidArgument, "loader: " + shard.path() + " has pages of " +
                                             std::to_string(shard.page_tokens()) +
                                             " tokens, too short for a window of " +
                                             std::to_string(ctx) + " + 1 tokens");
  }
  std::sort(pages.begin(), pages.end());
  pages.erase(std::unique(pages.begin(), pages.end()), pages.end());
  if (pages.back() >= shard.num_pages()) {
    return Error(Code::kInvalidArgument, "loader: page " + std::to_string(pages.back()) +
                                             " is outside " + shard.path() + " (" +
                                             std::to_string(shard.num_pages()) + " pages)");
  }
  return BlockLoader(shard, std::move(pages), batch, ctx, seed);
}

BlockLoader::BlockLoader(const ShardReader& shard, std::vector<uint64_t> pages, int batch, int ctx,
                         uint64_t seed)
    : shard_(&shard), pages_(std::move(pages)), batch_(batch), ctx_(ctx), seed_(seed) {
  windows_per_page_ = (shard.page_tokens() - 1) / static_cast<uint64_t>(ctx);
  num_windows_ = pages_.size() * windows_per_page_;
}

void BlockLoader::ShuffleFor(uint64_t epoch) {
  if (epoch == epoch_) return;
  order_.resize(num_windows_);
  for (uint64_t i = 0; i < num_windows_; ++i) order_[i] = i;
  SplitMix64 rng(Mix(seed_) ^ Mix(epoch + 0x632BE59BD9B4E019ull));
  for (uint64_t i = num_windows_ - 1; i > 0; --i) std::swap(order_[i], order_[rng.Below(i + 1)]);
  epoch_ = epoch;
}

void BlockLoader::Seek(uint64_t position) { position_ = position; }

std::vector<int64_t> BlockLoader::Next() {
  std::vector<int64_t> out;
  Next(&out);
  return out;
}

void BlockLoader::Next(std::vector<int64_t>* out) {
  const size_t row = static_cast<size_t>(ctx_) + 1;
  out->resize(static_cast<size_t>(batch_) * row);
  for (int b = 0; b < batch_; ++b) {
    ShuffleFor(position_ / num_windows_);
    uint64_t window = order_[position_ % num_windows_];
    const uint16_t* page = shard_->Page(pages_[window / windows_per_page_]);
    const uint16_t* start = page + (window % windows_per_page_) * static_cast<uint64_t>(ctx_);
    int64_t* dst = out->data() + static_cast<size_t>(b) * row;
    for (size_t t = 0; t < row; ++t) dst[t] = start[t];
    ++position_;
  }
}

std::vector<uint64_t> AllPages(const ShardReader& shard) {
  std::vector<uint64_t> pages(shard.num_pages());
  for (uint64_t i = 0; i < pages.size(); ++i) pages[i] = i;
  return pages;
}

}  // namespace loconet::datasets
