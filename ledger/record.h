// Ledger records: one entry of a validator's signed, append-only chain (ARCHITECTURE.md section 5).
//
// Each author (a validator key) keeps its own chain: heights 0, 1, 2, ... with every record
// naming the hash of the one before it (height 0 names 32 zero bytes). The record hash is
// BLAKE2b-256 of CanonicalBytes(); the author's ed25519 signature covers exactly those 32 hash
// bytes. The byte layout is in docs/formats.md ("Ledger"); it is part of the ledger format and
// changes only with a new version byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/bytes.h"
#include "core/hash.h"
#include "core/keys.h"
#include "core/status.h"

namespace loconet::ledger {

// Stored as one byte; values are part of the format: append, never renumber.
enum class RecordKind : uint8_t {
  kRegistration = 1,  // RegistrationBody: a miner key joined
  kRound = 2,         // RoundBody: a round was announced
  kScores = 3,        // ScoresBody: the author's scores of one round
  kModelUpdate = 4,   // ModelUpdateBody: the global model moved to a new hash
  kReward = 5,        // RewardBody: an epoch's emission split
  kReveal = 6,        // RevealBody: a round's held-out secret, revealed after scoring
  kWeights = 7,       // WeightsBody: the author's weights of an epoch (consensus_bodies.h)
  kConsensus = 8,     // ConsensusBody: an epoch's rewards by Yuma consensus
  kAgreement = 9,     // AgreementBody: the author re-derived the lead's aggregate of a round
};

// "registration", "round", "scores", "model_update", "reward", "reveal", "weights",
// "consensus", "agreement"; "unknown" otherwise.
const char* KindName(RecordKind kind);
// True for the nine kinds above.
bool IsKnownKind(uint8_t kind);

// Version byte that starts CanonicalBytes().
inline constexpr uint8_t kRecordVersion = 1;
// Largest body a record may carry; Parse and LedgerStore::Append refuse bigger ones.
inline constexpr size_t kMaxBodyBytes = 16u << 20;

struct Record {
  PublicKey author;
  uint64_t height = 0;
  Hash256 prev;  // hash of the author's record at height - 1; all zeros at height 0
  uint64_t round = 0;
  RecordKind kind = RecordKind::kRegistration;
  Bytes body;                // the kind's canonical body (ledger/bodies.h)
  int64_t timestamp_ms = 0;  // author's wall clock, Unix milliseconds; informational
  Signature signature{};

  // Everything except the signature, in a fixed order behind kRecordVersion:
  // u8 version || author(32) || u64 height || prev(32) || u64 round || u8 kind ||
  // i64 timestamp_ms || u32 body length || body.
  Bytes CanonicalBytes() const;
  // BLAKE2b-256 of CanonicalBytes().
  Hash256 Hash() const;
  // CanonicalBytes() || signature(64): the stored and transmitted form.
  Bytes Serialize() const;
  // Parses Serialize()'s output. The input is hostile: every length is checked, and anything
  // malformed (truncated, trailing bytes, another version, an unknown kind, a body over
  // kMaxBodyBytes) is kDecodeError. Does not check the signature or the body.
  static Result<Record> Parse(const uint8_t* data, size_t size);
  static Result<Record> Parse(const Bytes& b) { return Parse(b.data(), b.size()); }
  // True if `signature` is `author`'s signature of Hash().
  bool VerifySignature() const;
};

// A record with the given fields, signed by `author` (whose public key becomes the record's
// author). Does not check the chain: LedgerStore::Append does.
Record SignRecord(const Identity& author, uint64_t height, const Hash256& prev, uint64_t round,
                  RecordKind kind, Bytes body, int64_t timestamp_ms);

// "<author short> #<height> <kind>", e.g. "1a2b3c4d #7 reward", for error messages.
std::string RecordLabel(const PublicKey& author, uint64_t height, RecordKind kind);

}  // namespace loconet::ledger
