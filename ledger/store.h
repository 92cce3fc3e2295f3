// The ledger store: every author's chain of records in one RocksDB database.
//
// Column families (key layouts in docs/formats.md, "Ledger"):
//   records   author(32) || height(u64 BE)                          -> Record::Serialize()
//   by_round  round(u64 BE) || author(32) || height(u64 BE)         -> empty
//   by_miner  miner(32) || round(u64 BE) || author(32) || height(BE) -> empty
//   meta      "format"                                              -> "loconet.ledger.v6"
//             "head" || author(32)                                  -> u64 height || hash(32)
// Big-endian integers in keys make RocksDB's byte order the numeric order.
//
// Append is the only writer. It checks every record (signature, body, chain link) before it
// writes anything, then writes the whole batch in one synced WriteBatch: either all of it is on
// disk when Append returns OK, or none of it is. The store never holds a record that fails those
// checks, whoever wrote it (our validator, or another author's records fetched from a peer).
//
// Threads: every method may be called from any thread. Appends are serialized; reads see a
// consistent snapshot of the database per call.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/hash.h"
#include "core/keys.h"
#include "core/status.h"
#include "ledger/record.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class ManagedSnapshot;
struct ReadOptions;
}  // namespace rocksdb

namespace loconet::ledger {

class LedgerStore {
 public:
  // Opens the ledger in `dir`, creating it (and the directory) if missing unless `read_only`.
  // A read-only store can be opened while another process appends; it sees the database as it
  // was when opened. Errors name `dir`: kNotFound if read-only and there is no ledger,
  // kCorrupt if the directory holds something that is not a loconet ledger, kIoError otherwise
  // (for example, another process holds it open for writing). A new ledger is built in
  // `dir`.creating and renamed to `dir` once complete, so a crash while creating it leaves no
  // half-made ledger (the next Open builds it again).
  static Result<std::unique_ptr<LedgerStore>> Open(const std::string& dir, bool read_only = false);
  ~LedgerStore();
  LedgerStore(const LedgerStore&) = delete;
  LedgerStore& operator=(const LedgerStore&) = delete;

  // Checks every record in order, then stores them all in one synced write. The checks: a valid
  // signature (kBadSignature), a body that decodes as its kind (kDecodeError), a size within
  // kMaxBodyBytes (kTooLarge), height == the author's head + 1, or 0 for an author with no
  // records, and prev == the head's hash (kCorrupt; earlier records of the same batch count as
  // the head). Nothing is written unless every check passes and the write succeeds; OK means the
  // records are durable. kPermissionDenied on a read-only store. An empty batch is OK. A record
  // that is already stored (same author, height and hash) is kDuplicate, so that a replica can
  // tell a repeat from a fork.
  Status Append(const std::vector<Record>& records);

  struct Head {
    uint64_t height;
    Hash256 hash;
  };
  // The author's latest record, std::nullopt if it has none.
  Result<std::optional<Head>> HeadOf(const PublicKey& author) const;
  // Every author with at least one record, in key order. An I/O error ends the list early;
  // ForEach reports such errors.
  std::vector<PublicKey> Authors() const;
  // Up to `max_records` of `author`'s records from `from_height` on, in height order.
  Result<std::vector<Record>> Range(const PublicKey& author, uint64_t from_height,
                                    uint32_t max_records) const;
  // The record at (author, height); kNotFound if there is none.
  Result<Record> Get(const PublicKey& author, uint64_t height) const;
  // Calls `fn` on every record in (author, height) order; stops at and returns the first error,
  // its own or fn's. A stored value that does not parse, or whose author and height differ from
  // its key, is kCorrupt.
  Status ForEach(const std::function<Status(const Record&)>& fn) const;
  // Every author's records whose record round is `round`, in (author, height) order.
  Result<std::vector<Record>> ByRound(uint64_t round) const;
  // Every record that names `miner` (its registration, scores and rewards), in (round, author,
  // height) order.
  Result<std::vector<Record>> ByMiner(const PublicKey& miner) const;
  // Checks that the head and index entries match the records exactly: every head names the
  // author's last record, every index entry points at a record that names it, and every record
  // has its index entries. The first mismatch is kCorrupt.
  Status CheckIndexes() const;

  // A read-only store: reads what the writing process has appended since it was opened (or last
  // caught up), so a reader beside a live validator sees new records. kPermissionDenied on a
  // writable store (it always sees its own writes); kIoError if the catch-up fails.
  Status CatchUp();

  const std::string& dir() const { return dir_; }
  bool read_only() const { return read_only_; }

 private:
  static Result<std::unique_ptr<LedgerStore>> OpenAt(const std::string& dir, bool read_only);
  LedgerStore();
  Status IoError(const std::string& what, const std::string& detail) const;
  Status CorruptError(const std::string& what) const;
  // Read options pinned to a snapshot held in *snap (none needed for a read-only store).
  rocksdb::ReadOptions SnapshotRead(std::optional<rocksdb::ManagedSnapshot>* snap) const;
  Result<std::vector<Record>> FetchIndexed(rocksdb::ColumnFamilyHandle* cf,
                                           const std::string& prefix, size_t skip) const;

  std::string dir_;
  bool read_only_ = false;
  std::string secondary_dir_;  // a read-only store's private RocksDB info-log directory
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // owned; destroyed before db_
  rocksdb::ColumnFamilyHandle* records_ = nullptr;
  rocksdb::ColumnFamilyHandle* by_round_ = nullptr;
  rocksdb::ColumnFamilyHandle* by_miner_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  std::mutex append_mu_;
};

// Builds and signs one author's next records on top of its head, then commits them as one batch
// (a validator's records of one round). Not thread-safe; one writer per author at a time.
class LedgerWriter {
 public:
  // Reads the author's head. Both pointers are borrowed and must outlive the writer. If the head
  // cannot be read, Commit returns that error.
  LedgerWriter(LedgerStore* store, const Identity* author);

  // Builds and signs the record after the last one built (or after the stored head), stamped
  // with the current wall-clock time. Nothing is stored until Commit.
  Record Next(RecordKind kind, uint64_t round, Bytes body);
  // The same with a given timestamp (tests, replays).
  Record Next(RecordKind kind, uint64_t round, Bytes body, int64_t timestamp_ms);
  // Appends every record built since the last successful Commit in one LedgerStore::Append.
  // On failure the records stay pending (Commit may be retried) until Discard.
  Status Commit();
  // Drops the pending records and re-reads the head from the store.
  void Discard();
  size_t pending() const { return pending_.size(); }

 private:
  LedgerStore* store_;
  const Identity* author_;
  Status head_status_;
  uint64_t next_height_ = 0;
  Hash256 prev_;
  std::vector<Record> pending_;
};

}  // namespace loconet::ledger
