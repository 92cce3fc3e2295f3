#include "replica/replica.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "sync/envelope.h"
#include "sync/messages.h"

namespace loconet::replica {

Result<proto::LedgerRecords> ServeRange(const ledger::LedgerStore& store,
                                        const PublicKey& default_author,
                                        const proto::LedgerRangeRequest& request) {
  PublicKey author = default_author;
  if (!request.author().empty()) {
    if (request.author().size() != author.bytes.size()) {
      return Error(Code::kInvalidArgument, "author must be 32 bytes");
    }
    std::memcpy(author.bytes.data(), request.author().data(), author.bytes.size());
  }
  // Read a few records at a time and stop at kMaxRangeBytes, so a reply's memory is bounded by
  // bytes, not only by record count (a score record can be megabytes).
  const uint32_t want = std::min(request.max_records(), kMaxRangeRecords);
  proto::LedgerRecords out;
  size_t bytes = 0;
  uint64_t height = request.from_height();
  while (static_cast<uint32_t>(out.records_size()) < want && bytes < kMaxRangeBytes) {
    const uint32_t step = std::min<uint32_t>(16, want - static_cast<uint32_t>(out.records_size()));
    LOCONET_ASSIGN_OR_RETURN(std::vector<ledger::Record> records,
                             store.Range(author, height, step));
    for (const ledger::Record& r : records) {
      Bytes b = r.Serialize();
      if (out.records_size() > 0 && bytes + b.size() > kMaxRangeBytes) return out;
      bytes += b.size();
      out.add_records(std::string(b.begin(), b.end()));
    }
    if (records.size() < step) break;
    height += step;
  }
  return out;
}

namespace {

// One signed range request; returns the verified reply's records.
Result<proto::LedgerRecords> FetchRange(sync::DealerClient& client, const Identity& requester,
                                        const PublicKey& server_key, const PublicKey& author,
                                        uint64_t from, const SyncOptions& o) {
  proto::Request req;
  proto::LedgerRangeRequest* range = req.mutable_ledger();
  range->set_author(RawString(author));
  range->set_from_height(from);
  range->set_max_records(o.batch);
  LOCONET_ASSIGN_OR_RETURN(Bytes env, sync::SealRequest(requester, server_key, &req, o.network));
  LOCONET_ASSIGN_OR_RETURN(Bytes raw, client.Request(env, o.timeout_ms, o.attempts));
  LOCONET_ASSIGN_OR_RETURN(
      sync::OpenedEnvelope opened,
      sync::OpenEnvelope(raw, sync::kDefaultMaxMessageBytes, sync::kTagReply, o.network));
  if (opened.sender != server_key) {
    return Error(Code::kBadSignature, "ledger reply signed by " + opened.sender.Short() +
                                          ", not by the server key " + server_key.Short());
  }
  proto::Reply reply;
  LOCONET_RETURN_IF_ERROR(sync::ParseProto(opened.body, "reply", &reply));
  LOCONET_RETURN_IF_ERROR(sync::ReplyStatus(reply).WithContext("ledger range request"));
  proto::LedgerRecords records;
  LOCONET_RETURN_IF_ERROR(sync::ParseProto(reinterpret_cast<const uint8_t*>(reply.payload().data()),
                                           reply.payload().size(), "ledger records", &records));
  return records;
}

}  // namespace

Result<SyncReport> SyncFrom(sync::DealerClient& client, const Identity& requester,
                            const PublicKey& server_key, const PublicKey& author,
                            ledger::LedgerStore* store, const SyncOptions& options) {
  if (options.batch == 0) return Error(Code::kInvalidArgument, "sync batch must be positive");
  SyncReport report;
  while (true) {
    LOCONET_ASSIGN_OR_RETURN(std::optional<ledger::LedgerStore::Head> head, store->HeadOf(author));
    report.head = head ? std::optional<uint64_t>(head->height) : std::nullopt;
    const uint64_t from = head ? head->height + 1 : 0;
    LOCONET_ASSIGN_OR_RETURN(proto::LedgerRecords got,
                             FetchRange(client, requester, server_key, author, from, options));
    if (got.records_size() == 0) return report;
    if (static_cast<uint32_t>(got.records_size()) > options.batch) {
      return Error(Code::kDecodeError,
                   "ledger reply carries " + std::to_string(got.records_size()) +
                       " records, more than the " + std::to_string(options.batch) + " asked for");
    }
    std::vector<ledger::Record> batch;
    for (int i = 0; i < got.records_size(); ++i) {
      const std::string& s = got.records(i);
      LOCONET_ASSIGN_OR_RETURN(
          ledger::Record r,
          ledger::Record::Parse(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
      if (r.author != author || r.height != from + static_cast<uint64_t>(i)) {
        return Error(Code::kDecodeError, "ledger reply: record " + std::to_string(i) + " is " +
                                             ledger::RecordLabel(r.author, r.height, r.kind) +
                                             ", expected " + author.Short() + " #" +
                                             std::to_string(from + i));
      }
      batch.push_back(std::move(r));
    }
    Status appended = store->Append(batch);
    if (appended.code() == Code::kCorrupt) {
      return Error(Code::kCorrupt,
                   "the server's chain of " + author.Short() + " from height " +
                       std::to_string(from) +
                       " does not extend the local copy (a fork): " + appended.message());
    }
    LOCONET_RETURN_IF_ERROR(appended);
    report.appended += batch.size();
    report.head = batch.back().height;
  }
}

namespace {

// The records of `author` in a `ledger` broadcast, in order; kDecodeError if malformed.
Result<std::vector<ledger::Record>> BroadcastRecords(const Bytes& payload,
                                                     const PublicKey& server_key,
                                                     const PublicKey& author,
                                                     const sync::NetworkId& network) {
  LOCONET_ASSIGN_OR_RETURN(
      sync::OpenedEnvelope opened,
      sync::OpenEnvelope(payload, sync::kDefaultMaxMessageBytes, sync::kTagLedger, network));
  if (opened.sender != server_key) {
    return Error(Code::kBadSignature, "ledger broadcast signed by " + opened.sender.Short());
  }
  proto::LedgerRecords got;
  LOCONET_RETURN_IF_ERROR(sync::ParseProto(opened.body, "ledger records", &got));
  std::vector<ledger::Record> out;
  for (const std::string& s : got.records()) {
    LOCONET_ASSIGN_OR_RETURN(
        ledger::Record r,
        ledger::Record::Parse(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
    if (r.author != author) continue;
    if (!out.empty() && r.height != out.back().height + 1) {
      return Error(Code::kDecodeError, "ledger broadcast: heights are not consecutive");
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

Status Follow(sync::DealerClient& client, sync::Subscriber& sub, const Identity& requester,
              const PublicKey& server_key, const PublicKey& author, ledger::LedgerStore* store,
              const std::atomic<bool>& stop,
              const std::function<void(const SyncReport&)>& on_progress, const SyncOptions& options,
              int poll_ms) {
  auto report = [&](const SyncReport& r) {
    if (on_progress && r.appended > 0) on_progress(r);
  };
  auto range_sync = [&]() -> Status {
    LOCONET_ASSIGN_OR_RETURN(SyncReport r,
                             SyncFrom(client, requester, server_key, author, store, options));
    report(r);
    return Status::Ok();
  };
  LOCONET_RETURN_IF_ERROR(range_sync());
  auto last_sync = std::chrono::steady_clock::now();
  while (!stop.load()) {
    std::string topic;
    Bytes payload;
    LOCONET_ASSIGN_OR_RETURN(bool got, sub.Receive(200, &topic, &payload));
    const bool poll_due =
        std::chrono::steady_clock::now() - last_sync > std::chrono::milliseconds(poll_ms);
    if (!got || topic != sync::kTopicLedger) {
      if (poll_due) {
        LOCONET_RETURN_IF_ERROR(range_sync());
        last_sync = std::chrono::steady_clock::now();
      }
      continue;
    }
    auto records = BroadcastRecords(payload, server_key, author, options.network);
    if (!records.ok() || records->empty()) continue;  // not for us, or not from the validator
    LOCONET_ASSIGN_OR_RETURN(std::optional<ledger::LedgerStore::Head> head, store->HeadOf(author));
    const uint64_t next = head ? head->height + 1 : 0;
    std::vector<ledger::Record> fresh;
    for (auto& r : *records) {
      if (r.height >= next) fresh.push_back(std::move(r));
    }
    if (fresh.empty()) continue;         // already held
    if (fresh.front().height != next) {  // a gap: fetch it
      LOCONET_RETURN_IF_ERROR(range_sync());
      last_sync = std::chrono::steady_clock::now();
      continue;
    }
    Status appended = store->Append(fresh);
    if (appended.code() == Code::kCorrupt) {
      return Error(Code::kCorrupt,
                   "the validator's broadcast from height " + std::to_string(next) +
                       " does not extend the local copy (a fork): " + appended.message());
    }
    LOCONET_RETURN_IF_ERROR(appended);
    SyncReport r;
    r.appended = fresh.size();
    r.head = fresh.back().height;
    report(r);
  }
  return Status::Ok();
}

}  // namespace loconet::replica
