#include "ledger/store.h"

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/snapshot.h>
#include <rocksdb/write_batch.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <utility>

#include "core/files.h"
#include "ledger/bodies.h"

namespace loconet::ledger {

namespace {

constexpr const char* kRecordsCf = "records";
constexpr const char* kByRoundCf = "by_round";
constexpr const char* kByMinerCf = "by_miner";
constexpr const char* kMetaCf = "meta";
constexpr const char* kFormatKey = "format";
// v2: score entries carry the assigned-data average (data_ppb). v3: round bodies carry the
// round's score parameters and improvements lie in [-1e9, 1e9]. An older ledger is refused
// rather than misread.
constexpr const char* kFormatValue = "loconet.ledger.v6";
constexpr const char* kHeadPrefix = "head";
constexpr size_t kKeyBytes = 32;
constexpr size_t kRecordKeyBytes = kKeyBytes + 8;

void PutBe64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}

uint64_t GetBe64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | static_cast<uint8_t>(p[i]);
  return v;
}

void PutKey(std::string* out, const PublicKey& k) {
  out->append(reinterpret_cast<const char*>(k.bytes.data()), k.bytes.size());
}

std::string RecordKey(const PublicKey& author, uint64_t height) {
  std::string k;
  PutKey(&k, author);
  PutBe64(&k, height);
  return k;
}

std::string ByRoundKey(const Record& r) {
  std::string k;
  PutBe64(&k, r.round);
  k += RecordKey(r.author, r.height);
  return k;
}

std::string ByMinerKey(const PublicKey& miner, const Record& r) {
  std::string k;
  PutKey(&k, miner);
  PutBe64(&k, r.round);
  k += RecordKey(r.author, r.height);
  return k;
}

std::string HeadKey(const PublicKey& author) {
  std::string k = kHeadPrefix;
  PutKey(&k, author);
  return k;
}

std::string HeadValue(const LedgerStore::Head& h) {
  ByteWriter w;
  w.U64(h.height);
  w.Raw(h.hash.bytes.data(), h.hash.bytes.size());
  const Bytes& b = w.bytes();
  return std::string(b.begin(), b.end());
}

bool ParseHeadValue(const std::string& v, LedgerStore::Head* h) {
  ByteReader r(reinterpret_cast<const uint8_t*>(v.data()), v.size());
  r.U64(&h->height);
  r.Raw(h->hash.bytes.data(), h->hash.bytes.size());
  return r.Finish("head").ok();
}

bool StartsWith(const rocksdb::Slice& s, const std::string& prefix) {
  return s.size() >= prefix.size() && std::memcmp(s.data(), prefix.data(), prefix.size()) == 0;
}

PublicKey KeyAt(const char* p) {
  PublicKey k;
  std::memcpy(k.bytes.data(), p, kKeyBytes);
  return k;
}

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Parses a stored record and checks it against its key.
Result<Record> ParseStored(const rocksdb::Slice& key, const rocksdb::Slice& value) {
  auto rec = Record::Parse(reinterpret_cast<const uint8_t*>(value.data()), value.size());
  if (key.size() != kRecordKeyBytes) {
    return Error(Code::kCorrupt, "records key of " + std::to_string(key.size()) + " bytes");
  }
  PublicKey author = KeyAt(key.data());
  uint64_t height = GetBe64(key.data() + kKeyBytes);
  std::string where = "stored record " + author.Short() + " #" + std::to_string(height);
  if (!rec.ok()) return Error(Code::kCorrupt, where + ": " + rec.status().ToString());
  if (rec->author != author || rec->height != height) {
    return Error(Code::kCorrupt, where + ": holds the record of " + rec->author.Short() + " #" +
                                     std::to_string(rec->height));
  }
  return rec;
}

// A read-only store is a RocksDB secondary instance, which may follow a live primary; its own
// info log goes to a private temporary directory, removed on close.
Result<std::string> MakeSecondaryDir() {
  std::string templ =
      (std::filesystem::temp_directory_path() / "loconet-ledger-ro-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) {
    return Error(Code::kIoError, "cannot create a temporary directory for the read-only ledger: " +
                                     std::string(std::strerror(errno)));
  }
  return templ;
}

}  // namespace

LedgerStore::LedgerStore() = default;

LedgerStore::~LedgerStore() {
  if (db_) {
    for (rocksdb::ColumnFamilyHandle* h : handles_) db_->DestroyColumnFamilyHandle(h);
    handles_.clear();
    db_->Close().PermitUncheckedError();
    db_.reset();
  }
  if (!secondary_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(secondary_dir_, ec);
  }
}

Status LedgerStore::IoError(const std::string& what, const std::string& detail) const {
  return Error(Code::kIoError, "ledger " + dir_ + ": " + what + ": " + detail);
}

Status LedgerStore::CorruptError(const std::string& what) const {
  return Error(Code::kCorrupt, "ledger " + dir_ + ": " + what);
}

Result<std::unique_ptr<LedgerStore>> LedgerStore::Open(const std::string& dir, bool read_only) {
  if (read_only || FileExists(dir + "/CURRENT")) return OpenAt(dir, read_only);
  const std::string staging = dir + ".creating";
  std::error_code ec;
  std::filesystem::remove_all(staging, ec);  // left by a crash during an earlier creation
  if (ec) return Error(Code::kIoError, "ledger " + staging + ": cannot remove: " + ec.message());
  { LOCONET_ASSIGN_OR_RETURN(std::unique_ptr<LedgerStore> fresh, OpenAt(staging, false)); }
  // An empty directory may stand where the ledger goes (made by hand, or by an older build);
  // anything else there is not ours to replace.
  if (std::filesystem::exists(dir, ec) && !std::filesystem::remove(dir, ec)) {
    return Error(Code::kCorrupt, "ledger " + dir + ": the directory holds files but no ledger");
  }
  const std::string parent = std::filesystem::path(dir).parent_path().string();
  if (!parent.empty()) LOCONET_RETURN_IF_ERROR(MakeDirs(parent));
  LOCONET_RETURN_IF_ERROR(RenameFile(staging, dir));
  return OpenAt(dir, false);
}

Result<std::unique_ptr<LedgerStore>> LedgerStore::OpenAt(const std::string& dir, bool read_only) {
  std::unique_ptr<LedgerStore> store(new LedgerStore());
  store->dir_ = dir;
  store->read_only_ = read_only;
  const std::vector<std::string> names = {rocksdb::kDefaultColumnFamilyName, kRecordsCf, kByRoundCf,
                                          kByMinerCf, kMetaCf};

  rocksdb::Options options;
  options.keep_log_file_num = 4;
  options.max_open_files = -1;  // required by secondary instances
  const bool exists = FileExists(dir + "/CURRENT");
  if (exists) {
    std::vector<std::string> found;
    rocksdb::Status s = rocksdb::DB::ListColumnFamilies(options, dir, &found);
    if (!s.ok()) return store->IoError("cannot list column families", s.ToString());
    std::vector<std::string> want = names;
    std::sort(found.begin(), found.end());
    std::sort(want.begin(), want.end());
    if (found != want) {
      std::string list;
      for (const std::string& n : found) list += (list.empty() ? "" : ", ") + n;
      return store->CorruptError("not a loconet ledger (column families: " + list + ")");
    }
  } else if (read_only) {
    return Error(Code::kNotFound, "ledger " + dir + ": no ledger database in this directory");
  } else {
    LOCONET_RETURN_IF_ERROR(MakeDirs(dir));
  }

  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const std::string& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (read_only) {
    LOCONET_ASSIGN_OR_RETURN(store->secondary_dir_, MakeSecondaryDir());
    s = rocksdb::DB::OpenAsSecondary(options, dir, store->secondary_dir_, cfs, &store->handles_,
                                     &raw);
    if (s.ok()) {
      store->db_.reset(raw);
      s = raw->TryCatchUpWithPrimary();
    }
  } else {
    options.create_if_missing = true;
    options.create_missing_column_families = true;
    s = rocksdb::DB::Open(options, dir, cfs, &store->handles_, &raw);
    if (s.ok()) store->db_.reset(raw);
  }
  if (!s.ok()) {
    return store->IoError(read_only ? "cannot open read-only" : "cannot open", s.ToString());
  }
  store->records_ = store->handles_[1];
  store->by_round_ = store->handles_[2];
  store->by_miner_ = store->handles_[3];
  store->meta_ = store->handles_[4];

  std::string format;
  s = store->db_->Get(rocksdb::ReadOptions(), store->meta_, kFormatKey, &format);
  if (s.IsNotFound()) {
    if (read_only) return store->CorruptError("no format marker (not a loconet ledger?)");
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = store->db_->Put(wo, store->meta_, kFormatKey, kFormatValue);
    if (!s.ok()) return store->IoError("cannot write the format marker", s.ToString());
  } else if (!s.ok()) {
    return store->IoError("cannot read the format marker", s.ToString());
  } else if (format != kFormatValue) {
    return store->CorruptError("format marker \"" + format.substr(0, 64) + "\" is not \"" +
                               kFormatValue +
                               "\" (written by another loconet version; "
                               "this build reads only its own)");
  }
  return store;
}

Status LedgerStore::CatchUp() {
  if (!read_only_) {
    return Error(Code::kPermissionDenied, "ledger " + dir_ + ": only a read-only store catches up");
  }
  rocksdb::Status s = db_->TryCatchUpWithPrimary();
  if (!s.ok()) return IoError("cannot catch up with the writer", s.ToString());
  return Status::Ok();
}

Result<std::optional<LedgerStore::Head>> LedgerStore::HeadOf(const PublicKey& author) const {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta_, HeadKey(author), &v);
  if (s.IsNotFound()) return std::optional<Head>();
  if (!s.ok()) return IoError("cannot read the head of " + author.Short(), s.ToString());
  Head h;
  if (!ParseHeadValue(v, &h)) return CorruptError("malformed head of " + author.Short());
  return std::optional<Head>(h);
}

Status LedgerStore::Append(const std::vector<Record>& records) {
  if (read_only_) {
    return Error(Code::kPermissionDenied, "ledger " + dir_ + ": opened read-only");
  }
  if (records.empty()) return Status::Ok();
  std::lock_guard<std::mutex> lock(append_mu_);
  std::map<PublicKey, Head> heads;  // the batch's own records count as heads
  rocksdb::WriteBatch batch;
  for (size_t i = 0; i < records.size(); ++i) {
    const Record& rec = records[i];
    const std::string where = "ledger " + dir_ + ": record " + std::to_string(i) +
                              " of the batch (" + RecordLabel(rec.author, rec.height, rec.kind) +
                              ")";
    if (!IsKnownKind(static_cast<uint8_t>(rec.kind))) {
      return Error(Code::kDecodeError, where + ": unknown kind");
    }
    if (rec.body.size() > kMaxBodyBytes) {
      return Error(Code::kTooLarge, where + ": body of " + std::to_string(rec.body.size()) +
                                        " bytes exceeds the limit of " +
                                        std::to_string(kMaxBodyBytes));
    }
    const Hash256 hash = rec.Hash();
    if (!Verify(rec.author, hash.bytes.data(), hash.bytes.size(), rec.signature)) {
      return Error(Code::kBadSignature, where + ": signature does not verify");
    }
    Status body = CheckBody(rec.kind, rec.body);
    if (!body.ok()) return Error(Code::kDecodeError, where + ": " + body.message());

    std::optional<Head> head;
    bool stored_head = false;
    auto it = heads.find(rec.author);
    if (it != heads.end()) {
      head = it->second;
    } else {
      LOCONET_ASSIGN_OR_RETURN(head, HeadOf(rec.author));
      stored_head = true;
    }
    const uint64_t want_height = head ? head->height + 1 : 0;
    const Hash256 want_prev = head ? head->hash : Hash256{};
    if (rec.height != want_height) {
      if (stored_head && head && rec.height <= head->height) {
        auto have = Get(rec.author, rec.height);
        if (have.ok() && have->Hash() == hash) {
          return Error(Code::kDuplicate, where + ": already stored");
        }
      }
      return Error(Code::kCorrupt, where + ": height " + std::to_string(rec.height) +
                                       " does not follow the author's head (expected " +
                                       std::to_string(want_height) + ")");
    }
    if (rec.prev != want_prev) {
      return Error(Code::kCorrupt, where + ": prev hash " + rec.prev.Hex().substr(0, 16) +
                                       " is not the hash of the author's head " +
                                       want_prev.Hex().substr(0, 16));
    }

    const Bytes value = rec.Serialize();
    batch.Put(records_, RecordKey(rec.author, rec.height),
              rocksdb::Slice(reinterpret_cast<const char*>(value.data()), value.size()));
    batch.Put(by_round_, ByRoundKey(rec), rocksdb::Slice());
    for (const PublicKey& miner : MinersOf(rec.kind, rec.body)) {
      batch.Put(by_miner_, ByMinerKey(miner, rec), rocksdb::Slice());
    }
    heads[rec.author] = Head{rec.height, hash};
  }
  for (const auto& [author, head] : heads) batch.Put(meta_, HeadKey(author), HeadValue(head));

  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::Status s = db_->Write(wo, &batch);
  if (!s.ok()) {
    return IoError("write of " + std::to_string(records.size()) + " records failed", s.ToString());
  }
  return Status::Ok();
}

std::vector<PublicKey> LedgerStore::Authors() const {
  std::vector<PublicKey> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), meta_));
  const std::string prefix = kHeadPrefix;
  for (it->Seek(prefix); it->Valid() && StartsWith(it->key(), prefix); it->Next()) {
    if (it->key().size() != prefix.size() + kKeyBytes) continue;
    out.push_back(KeyAt(it->key().data() + prefix.size()));
  }
  return out;
}

Result<Record> LedgerStore::Get(const PublicKey& author, uint64_t height) const {
  const std::string key = RecordKey(author, height);
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), records_, key, &v);
  if (s.IsNotFound()) {
    return Error(Code::kNotFound, "ledger " + dir_ + ": no record " + author.Short() + " #" +
                                      std::to_string(height));
  }
  if (!s.ok()) return IoError("cannot read a record", s.ToString());
  auto rec = ParseStored(key, v);
  if (!rec.ok()) return rec.status().WithContext("ledger " + dir_);
  return rec;
}

Result<std::vector<Record>> LedgerStore::Range(const PublicKey& author, uint64_t from_height,
                                               uint32_t max_records) const {
  std::vector<Record> out;
  std::string prefix;
  PutKey(&prefix, author);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), records_));
  for (it->Seek(RecordKey(author, from_height));
       it->Valid() && StartsWith(it->key(), prefix) && out.size() < max_records; it->Next()) {
    auto rec = ParseStored(it->key(), it->value());
    if (!rec.ok()) return rec.status().WithContext("ledger " + dir_);
    out.push_back(std::move(rec).value());
  }
  if (!it->status().ok()) return IoError("cannot read records", it->status().ToString());
  return out;
}

Status LedgerStore::ForEach(const std::function<Status(const Record&)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), records_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto rec = ParseStored(it->key(), it->value());
    if (!rec.ok()) return rec.status().WithContext("ledger " + dir_);
    LOCONET_RETURN_IF_ERROR(fn(*rec));
  }
  if (!it->status().ok()) return IoError("cannot read records", it->status().ToString());
  return Status::Ok();
}

rocksdb::ReadOptions LedgerStore::SnapshotRead(
    std::optional<rocksdb::ManagedSnapshot>* snap) const {
  rocksdb::ReadOptions ro;
  // A secondary instance does not change between catch-ups, and does not support snapshots.
  if (!read_only_) {
    snap->emplace(db_.get());
    ro.snapshot = (*snap)->snapshot();
  }
  return ro;
}

Result<std::vector<Record>> LedgerStore::FetchIndexed(rocksdb::ColumnFamilyHandle* cf,
                                                      const std::string& prefix,
                                                      size_t skip) const {
  std::vector<Record> out;
  std::optional<rocksdb::ManagedSnapshot> snap;
  rocksdb::ReadOptions ro = SnapshotRead(&snap);
  Status status = Status::Ok();
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf));
    for (it->Seek(prefix); it->Valid() && StartsWith(it->key(), prefix); it->Next()) {
      if (it->key().size() != skip + kRecordKeyBytes) {
        status = CorruptError("index key of " + std::to_string(it->key().size()) + " bytes");
        break;
      }
      const std::string key(it->key().data() + skip, kRecordKeyBytes);
      std::string v;
      rocksdb::Status s = db_->Get(ro, records_, key, &v);
      if (s.IsNotFound()) {
        status =
            CorruptError("index entry points at a missing record " + KeyAt(key.data()).Short() +
                         " #" + std::to_string(GetBe64(key.data() + kKeyBytes)));
        break;
      }
      if (!s.ok()) {
        status = IoError("cannot read a record", s.ToString());
        break;
      }
      auto rec = ParseStored(key, v);
      if (!rec.ok()) {
        status = rec.status().WithContext("ledger " + dir_);
        break;
      }
      out.push_back(std::move(rec).value());
    }
    if (status.ok() && !it->status().ok()) {
      status = IoError("cannot read an index", it->status().ToString());
    }
  }
  if (!status.ok()) return status;
  return out;
}

Result<std::vector<Record>> LedgerStore::ByRound(uint64_t round) const {
  std::string prefix;
  PutBe64(&prefix, round);
  return FetchIndexed(by_round_, prefix, prefix.size());
}

Result<std::vector<Record>> LedgerStore::ByMiner(const PublicKey& miner) const {
  std::string prefix;
  PutKey(&prefix, miner);
  return FetchIndexed(by_miner_, prefix, prefix.size() + 8);
}

Status LedgerStore::CheckIndexes() const {
  std::optional<rocksdb::ManagedSnapshot> snap;
  rocksdb::ReadOptions ro = SnapshotRead(&snap);
  auto exists = [&](rocksdb::ColumnFamilyHandle* cf, const std::string& key, Status* err) {
    std::string v;
    rocksdb::Status s = db_->Get(ro, cf, key, &v);
    if (!s.ok() && !s.IsNotFound()) *err = IoError("cannot read an index", s.ToString());
    return s.ok();
  };
  auto count = [&](rocksdb::ColumnFamilyHandle* cf, const std::string& prefix, uint64_t* n) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf));
    *n = 0;
    for (it->Seek(prefix); it->Valid() && StartsWith(it->key(), prefix); it->Next()) ++*n;
    return it->status().ok() ? Status::Ok()
                             : IoError("cannot read an index", it->status().ToString());
  };

  // Every record has its index entries; the last record of each author is its head. Index keys
  // of distinct records are distinct, so equal counts then mean no stray entries either.
  uint64_t want_round = 0, want_miner = 0, authors = 0;
  std::optional<Record> last;
  Status err = Status::Ok();
  auto check_head = [&](const Record& rec) {
    std::string v;
    rocksdb::Status s = db_->Get(ro, meta_, HeadKey(rec.author), &v);
    if (!s.ok() && !s.IsNotFound()) {
      return IoError("cannot read the head of " + rec.author.Short(), s.ToString());
    }
    Head head;
    if (!s.ok() || !ParseHeadValue(v, &head) || head.height != rec.height ||
        head.hash != rec.Hash()) {
      return CorruptError("head of " + rec.author.Short() + " does not name its last record #" +
                          std::to_string(rec.height));
    }
    return Status::Ok();
  };
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, records_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto rec = ParseStored(it->key(), it->value());
    if (!rec.ok()) return rec.status().WithContext("ledger " + dir_);
    if (last && last->author != rec->author) {
      Status s = check_head(*last);
      if (!s.ok()) return s;
    }
    if (!last || last->author != rec->author) ++authors;
    const std::string label = RecordLabel(rec->author, rec->height, rec->kind);
    ++want_round;
    if (!exists(by_round_, ByRoundKey(*rec), &err)) {
      return err.ok() ? CorruptError(label + ": missing from the by_round index") : err;
    }
    for (const PublicKey& miner : MinersOf(rec->kind, rec->body)) {
      ++want_miner;
      if (!exists(by_miner_, ByMinerKey(miner, *rec), &err)) {
        return err.ok()
                   ? CorruptError(label + ": missing from the by_miner index for " + miner.Short())
                   : err;
      }
    }
    last = std::move(rec).value();
  }
  if (!it->status().ok()) {
    return IoError("cannot read records", it->status().ToString());
  }
  if (last) {
    Status s = check_head(*last);
    if (!s.ok()) return s;
  }
  uint64_t have_round = 0, have_miner = 0, have_heads = 0;
  Status s = count(by_round_, "", &have_round);
  if (s.ok()) s = count(by_miner_, "", &have_miner);
  if (s.ok()) s = count(meta_, kHeadPrefix, &have_heads);
  if (!s.ok()) return s;
  if (have_round != want_round) {
    return CorruptError("by_round index has " + std::to_string(have_round) + " entries for " +
                        std::to_string(want_round) + " records");
  }
  if (have_miner != want_miner) {
    return CorruptError("by_miner index has " + std::to_string(have_miner) +
                        " entries where the records name " + std::to_string(want_miner));
  }
  if (have_heads != authors) {
    return CorruptError(std::to_string(have_heads) + " heads for " + std::to_string(authors) +
                        " authors with records");
  }
  return Status::Ok();
}

// ---- LedgerWriter

LedgerWriter::LedgerWriter(LedgerStore* store, const Identity* author)
    : store_(store), author_(author) {
  Discard();
}

void LedgerWriter::Discard() {
  pending_.clear();
  next_height_ = 0;
  prev_ = Hash256{};
  auto head = store_->HeadOf(author_->public_key());
  head_status_ = head.status();
  if (head.ok() && *head) {
    next_height_ = (*head)->height + 1;
    prev_ = (*head)->hash;
  }
}

Record LedgerWriter::Next(RecordKind kind, uint64_t round, Bytes body) {
  return Next(kind, round, std::move(body), NowMs());
}

Record LedgerWriter::Next(RecordKind kind, uint64_t round, Bytes body, int64_t timestamp_ms) {
  Record rec =
      SignRecord(*author_, next_height_, prev_, round, kind, std::move(body), timestamp_ms);
  ++next_height_;
  prev_ = rec.Hash();
  pending_.push_back(rec);
  return rec;
}

Status LedgerWriter::Commit() {
  LOCONET_RETURN_IF_ERROR(head_status_);
  if (pending_.empty()) return Status::Ok();
  LOCONET_RETURN_IF_ERROR(store_->Append(pending_));
  pending_.clear();
  return Status::Ok();
}

}  // namespace loconet::ledger
