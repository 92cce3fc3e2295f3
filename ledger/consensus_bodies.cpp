#include "ledger/consensus_bodies.h"

#include <algorithm>
#include <array>
#include <string>

#include "core/int128.h"

namespace loconet::ledger {

namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kWeightEntryBytes = kKeyBytes + 2;
constexpr size_t kValidatorBytes = kKeyBytes + 8 + 32 + 2 + 2 + 8;
constexpr size_t kMinerBytes = kKeyBytes + 2 + 2 + 8;
constexpr size_t kBondBytes = 4 + 4 + 2;

void PutBytes32(ByteWriter* w, const std::array<uint8_t, 32>& b) { w->Raw(b.data(), b.size()); }
bool GetBytes32(ByteReader* r, std::array<uint8_t, 32>* b) { return r->Raw(b->data(), b->size()); }

Status Bad(const char* what, const std::string& problem) {
  return Error(Code::kDecodeError, std::string(what) + ": " + problem);
}

bool GetCount(ByteReader* r, size_t entry_bytes, uint32_t* count) {
  if (!r->U32(count)) return false;
  return static_cast<uint64_t>(*count) * entry_bytes <= r->remaining();
}

std::string Nth(size_t i) { return "entry " + std::to_string(i); }

}  // namespace

// ---- WeightsBody: u64 epoch || u64 first_round || u64 last_round || u32 n ||
//      n x (miner(32) || u16 weight)

Bytes WeightsBody::Encode() const {
  ByteWriter w;
  w.U64(epoch);
  w.U64(first_round);
  w.U64(last_round);
  w.U32(static_cast<uint32_t>(entries.size()));
  for (const WeightEntry& e : entries) {
    PutBytes32(&w, e.miner.bytes);
    w.U16(e.weight);
  }
  return w.Take();
}

Result<WeightsBody> WeightsBody::Decode(const Bytes& b) {
  constexpr const char* kWhat = "weights body";
  ByteReader r(b);
  WeightsBody body;
  r.U64(&body.epoch);
  r.U64(&body.first_round);
  r.U64(&body.last_round);
  uint32_t n = 0;
  if (!GetCount(&r, kWeightEntryBytes, &n)) return Bad(kWhat, "entry count larger than the body");
  body.entries.resize(n);
  uint16_t largest = 0;
  for (uint32_t i = 0; i < n; ++i) {
    WeightEntry& e = body.entries[i];
    GetBytes32(&r, &e.miner.bytes);
    r.U16(&e.weight);
    if (r.failed()) break;
    if (i > 0 && !(body.entries[i - 1].miner < e.miner)) {
      return Bad(kWhat, Nth(i) + " is not after the previous one in key order");
    }
    if (e.weight == 0) return Bad(kWhat, Nth(i) + " has weight 0");
    largest = std::max(largest, e.weight);
  }
  LOCONET_RETURN_IF_ERROR(r.Finish(kWhat));
  if (body.first_round > body.last_round) return Bad(kWhat, "first round is after last round");
  if (n > 0 && largest != 65535) return Bad(kWhat, "the largest weight is not 65535");
  return body;
}

// ---- ConsensusBody: u64 epoch || u64 first_round || u64 last_round || u16 kappa ||
//      u64 bonds_moving_average || u16 bonds_penalty || u64 emission || u8 has_miner_share ||
//      u16 miner_share || u32 v || v x (key(32) || u64 stake || weights_record(32) ||
//      u16 validator_trust || u16 dividends || u64 emission) || u32 m || m x (miner(32) ||
//      u16 consensus || u16 incentive || u64 emission) || u32 b || b x (u32 validator ||
//      u32 miner || u16 bond)

Bytes ConsensusBody::Encode() const {
  ByteWriter w;
  w.U64(epoch);
  w.U64(first_round);
  w.U64(last_round);
  w.U16(params.kappa);
  w.U64(params.bonds_moving_average);
  w.U16(params.bonds_penalty);
  w.U64(params.emission);
  w.U8(params.miner_share ? 1 : 0);
  w.U16(params.miner_share.value_or(0));
  w.U32(static_cast<uint32_t>(validators.size()));
  for (const ConsensusValidator& v : validators) {
    PutBytes32(&w, v.key.bytes);
    w.U64(v.stake);
    PutBytes32(&w, v.weights_record.bytes);
    w.U16(v.validator_trust);
    w.U16(v.dividends);
    w.U64(v.emission);
  }
  w.U32(static_cast<uint32_t>(miners.size()));
  for (const ConsensusMiner& m : miners) {
    PutBytes32(&w, m.miner.bytes);
    w.U16(m.consensus);
    w.U16(m.incentive);
    w.U64(m.emission);
  }
  w.U32(static_cast<uint32_t>(bonds.size()));
  for (const BondEntry& e : bonds) {
    w.U32(e.validator);
    w.U32(e.miner);
    w.U16(e.bond);
  }
  return w.Take();
}

Result<ConsensusBody> ConsensusBody::Decode(const Bytes& b) {
  constexpr const char* kWhat = "consensus body";
  ByteReader r(b);
  ConsensusBody body;
  r.U64(&body.epoch);
  r.U64(&body.first_round);
  r.U64(&body.last_round);
  r.U16(&body.params.kappa);
  r.U64(&body.params.bonds_moving_average);
  r.U16(&body.params.bonds_penalty);
  r.U64(&body.params.emission);
  uint8_t has_share = 0;
  uint16_t share = 0;
  r.U8(&has_share);
  r.U16(&share);
  if (!r.failed() && has_share > 1) return Bad(kWhat, "has_miner_share is neither 0 nor 1");
  if (!r.failed() && has_share == 0 && share != 0) return Bad(kWhat, "unset miner_share is not 0");
  if (has_share == 1) body.params.miner_share = share;
  U128 total = 0;
  uint32_t n = 0;
  if (!GetCount(&r, kValidatorBytes, &n)) return Bad(kWhat, "validator count larger than the body");
  body.validators.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    ConsensusValidator& v = body.validators[i];
    GetBytes32(&r, &v.key.bytes);
    r.U64(&v.stake);
    GetBytes32(&r, &v.weights_record.bytes);
    r.U16(&v.validator_trust);
    r.U16(&v.dividends);
    r.U64(&v.emission);
    if (r.failed()) break;
    if (v.stake == 0) return Bad(kWhat, "validator " + std::to_string(i) + " has stake 0");
    for (uint32_t j = 0; j < i; ++j) {
      if (body.validators[j].key == v.key) {
        return Bad(kWhat, "validator " + std::to_string(i) + " is listed twice");
      }
    }
    total += v.emission;
  }
  if (!GetCount(&r, kMinerBytes, &n)) return Bad(kWhat, "miner count larger than the body");
  body.miners.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    ConsensusMiner& m = body.miners[i];
    GetBytes32(&r, &m.miner.bytes);
    r.U16(&m.consensus);
    r.U16(&m.incentive);
    r.U64(&m.emission);
    if (r.failed()) break;
    if (i > 0 && !(body.miners[i - 1].miner < m.miner)) {
      return Bad(kWhat, "miner " + std::to_string(i) + " is not after the previous one in key order");
    }
    total += m.emission;
  }
  if (!GetCount(&r, kBondBytes, &n)) return Bad(kWhat, "bond count larger than the body");
  body.bonds.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    BondEntry& e = body.bonds[i];
    r.U32(&e.validator);
    r.U32(&e.miner);
    r.U16(&e.bond);
    if (r.failed()) break;
    if (e.validator >= body.validators.size() || e.miner >= body.miners.size()) {
      return Bad(kWhat, "bond " + std::to_string(i) + " names a validator or miner out of range");
    }
    if (e.bond == 0) return Bad(kWhat, "bond " + std::to_string(i) + " is 0");
    if (i > 0) {
      const BondEntry& p = body.bonds[i - 1];
      if (!(p.validator < e.validator || (p.validator == e.validator && p.miner < e.miner))) {
        return Bad(kWhat, "bond " + std::to_string(i) + " is not after the previous one");
      }
    }
  }
  LOCONET_RETURN_IF_ERROR(r.Finish(kWhat));
  if (body.first_round > body.last_round) return Bad(kWhat, "first round is after last round");
  if (total > body.params.emission) {
    return Bad(kWhat, "emissions add up to more than the epoch's emission");
  }
  return body;
}

// ---- AgreementBody: u64 round || lead(32) || lead_hash(32) || derived_hash(32)

Bytes AgreementBody::Encode() const {
  ByteWriter w;
  w.U64(round);
  PutBytes32(&w, lead.bytes);
  PutBytes32(&w, lead_hash.bytes);
  PutBytes32(&w, derived_hash.bytes);
  return w.Take();
}

Result<AgreementBody> AgreementBody::Decode(const Bytes& b) {
  ByteReader r(b);
  AgreementBody body;
  r.U64(&body.round);
  GetBytes32(&r, &body.lead.bytes);
  GetBytes32(&r, &body.lead_hash.bytes);
  GetBytes32(&r, &body.derived_hash.bytes);
  LOCONET_RETURN_IF_ERROR(r.Finish("agreement body"));
  return body;
}

}  // namespace loconet::ledger
