// Copying a validator's chain over the (encrypted) transport into a local ledger.
#include "replica/replica.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <functional>
#include <thread>

#include "ledger/verify.h"
#include "sync/envelope.h"
#include "sync/messages.h"
#include "tests/ledger/fixture.h"
#include "tests/temp_dir.h"

using namespace loconet;
using namespace loconet::ledger;
using loconet::ledger::testing::Chain;
using loconet::ledger::testing::Registration;
using loconet::ledger::testing::Validator;
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
    auto server = sync::RouterServer::Bind("tcp://127.0.0.1:0", "", 1 << 20, signer);
    REQUIRE(server.ok());
    server_ = std::move(*server);
    thread_ = std::thread([this] {
      while (!stop_) {
        (void)server_->PollOnce(10, [this](const Bytes& b, const sync::Peer&) { return Handle(b); },
                                nullptr);
      }
    });
  }
  ~LedgerServer() {
    stop_ = true;
    thread_.join();
  }
  std::string endpoint() const { return server_->router_endpoint(); }
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
  std::thread thread_;
};

std::unique_ptr<LedgerStore> OpenStore(const std::string& dir) {
  auto s = LedgerStore::Open(dir);
  REQUIRE(s.ok());
  return std::move(*s);
}

// `n` registrations on top of `chain`, appended to `store`.
void Grow(LedgerStore* store, const Identity& v, std::vector<Record>* chain, int n) {
  std::vector<Record> batch;
  for (int i = 0; i < n; ++i) {
    batch.push_back(Chain(v, chain, RecordKind::kRegistration, 0,
                          Registration(static_cast<uint8_t>(chain->size()), "m")));
  }
  REQUIRE(store->Append(batch).ok());
}

std::unique_ptr<sync::DealerClient> Connect(const std::string& endpoint, const PublicKey& key) {
  auto c = sync::DealerClient::Connect(endpoint, sync::kDefaultMaxMessageBytes, &key);
  REQUIRE(c.ok());
  return std::move(*c);
}

}  // namespace

TEST_CASE("a sync copies the whole chain in batches, then only what is new", "[replica][net]") {
  TempDir dir;
  const Identity v = Validator(1);
  auto source = OpenStore(dir / "source");
  std::vector<Record> chain;
  Grow(source.get(), v, &chain, 25);
  LedgerServer server(source.get(), &v);
  auto copy = OpenStore(dir / "copy");
  auto client = Connect(server.endpoint(), v.public_key());
  const Identity reader = Identity::Generate();
  replica::SyncOptions o;
  o.batch = 10;

  auto r = replica::SyncFrom(*client, reader, v.public_key(), v.public_key(), copy.get(), o);
  REQUIRE(r.ok());
  CHECK(r->appended == 25);
  CHECK(r->head == 24);
  CHECK(server.requests() == 4);  // 10 + 10 + 5, then an empty answer
  CHECK(VerifyLedger(*copy).ok());
  for (uint64_t h = 0; h < 25; ++h) CHECK(copy->Get(v.public_key(), h)->Hash() == chain[h].Hash());

  r = replica::SyncFrom(*client, reader, v.public_key(), v.public_key(), copy.get(), o);
  REQUIRE(r.ok());
  CHECK(r->appended == 0);
  Grow(source.get(), v, &chain, 3);
  r = replica::SyncFrom(*client, reader, v.public_key(), v.public_key(), copy.get(), o);
  REQUIRE(r.ok());
  CHECK(r->appended == 3);
  CHECK(r->head == 27);
}

TEST_CASE("a sync refuses replies signed by another key", "[replica][net]") {
  TempDir dir;
  const Identity v = Validator(1), impostor = Validator(2);
  auto source = OpenStore(dir / "source");
  std::vector<Record> chain;
  Grow(source.get(), v, &chain, 3);
  // The impostor serves v's genuine records, but signs its replies (and encrypts) as itself.
  LedgerServer server(source.get(), &impostor);
  auto client = Connect(server.endpoint(), impostor.public_key());
  auto copy = OpenStore(dir / "copy");
  auto r = replica::SyncFrom(*client, Identity::Generate(), v.public_key(), v.public_key(),
                             copy.get());
  CHECK(r.status().code() == Code::kBadSignature);
  CHECK_FALSE(copy->HeadOf(v.public_key())->has_value());
}

TEST_CASE("a forged or reordered record is refused and nothing of its batch is stored",
          "[replica][net]") {
  TempDir dir;
  const Identity v = Validator(1);
  auto source = OpenStore(dir / "source");
  std::vector<Record> chain;
  Grow(source.get(), v, &chain, 5);
  SECTION("a body changed after signing") {
    LedgerServer server(source.get(), &v, [](proto::LedgerRecords* r) {
      if (r->records_size() < 3) return;
      std::string* rec = r->mutable_records(2);
      (*rec)[rec->size() - 70] ^= 1;  // inside the body, before the 64-byte signature
    });
    auto client = Connect(server.endpoint(), v.public_key());
    auto copy = OpenStore(dir / "copy");
    auto r = replica::SyncFrom(*client, Identity::Generate(), v.public_key(), v.public_key(),
                               copy.get());
    CHECK(r.status().code() == Code::kBadSignature);
    CHECK_FALSE(copy->HeadOf(v.public_key())->has_value());
  }
  SECTION("records out of order") {
    LedgerServer server(source.get(), &v, [](proto::LedgerRecords* r) {
      if (r->records_size() >= 2) r->mutable_records()->SwapElements(0, 1);
    });
    auto client = Connect(server.endpoint(), v.public_key());
    auto copy = OpenStore(dir / "copy");
    auto r = replica::SyncFrom(*client, Identity::Generate(), v.public_key(), v.public_key(),
                               copy.get());
    CHECK(r.status().code() == Code::kDecodeError);
    CHECK_FALSE(copy->HeadOf(v.public_key())->has_value());
  }
}

TEST_CASE("a server whose chain forked from the copy is reported as a fork", "[replica][net]") {
  TempDir dir;
  const Identity v = Validator(1);
  auto source = OpenStore(dir / "source");
  auto copy = OpenStore(dir / "copy");
  std::vector<Record> chain, other;
  Grow(source.get(), v, &chain, 4);
  // The copy holds a different (validly signed) record at height 0, as if the validator had
  // rewritten its history.
  REQUIRE(copy->Append({Chain(v, &other, RecordKind::kRegistration, 0,
                              Registration(99, "rewritten"))})
              .ok());
  LedgerServer server(source.get(), &v);
  auto client = Connect(server.endpoint(), v.public_key());
  auto r = replica::SyncFrom(*client, Identity::Generate(), v.public_key(), v.public_key(),
                             copy.get());
  CHECK(r.status().code() == Code::kCorrupt);
  CHECK(r.status().message().find("fork") != std::string::npos);
  CHECK((*copy->HeadOf(v.public_key()))->height == 0);
}
