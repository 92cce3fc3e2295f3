#include "ledger/bodies.h"

#include <utility>

#include "core/int128.h"
#include "core/utf8.h"
#include "ledger/consensus_bodies.h"
#include "ledger/score_rules.h"

namespace loconet::ledger {

namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kScoreEntryBytes = kKeyBytes + 2 + 8 + 8 + 8 + 8 + 8 + 4;
constexpr size_t kRewardEntryBytes = kKeyBytes + 8;

void PutKey(ByteWriter* w, const PublicKey& k) { w->Raw(k.bytes.data(), k.bytes.size()); }
void PutHash(ByteWriter* w, const Hash256& h) { w->Raw(h.bytes.data(), h.bytes.size()); }
bool GetKey(ByteReader* r, PublicKey* k) { return r->Raw(k->bytes.data(), k->bytes.size()); }
bool GetHash(ByteReader* r, Hash256* h) { return r->Raw(h->bytes.data(), h->bytes.size()); }

Status DecodeError(const std::string& what, const std::string& problem) {
  return Error(Code::kDecodeError, what + ": " + problem);
}

// Reads a u32 count of fixed-size entries and checks that the input can hold them, so that a
// hostile count never drives an allocation.
bool GetCount(ByteReader* r, size_t entry_bytes, uint32_t* count) {
  if (!r->U32(count)) return false;
  return static_cast<uint64_t>(*count) * entry_bytes <= r->remaining();
}

}  // namespace

Status CheckMinerName(const std::string& name) {
  if (name.size() > kMaxNameBytes) {
    return Error(Code::kInvalidArgument, "name of " + std::to_string(name.size()) +
                                             " bytes exceeds the limit of " +
                                             std::to_string(kMaxNameBytes));
  }
  size_t i = 0;
  while (i < name.size()) {
    size_t at = i;
    int32_t cp = DecodeUtf8(name, &i);
    if (cp < 0) {
      return Error(Code::kInvalidArgument,
                   "name is not well-formed UTF-8 at byte " + std::to_string(at));
    }
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
      return Error(Code::kInvalidArgument,
                   "name has a control character at byte " + std::to_string(at));
    }
  }
  return Status::Ok();
}

std::string SanitizeMinerName(const std::string& name) {
  std::string out;
  size_t i = 0;
  while (i < name.size()) {
    size_t at = i;
    int32_t cp = DecodeUtf8(name, &i);
    std::string piece;
    if (cp < 0) {
      i = at + 1;
      piece = "?";
    } else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
      piece = "?";
    } else {
      piece = name.substr(at, i - at);
    }
    if (out.size() + piece.size() > kMaxNameBytes) break;
    out += piece;
  }
  return out;
}

// ---- RegistrationBody: miner(32) || u32 name length || name

Bytes RegistrationBody::Encode() const {
  ByteWriter w;
  PutKey(&w, miner);
  w.Blob(name);
  PutKey(&w, replaces);
  return w.Take();
}

Result<RegistrationBody> RegistrationBody::Decode(const Bytes& b) {
  ByteReader r(b);
  RegistrationBody body;
  GetKey(&r, &body.miner);
  r.Blob(&body.name, kMaxNameBytes);
  GetKey(&r, &body.replaces);
  LOCONET_RETURN_IF_ERROR(r.Finish("registration body"));
  Status s = CheckMinerName(body.name);
  if (!s.ok()) return DecodeError("registration body", s.message());
  if (body.replaces != PublicKey{} && body.replaces == body.miner) {
    return DecodeError("registration body", "a miner cannot replace itself");
  }
  return body;
}

// ---- RoundBody: u64 round || base(32) || seed(32) || commit(32) || u32 len || codec ||
//      u32 local_steps || i64 deadline_ms || i64 score_cap_ppb || i64 ema_alpha_ppb ||
//      i64 data_alpha_ppb || i64 work_cap_ppb

Bytes RoundBody::Encode() const {
  ByteWriter w;
  w.U64(round);
  PutHash(&w, base_hash);
  PutHash(&w, round_seed);
  PutHash(&w, eval_commit);
  w.Blob(codec);
  w.U32(local_steps);
  w.I64(deadline_ms);
  w.I64(score_cap_ppb);
  w.I64(ema_alpha_ppb);
  w.I64(data_alpha_ppb);
  w.I64(work_cap_ppb);
  return w.Take();
}

Result<RoundBody> RoundBody::Decode(const Bytes& b) {
  ByteReader r(b);
  RoundBody body;
  r.U64(&body.round);
  GetHash(&r, &body.base_hash);
  GetHash(&r, &body.round_seed);
  GetHash(&r, &body.eval_commit);
  r.Blob(&body.codec, kMaxCodecBytes);
  r.U32(&body.local_steps);
  r.I64(&body.deadline_ms);
  r.I64(&body.score_cap_ppb);
  r.I64(&body.ema_alpha_ppb);
  r.I64(&body.data_alpha_ppb);
  r.I64(&body.work_cap_ppb);
  LOCONET_RETURN_IF_ERROR(r.Finish("round body"));
  if (body.codec.empty()) return DecodeError("round body", "empty codec name");
  for (char c : body.codec) {
    if (c < 0x21 || c > 0x7e) return DecodeError("round body", "codec name is not printable");
  }
  const std::pair<const char*, int64_t> params[] = {{"score_cap_ppb", body.score_cap_ppb},
                                                    {"ema_alpha_ppb", body.ema_alpha_ppb},
                                                    {"data_alpha_ppb", body.data_alpha_ppb},
                                                    {"work_cap_ppb", body.work_cap_ppb}};
  for (const auto& [name, value] : params) {
    if (value < 0 || value > kPpbOne) {
      return DecodeError("round body",
                         std::string(name) + " " + std::to_string(value) + " is outside [0, 1e9]");
    }
  }
  return body;
}

// ---- ScoresBody: u64 round || u32 n || n x (miner(32) || u16 reason || i64 improvement ||
//      i64 score || i64 ema || i64 data || i64 work || u32 receipt_order)

Bytes ScoresBody::Encode() const {
  ByteWriter w;
  w.U64(round);
  w.U32(static_cast<uint32_t>(entries.size()));
  for (const ScoreEntry& e : entries) {
    PutKey(&w, e.miner);
    w.U16(e.reason);
    w.I64(e.improvement_ppb);
    w.I64(e.score_ppb);
    w.I64(e.ema_ppb);
    w.I64(e.data_ppb);
    w.I64(e.work_ppb);
    w.U32(e.receipt_order);
  }
  return w.Take();
}

Result<ScoresBody> ScoresBody::Decode(const Bytes& b) {
  ByteReader r(b);
  ScoresBody body;
  uint32_t n = 0;
  r.U64(&body.round);
  if (!GetCount(&r, kScoreEntryBytes, &n)) {
    return DecodeError("scores body", "entry count larger than the body");
  }
  body.entries.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    ScoreEntry& e = body.entries[i];
    GetKey(&r, &e.miner);
    r.U16(&e.reason);
    r.I64(&e.improvement_ppb);
    r.I64(&e.score_ppb);
    r.I64(&e.ema_ppb);
    r.I64(&e.data_ppb);
    r.I64(&e.work_ppb);
    r.U32(&e.receipt_order);
    if (e.improvement_ppb < -kPpbOne || e.improvement_ppb > kPpbOne) {
      return DecodeError("scores body",
                         "entry " + std::to_string(i) + " has an improvement outside [-1, 1]");
    }
    if (e.data_ppb < -kPpbOne || e.data_ppb > kPpbOne) {
      return DecodeError("scores body", "entry " + std::to_string(i) +
                                            " has a data-check average outside [-1, 1]");
    }
    if (e.work_ppb < -kPpbOne || e.work_ppb > kPpbOne) {
      return DecodeError("scores body",
                         "entry " + std::to_string(i) + " has a work value outside [-1, 1]");
    }
    if (i > 0 && !(body.entries[i - 1].miner < e.miner)) {
      return DecodeError("scores body", "entry " + std::to_string(i) +
                                            " is not after the previous one in key order "
                                            "(unsorted or duplicate miner)");
    }
  }
  LOCONET_RETURN_IF_ERROR(r.Finish("scores body"));
  return body;
}

// ---- ModelUpdateBody: u64 round || prev(32) || new(32) || u32 n || n x miner(32) ||
//      i64 heldout_loss_ppb || u64 bytes_received || i64 duration_ms

Bytes ModelUpdateBody::Encode() const {
  ByteWriter w;
  w.U64(round);
  PutHash(&w, prev_hash);
  PutHash(&w, new_hash);
  w.U32(static_cast<uint32_t>(accepted.size()));
  for (const PublicKey& k : accepted) PutKey(&w, k);
  w.I64(heldout_loss_ppb);
  w.U64(bytes_received);
  w.I64(duration_ms);
  return w.Take();
}

Result<ModelUpdateBody> ModelUpdateBody::Decode(const Bytes& b) {
  ByteReader r(b);
  ModelUpdateBody body;
  uint32_t n = 0;
  r.U64(&body.round);
  GetHash(&r, &body.prev_hash);
  GetHash(&r, &body.new_hash);
  if (!GetCount(&r, kKeyBytes, &n)) {
    return DecodeError("model update body", "accepted count larger than the body");
  }
  body.accepted.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    GetKey(&r, &body.accepted[i]);
    if (i > 0 && !(body.accepted[i - 1] < body.accepted[i])) {
      return DecodeError("model update body", "accepted key " + std::to_string(i) +
                                                  " is not after the previous one in key order "
                                                  "(unsorted or duplicate miner)");
    }
  }
  r.I64(&body.heldout_loss_ppb);
  r.U64(&body.bytes_received);
  r.I64(&body.duration_ms);
  LOCONET_RETURN_IF_ERROR(r.Finish("model update body"));
  if (body.heldout_loss_ppb < 0) return DecodeError("model update body", "negative held-out loss");
  if (body.duration_ms < 0) return DecodeError("model update body", "negative duration");
  return body;
}

// ---- RewardBody: u64 epoch || u64 first_round || u64 last_round || u64 emission || u32 n ||
//      n x (miner(32) || u64 units)

Bytes RewardBody::Encode() const {
  ByteWriter w;
  w.U64(epoch);
  w.U64(first_round);
  w.U64(last_round);
  w.U64(emission);
  w.U32(static_cast<uint32_t>(entries.size()));
  for (const RewardEntry& e : entries) {
    PutKey(&w, e.miner);
    w.U64(e.units);
  }
  return w.Take();
}

Result<RewardBody> RewardBody::Decode(const Bytes& b) {
  ByteReader r(b);
  RewardBody body;
  uint32_t n = 0;
  r.U64(&body.epoch);
  r.U64(&body.first_round);
  r.U64(&body.last_round);
  r.U64(&body.emission);
  if (!GetCount(&r, kRewardEntryBytes, &n)) {
    return DecodeError("reward body", "entry count larger than the body");
  }
  body.entries.resize(n);
  U128 total = 0;
  for (uint32_t i = 0; i < n; ++i) {
    RewardEntry& e = body.entries[i];
    GetKey(&r, &e.miner);
    r.U64(&e.units);
    if (i > 0 && !(body.entries[i - 1].miner < e.miner)) {
      return DecodeError("reward body", "entry " + std::to_string(i) +
                                            " is not after the previous one in key order "
                                            "(unsorted or duplicate miner)");
    }
    if (!r.failed() && e.units == 0) {
      return DecodeError("reward body", "entry " + std::to_string(i) + " has zero units");
    }
    total += e.units;
  }
  LOCONET_RETURN_IF_ERROR(r.Finish("reward body"));
  if (body.first_round > body.last_round) {
    return DecodeError("reward body", "first round " + std::to_string(body.first_round) +
                                          " is after last round " +
                                          std::to_string(body.last_round));
  }
  if (total > body.emission) {
    return DecodeError("reward body", "units add up to more than the emission of " +
                                          std::to_string(body.emission));
  }
  return body;
}

// ---- RevealBody: u64 round || secret(32)

Bytes RevealBody::Encode() const {
  ByteWriter w;
  w.U64(round);
  PutHash(&w, secret);
  return w.Take();
}

Result<RevealBody> RevealBody::Decode(const Bytes& b) {
  ByteReader r(b);
  RevealBody body;
  r.U64(&body.round);
  GetHash(&r, &body.secret);
  LOCONET_RETURN_IF_ERROR(r.Finish("reveal body"));
  return body;
}

Status CheckBody(RecordKind kind, const Bytes& body) {
  switch (kind) {
    case RecordKind::kRegistration:
      return RegistrationBody::Decode(body).status();
    case RecordKind::kRound:
      return RoundBody::Decode(body).status();
    case RecordKind::kScores:
      return ScoresBody::Decode(body).status();
    case RecordKind::kModelUpdate:
      return ModelUpdateBody::Decode(body).status();
    case RecordKind::kReward:
      return RewardBody::Decode(body).status();
    case RecordKind::kReveal:
      return RevealBody::Decode(body).status();
    case RecordKind::kWeights:
      return WeightsBody::Decode(body).status();
    case RecordKind::kConsensus:
      return ConsensusBody::Decode(body).status();
    case RecordKind::kAgreement:
      return AgreementBody::Decode(body).status();
  }
  return Error(Code::kDecodeError,
               "unknown record kind " + std::to_string(static_cast<unsigned>(kind)));
}

std::vector<PublicKey> MinersOf(RecordKind kind, const Bytes& body) {
  std::vector<PublicKey> out;
  if (kind == RecordKind::kRegistration) {
    auto b = RegistrationBody::Decode(body);
    if (b.ok()) out.push_back(b->miner);
    if (b.ok() && b->replaces != PublicKey{}) out.push_back(b->replaces);
  } else if (kind == RecordKind::kScores) {
    auto b = ScoresBody::Decode(body);
    if (b.ok()) {
      for (const ScoreEntry& e : b->entries) out.push_back(e.miner);
    }
  } else if (kind == RecordKind::kReward) {
    auto b = RewardBody::Decode(body);
    if (b.ok()) {
      for (const RewardEntry& e : b->entries) out.push_back(e.miner);
    }
  } else if (kind == RecordKind::kWeights) {
    auto b = WeightsBody::Decode(body);
    if (b.ok()) {
      for (const WeightEntry& e : b->entries) out.push_back(e.miner);
    }
  } else if (kind == RecordKind::kConsensus) {
    auto b = ConsensusBody::Decode(body);
    if (b.ok()) {
      for (const ConsensusMiner& m : b->miners) out.push_back(m.miner);
    }
  }
  return out;
}

}  // namespace loconet::ledger
