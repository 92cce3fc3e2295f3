// Status and Result<T>: how every loconet function that reads outside input reports failure.
//
// A Status carries a reason code (stable across versions: it is logged, counted, stored in the
// ledger and sent to peers) and a human-readable message. Result<T> holds either a value or a
// non-OK Status. Both are [[nodiscard]]: a dropped error is a compile warning.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace loconet {

// Reason codes. The numeric values are part of the wire protocol and the ledger format:
// append new codes, never renumber.
enum class Code : uint16_t {
  kOk = 0,
  kInvalidArgument = 1,
  kNotFound = 2,
  kIoError = 3,
  kCorrupt = 4,
  kPermissionDenied = 5,
  kParseError = 6,
  kConfigError = 7,
  kCryptoError = 8,
  kInternal = 9,
  kTimeout = 10,
  kUnavailable = 11,
  kNonFiniteLoss = 12,
  kAlreadyExists = 13,
  // Submission and protocol reasons (ARCHITECTURE.md section 3).
  kBadSignature = 100,
  kUnknownKey = 101,
  kWrongRound = 102,
  kStaleBase = 103,
  kDuplicate = 104,
  kTooLarge = 105,
  kDecodeError = 106,
  kShapeMismatch = 107,
  kNonFinite = 108,
  kLate = 109,
  kRateLimited = 110,
  kWrongCodec = 111,
  kDataReceipt = 112,
  kOutlier = 113,
  kReplay = 114,
  kCopy = 115,
  kMissed = 116,
  kDataCheck = 117,
  kWrongRecipient = 118,  // a signed request addressed to another node
  kExpired = 119,         // a signed request sent outside the recipient's time window
  kBadProofOfWork = 120,  // a registration without the proof of work the validator asks for
  kNoSlot = 121,          // every miner slot is held by a miner within its immunity period
  kContaminated = 122,    // the update gains more on the evaluation data than on unseen
                          // training pages: trained on the evaluation data
};

// snake_case name of a code, e.g. "bad_signature"; "unknown_code" for values not listed above.
const char* CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "code_name: message", or "ok".
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context` ("context: message").
  Status WithContext(const std::string& context) const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status Error(Code code, std::string message) { return Status(code, std::move(message)); }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (status_.ok()) status_ = Status(Code::kInternal, "Result constructed from an OK status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  // Precondition: ok(). Calling these on an error is a programming mistake, not an input error.
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace loconet

#define LOCONET_CONCAT_INNER(a, b) a##b
#define LOCONET_CONCAT(a, b) LOCONET_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function if `expr` is not OK.
#define LOCONET_RETURN_IF_ERROR(expr)                 \
  do {                                                \
    ::loconet::Status _loconet_status = (expr);       \
    if (!_loconet_status.ok()) return _loconet_status; \
  } while (0)

// `lhs` = value of the Result `rexpr`, or returns its Status from the enclosing function.
#define LOCONET_ASSIGN_OR_RETURN(lhs, rexpr) \
  LOCONET_ASSIGN_OR_RETURN_IMPL(LOCONET_CONCAT(_loconet_result_, __LINE__), lhs, rexpr)
#define LOCONET_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                  \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()
