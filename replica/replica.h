// Ledger replication (docs/protocol.md "LedgerRangeRequest and LedgerRecords"): a validator
// serves ranges of its chain; anyone copies them into a local ledger that LedgerStore::Append
// verifies record by record (signature, body, chain link) before storing. The copy is a full
// ledger: `loconet ledger verify` and `loconet leaderboard` read it like the validator's own.
// Torch-free; depends on ledger/ and sync/.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>

#include "core/keys.h"
#include "core/status.h"
#include "ledger/store.h"
#include "sync/envelope.h"
#include "sync/messages.pb.h"
#include "sync/transport.h"

namespace loconet::replica {

// The most records one reply carries, and the most bytes (a reply holds at least one record
// whatever its size): a reply may end early, and the client asks again from where it ended.
inline constexpr uint32_t kMaxRangeRecords = 1000;
inline constexpr size_t kMaxRangeBytes = 8u << 20;

// Answers a range request from `store`: up to min(max_records, kMaxRangeRecords) records of the
// requested author (`default_author` if the request names none) from from_height on. An author
// that is not 32 bytes is kInvalidArgument; an author without records gets an empty list.
Result<proto::LedgerRecords> ServeRange(const ledger::LedgerStore& store,
                                        const PublicKey& default_author,
                                        const proto::LedgerRangeRequest& request);

struct SyncOptions {
  int timeout_ms = 5000;  // per request attempt
  int attempts = 3;
  uint32_t batch = kMaxRangeRecords;                  // records asked for per request
  sync::NetworkId network = sync::kDefaultNetworkId;  // the server's network (sync/envelope.h)
};

struct SyncReport {
  uint64_t appended = 0;         // records stored by this call
  std::optional<uint64_t> head;  // the author's local head height afterwards
};

// Copies every record of `author` that `store` lacks from the server behind `client`, until the
// server has no more. Requests are signed by `requester` (any key: reading needs no
// registration); every reply must be signed by `server_key`. Each batch is appended in one
// verified, synced write, so an interrupted sync leaves a valid prefix and the next call
// continues from it. Errors: the server's refusal (its reason code), kTimeout, kBadSignature
// (a reply signed by another key), kDecodeError (a malformed reply or record), kCorrupt naming
// the height (a record that does not extend the local chain: the server's chain forked from
// the copy), kBadSignature from Append (a forged record).
Result<SyncReport> SyncFrom(sync::DealerClient& client, const Identity& requester,
                            const PublicKey& server_key, const PublicKey& author,
                            ledger::LedgerStore* store, const SyncOptions& options = {});

// Keeps `store` in step with a running validator: a first SyncFrom, then every batch the
// validator publishes on its `ledger` topic (`sub`, subscribed to sync::kTopicLedger) is
// appended as it arrives. A broadcast signed by another key than `server_key` is ignored; one
// that starts past the local head + 1 (a missed broadcast: PUB drops messages for subscribers
// that join late or fall behind) triggers a range sync, and so does `poll_ms` without any
// broadcast. `on_progress` is called after each append. Returns OK once `stop` is set, or the
// first error (SyncFrom's errors; kCorrupt for a broadcast that forks from the copy).
Status Follow(sync::DealerClient& client, sync::Subscriber& sub, const Identity& requester,
              const PublicKey& server_key, const PublicKey& author, ledger::LedgerStore* store,
              const std::atomic<bool>& stop,
              const std::function<void(const SyncReport&)>& on_progress = nullptr,
              const SyncOptions& options = {}, int poll_ms = 10000);

}  // namespace loconet::replica
