// Binds signed requests to this validator and to a time window, and refuses exact replays.
// Torch-free; one thread.
//
// A request is admitted if its recipient is this validator's key (else kWrongRecipient), its
// sent_unix_ms lies within `window_ms` of now either way (else kExpired), and the same sender
// has not sent the same body within the window (else kReplay). A captured request therefore
// cannot be replayed to another validator, nor later, nor several times now to drain its
// sender's rate limit. Memory is bounded: at most `max_entries` remembered requests (16-byte
// digests); past that, the oldest are forgotten first. They are forgotten anyway once their
// timestamps leave the window, when a replay would be kExpired.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <set>
#include <utility>

#include "core/bytes.h"
#include "core/keys.h"
#include "core/status.h"
#include "sync/messages.pb.h"

namespace loconet {

class RequestGuard {
 public:
  RequestGuard(const PublicKey& self, int64_t window_ms, size_t max_entries = 1u << 18);

  // `body` is the envelope body `req` was parsed from.
  [[nodiscard]] Status Admit(const PublicKey& sender, const Bytes& body, const proto::Request& req,
                             int64_t now_ms);

  size_t size() const { return seen_.size(); }

 private:
  using Digest = std::array<uint8_t, 16>;
  void Expire(int64_t now_ms);

  PublicKey self_;
  int64_t window_ms_;
  size_t max_entries_;
  std::set<Digest> seen_;
  std::deque<std::pair<int64_t, Digest>> order_;  // (sent_unix_ms, digest), arrival order
};

}  // namespace loconet
