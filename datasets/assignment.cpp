#include "datasets/assignment.h"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <utility>

#include "core/bytes.h"

namespace loconet::datasets {

namespace {

constexpr std::string_view kOrderTag = "loconet.page_order.v1";
constexpr std::string_view kOffsetTag = "loconet.page_offset.v1";
constexpr std::string_view kReceiptTag = "loconet.data_receipt.v1";
constexpr std::string_view kSampleTag = "loconet.unassigned_sample.v1";

// BLAKE2b-256(tag || seed || u64 page).
Hash256 PageKey(std::string_view tag, const Hash256& seed, uint64_t page) {
  ByteWriter w;
  w.Raw(tag.data(), tag.size());
  w.Raw(seed.bytes.data(), seed.bytes.size());
  w.U64(page);
  return Blake2b256(w.bytes());
}

// Sorts `pages` by (PageKey(tag, seed, page), page).
void SortByKey(std::string_view tag, const Hash256& seed, std::vector<uint64_t>* pages) {
  std::vector<std::pair<Hash256, uint64_t>> keyed;
  keyed.reserve(pages->size());
  for (uint64_t p : *pages) keyed.emplace_back(PageKey(tag, seed, p), p);
  std::sort(keyed.begin(), keyed.end());
  for (size_t i = 0; i < keyed.size(); ++i) (*pages)[i] = keyed[i].second;
}

}  // namespace

std::vector<uint64_t> RoundPageOrder(const Hash256& round_seed, uint64_t num_pages) {
  std::vector<uint64_t> pages(num_pages);
  for (uint64_t p = 0; p < num_pages; ++p) pages[p] = p;
  SortByKey(kOrderTag, round_seed, &pages);
  return pages;
}

uint64_t MinerOffset(const Hash256& round_seed, const PublicKey& miner, uint64_t num_pages) {
  ByteWriter w;
  w.Raw(kOffsetTag.data(), kOffsetTag.size());
  w.Raw(round_seed.bytes.data(), round_seed.bytes.size());
  w.Raw(miner.bytes.data(), miner.bytes.size());
  Hash256 h = Blake2b256(w.bytes());
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(h.bytes[i]) << (8 * i);
  return v % num_pages;
}

std::vector<uint64_t> AssignPages(const Hash256& round_seed, const PublicKey& miner,
                                  uint64_t num_pages, uint32_t count) {
  if (num_pages == 0 || count == 0) return {};
  uint64_t n = std::min<uint64_t>(count, num_pages);
  std::vector<uint64_t> order = RoundPageOrder(round_seed, num_pages);
  uint64_t offset = MinerOffset(round_seed, miner, num_pages);
  std::vector<uint64_t> pages(n);
  for (uint64_t i = 0; i < n; ++i) pages[i] = order[(offset + i) % num_pages];
  std::sort(pages.begin(), pages.end());
  return pages;
}

Hash256 PagesDigest(const std::vector<uint64_t>& pages) {
  std::vector<uint64_t> sorted = pages;
  std::sort(sorted.begin(), sorted.end());
  ByteWriter w;
  w.Raw(kReceiptTag.data(), kReceiptTag.size());
  w.U64(sorted.size());
  for (uint64_t p : sorted) w.U64(p);
  return Blake2b256(w.bytes());
}

std::vector<uint64_t> SampleUnassignedPages(const Hash256& seed,
                                            const std::vector<uint64_t>& assigned,
                                            uint64_t num_pages, uint32_t count) {
  std::vector<uint64_t> taken = assigned;
  std::sort(taken.begin(), taken.end());
  std::vector<uint64_t> free;
  for (uint64_t p = 0; p < num_pages; ++p) {
    if (!std::binary_search(taken.begin(), taken.end(), p)) free.push_back(p);
  }
  SortByKey(kSampleTag, seed, &free);
  if (free.size() > count) free.resize(count);
  std::sort(free.begin(), free.end());
  return free;
}

uint32_t PagesToCover(uint32_t steps, uint32_t batch, uint32_t context, uint32_t page_tokens,
                      uint64_t num_pages) {
  const uint64_t per_page =
      context == 0 || page_tokens <= context ? 1 : (static_cast<uint64_t>(page_tokens) - 1) / context;
  const uint64_t windows = static_cast<uint64_t>(steps) * batch;
  uint64_t pages = (windows + per_page - 1) / per_page;
  pages = std::max<uint64_t>(1, std::min<uint64_t>(pages, num_pages));
  return static_cast<uint32_t>(std::min<uint64_t>(pages, UINT32_MAX));
}

}  // namespace loconet::datasets
