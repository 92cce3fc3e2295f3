#include "sync/envelope.h"

#include <spdlog/spdlog.h>

#include <cstring>
#include <exception>

#include "sync/messages.h"
#include "sync/messages.pb.h"

namespace loconet::sync {

std::string NetworkName(const NetworkId& network) {
  return network == kDefaultNetworkId ? "default" : network.Hex().substr(0, 16);
}

Bytes EnvelopeSigningBytes(std::string_view tag, const NetworkId& network, const uint8_t* body,
                           size_t body_size) {
  ByteWriter w;
  w.Blob(tag);
  w.Raw(network.bytes.data(), network.bytes.size());
  w.Blob(std::string_view(reinterpret_cast<const char*>(body), body_size));
  return w.Take();
}

Bytes SealEnvelope(const Identity& id, std::string_view tag, const Bytes& body,
                   const NetworkId& network) {
  try {
    Signature sig = id.Sign(EnvelopeSigningBytes(tag, network, body.data(), body.size()));
    proto::Envelope env;
    env.set_sender(id.public_key().bytes.data(), id.public_key().bytes.size());
    env.set_tag(tag.data(), tag.size());
    env.set_body(body.data(), body.size());
    env.set_signature(sig.data(), sig.size());
    if (network != kDefaultNetworkId) env.set_network(RawString(network));
    Result<Bytes> out = SerializeProto(env);
    if (!out.ok()) {
      spdlog::error("sealing a {}-byte body under {}: {}", body.size(), tag,
                    out.status().ToString());
      return Bytes();
    }
    return std::move(out).value();
  } catch (const std::exception& e) {
    spdlog::error("sealing a {}-byte body under {}: {}", body.size(), tag, e.what());
    return Bytes();
  }
}

Result<OpenedEnvelope> OpenEnvelope(const uint8_t* data, size_t size, size_t max_bytes,
                                    std::string_view expected_tag, const NetworkId& network) {
  if (size > max_bytes) {
    return Error(Code::kTooLarge, "envelope of " + std::to_string(size) +
                                      " bytes exceeds the limit of " + std::to_string(max_bytes));
  }
  try {
    proto::Envelope env;
    LOCONET_RETURN_IF_ERROR(ParseProto(data, size, "envelope", &env));
    if (env.sender().size() != 32) {
      return Error(
          Code::kDecodeError,
          "envelope: sender is " + std::to_string(env.sender().size()) + " bytes, expected 32");
    }
    if (env.signature().size() != 64) {
      return Error(Code::kDecodeError, "envelope: signature is " +
                                           std::to_string(env.signature().size()) +
                                           " bytes, expected 64");
    }
    if (!env.network().empty() && env.network().size() != 32) {
      return Error(Code::kDecodeError, "envelope: network id is " +
                                           std::to_string(env.network().size()) +
                                           " bytes, expected 32 or none");
    }
    if (env.tag() != expected_tag) {
      return Error(Code::kDecodeError,
                   "envelope: wrong domain tag (expected " + std::string(expected_tag) + ")");
    }
    const NetworkId claimed =
        env.network().empty() ? kDefaultNetworkId : HashFromRaw(env.network());
    if (claimed != network) {
      return Error(Code::kBadSignature, "envelope: signed for network " + NetworkName(claimed) +
                                            ", this node is on network " + NetworkName(network));
    }
    OpenedEnvelope out;
    std::memcpy(out.sender.bytes.data(), env.sender().data(), 32);
    Signature sig;
    std::memcpy(sig.data(), env.signature().data(), 64);
    const std::string& body = env.body();
    Bytes signed_bytes = EnvelopeSigningBytes(
        env.tag(), network, reinterpret_cast<const uint8_t*>(body.data()), body.size());
    if (!Verify(out.sender, signed_bytes, sig)) {
      return Error(Code::kBadSignature,
                   "envelope: signature does not verify for sender " + out.sender.Short());
    }
    out.tag = env.tag();
    out.body.assign(body.begin(), body.end());
    return out;
  } catch (const std::exception& e) {
    return Error(Code::kDecodeError, std::string("envelope: ") + e.what());
  }
}

}  // namespace loconet::sync
