// ZeroMQ transport (docs/protocol.md "Sockets"): a validator binds a RouterServer (ROUTER for
// requests, PUB for broadcasts); a miner uses a DealerClient per validator and a Subscriber.
//
// Framing. A DEALER sends [empty][8-byte request id][payload]; the ROUTER receives
// [identity][empty][id][payload] and answers [identity][empty][id][reply]. The id lets a client
// drop a stale reply to an earlier attempt. PUB messages are [topic][payload].
//
// The transport moves opaque bytes: payloads are signed envelopes (sync/envelope.h), opened by
// the layer above. Nothing here throws: ZeroMQ errors become a Status, malformed framing from a
// peer is dropped (logged at debug). Every socket has ZMQ_LINGER 0, so destroying an object
// never blocks on unsent messages, and a ZMQ_MAXMSGSIZE limit, so a peer that sends a huge frame
// is disconnected by libzmq instead of being buffered.
//
// Encryption: ZeroMQ CURVE (docs/protocol.md "Encryption"). A server bound with an Identity
// encrypts both its sockets with the X25519 form of that identity's key; a client connects with
// the server's ed25519 public key and a fresh X25519 key pair of its own, so its traffic can be
// read by that server alone and a server without the matching secret key never completes the
// handshake (requests then time out). Clients are not authenticated at this layer: every request
// is a signed envelope. Without a key, sockets are plain TCP (debugging, old peers).
//
// Threads: each RouterServer, DealerClient and Subscriber is single-threaded: one thread at a
// time may call it. Handing an object to another thread is allowed when the hand-over
// synchronizes (a thread start or join, a mutex), as libzmq requires. Different objects may be
// used on different threads at once. ZeroMQ types stay behind the pimpl; only ZmqContext() names
// one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/keys.h"
#include "core/status.h"
#include "sync/simulated_link.h"

namespace zmq {
class context_t;
}  // namespace zmq

namespace loconet::sync {

// The process-wide ZeroMQ context shared by every socket here. Thread-safe. Created on first use
// and intentionally never destroyed (terminating a context blocks while any socket is open).
zmq::context_t& ZmqContext();

// Default limit for replies and published messages accepted by clients.
inline constexpr size_t kDefaultMaxMessageBytes = size_t{256} << 20;

// PUB topics (docs/protocol.md).
inline constexpr char kTopicAnnounce[] = "announce";  // signed RoundAnnouncement envelopes
inline constexpr char kTopicModel[] = "model";        // signed ModelUpdate envelopes
inline constexpr char kTopicLedger[] = "ledger";      // signed LedgerRecords envelopes

// Who sent a request. `connection` is the ROUTER's routing id of the peer's connection: unique
// among live connections (libzmq refuses a second connection that claims an id in use) and
// stable while the connection lasts, so it keys per-connection limits. `address` is the remote
// IP address as libzmq reports it ("127.0.0.1"; empty where the transport has none), for logs.
struct Peer {
  std::string connection;
  std::string address;
};

// A validator's sockets: a bound ROUTER that answers requests one at a time and a bound PUB.
class RouterServer {
 public:
  // Returns the bytes to send back for one request payload (at most max_request_bytes).
  using Handler = std::function<Bytes(const Bytes& request, const Peer& peer)>;
  // Returns the reply for a request whose payload of `size` bytes exceeds max_request_bytes.
  using OversizeHandler = std::function<Bytes(size_t size, const Peer& peer)>;

  // Binds the ROUTER to router_endpoint and the PUB to pub_endpoint (e.g. "tcp://127.0.0.1:0",
  // where port 0 picks a free port; an empty pub_endpoint means no PUB socket). Requests whose
  // payload exceeds max_request_bytes go to the oversize handler; any frame over
  // 4 * max_request_bytes + 1 MiB makes libzmq drop the connection. With `curve`, both sockets
  // accept CURVE-encrypted connections only, keyed by that identity. Fails with kUnavailable if
  // an endpoint cannot be bound (malformed, in use) or libzmq lacks CURVE, kInvalidArgument if
  // max_request_bytes is 0.
  static Result<std::unique_ptr<RouterServer>> Bind(const std::string& router_endpoint,
                                                    const std::string& pub_endpoint,
                                                    size_t max_request_bytes,
                                                    const Identity* curve = nullptr);
  ~RouterServer();
  RouterServer(const RouterServer&) = delete;
  RouterServer& operator=(const RouterServer&) = delete;

  // The endpoints actually bound (ZMQ_LAST_ENDPOINT), with the real port: "tcp://127.0.0.1:41234".
  const std::string& router_endpoint() const;
  const std::string& pub_endpoint() const;  // empty if there is no PUB socket
  size_t max_request_bytes() const;

  // Waits up to timeout_ms (negative: no limit) for one message on the ROUTER. Returns false if
  // none came (or the wait was interrupted by a signal), true if one was consumed: answered
  // with handler(payload, peer), answered with oversize(size, peer) if the payload exceeds
  // max_request_bytes (then `handler` never sees it), or dropped because its framing was
  // malformed. A reply to a peer that has gone away is dropped by ZeroMQ. Errors: kInternal if a
  // handler throws (the request is left unanswered), kUnavailable for a ZeroMQ failure.
  Result<bool> PollOnce(int timeout_ms, const Handler& handler, const OversizeHandler& oversize);

  // Publishes [topic][payload] to every current subscriber of `topic`. Never blocks: a
  // subscriber that is too slow loses messages (ZeroMQ's high-water mark). kUnavailable if there
  // is no PUB socket or ZeroMQ fails.
  Status Publish(const std::string& topic, const Bytes& payload);

 private:
  struct Impl;
  explicit RouterServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A client of one RouterServer: one request at a time, with timeouts and retries.
class DealerClient {
 public:
  // Creates a DEALER connected to `endpoint`. Connecting is asynchronous: this succeeds even if
  // no server listens yet; it fails (kUnavailable) only for an endpoint ZeroMQ cannot use.
  // Replies with a frame over max_reply_bytes make libzmq drop the connection (the request
  // then times out). With `server_key`, the connection is CURVE-encrypted to the server holding
  // that key (kInvalidArgument if it is not a valid key, kUnavailable if libzmq lacks CURVE).
  static Result<std::unique_ptr<DealerClient>> Connect(
      const std::string& endpoint, size_t max_reply_bytes = kDefaultMaxMessageBytes,
      const PublicKey* server_key = nullptr);
  ~DealerClient();
  DealerClient(const DealerClient&) = delete;
  DealerClient& operator=(const DealerClient&) = delete;

  // Sends `payload` and returns the reply. Each attempt sends with a new request id and waits
  // up to timeout_ms; a reply whose id is not the current one is stale and dropped. Between
  // attempts the socket is closed and reopened (so nothing queued for a dead server is resent)
  // after a pause of backoff_ms, doubling each time (capped at 10 s). After `attempts` failed
  // attempts: kTimeout naming the endpoint, and the next Request starts on a fresh socket too.
  // timeout_ms and attempts must be >= 1 (kInvalidArgument). Retries resend the same payload:
  // the server may see it more than once.
  Result<Bytes> Request(const Bytes& payload, int timeout_ms, int attempts = 3);

  // The first pause between attempts (default 100 ms, clamped to [0, 10000]).
  void set_backoff_ms(int backoff_ms);
  // Emulates a slower link (sync/simulated_link.h): each request waits its time on the link
  // before it is sent, each reply after it is received (not counted in timeout_ms).
  void set_simulated_link(int delay_ms, double mbit);
  const std::string& endpoint() const;

 private:
  struct Impl;
  explicit DealerClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A SUB socket connected to one PUB endpoint.
class Subscriber {
 public:
  // Subscribes to exactly these topics (ZeroMQ filters by prefix; Receive also drops messages
  // whose topic is not one of them); an empty list receives every topic. Messages with a frame
  // over max_message_bytes make libzmq drop the connection (it reconnects by itself).
  // `server_key` as for DealerClient. kUnavailable for an endpoint ZeroMQ cannot use.
  static Result<std::unique_ptr<Subscriber>> Connect(
      const std::string& pub_endpoint, const std::vector<std::string>& topics,
      size_t max_message_bytes = kDefaultMaxMessageBytes, const PublicKey* server_key = nullptr);
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  // Waits up to timeout_ms (negative: no limit) for one well-formed [topic][payload] message.
  // Returns true and fills *topic and *payload, or false on timeout (or a signal). Malformed
  // messages are dropped and waiting continues. kUnavailable for a ZeroMQ failure.
  Result<bool> Receive(int timeout_ms, std::string* topic, Bytes* payload);
  // Emulates a slower link (sync/simulated_link.h): a message is returned only once it would
  // have arrived over it, in order.
  void set_simulated_link(int delay_ms, double mbit);

 private:
  Result<bool> ReceiveNow(int timeout_ms, std::string* topic, Bytes* payload);
  struct Impl;
  explicit Subscriber(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace loconet::sync
