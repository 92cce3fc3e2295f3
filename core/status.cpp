#include "core/status.h"

namespace loconet {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "invalid_argument";
    case Code::kNotFound: return "not_found";
    case Code::kIoError: return "io_error";
    case Code::kCorrupt: return "corrupt";
    case Code::kPermissionDenied: return "permission_denied";
    case Code::kParseError: return "parse_error";
    case Code::kConfigError: return "config_error";
    case Code::kCryptoError: return "crypto_error";
    case Code::kInternal: return "internal";
    case Code::kTimeout: return "timeout";
    case Code::kUnavailable: return "unavailable";
    case Code::kNonFiniteLoss: return "non_finite_loss";
    case Code::kAlreadyExists: return "already_exists";
    case Code::kBadSignature: return "bad_signature";
    case Code::kUnknownKey: return "unknown_key";
    case Code::kWrongRound: return "wrong_round";
    case Code::kStaleBase: return "stale_base";
    case Code::kDuplicate: return "duplicate";
    case Code::kTooLarge: return "too_large";
    case Code::kDecodeError: return "decode_error";
    case Code::kShapeMismatch: return "shape_mismatch";
    case Code::kNonFinite: return "non_finite";
    case Code::kLate: return "late";
    case Code::kRateLimited: return "rate_limited";
    case Code::kWrongCodec: return "wrong_codec";
    case Code::kDataReceipt: return "data_receipt";
    case Code::kOutlier: return "outlier";
    case Code::kReplay: return "replay";
    case Code::kCopy: return "copy";
    case Code::kMissed: return "missed";
    case Code::kDataCheck: return "data_check";
    case Code::kWrongRecipient: return "wrong_recipient";
    case Code::kExpired: return "expired";
    case Code::kBadProofOfWork: return "bad_proof_of_work";
    case Code::kNoSlot: return "no_slot";
    case Code::kContaminated: return "contaminated";
  }
  return "unknown_code";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(CodeName(code_)) + ": " + message_;
}

Status Status::WithContext(const std::string& context) const {
  if (ok()) return *this;
  return Status(code_, context + ": " + message_);
}

}  // namespace loconet
