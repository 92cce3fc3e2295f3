#include "validator/request_guard.h"

#include <cstring>
#include <string>

#include "core/hash.h"

namespace loconet {

RequestGuard::RequestGuard(const PublicKey& self, int64_t window_ms, size_t max_entries)
    : self_(self), window_ms_(window_ms), max_entries_(max_entries == 0 ? 1 : max_entries) {}

void RequestGuard::Expire(int64_t now_ms) {
  // Entries leave in arrival order; one whose timestamp is out of the window could only be
  // replayed as kExpired, so it is no longer needed.
  while (!order_.empty() &&
         (order_.size() > max_entries_ || order_.front().first < now_ms - 2 * window_ms_)) {
    seen_.erase(order_.front().second);
    order_.pop_front();
  }
}

Status RequestGuard::Admit(const PublicKey& sender, const Bytes& body, const proto::Request& req,
                           int64_t now_ms) {
  if (req.recipient() != RawString(self_)) {
    return Status(Code::kWrongRecipient, req.recipient().empty()
                                             ? "the request names no recipient"
                                             : "the request is addressed to another validator");
  }
  const int64_t sent = req.sent_unix_ms();
  if (sent < now_ms - window_ms_ || sent > now_ms + window_ms_) {
    return Status(Code::kExpired, "sent_unix_ms " + std::to_string(sent) + " is more than " +
                                      std::to_string(window_ms_) + " ms from the validator's " +
                                      std::to_string(now_ms));
  }
  Hasher h;
  h.Update(sender.bytes.data(), sender.bytes.size());
  h.Update(body);
  const Hash256 full = h.Final();
  Digest d;
  std::memcpy(d.data(), full.bytes.data(), d.size());
  if (seen_.count(d)) return Status(Code::kReplay, "this signed request was received before");
  seen_.insert(d);
  order_.emplace_back(sent, d);
  Expire(now_ms);
  return Status::Ok();
}

}  // namespace loconet
