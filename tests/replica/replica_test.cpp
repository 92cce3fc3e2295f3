// Copying a validator's chain over the (encrypted) transport into a local ledger.
#include "replica/replica.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>

#include "ledger/verify.h"
#include "sync/envelope.h"
#include "sync/messages.h"
#include "tests/ledger/fixture.h"
#include "tests/temp_dir.h"

using namespace loconet;
using namespace loconet::ledger;
using namespace loconet::ledger::testing;
using loconet::testing::TempDir;

namespace {

Bytes ToBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

// A validator's ledger service: answers signed range requests from `store`, signing replies
// with `signer`. `tamper` may change the records before they are sent.
class LedgerServer {
 public:
  LedgerServer(const LedgerStore* store, const Identity* signer,
               std::function<void(proto::LedgerRecords*)> tamper = nullptr)
      : store_(store), signer_(signer), tamper_(std::move(tamper)) {
    auto server =
        sync::RouterServer::Bind("tcp://127.0.0.1:0", "tcp://127.0.0.1:0", 1 << 20, signer);
    REQUIRE(server.ok());
    server_ = std::move(*server);
    thread_ = std::thread([this] {
      while (!stop_) {
        (void)server_->PollOnce(
            10, [this](const Bytes& b, const sync::Peer&) { return Handle(b); }, nullptr);
        std::vector<Bytes> out;
        {
          std::lock_guard<std::mutex> lock(mu_);
          out.swap(outbox_);
        }
        for (const Bytes& env : out) (void)server_->Publish(sync::kTopicLedger, env);
      }
    });
  }
  ~LedgerServer() {
    stop_ = true;
    thread_.join();
  }
  std::string endpoint() const { return server_->router_endpoint(); }
  std::string pub_endpoint() const { return server_->pub_endpoint(); }
  // Broadcasts `records` on the ledger topic (from the server's thread), in an envelope signed
  // by `as` (default: the server's key).
  void Publish(const std::vector<Record>& records, const Identity* as = nullptr) {
    proto::LedgerRecords out;
    for (const Record& r : records) {
      Bytes b = r.Serialize();
      out.add_records(std::string(b.begin(), b.end()));
    }
    Bytes env =
        sync::SealEnvelope(as ? *as : *signer_, sync::kTagLedger, ToBytes(out.SerializeAsString()));
    std::lock_guard<std::mutex> lock(mu_);
    outbox_.push_back(std::move(env));
  }
  int requests() const { return requests_; }

 private:
  Bytes Handle(const Bytes& raw) {
    ++requests_;
    Status status = Status::Ok();
    proto::Reply reply;
    auto env = sync::OpenEnvelope(raw, 1 << 20, sync::kTagRequest);
    proto::Request req;
    if (!env.ok()) status = env.status();
    if (status.ok()) status = sync::ParseProto(env->body, "request", &req);
    if (status.ok()) {
      auto records = replica::ServeRange(*store_, signer_->public_key(), req.ledger());
      if (records.ok()) {
        if (tamper_) tamper_(&*records);
        reply.set_payload(records->SerializeAsString());
      }
      status = records.status();
    }
    proto::Reply out = sync::MakeReply(status, 0);
    out.set_payload(reply.payload());
    return sync::SealEnvelope(*signer_, sync::kTagReply, ToBytes(out.SerializeAsString()));
  }

  const LedgerStore* store_;
  const Identity* signer_;
  std::function<void(proto::LedgerRecords*)> tamper_;
  std::unique_ptr<sync::RouterServer> server_;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::mutex mu_;
  std::vector<Bytes> outbox_;
  std::thread thread_;
};

std::unique_ptr<LedgerStore> OpenStore(const std::string& dir) {
  auto s = LedgerStore::Open(dir);
  REQUIRE(s.ok());
  return std::move(*s);
}

// `n` registrations on top of `chain`, appended to `store`; returns them.
std::vector<Record> AppendRegistrations(LedgerStore* store, const Identity& v,
                                        std::vector<Record>* chain, int n) {
  std::vector<Record> batch;
  for (int i = 0; i < n; ++i) {
    batch.push_back(Chain(v, chain, RecordKind::kRegistration, 0,
                          Registration(static_cast<uint8_t>(chain->size()), "m")));
  }
  REQUIRE(store->Append(batch).ok());
  return batch;
}

std::unique_ptr<sync::DealerClient> Connect(const std::string& endpoint, const PublicKey& key) {
  auto c = sync::DealerClient::Connect(endpoint, sync::kDefaultMaxMessageBytes, &key);
  REQUIRE(c.ok());
  return std::move(*c);
}

// A validator's ledger holding `n` records (`source`, its chain in `chain`) and an empty local
// copy, both in a fresh folder.
struct Ledgers {
  TempDir dir;
  const Identity v = Validator(1);
  const PublicKey key = v.public_key();
  std::unique_ptr<LedgerStore> source = OpenStore(dir / "source");
  std::unique_ptr<LedgerStore> copy = OpenStore(dir / "copy");
  std::vector<Record> chain;

  explicit Ledgers(int n) { AppendRegistrations(source.get(), v, &chain, n); }
  std::vector<Record> Grow(int n) { return AppendRegistrations(source.get(), v, &chain, n); }
  // Syncs v's chain into the copy through `client`, with a throwaway requester key.
  Result<replica::SyncReport> Sync(sync::DealerClient& client, const replica::SyncOptions& o = {}) {
    return replica::SyncFrom(client, Identity::Generate(), key, key, copy.get(), o);
  }
  int64_t CopyHead() const {
    auto h = copy->HeadOf(key);
    return h.ok() && h->has_value() ? static_cast<int64_t>((*h)->height) : -1;
  }
};

}  // namespace

TEST_CASE("a sync copies the whole chain in batches, then only what is new", "[replica][net]") {
  Ledgers l(25);
  LedgerServer server(l.source.get(), &l.v);
  auto client = Connect(server.endpoint(), l.key);
  replica::SyncOptions o;
  o.batch = 10;

  auto r = l.Sync(*client, o);
  REQUIRE(r.ok());
  CHECK(r->appended == 25);
  CHECK(r->head == 24);
  CHECK(server.requests() == 4);  // 10 + 10 + 5, then an empty answer
  CHECK(VerifyLedger(*l.copy).ok());
  for (uint64_t h = 0; h < 25; ++h) CHECK(l.copy->Get(l.key, h)->Hash() == l.chain[h].Hash());

  r = l.Sync(*client, o);
  REQUIRE(r.ok());
  CHECK(r->appended == 0);
  l.Grow(3);
  r = l.Sync(*client, o);
  REQUIRE(r.ok());
  CHECK(r->appended == 3);
  CHECK(r->head == 27);
}

TEST_CASE("a sync refuses replies signed by another key", "[replica][net]") {
  Ledgers l(3);
  const Identity impostor = Validator(2);
  // The impostor serves v's genuine records, but signs its replies (and encrypts) as itself.
  LedgerServer server(l.source.get(), &impostor);
  auto client = Connect(server.endpoint(), impostor.public_key());
  CHECK(l.Sync(*client).status().code() == Code::kBadSignature);
  CHECK(l.CopyHead() == -1);
}

TEST_CASE("a forged or reordered record is refused and nothing of its batch is stored",
          "[replica][net]") {
  Ledgers l(5);
  std::function<void(proto::LedgerRecords*)> tamper;
  Code expected = Code::kOk;
  SECTION("a body changed after signing") {
    tamper = [](proto::LedgerRecords* r) {
      if (r->records_size() < 3) return;
      std::string* rec = r->mutable_records(2);
      (*rec)[rec->size() - 70] ^= 1;  // inside the body, before the 64-byte signature
    };
    expected = Code::kBadSignature;
  }
  SECTION("records out of order") {
    tamper = [](proto::LedgerRecords* r) {
      if (r->records_size() >= 2) r->mutable_records()->SwapElements(0, 1);
    };
    expected = Code::kDecodeError;
  }
  LedgerServer server(l.source.get(), &l.v, tamper);
  auto client = Connect(server.endpoint(), l.key);
  CHECK(l.Sync(*client).status().code() == expected);
  CHECK(l.CopyHead() == -1);
}

TEST_CASE("a server whose chain forked from the copy is reported as a fork", "[replica][net]") {
  Ledgers l(4);
  // The copy holds a different (validly signed) record at height 0, as if the validator had
  // rewritten its history.
  std::vector<Record> other;
  REQUIRE(l.copy
              ->Append(
                  {Chain(l.v, &other, RecordKind::kRegistration, 0, Registration(99, "rewritten"))})
              .ok());
  LedgerServer server(l.source.get(), &l.v);
  auto client = Connect(server.endpoint(), l.key);
  auto r = l.Sync(*client);
  CHECK(r.status().code() == Code::kCorrupt);
  CHECK(r.status().message().find("fork") != std::string::npos);
  CHECK(l.CopyHead() == 0);
}

TEST_CASE("a follower appends broadcast records as they come and fetches what it missed",
          "[replica][net]") {
  Ledgers l(5);
  LedgerServer server(l.source.get(), &l.v);
  auto client = Connect(server.endpoint(), l.key);
  const PublicKey& key = l.key;
  auto sub = sync::Subscriber::Connect(server.pub_endpoint(), {sync::kTopicLedger},
                                       sync::kDefaultMaxMessageBytes, &key);
  REQUIRE(sub.ok());
  std::atomic<bool> stop{false};
  Status followed;
  std::thread follower([&] {
    followed = replica::Follow(*client, **sub, Identity::Generate(), key, key, l.copy.get(), stop,
                               nullptr, {}, /*poll_ms=*/600000);
  });
  auto head = [&] { return l.CopyHead(); };
  // Publishes `batch` until the copy's head reaches `want` (a subscription takes a moment to
  // reach the publisher; repeats are ignored by the follower).
  auto publish_until = [&](const std::vector<Record>& batch, int64_t want) {
    for (int i = 0; i < 200 && head() < want; ++i) {
      server.Publish(batch);
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return head();
  };
  for (int i = 0; i < 200 && head() < 4; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(head() == 4);  // the first range sync
  // The sync ends with a request answered empty, sent after the 5 records were appended: wait for
  // it, or it could be counted after this point and look like a request for a broadcast.
  for (int i = 0; i < 200 && server.requests() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const int requests_after_sync = server.requests();
  REQUIRE(requests_after_sync == 2);  // 5 records, then an empty answer

  CHECK(publish_until(l.Grow(3), 7) == 7);
  CHECK(server.requests() == requests_after_sync);  // broadcasts alone, no request

  l.Grow(2);  // never broadcast
  CHECK(publish_until(l.Grow(2), 11) == 11);
  CHECK(server.requests() > requests_after_sync);  // the gap was fetched by range

  // A broadcast in an envelope signed by someone else is ignored, genuine records or not.
  const Identity impostor = Validator(2);
  std::vector<Record> next = l.Grow(1);
  for (int i = 0; i < 10; ++i) {
    server.Publish(next, &impostor);
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  CHECK(head() == 11);
  stop = true;
  follower.join();
  CHECK(followed.ok());
  CHECK(VerifyLedger(*l.copy).ok());
}

TEST_CASE("a range reply is bounded in bytes, and a sync still copies everything", "[replica]") {
  TempDir dir;
  auto store = LedgerStore::Open(dir / "server");
  REQUIRE(store.ok());
  const Identity v = Validator(1);
  // Four score records of ~3.5 MiB each (50,000 entries of 70 bytes).
  std::vector<Record> chain;
  for (uint64_t round = 0; round < 4; ++round) {
    ScoresBody body;
    body.round = round;
    for (uint32_t i = 0; i < 50000; ++i) {
      ScoreEntry e;
      std::memset(e.miner.bytes.data(), 0, 32);
      for (int b = 0; b < 4; ++b) e.miner.bytes[28 + b] = static_cast<uint8_t>(i >> (24 - 8 * b));
      e.reason = static_cast<uint16_t>(Code::kMissed);
      body.entries.push_back(e);
    }
    Chain(v, &chain, RecordKind::kScores, round, body.Encode());
  }
  REQUIRE((*store)->Append(chain).ok());
  proto::LedgerRangeRequest req;
  req.set_max_records(1000);
  auto reply = replica::ServeRange(**store, v.public_key(), req);
  REQUIRE(reply.ok());
  size_t bytes = 0;
  for (const auto& r : reply->records()) bytes += r.size();
  CHECK(reply->records_size() == 2);
  CHECK(bytes <= replica::kMaxRangeBytes);
  // From where it ended, the rest.
  req.set_from_height(2);
  reply = replica::ServeRange(**store, v.public_key(), req);
  REQUIRE(reply.ok());
  CHECK(reply->records_size() == 2);
}
