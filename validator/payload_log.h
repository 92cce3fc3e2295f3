// The payload hashes a validator has seen recently, kept on disk so that a replayed update is
// refused after a restart too. Torch-free; one thread.
//
// File: a sequence of 48-byte records, u64le round || 32-byte payload hash || the first 8 bytes
// of BLAKE2b-256(round || hash). Each Remember appends one record and fdatasyncs before it
// returns, so a hash the validator acted on survives a crash. Open reads records up to the first
// torn or corrupt one, truncates the file there and carries on: a torn tail loses only the record
// being written when the power went.
//
// Memory and disk are bounded by a window of rounds: hashes of rounds older than
// `current - window_rounds` are forgotten (Prune), because an update trained from a model that
// many rounds old fails the stale_base gate anyway. The ledger is the long-term record.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "core/hash.h"
#include "core/status.h"

namespace loconet {

class PayloadLog {
 public:
  static constexpr size_t kRecordBytes = 48;

  // Opens (creating if absent) the log at `path`, keeping `window_rounds` rounds.
  [[nodiscard]] static Result<PayloadLog> Open(const std::string& path, uint64_t window_rounds);

  PayloadLog(PayloadLog&& other) noexcept;
  PayloadLog& operator=(PayloadLog&& other) noexcept;
  ~PayloadLog();

  bool Contains(const Hash256& h) const { return round_of_.count(h) > 0; }
  // Appends and syncs. kIoError if the disk refuses; the hash is then not remembered.
  [[nodiscard]] Status Remember(uint64_t round, const Hash256& h);
  // Forgets rounds below current_round - window; rewrites the file (atomically) when more than
  // half of it is forgotten records.
  [[nodiscard]] Status Prune(uint64_t current_round);

  size_t size() const { return round_of_.size(); }
  // Records dropped at Open because they were torn or corrupt.
  uint64_t dropped_at_open() const { return dropped_; }

 private:
  PayloadLog() = default;
  std::string path_;
  uint64_t window_ = 0;
  int fd_ = -1;
  uint64_t records_in_file_ = 0;
  uint64_t dropped_ = 0;
  std::map<Hash256, uint64_t> round_of_;
  std::multimap<uint64_t, Hash256> by_round_;
};

}  // namespace loconet
