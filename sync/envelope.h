// Signed envelopes: the wrapper around every loconet message on the wire (docs/protocol.md).
//
// An envelope carries the sender's ed25519 public key, a domain tag naming what the body is, the
// serialized body, the id of the network it belongs to and a detached signature. The signature
// covers explicit bytes, never a re-serialized struct:
//
//   u32le(len(tag)) || tag || network id (32 bytes) || u32le(len(body)) || body
//
// so a verifier checks exactly the bytes it received. The domain tag keeps a signature made for
// one purpose (say, a reply) from being replayed as another (a request); the network id keeps a
// message of one network (network/genesis.h: the hash of its network file) from being accepted
// by another. A node without a network file is on the default network, whose id is 32 zero
// bytes. All functions here are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/hash.h"
#include "core/keys.h"
#include "core/status.h"

namespace loconet::sync {

// Domain tags. Bump the version suffix when a body's meaning changes incompatibly.
inline constexpr std::string_view kTagRequest = "loconet/request/v1";           // proto::Request
inline constexpr std::string_view kTagReply = "loconet/reply/v1";               // proto::Reply
inline constexpr std::string_view kTagAnnounce = "loconet/announce/v1";         // RoundAnnouncement
inline constexpr std::string_view kTagModelUpdate = "loconet/model_update/v1";  // ModelUpdate
inline constexpr std::string_view kTagLedger = "loconet/ledger/v1";             // LedgerRecords

// A network's id: BLAKE2b-256 of its genesis (network/genesis.h).
using NetworkId = Hash256;
// The id of the default network, for nodes without a network file: 32 zero bytes. Envelopes of
// the default network leave the `network` field empty.
inline const NetworkId kDefaultNetworkId{};

// "default" for kDefaultNetworkId, else the id's first 16 hex characters (for messages).
std::string NetworkName(const NetworkId& network);

// The bytes an envelope's signature covers: ByteWriter Blob(tag), the 32 bytes of the network
// id, then Blob(body).
Bytes EnvelopeSigningBytes(std::string_view tag, const NetworkId& network, const uint8_t* body,
                           size_t body_size);

// A serialized proto::Envelope holding `body`, signed by `id` under `tag` for `network`. Bodies
// are bounded by the callers' frame limits (far below protobuf's 2 GiB); a body that cannot be
// serialized at all gives an empty result, which OpenEnvelope rejects.
Bytes SealEnvelope(const Identity& id, std::string_view tag, const Bytes& body,
                   const NetworkId& network = kDefaultNetworkId);

struct OpenedEnvelope {
  PublicKey sender;
  std::string tag;
  Bytes body;
};

// Checks a received envelope and returns its sender and body. The checks, in this order and all
// before the body is looked at:
//   size > max_bytes                                          -> kTooLarge
//   not a parsable Envelope, sender not 32 bytes, signature
//   not 64 bytes, network neither empty nor 32 bytes, or
//   tag != expected_tag ("wrong domain tag")                  -> kDecodeError
//   network (empty: the default) != `network` ("envelope of
//   network X, this node is on network Y")                   -> kBadSignature
//   signature does not verify                                 -> kBadSignature
// The returned body is authentic (signed by `sender` under `expected_tag` for `network`) but not
// yet parsed.
Result<OpenedEnvelope> OpenEnvelope(const uint8_t* data, size_t size, size_t max_bytes,
                                    std::string_view expected_tag,
                                    const NetworkId& network = kDefaultNetworkId);
inline Result<OpenedEnvelope> OpenEnvelope(const Bytes& data, size_t max_bytes,
                                           std::string_view expected_tag,
                                           const NetworkId& network = kDefaultNetworkId) {
  return OpenEnvelope(data.data(), data.size(), max_bytes, expected_tag, network);
}

}  // namespace loconet::sync
