#include "sync/transport.h"

#include <sodium.h>
#include <spdlog/spdlog.h>
#include <zmq.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <deque>
#include <exception>
#include <limits>
#include <optional>
#include <random>
#include <thread>
#include <utility>
#include <zmq.hpp>

namespace loconet::sync {

zmq::context_t& ZmqContext() {
  static zmq::context_t* const context = new zmq::context_t();
  return *context;
}

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kRequestIdBytes = 8;
constexpr int kMaxBackoffMs = 10000;
// More frames than any valid message has; the rest of a longer message is read and discarded.
constexpr size_t kMaxFrames = 5;
// Subscriptions are the only thing a PUB receives.
constexpr int64_t kPubMaxMessageBytes = 64 << 10;
// High-water marks (messages per connection) of the ROUTER and the PUB socket.
constexpr int kRouterHighWaterMark = 16;
constexpr int kPubHighWaterMark = 32;

// libzmq's ZMQ_MAXMSGSIZE is an int64; -1 would mean "no limit".
int64_t MaxMsgSize(size_t bytes) {
  constexpr size_t kMax = static_cast<size_t>(std::numeric_limits<int64_t>::max());
  return static_cast<int64_t>(std::min(bytes, kMax));
}

Status ZmqError(const std::string& what, const std::exception& e) {
  return Error(Code::kUnavailable, what + ": " + e.what());
}

// Waits for POLLIN on `socket`. Returns 1 if readable, 0 on timeout or EINTR, -1 on error.
int WaitReadable(zmq::socket_t& socket, long timeout_ms) {
  zmq_pollitem_t item{};
  item.socket = socket.handle();
  item.events = ZMQ_POLLIN;
  int rc = zmq_poll(&item, 1, timeout_ms);
  if (rc < 0) return zmq_errno() == EINTR ? 0 : -1;
  return (rc > 0 && (item.revents & ZMQ_POLLIN)) ? 1 : 0;
}

// Reads one whole multipart message without blocking. Keeps at most kMaxFrames frames in
// *frames; returns the total number of frames (0 if nothing was waiting). Throws zmq::error_t.
size_t RecvMultipart(zmq::socket_t& socket, std::vector<zmq::message_t>* frames) {
  frames->clear();
  size_t total = 0;
  bool more = true;
  while (more) {
    zmq::message_t frame;
    if (!socket.recv(frame, zmq::recv_flags::dontwait)) break;
    ++total;
    more = frame.more();
    if (frames->size() < kMaxFrames) frames->push_back(std::move(frame));
  }
  return total;
}

// Sends frames as one multipart message without blocking; false if ZeroMQ would block.
bool SendMultipart(zmq::socket_t& socket, std::vector<zmq::const_buffer> frames) {
  for (size_t i = 0; i < frames.size(); ++i) {
    auto flags = zmq::send_flags::dontwait;
    if (i + 1 < frames.size()) flags = flags | zmq::send_flags::sndmore;
    if (!socket.send(frames[i], flags)) return false;
  }
  return true;
}

uint64_t LoadId(const zmq::message_t& frame) {
  uint64_t id = 0;
  const auto* p = static_cast<const uint8_t*>(frame.data());
  for (size_t i = 0; i < kRequestIdBytes; ++i) id |= static_cast<uint64_t>(p[i]) << (8 * i);
  return id;
}

std::array<uint8_t, kRequestIdBytes> StoreId(uint64_t id) {
  std::array<uint8_t, kRequestIdBytes> out;
  for (size_t i = 0; i < kRequestIdBytes; ++i) out[i] = static_cast<uint8_t>(id >> (8 * i));
  return out;
}

// Request ids only need to differ between attempts and between clients of one server: a random
// start is enough (this is not a consensus path).
uint64_t RandomIdStart() {
  uint64_t seed = static_cast<uint64_t>(Clock::now().time_since_epoch().count());
  try {
    std::random_device rd;
    seed ^= (static_cast<uint64_t>(rd()) << 32) | rd();
  } catch (const std::exception&) {
  }
  return std::mt19937_64(seed)();
}

long RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return std::max<long>(0, static_cast<long>(left.count()));
}

// Sets a binary 32-byte CURVE key option. Throws zmq::error_t.
void SetKey(zmq::socket_t& socket, int option, const CurveKey& key) {
  if (zmq_setsockopt(socket.handle(), option, key.data(), key.size()) != 0) throw zmq::error_t();
}

Status CheckCurve() {
  if (zmq_has("curve")) return Status::Ok();
  return Error(Code::kUnavailable, "this libzmq was built without CURVE encryption");
}

// Makes `socket` a CURVE server with `id`'s X25519 secret key. Throws zmq::error_t.
void MakeCurveServer(zmq::socket_t& socket, const Identity& id) {
  socket.set(zmq::sockopt::curve_server, 1);
  SetKey(socket, ZMQ_CURVE_SECRETKEY, id.CurveSecretKey());
}

// Makes `socket` a CURVE client of `server` with a fresh key pair. Throws zmq::error_t.
// libsodium is initialized: `server` came from ToCurvePublicKey.
void MakeCurveClient(zmq::socket_t& socket, const CurveKey& server) {
  CurveKey pub, secret;
  crypto_box_keypair(pub.data(), secret.data());
  SetKey(socket, ZMQ_CURVE_SERVERKEY, server);
  SetKey(socket, ZMQ_CURVE_PUBLICKEY, pub);
  SetKey(socket, ZMQ_CURVE_SECRETKEY, secret);
  sodium_memzero(secret.data(), secret.size());
}

// The X25519 key a client needs for `server_key`, or nothing for a plain connection.
Result<std::optional<CurveKey>> ClientCurveKey(const PublicKey* server_key) {
  if (!server_key) return std::optional<CurveKey>();
  LOCONET_RETURN_IF_ERROR(CheckCurve());
  LOCONET_ASSIGN_OR_RETURN(CurveKey key, ToCurvePublicKey(*server_key));
  return std::optional<CurveKey>(key);
}

// The remote address libzmq attached to a received frame ("Peer-Address"), or "" if none.
std::string PeerAddress(zmq::message_t& frame) {
  const char* address = zmq_msg_gets(frame.handle(), "Peer-Address");
  return address ? std::string(address) : std::string();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// RouterServer

struct RouterServer::Impl {
  zmq::socket_t router;
  zmq::socket_t pub;  // no socket when there is no pub endpoint
  bool has_pub = false;
  std::string router_endpoint;
  std::string pub_endpoint;
  size_t max_request_bytes = 0;
  std::vector<zmq::message_t> frames;
};

RouterServer::RouterServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RouterServer::~RouterServer() = default;

Result<std::unique_ptr<RouterServer>> RouterServer::Bind(const std::string& router_endpoint,
                                                         const std::string& pub_endpoint,
                                                         size_t max_request_bytes,
                                                         const Identity* curve) {
  if (max_request_bytes == 0) {
    return Error(Code::kInvalidArgument, "max_request_bytes must be positive");
  }
  if (curve) LOCONET_RETURN_IF_ERROR(CheckCurve());
  auto impl = std::make_unique<Impl>();
  impl->max_request_bytes = max_request_bytes;
  size_t hard_limit = max_request_bytes > (std::numeric_limits<size_t>::max() - (1 << 20)) / 4
                          ? std::numeric_limits<size_t>::max()
                          : 4 * max_request_bytes + (1 << 20);
  try {
    impl->router = zmq::socket_t(ZmqContext(), zmq::socket_type::router);
    impl->router.set(zmq::sockopt::linger, 0);
    impl->router.set(zmq::sockopt::maxmsgsize, MaxMsgSize(hard_limit));
    // Queued messages per connection (ZeroMQ's default is 1000): a peer that sends faster than
    // requests are answered waits in TCP instead of in this process's memory.
    impl->router.set(zmq::sockopt::rcvhwm, kRouterHighWaterMark);
    impl->router.set(zmq::sockopt::sndhwm, kRouterHighWaterMark);
    if (curve) MakeCurveServer(impl->router, *curve);
    impl->router.bind(router_endpoint);
    impl->router_endpoint = impl->router.get(zmq::sockopt::last_endpoint);
  } catch (const std::exception& e) {
    return ZmqError("binding the request socket to " + router_endpoint, e);
  }
  if (!pub_endpoint.empty()) {
    try {
      impl->pub = zmq::socket_t(ZmqContext(), zmq::socket_type::pub);
      impl->pub.set(zmq::sockopt::linger, 0);
      impl->pub.set(zmq::sockopt::maxmsgsize, kPubMaxMessageBytes);
      // Messages queued per subscriber; a slower one loses the oldest kind of traffic first.
      impl->pub.set(zmq::sockopt::sndhwm, kPubHighWaterMark);
      if (curve) MakeCurveServer(impl->pub, *curve);
      impl->pub.bind(pub_endpoint);
      impl->pub_endpoint = impl->pub.get(zmq::sockopt::last_endpoint);
      impl->has_pub = true;
    } catch (const std::exception& e) {
      return ZmqError("binding the publish socket to " + pub_endpoint, e);
    }
  }
  return std::unique_ptr<RouterServer>(new RouterServer(std::move(impl)));
}

const std::string& RouterServer::router_endpoint() const { return impl_->router_endpoint; }
const std::string& RouterServer::pub_endpoint() const { return impl_->pub_endpoint; }
size_t RouterServer::max_request_bytes() const { return impl_->max_request_bytes; }

Result<bool> RouterServer::PollOnce(int timeout_ms, const Handler& handler,
                                    const OversizeHandler& oversize) {
  try {
    int ready = WaitReadable(impl_->router, timeout_ms < 0 ? -1 : timeout_ms);
    if (ready < 0) {
      return Error(Code::kUnavailable,
                   std::string("polling the request socket: ") + zmq_strerror(zmq_errno()));
    }
    if (ready == 0) return false;
    std::vector<zmq::message_t>& frames = impl_->frames;
    size_t total = RecvMultipart(impl_->router, &frames);
    if (total == 0) return false;
    if (total != 4 || frames[1].size() != 0 || frames[2].size() != kRequestIdBytes) {
      spdlog::debug("request socket: dropped a message with malformed framing ({} frames)", total);
      return true;
    }
    size_t size = frames[3].size();
    Peer peer;
    peer.connection.assign(static_cast<const char*>(frames[0].data()), frames[0].size());
    peer.address = PeerAddress(frames[3]);
    Bytes reply;
    try {
      if (size > impl_->max_request_bytes) {
        if (!oversize) {
          spdlog::debug("request socket: dropped a {}-byte request (no oversize handler)", size);
          return true;
        }
        reply = oversize(size, peer);
      } else {
        const auto* p = static_cast<const uint8_t*>(frames[3].data());
        reply = handler(Bytes(p, p + size), peer);
      }
    } catch (const std::exception& e) {
      return Error(Code::kInternal, std::string("request handler threw: ") + e.what());
    } catch (...) {
      return Error(Code::kInternal, "request handler threw a non-standard exception");
    }
    bool sent = SendMultipart(
        impl_->router, {zmq::buffer(frames[0].data(), frames[0].size()), zmq::const_buffer(),
                        zmq::buffer(frames[2].data(), frames[2].size()), zmq::buffer(reply)});
    if (!sent) spdlog::debug("request socket: reply dropped (peer not ready)");
    return true;
  } catch (const std::exception& e) {
    return ZmqError("request socket", e);
  }
}

Status RouterServer::Publish(const std::string& topic, const Bytes& payload) {
  if (!impl_->has_pub) return Error(Code::kUnavailable, "this server has no publish socket");
  try {
    if (!SendMultipart(impl_->pub, {zmq::buffer(topic), zmq::buffer(payload)})) {
      return Error(Code::kUnavailable, "publishing on " + topic + ": would block");
    }
    return Status::Ok();
  } catch (const std::exception& e) {
    return ZmqError("publishing on " + topic, e);
  }
}

// ---------------------------------------------------------------------------------------------
// DealerClient

struct DealerClient::Impl {
  std::string endpoint;
  size_t max_reply_bytes = 0;
  int backoff_ms = 100;
  uint64_t next_id = 0;
  bool stale_socket = false;  // the last request timed out: its message may still be queued
  SimulatedLink up, down;     // inactive unless set_simulated_link
  std::optional<CurveKey> server_key;  // set: CURVE-encrypted
  zmq::socket_t socket;
  std::vector<zmq::message_t> frames;

  // Closes any previous socket and opens a fresh connected one. Throws zmq::error_t.
  void Open() {
    socket.close();
    socket = zmq::socket_t(ZmqContext(), zmq::socket_type::dealer);
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::maxmsgsize, MaxMsgSize(max_reply_bytes));
    if (server_key) MakeCurveClient(socket, *server_key);
    socket.connect(endpoint);
  }
};

DealerClient::DealerClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DealerClient::~DealerClient() = default;

Result<std::unique_ptr<DealerClient>> DealerClient::Connect(const std::string& endpoint,
                                                            size_t max_reply_bytes,
                                                            const PublicKey* server_key) {
  auto impl = std::make_unique<Impl>();
  impl->endpoint = endpoint;
  impl->max_reply_bytes = max_reply_bytes;
  LOCONET_ASSIGN_OR_RETURN(impl->server_key, ClientCurveKey(server_key));
  impl->next_id = RandomIdStart();
  try {
    impl->Open();
  } catch (const std::exception& e) {
    return ZmqError("connecting to " + endpoint, e);
  }
  return std::unique_ptr<DealerClient>(new DealerClient(std::move(impl)));
}

void DealerClient::set_simulated_link(int delay_ms, double mbit) {
  impl_->up = SimulatedLink(delay_ms, mbit);
  impl_->down = SimulatedLink(delay_ms, mbit);
}

void DealerClient::set_backoff_ms(int backoff_ms) {
  impl_->backoff_ms = std::clamp(backoff_ms, 0, kMaxBackoffMs);
}
const std::string& DealerClient::endpoint() const { return impl_->endpoint; }

Result<Bytes> DealerClient::Request(const Bytes& payload, int timeout_ms, int attempts) {
  if (timeout_ms < 1 || attempts < 1) {
    return Error(Code::kInvalidArgument,
                 "request to " + impl_->endpoint + ": timeout_ms and attempts must be at least 1");
  }
  int backoff_ms = impl_->backoff_ms;
  if (impl_->up.active()) {
    std::this_thread::sleep_until(impl_->up.Arrival(Clock::now(), payload.size()));
  }
  for (int attempt = 0; attempt < attempts; ++attempt) {
    try {
      if (attempt > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
        backoff_ms = std::min(kMaxBackoffMs, backoff_ms * 2);
      }
      if (attempt > 0 || impl_->stale_socket) {
        impl_->stale_socket = true;  // stays set if Open fails, so the next call retries it
        impl_->Open();
        impl_->stale_socket = false;
      }
      uint64_t id = impl_->next_id++;
      auto id_bytes = StoreId(id);
      auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
      if (!SendMultipart(impl_->socket,
                         {zmq::const_buffer(), zmq::buffer(id_bytes), zmq::buffer(payload)})) {
        spdlog::debug("request to {}: send would block (attempt {})", impl_->endpoint, attempt + 1);
        std::this_thread::sleep_until(deadline);
        impl_->stale_socket = true;
        continue;
      }
      while (true) {
        long left = RemainingMs(deadline);
        if (left <= 0) break;
        int ready = WaitReadable(impl_->socket, left);
        if (ready < 0) {
          return Error(Code::kUnavailable,
                       "request to " + impl_->endpoint + ": " + zmq_strerror(zmq_errno()));
        }
        if (ready == 0) continue;
        std::vector<zmq::message_t>& frames = impl_->frames;
        size_t total = RecvMultipart(impl_->socket, &frames);
        if (total == 0) continue;
        if (total != 3 || frames[0].size() != 0 || frames[1].size() != kRequestIdBytes) {
          spdlog::debug("reply from {}: dropped malformed framing ({} frames)", impl_->endpoint,
                        total);
          continue;
        }
        if (LoadId(frames[1]) != id) {
          spdlog::debug("reply from {}: dropped a stale reply", impl_->endpoint);
          continue;
        }
        const auto* p = static_cast<const uint8_t*>(frames[2].data());
        if (impl_->down.active()) {
          std::this_thread::sleep_until(impl_->down.Arrival(Clock::now(), frames[2].size()));
        }
        return Bytes(p, p + frames[2].size());
      }
      impl_->stale_socket = true;
      spdlog::debug("request to {}: no reply within {} ms (attempt {} of {})", impl_->endpoint,
                    timeout_ms, attempt + 1, attempts);
    } catch (const std::exception& e) {
      return ZmqError("request to " + impl_->endpoint, e);
    }
  }
  return Error(Code::kTimeout,
               "no reply from " + impl_->endpoint + " after " + std::to_string(attempts) +
                   " attempts of " + std::to_string(timeout_ms) + " ms" +
                   (impl_->server_key ? " (encrypted: is the server up, and is its key the one "
                                        "configured here?)"
                                      : ""));
}

// ---------------------------------------------------------------------------------------------
// Subscriber

struct Subscriber::Impl {
  std::string endpoint;
  std::vector<std::string> topics;
  zmq::socket_t socket;
  std::vector<zmq::message_t> frames;
  struct InFlight {
    Clock::time_point arrives;
    std::string topic;
    Bytes payload;
  };
  SimulatedLink link;              // inactive unless set_simulated_link
  std::deque<InFlight> in_flight;  // received, not yet arrived over the simulated link
};

Subscriber::Subscriber(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Subscriber::~Subscriber() = default;

Result<std::unique_ptr<Subscriber>> Subscriber::Connect(const std::string& pub_endpoint,
                                                        const std::vector<std::string>& topics,
                                                        size_t max_message_bytes,
                                                        const PublicKey* server_key) {
  auto impl = std::make_unique<Impl>();
  impl->endpoint = pub_endpoint;
  impl->topics = topics;
  LOCONET_ASSIGN_OR_RETURN(std::optional<CurveKey> curve, ClientCurveKey(server_key));
  try {
    impl->socket = zmq::socket_t(ZmqContext(), zmq::socket_type::sub);
    impl->socket.set(zmq::sockopt::linger, 0);
    impl->socket.set(zmq::sockopt::maxmsgsize, MaxMsgSize(max_message_bytes));
    if (curve) MakeCurveClient(impl->socket, *curve);
    if (topics.empty()) {
      impl->socket.set(zmq::sockopt::subscribe, "");
    } else {
      for (const std::string& t : topics) impl->socket.set(zmq::sockopt::subscribe, t);
    }
    impl->socket.connect(pub_endpoint);
  } catch (const std::exception& e) {
    return ZmqError("subscribing to " + pub_endpoint, e);
  }
  return std::unique_ptr<Subscriber>(new Subscriber(std::move(impl)));
}

void Subscriber::set_simulated_link(int delay_ms, double mbit) {
  impl_->link = SimulatedLink(delay_ms, mbit);
}

Result<bool> Subscriber::Receive(int timeout_ms, std::string* topic, Bytes* payload) {
  if (!impl_->link.active()) return ReceiveNow(timeout_ms, topic, payload);
  const auto deadline = Clock::now() + std::chrono::milliseconds(std::max(0, timeout_ms));
  while (true) {
    // Everything received so far enters the link now.
    std::string t;
    Bytes p;
    while (true) {
      LOCONET_ASSIGN_OR_RETURN(bool got, ReceiveNow(0, &t, &p));
      if (!got) break;
      const auto arrives = impl_->link.Arrival(Clock::now(), t.size() + p.size());
      impl_->in_flight.push_back({arrives, std::move(t), std::move(p)});
    }
    auto& q = impl_->in_flight;
    if (!q.empty() && q.front().arrives <= Clock::now()) {
      *topic = std::move(q.front().topic);
      *payload = std::move(q.front().payload);
      q.pop_front();
      return true;
    }
    if (timeout_ms >= 0 && Clock::now() >= deadline) return false;
    // Wait for the next arrival or a new message, whichever comes first.
    auto until = timeout_ms < 0 ? Clock::now() + std::chrono::seconds(1) : deadline;
    if (!q.empty()) until = std::min(until, q.front().arrives);
    LOCONET_ASSIGN_OR_RETURN(bool got, ReceiveNow(static_cast<int>(std::max<long>(0, RemainingMs(until))), &t, &p));
    if (got) {
      const auto arrives = impl_->link.Arrival(Clock::now(), t.size() + p.size());
      q.push_back({arrives, std::move(t), std::move(p)});
    }
  }
}

Result<bool> Subscriber::ReceiveNow(int timeout_ms, std::string* topic, Bytes* payload) {
  try {
    auto deadline = Clock::now() + std::chrono::milliseconds(std::max(0, timeout_ms));
    while (true) {
      long wait = timeout_ms < 0 ? -1 : RemainingMs(deadline);
      int ready = WaitReadable(impl_->socket, wait);
      if (ready < 0) {
        return Error(Code::kUnavailable,
                     "subscription to " + impl_->endpoint + ": " + zmq_strerror(zmq_errno()));
      }
      if (ready == 0) {
        if (timeout_ms < 0) return false;  // interrupted by a signal
        if (RemainingMs(deadline) <= 0) return false;
        continue;
      }
      std::vector<zmq::message_t>& frames = impl_->frames;
      size_t total = RecvMultipart(impl_->socket, &frames);
      if (total == 0) continue;
      if (total != 2) {
        spdlog::debug("subscription to {}: dropped a message of {} frames", impl_->endpoint, total);
        continue;
      }
      std::string t(static_cast<const char*>(frames[0].data()), frames[0].size());
      if (!impl_->topics.empty() &&
          std::find(impl_->topics.begin(), impl_->topics.end(), t) == impl_->topics.end()) {
        continue;  // a longer topic that shares a subscribed prefix
      }
      const auto* p = static_cast<const uint8_t*>(frames[1].data());
      *topic = std::move(t);
      payload->assign(p, p + frames[1].size());
      return true;
    }
  } catch (const std::exception& e) {
    return ZmqError("subscription to " + impl_->endpoint, e);
  }
}

}  // namespace loconet::sync
