// libFuzzer targets for the ledger: LOCONET_FUZZ_LEDGER_RECORD parses a whole record
// (ledger::Record::Parse) and then its body as its kind; otherwise the first byte picks a kind
// and the rest is a body for that kind's Decode. A record that parses must serialize back to the
// same bytes, and a body that decodes must re-encode to exactly its bytes (ledger/bodies.h).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_util.h"
#include "ledger/bodies.h"
#include "ledger/consensus_bodies.h"
#include "ledger/record.h"

namespace {

using namespace loconet;
using ledger::RecordKind;

template <typename Body>
void RoundTrip(const Bytes& body) {
  auto decoded = Body::Decode(body);
  if (!decoded.ok()) {
    FUZZ_CHECK(decoded.status().code() == Code::kDecodeError);
    return;
  }
  FUZZ_CHECK(decoded->Encode() == body);
}

void RoundTripBody(RecordKind kind, const Bytes& body) {
  switch (kind) {
    case RecordKind::kRegistration:
      return RoundTrip<ledger::RegistrationBody>(body);
    case RecordKind::kRound:
      return RoundTrip<ledger::RoundBody>(body);
    case RecordKind::kScores:
      return RoundTrip<ledger::ScoresBody>(body);
    case RecordKind::kModelUpdate:
      return RoundTrip<ledger::ModelUpdateBody>(body);
    case RecordKind::kReward:
      return RoundTrip<ledger::RewardBody>(body);
    case RecordKind::kReveal:
      return RoundTrip<ledger::RevealBody>(body);
    case RecordKind::kWeights:
      return RoundTrip<ledger::WeightsBody>(body);
    case RecordKind::kConsensus:
      return RoundTrip<ledger::ConsensusBody>(body);
    case RecordKind::kAgreement:
      return RoundTrip<ledger::AgreementBody>(body);
  }
  (void)ledger::CheckBody(kind, body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
#ifdef LOCONET_FUZZ_LEDGER_RECORD
  auto record = ledger::Record::Parse(data, size);
  if (!record.ok()) {
    FUZZ_CHECK(record.status().code() == Code::kDecodeError);
    return 0;
  }
  FUZZ_CHECK(record->Serialize() == Bytes(data, data + size));
  (void)record->VerifySignature();
  RoundTripBody(record->kind, record->body);
  (void)ledger::MinersOf(record->kind, record->body);
#else
  if (size < 1) return 0;
  const uint8_t kind = static_cast<uint8_t>(data[0] % 9 + 1);
  Bytes body(data + 1, data + size);
  RoundTripBody(static_cast<RecordKind>(kind), body);
  (void)ledger::MinersOf(static_cast<RecordKind>(kind), body);
#endif
  return 0;
}
