#include "ledger/record.h"

#include <utility>

namespace loconet::ledger {

const char* KindName(RecordKind kind) {
  switch (kind) {
    case RecordKind::kRegistration:
      return "registration";
    case RecordKind::kRound:
      return "round";
    case RecordKind::kScores:
      return "scores";
    case RecordKind::kModelUpdate:
      return "model_update";
    case RecordKind::kReward:
      return "reward";
    case RecordKind::kReveal:
      return "reveal";
    case RecordKind::kWeights:
      return "weights";
    case RecordKind::kConsensus:
      return "consensus";
    case RecordKind::kAgreement:
      return "agreement";
  }
  return "unknown";
}

bool IsKnownKind(uint8_t kind) {
  return kind >= static_cast<uint8_t>(RecordKind::kRegistration) &&
         kind <= static_cast<uint8_t>(RecordKind::kAgreement);
}

Bytes Record::CanonicalBytes() const {
  ByteWriter w;
  w.U8(kRecordVersion);
  w.Raw(author.bytes.data(), author.bytes.size());
  w.U64(height);
  w.Raw(prev.bytes.data(), prev.bytes.size());
  w.U64(round);
  w.U8(static_cast<uint8_t>(kind));
  w.I64(timestamp_ms);
  w.Blob(body);
  return w.Take();
}

Hash256 Record::Hash() const { return Blake2b256(CanonicalBytes()); }

Bytes Record::Serialize() const {
  Bytes out = CanonicalBytes();
  out.insert(out.end(), signature.begin(), signature.end());
  return out;
}

Result<Record> Record::Parse(const uint8_t* data, size_t size) {
  ByteReader r(data, size);
  Record rec;
  uint8_t version = 0;
  if (!r.U8(&version)) return Error(Code::kDecodeError, "record: empty input");
  if (version != kRecordVersion) {
    return Error(Code::kDecodeError, "record: version " + std::to_string(version) +
                                         " is not the supported " + std::to_string(kRecordVersion));
  }
  uint8_t kind = 0;
  r.Raw(rec.author.bytes.data(), rec.author.bytes.size());
  r.U64(&rec.height);
  r.Raw(rec.prev.bytes.data(), rec.prev.bytes.size());
  r.U64(&rec.round);
  if (r.U8(&kind) && !IsKnownKind(kind)) {
    return Error(Code::kDecodeError, "record: unknown kind " + std::to_string(kind));
  }
  rec.kind = static_cast<RecordKind>(kind);
  r.I64(&rec.timestamp_ms);
  uint32_t body_size = 0;
  if (r.U32(&body_size) && body_size > kMaxBodyBytes) {
    return Error(Code::kDecodeError, "record: body of " + std::to_string(body_size) +
                                         " bytes exceeds the limit of " +
                                         std::to_string(kMaxBodyBytes));
  }
  if (!r.failed() && r.remaining() >= body_size) {
    rec.body.resize(body_size);
    r.Raw(rec.body.data(), body_size);
  } else {
    r.Raw(nullptr, body_size);  // marks the reader failed: the body is truncated
  }
  r.Raw(rec.signature.data(), rec.signature.size());
  LOCONET_RETURN_IF_ERROR(r.Finish("record"));
  return rec;
}

bool Record::VerifySignature() const {
  Hash256 h = Hash();
  return Verify(author, h.bytes.data(), h.bytes.size(), signature);
}

Record SignRecord(const Identity& author, uint64_t height, const Hash256& prev, uint64_t round,
                  RecordKind kind, Bytes body, int64_t timestamp_ms) {
  Record rec;
  rec.author = author.public_key();
  rec.height = height;
  rec.prev = prev;
  rec.round = round;
  rec.kind = kind;
  rec.body = std::move(body);
  rec.timestamp_ms = timestamp_ms;
  Hash256 h = rec.Hash();
  rec.signature = author.Sign(h.bytes.data(), h.bytes.size());
  return rec;
}

std::string RecordLabel(const PublicKey& author, uint64_t height, RecordKind kind) {
  return author.Short() + " #" + std::to_string(height) + " " + KindName(kind);
}

}  // namespace loconet::ledger
