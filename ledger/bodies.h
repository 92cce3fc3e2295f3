// Canonical record bodies, one struct per RecordKind (ledger/record.h).
//
// Encode() writes explicit little-endian bytes in field order (layouts in docs/formats.md,
// "Ledger"). Decode() is strict, because bodies come from other nodes and from disk: truncation,
// trailing bytes, a count larger than the bytes that follow, entries out of order or repeated
// where a list must be sorted, and the per-field rules noted below are all kDecodeError. A body
// that Decode accepts re-encodes to exactly the bytes it was decoded from.
//
// Encode() does not check the rules; LedgerStore::Append decodes every body it stores, so a
// caller that breaks one gets its batch refused rather than a bad record on disk.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/hash.h"
#include "core/keys.h"
#include "core/status.h"
#include "ledger/record.h"

namespace loconet::ledger {

// Longest miner name, in bytes.
inline constexpr size_t kMaxNameBytes = 64;
// Longest codec name, in bytes.
inline constexpr size_t kMaxCodecBytes = 32;

// OK if `name` is at most kMaxNameBytes of well-formed UTF-8 without control characters
// (U+0000-U+001F, U+007F-U+009F); else kInvalidArgument saying why. Names reach terminals and
// web pages, so the ledger refuses what could disturb either.
Status CheckMinerName(const std::string& name);

// `name` made acceptable to CheckMinerName: each malformed byte and each control character
// becomes '?', then the result is cut to at most kMaxNameBytes at a character boundary. A
// validator applies this (or refuses the registration) before writing a miner-supplied name,
// since a body that does not decode fails the whole Append.
std::string SanitizeMinerName(const std::string& name);

// A miner key joined the network. `name` obeys CheckMinerName (may be empty). When every miner
// slot was held, `replaces` is the miner whose slot it took (that key is no longer registered
// from this record on); all zeros otherwise. A miner never replaces itself.
struct RegistrationBody {
  PublicKey miner;
  std::string name;
  PublicKey replaces;

  Bytes Encode() const;
  static Result<RegistrationBody> Decode(const Bytes& b);
};

// A round was announced, with the parameters its scores follow (ledger/score_rules.h), so that
// anyone can recompute them. `codec` is 1 to kMaxCodecBytes of printable ASCII (0x21-0x7e);
// score_cap_ppb, ema_alpha_ppb and data_alpha_ppb each lie in [0, 1e9].
struct RoundBody {
  uint64_t round = 0;
  Hash256 base_hash;    // hash of the model every miner trains from
  Hash256 round_seed;   // public seed of page assignment
  Hash256 eval_commit;  // BLAKE2b-256 of the held-out secret revealed later (RevealBody)
  std::string codec;
  uint32_t local_steps = 0;
  int64_t deadline_ms = 0;     // Unix milliseconds
  int64_t score_cap_ppb = 0;   // highest improvement credited in one round (ScorePpb's cap)
  int64_t ema_alpha_ppb = 0;   // weight of this round's score in the score EMA (NextEmaPpb)
  int64_t data_alpha_ppb = 0;  // weight of this round's data verdict in data_ppb (NextDataPpb)
  int64_t work_cap_ppb = 0;    // own-page excess gain that earns the full work factor
                               // (WorkFactorPpb); 0: no work factor

  Bytes Encode() const;
  static Result<RoundBody> Decode(const Bytes& b);
};

// One miner's result of one round. An entry follows from the round's RoundBody and the same
// miner's entry in the author's previous scores record by the rules in ledger/score_rules.h
// (VerifyLedger checks them); the decoder checks only the ranges noted here.
struct ScoreEntry {
  PublicKey miner;
  uint16_t reason = 0;          // numeric loconet::Code; 0 = accepted
  int64_t improvement_ppb = 0;  // held-out relative improvement this round x 1e9, clamped to
                                // [-1e9, 1e9] (ClampImprovementPpb)
  int64_t score_ppb = 0;        // this round's score x 1e9 after gates and caps, >= 0
  int64_t ema_ppb = 0;          // the miner's EMA score after this round x 1e9
  int64_t data_ppb = 0;         // EMA of the assigned-data verdict after this round x 1e9,
                                // in [-1e9, 1e9]
  int64_t work_ppb = 0;         // own-page gain minus random-page gain this round x 1e9,
                                // clamped to [-1e9, 1e9] (the work factor's input; 0 if rejected)
  uint32_t receipt_order = 0;   // arrival order within the round
};

// One author's scores of one round. `entries` sorted by miner key, no key twice.
struct ScoresBody {
  uint64_t round = 0;
  std::vector<ScoreEntry> entries;

  Bytes Encode() const;
  static Result<ScoresBody> Decode(const Bytes& b);
};

// The global model moved from `prev_hash` to `new_hash` with the updates of `accepted`
// (sorted, no key twice), and what the author measured of the round (for leaderboards and
// dashboards; anyone holding the model can re-measure the loss). heldout_loss_ppb and
// duration_ms are >= 0.
struct ModelUpdateBody {
  uint64_t round = 0;
  Hash256 prev_hash;
  Hash256 new_hash;
  std::vector<PublicKey> accepted;
  int64_t heldout_loss_ppb = 0;  // the new model's loss on the author's fixed held-out batches
                                 // (nats per token x 1e9)
  uint64_t bytes_received = 0;   // submission payload bytes the author received in the round
  int64_t duration_ms = 0;       // from the round's announcement to this record, author's clock

  Bytes Encode() const;
  static Result<ModelUpdateBody> Decode(const Bytes& b);
};

struct RewardEntry {
  PublicKey miner;
  uint64_t units = 0;
};

// An epoch's emission split (ledger/rewards.h). Rules: first_round <= last_round; `entries`
// sorted by miner, no key twice, every units > 0, and their sum at most `emission`.
struct RewardBody {
  uint64_t epoch = 0;
  uint64_t first_round = 0;
  uint64_t last_round = 0;
  uint64_t emission = 0;
  std::vector<RewardEntry> entries;

  Bytes Encode() const;
  static Result<RewardBody> Decode(const Bytes& b);
};

// The held-out secret of `round`; its BLAKE2b-256 is that round's RoundBody::eval_commit.
struct RevealBody {
  uint64_t round = 0;
  Hash256 secret;

  Bytes Encode() const;
  static Result<RevealBody> Decode(const Bytes& b);
};

// OK if `body` decodes as `kind`'s body; the decoder's kDecodeError otherwise (kDecodeError for
// an unknown kind too).
Status CheckBody(RecordKind kind, const Bytes& body);

// Miner keys a body names: the registered miner, every score entry's, every reward entry's
// (the store's by_miner index). Empty for other kinds or a body that does not decode.
std::vector<PublicKey> MinersOf(RecordKind kind, const Bytes& body);

}  // namespace loconet::ledger
