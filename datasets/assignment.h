// Deterministic page assignment and the data receipt (ARCHITECTURE.md section 4, gate 4).
//
// The pages a miner trains on in a round are a pure function of the round's public seed, the
// miner's public key and the number of pages in the training shard, so that the miner, every
// validator and any observer compute the same list. Everything is built from BLAKE2b-256 over
// explicit little-endian bytes; docs/formats.md spells out the algorithm so that it can be
// recomputed outside this code. All functions here are pure and thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "core/hash.h"
#include "core/keys.h"

namespace loconet::datasets {

// The round's permutation of the pages [0, num_pages): pages sorted by
// BLAKE2b-256("loconet.page_order.v1" || round_seed || u64 page), ties by page id.
// Costs one hash per page.
std::vector<uint64_t> RoundPageOrder(const Hash256& round_seed, uint64_t num_pages);

// The miner's start in the round's permutation: the first 8 bytes (little-endian u64) of
// BLAKE2b-256("loconet.page_offset.v1" || round_seed || miner key), modulo num_pages.
// Precondition: num_pages > 0.
uint64_t MinerOffset(const Hash256& round_seed, const PublicKey& miner, uint64_t num_pages);

// The `count` pages assigned to `miner` in the round with `round_seed`: the window of `count`
// consecutive entries of RoundPageOrder starting at MinerOffset (wrapping around), sorted
// ascending. The ids are distinct and < num_pages; count is clamped to num_pages; empty if
// num_pages or count is 0. Different miners start at independent offsets, so their windows
// overlap little while count times the number of miners is small against num_pages.
std::vector<uint64_t> AssignPages(const Hash256& round_seed, const PublicKey& miner,
                                  uint64_t num_pages, uint32_t count);

// The data receipt a miner sends: BLAKE2b-256("loconet.data_receipt.v1" || u64 n || the n page
// ids as u64, sorted ascending). The order of `pages` does not matter.
Hash256 PagesDigest(const std::vector<uint64_t>& pages);

// A deterministic sample of `count` pages of [0, num_pages) that are not in `assigned` (in any
// order): those pages sorted by BLAKE2b-256("loconet.unassigned_sample.v1" || seed || u64 page),
// the first `count` kept, returned sorted ascending. Fewer if fewer pages are unassigned. The
// validator uses it to compare a miner's own pages against pages it did not train on.
std::vector<uint64_t> SampleUnassignedPages(const Hash256& seed,
                                            const std::vector<uint64_t>& assigned,
                                            uint64_t num_pages, uint32_t count);

// The pages a miner needs so that a round of `steps` inner steps of `batch` windows of
// `context` + 1 tokens reads no window twice: ceil(steps * batch / windows per page), with
// (page_tokens - 1) / context windows per page (datasets/loader.h), at least 1 and at most
// num_pages. Fewer pages make every page repeat within the round, and the update then fits them
// instead of the language (docs/benchmarks.md, docs/incentives.md "The work factor").
uint32_t PagesToCover(uint32_t steps, uint32_t batch, uint32_t context, uint32_t page_tokens,
                      uint64_t num_pages);

}  // namespace loconet::datasets
