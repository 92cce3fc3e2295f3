// A validator keeps answering requests while it scores a round: a miner polling for the next
// round hears "no round is open" instead of nothing, and a late submission gets its reason. A
// validator in this process, fed trained updates, asked while it closes the round they complete.
#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "core/status.h"
#include "ledger/bodies.h"
#include "ledger/store.h"
#include "ledger/verify.h"
#include "tests/validator/fixture.h"
#include "tests/validator/trained_update.h"

using namespace loconet;
using namespace loconet::testing;

TEST_CASE("a validator answers requests while it scores a round", "[validator][net]") {
  TempDir dir;
  RunningValidator v(
      dir,
      [](ValidatorConfig* c) {
        c->min_miners = 3;
        // Enough evaluation batches that scoring three updates (alone, on the data check and
        // leave-one-out) takes far longer than a request on 127.0.0.1.
        c->eval_batches = 256;
        c->measure = "leave_one_out";
      },
      60);
  Client client = v.Connect();
  const proto::RoundAnnouncement a = RegisterAndAwaitRound(client, {61, 62, 63});
  REQUIRE(a.round() == 0);
  // Built before the first is sent, so that the validator's close starts right after the last.
  const proto::Request first = Trained(v.cfg, a, Key(61), Kind::kHonest, dir.path(), 10, 1e-3);
  const proto::Request second = Trained(v.cfg, a, Key(62), Kind::kHonest, dir.path(), 10, 1e-3);
  const proto::Request third = Trained(v.cfg, a, Key(63), Kind::kHonest, dir.path(), 10, 1e-3);
  REQUIRE(client.Call(Key(61), first).accepted());
  REQUIRE(client.Call(Key(62), second).accepted());
  REQUIRE(client.Call(Key(63), third).accepted());
  // Every eligible miner has submitted: the validator closes round 0 now.
  proto::Request get;
  get.mutable_get_round();
  const proto::Reply polled = client.Call(Key(61), get);
  INFO(polled.message());
  CHECK_FALSE(polled.accepted());
  CHECK(polled.reason() == static_cast<uint32_t>(Code::kUnavailable));
  // Answered before round 0's records were committed: the reply still names round 0 (a
  // validator that answered only after closing would name round 1).
  CHECK(polled.round() == 0);
  proto::Request terms;
  terms.mutable_get_terms();
  const proto::Reply answered = client.Call(Key(62), terms);
  CHECK(answered.accepted());
  CHECK(answered.round() == 0);
  // A second submission for the closing round gets its reason, not silence.
  const proto::Reply again = client.Call(Key(61), first);
  CHECK_FALSE(again.accepted());
  CHECK(again.round() == 0);
  // The close itself is unchanged: every update scored, one signed batch, the model stepped.
  REQUIRE(v.Join().ok());
  v.node.reset();
  auto store = ledger::LedgerStore::Open(v.cfg.db_dir, true);
  REQUIRE(store.ok());
  CHECK(ledger::VerifyLedger(**store).ok());
  auto records = (*store)->ByRound(0);
  REQUIRE(records.ok());
  size_t scored = 0;
  bool stepped = false;
  for (const auto& rec : *records) {
    if (rec.kind == ledger::RecordKind::kScores) {
      const ledger::ScoresBody body = ledger::ScoresBody::Decode(rec.body).value();
      for (const auto& e : body.entries) {
        if (e.reason == 0) ++scored;
      }
    } else if (rec.kind == ledger::RecordKind::kModelUpdate) {
      stepped = !ledger::ModelUpdateBody::Decode(rec.body).value().accepted.empty();
    }
  }
  CHECK(scored == 3);
  CHECK(stepped);
  // The round's status line counts the late submission as a rejection, and the polls for a
  // round (before it opened and while it closed) as answers, not rejections.
  std::ifstream status(v.cfg.status_file);
  std::string line, last;
  while (std::getline(status, line)) last = line;
  INFO(last);
  CHECK(last.find("\"rejections\":{\"wrong_round\":1}") != std::string::npos);
}
