// BlockLoader: training batches of consecutive tokens from a set of shard pages.
//
// A window is ctx + 1 consecutive tokens inside one page (inputs are the first ctx, targets the
// last ctx). Window starts in a page are 0, ctx, 2*ctx, ... as long as the window fits, so a
// page of P tokens holds (P - 1) / ctx windows and no token is a target twice per epoch. An epoch
// is one pass over every window of the given pages in a shuffled order; each epoch has its own
// order. The sequence of rows is a pure function of (shard contents, pages, ctx, seed) and is the
// same on every machine: the shuffle uses splitmix64 and Fisher-Yates, nothing from <random>.
//
// position() counts rows handed out; Seek(p) continues exactly as a fresh loader would after
// handing out p rows, so a checkpoint stores position() and restores it with Seek.
//
// Not thread-safe. The loader borrows the shard, which must outlive it.
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "datasets/shard.h"

namespace loconet::datasets {

// Every page id of `shard`: 0 .. num_pages() - 1.
std::vector<uint64_t> AllPages(const ShardReader& shard);

class BlockLoader {
 public:
  // `pages` are sorted and duplicates dropped, so their order does not matter. Fails with
  // kInvalidArgument if batch or ctx < 1, pages is empty, a page id is >= shard.num_pages(), or
  // a page is too short for one window (page_tokens < ctx + 1).
  static Result<BlockLoader> Create(const ShardReader& shard, std::vector<uint64_t> pages,
                                    int batch, int ctx, uint64_t seed);

  // The next `batch` rows of ctx + 1 tokens, row-major: size batch * (ctx + 1).
  std::vector<int64_t> Next();
  // The same into `out`, resized as needed (reuses its storage).
  void Next(std::vector<int64_t>* out);

  // Rows handed out so far (batches times batch size, unless Seek set another value).
  uint64_t position() const { return position_; }
  void Seek(uint64_t position);

  int batch() const { return batch_; }
  int ctx() const { return ctx_; }
  const std::vector<uint64_t>& pages() const { return pages_; }
  // Windows per epoch: pages().size() * ((page_tokens - 1) / ctx).
  uint64_t windows_per_epoch() const { return num_windows_; }

 private:
  BlockLoader(const ShardReader& shard, std::vector<uint64_t> pages, int batch, int ctx,
              uint64_t seed);
  // Makes order_ the window order of `epoch`.
  void ShuffleFor(uint64_t epoch);

  const ShardReader* shard_;
  std::vector<uint64_t> pages_;
  int batch_;
  int ctx_;
  uint64_t seed_;
  uint64_t windows_per_page_;
  uint64_t num_windows_;
  uint64_t position_ = 0;
  uint64_t epoch_ = UINT64_MAX;  // the epoch order_ holds; none yet
  std::vector<uint64_t> order_;
};

}  // namespace loconet::datasets
