// Signed envelopes: the wrapper around every loconet message on the wire (docs/protocol.md).
//
// An envelope carries the sender's ed25519 public key, a domain tag naming what the body is, the
// serialized body and a detached signature. The signature covers explicit bytes, never a
// re-serialized struct:
//
//   u32le(len(tag)) || tag || u32le(len(body)) || body      (ByteWriter Blob(tag), Blob(body))
//
// so a verifier checks exactly the bytes it received. The domain tag keeps a signature made for
// one purpose (say, a reply) from being replayed as another (a request). All functions here are
// thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/keys.h"
#include "core/status.h"

namespace loconet::sync {

// Domain tags. Bump the version suffix when a body's meaning changes incompatibly.
inline constexpr std::string_view kTagRequest = "loconet/request/v1";           // proto::Request
inline constexpr std::string_view kTagReply = "loconet/reply/v1";               // proto::Reply
inline constexpr std::string_view kTagAnnounce = "loconet/announce/v1";         // RoundAnnouncement
inline constexpr std::string_view kTagModelUpdate = "loconet/model_update/v1";  // ModelUpdate
inline constexpr std::string_view kTagLedger = "loconet/ledger/v1";             // LedgerRecords

// The bytes an envelope's signature covers: ByteWriter Blob(tag) then Blob(body).
Bytes EnvelopeSigningBytes(std::string_view tag, const uint8_t* body, size_t body_size);

// A serialized proto::Envelope holding `body`, signed by `id` under `tag`. Bodies are bounded by
// the callers' frame limits (far below protobuf's 2 GiB); a body that cannot be serialized at
// all gives an empty result, which OpenEnvelope rejects.
Bytes SealEnvelope(const Identity& id, std::string_view tag, const Bytes& body);

struct OpenedEnvelope {
  PublicKey sender;
  std::string tag;
  Bytes body;
};

// Checks a received envelope and returns its sender and body. The checks, in this order and all
// before the body is looked at:
//   size > max_bytes                                          -> kTooLarge
//   not a parsable Envelope, sender not 32 bytes, signature
//   not 64 bytes, or tag != expected_tag ("wrong domain tag")  -> kDecodeError
//   signature does not verify                                 -> kBadSignature
// The returned body is authentic (signed by `sender` under `expected_tag`) but not yet parsed.
Result<OpenedEnvelope> OpenEnvelope(const uint8_t* data, size_t size, size_t max_bytes,
                                    std::string_view expected_tag);
inline Result<OpenedEnvelope> OpenEnvelope(const Bytes& data, size_t max_bytes,
                                           std::string_view expected_tag) {
  return OpenEnvelope(data.data(), data.size(), max_bytes, expected_tag);
}

}  // namespace loconet::sync
