#include "sync/transport.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "core/keys.h"

using namespace loconet;
using namespace loconet::sync;

namespace {

constexpr char kLocal[] = "tcp://127.0.0.1:0";

Bytes ToBytes(const std::string& s) { return Bytes(s.begin(), s.end()); }
std::string ToString(const Bytes& b) { return std::string(b.begin(), b.end()); }

std::unique_ptr<RouterServer> BindLocal(size_t max_request_bytes = 1 << 20) {
  auto server = RouterServer::Bind(kLocal, kLocal, max_request_bytes);
  REQUIRE(server.ok());
  return std::move(server).value();
}

// Runs a server's PollOnce loop on its own thread until destroyed.
class ServerThread {
 public:
  ServerThread(RouterServer* server, RouterServer::Handler handler,
               RouterServer::OversizeHandler oversize = nullptr)
      : thread_([this, server, handler, oversize] {
          while (!stop_) {
            auto r = server->PollOnce(10, handler, oversize);
            if (!r.ok()) ++errors_;
          }
        }) {}
  ~ServerThread() {
    stop_ = true;
    thread_.join();
  }
  int errors() const { return errors_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> errors_{0};
  std::thread thread_;
};

}  // namespace

TEST_CASE("binding to port 0 reports the real endpoints", "[sync][net]") {
  auto server = BindLocal();
  CHECK(server->router_endpoint().rfind("tcp://127.0.0.1:", 0) == 0);
  CHECK(server->router_endpoint() != kLocal);
  CHECK(server->pub_endpoint() != kLocal);
  CHECK(server->pub_endpoint() != server->router_endpoint());
}

TEST_CASE("binding a malformed or busy endpoint fails with unavailable", "[sync][net]") {
  CHECK(RouterServer::Bind("nonsense", "", 100).status().code() == Code::kUnavailable);
  auto server = BindLocal();
  auto again = RouterServer::Bind(server->router_endpoint(), "", 100);
  CHECK(again.status().code() == Code::kUnavailable);
}

TEST_CASE("requests get their replies through a router and a dealer", "[sync][net]") {
  auto server = BindLocal();
  std::atomic<int> handled{0};
  ServerThread thread(server.get(), [&](const Bytes& req, const Peer&) {
    ++handled;
    return ToBytes("echo:" + ToString(req));
  });
  auto client = DealerClient::Connect(server->router_endpoint());
  REQUIRE(client.ok());
  for (int i = 0; i < 20; ++i) {
    auto reply = (*client)->Request(ToBytes("hello " + std::to_string(i)), 2000);
    REQUIRE(reply.ok());
    CHECK(ToString(*reply) == "echo:hello " + std::to_string(i));
  }
  CHECK(handled == 20);
  CHECK(thread.errors() == 0);
}

TEST_CASE("the handler learns which connection each request came on", "[sync][net]") {
  auto server = BindLocal();
  std::mutex mu;
  std::vector<Peer> peers;
  ServerThread thread(server.get(), [&](const Bytes& req, const Peer& peer) {
    std::lock_guard<std::mutex> lock(mu);
    peers.push_back(peer);
    return req;
  });
  auto a = DealerClient::Connect(server->router_endpoint());
  auto b = DealerClient::Connect(server->router_endpoint());
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  for (auto* client : {a->get(), b->get(), a->get()}) {
    REQUIRE(client->Request(ToBytes("hi"), 2000).ok());
  }
  std::lock_guard<std::mutex> lock(mu);
  REQUIRE(peers.size() == 3);
  CHECK_FALSE(peers[0].connection.empty());
  CHECK(peers[0].connection == peers[2].connection);  // same connection, same id
  CHECK(peers[0].connection != peers[1].connection);  // another client, another id
  for (const Peer& p : peers) CHECK(p.address == "127.0.0.1");
}

TEST_CASE("a request with no server times out quickly, naming the endpoint", "[sync][net]") {
  std::string endpoint;
  {
    auto gone = BindLocal();
    endpoint = gone->router_endpoint();
  }
  auto client = DealerClient::Connect(endpoint);
  REQUIRE(client.ok());
  (*client)->set_backoff_ms(10);
  auto start = std::chrono::steady_clock::now();
  auto reply = (*client)->Request(ToBytes("anyone?"), 50, 3);
  auto elapsed = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(reply.ok());
  CHECK(reply.status().code() == Code::kTimeout);
  CHECK(reply.status().message().find(endpoint) != std::string::npos);
  CHECK(elapsed >= std::chrono::milliseconds(150));
  CHECK(elapsed < std::chrono::milliseconds(2000));
}

TEST_CASE("a slow server's late reply to the first attempt is not taken for the retry's",
          "[sync][net]") {
  auto server = BindLocal();
  std::atomic<int> calls{0};
  ServerThread thread(server.get(), [&](const Bytes& req, const Peer&) {
    int n = ++calls;
    if (n == 1) std::this_thread::sleep_for(std::chrono::milliseconds(400));
    return ToBytes("reply " + std::to_string(n) + " to " + ToString(req));
  });
  auto client = DealerClient::Connect(server->router_endpoint());
  REQUIRE(client.ok());
  (*client)->set_backoff_ms(10);
  auto reply = (*client)->Request(ToBytes("x"), 300, 4);
  REQUIRE(reply.ok());
  CHECK(ToString(*reply) == "reply 2 to x");
  CHECK(calls == 2);
}

TEST_CASE("a reply with a stale request id or bad framing is dropped", "[sync][net]") {
  // A hand-written server that answers on the same connection: first garbage, then a reply
  // with the wrong id, then the right one.
  zmq::socket_t router(ZmqContext(), zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  router.bind(kLocal);
  std::string endpoint = router.get(zmq::sockopt::last_endpoint);
  std::thread server([&router] {
    std::vector<zmq::message_t> frames;
    zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::milliseconds(3000)) <= 0) return;
    while (true) {
      zmq::message_t m;
      if (!router.recv(m, zmq::recv_flags::dontwait)) break;
      bool more = m.more();
      frames.push_back(std::move(m));
      if (!more) break;
    }
    if (frames.size() != 4) return;
    std::string id = frames[2].to_string();
    std::string wrong_id = id;
    wrong_id[0] = static_cast<char>(wrong_id[0] ^ 1);
    auto send = [&router](const std::vector<std::string>& parts) {
      for (size_t i = 0; i < parts.size(); ++i) {
        router.send(zmq::buffer(parts[i]),
                    i + 1 < parts.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
      }
    };
    std::string identity = frames[0].to_string();
    send({identity, "garbage"});
    send({identity, "", wrong_id, "stale"});
    send({identity, "", id, "fresh"});
  });
  auto client = DealerClient::Connect(endpoint);
  REQUIRE(client.ok());
  auto reply = (*client)->Request(ToBytes("q"), 2000, 1);
  server.join();
  REQUIRE(reply.ok());
  CHECK(ToString(*reply) == "fresh");
}

TEST_CASE("an oversize request is answered by the oversize handler and serving goes on",
          "[sync][net]") {
  auto server = BindLocal(1000);
  std::atomic<int> handled{0};
  ServerThread thread(
      server.get(),
      [&](const Bytes& req, const Peer&) {
        ++handled;
        return ToBytes("ok " + std::to_string(req.size()));
      },
      [](size_t size, const Peer&) { return ToBytes("too large: " + std::to_string(size)); });
  auto client = DealerClient::Connect(server->router_endpoint());
  REQUIRE(client.ok());
  auto big = (*client)->Request(Bytes(5000, 7), 2000);
  REQUIRE(big.ok());
  CHECK(ToString(*big) == "too large: 5000");
  auto normal = (*client)->Request(Bytes(1000, 7), 2000);
  REQUIRE(normal.ok());
  CHECK(ToString(*normal) == "ok 1000");
  CHECK(handled == 1);

  // A frame over the hard limit (4 * 1000 + 1 MiB) makes libzmq drop the connection: no reply.
  auto huge = (*client)->Request(Bytes(3 << 20, 7), 300, 1);
  CHECK(huge.status().code() == Code::kTimeout);
  auto after = DealerClient::Connect(server->router_endpoint());
  REQUIRE(after.ok());
  auto again = (*after)->Request(ToBytes("still there?"), 2000);
  REQUIRE(again.ok());
  CHECK(ToString(*again) == "ok 12");
  CHECK(thread.errors() == 0);
}

TEST_CASE("a request with malformed framing is dropped without reaching the handler",
          "[sync][net]") {
  auto server = BindLocal();
  zmq::socket_t raw(ZmqContext(), zmq::socket_type::dealer);
  raw.set(zmq::sockopt::linger, 0);
  raw.connect(server->router_endpoint());
  raw.send(zmq::str_buffer("no empty delimiter"), zmq::send_flags::none);
  int handled = 0;
  auto handler = [&](const Bytes&, const Peer&) {
    ++handled;
    return Bytes();
  };
  bool got = false;
  for (int i = 0; i < 100 && !got; ++i) {
    auto r = server->PollOnce(20, handler, nullptr);
    REQUIRE(r.ok());
    got = *r;
  }
  CHECK(got);
  CHECK(handled == 0);
}

TEST_CASE("a subscriber receives published messages of its topics only", "[sync][net]") {
  auto server = BindLocal();
  auto sub = Subscriber::Connect(server->pub_endpoint(), {kTopicAnnounce});
  REQUIRE(sub.ok());
  std::string topic;
  Bytes payload;
  bool received = false;
  // PUB drops messages until the subscription has reached it: publish until one arrives.
  for (int i = 0; i < 200 && !received; ++i) {
    REQUIRE(server->Publish(kTopicModel, ToBytes("not for you")).ok());
    REQUIRE(server->Publish("announcement", ToBytes("prefix only")).ok());
    REQUIRE(server->Publish(kTopicAnnounce, ToBytes("round 1")).ok());
    auto r = (*sub)->Receive(20, &topic, &payload);
    REQUIRE(r.ok());
    received = *r;
  }
  REQUIRE(received);
  CHECK(topic == kTopicAnnounce);
  CHECK(ToString(payload) == "round 1");
  auto r = (*sub)->Receive(10, &topic, &payload);
  REQUIRE(r.ok());
  if (*r) CHECK(topic == kTopicAnnounce);
}

TEST_CASE("a subscriber times out when nothing is published", "[sync][net]") {
  auto server = BindLocal();
  auto sub = Subscriber::Connect(server->pub_endpoint(), {kTopicLedger});
  REQUIRE(sub.ok());
  std::string topic;
  Bytes payload;
  auto r = (*sub)->Receive(50, &topic, &payload);
  REQUIRE(r.ok());
  CHECK_FALSE(*r);
}

TEST_CASE("publishing without a pub socket fails with unavailable", "[sync][net]") {
  auto server = RouterServer::Bind(kLocal, "", 100);
  REQUIRE(server.ok());
  CHECK((*server)->Publish(kTopicModel, {1}).code() == Code::kUnavailable);
}

// --- Encryption (CURVE) ------------------------------------------------------------------------

TEST_CASE("an encrypted server answers a client that knows its key, and publishes to it",
          "[sync][net]") {
  Identity server_id = Identity::Generate();
  auto server = RouterServer::Bind(kLocal, kLocal, 1 << 20, &server_id);
  REQUIRE(server.ok());
  ServerThread thread(server->get(), [&](const Bytes& req, const Peer&) {
    return ToBytes("echo:" + ToString(req));
  });
  const PublicKey key = server_id.public_key();
  auto client = DealerClient::Connect((*server)->router_endpoint(), kDefaultMaxMessageBytes, &key);
  REQUIRE(client.ok());
  for (int i = 0; i < 5; ++i) {
    auto reply = (*client)->Request(ToBytes("secret " + std::to_string(i)), 2000);
    REQUIRE(reply.ok());
    CHECK(ToString(*reply) == "echo:secret " + std::to_string(i));
  }
  // A request much larger than one CURVE frame.
  Bytes big(600000);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 31);
  auto reply = (*client)->Request(big, 5000);
  REQUIRE(reply.ok());
  CHECK(reply->size() == big.size() + 5);
  CHECK(std::equal(big.begin(), big.end(), reply->begin() + 5));
}

TEST_CASE("an encrypted publisher reaches subscribers that know its key", "[sync][net]") {
  Identity server_id = Identity::Generate();
  auto server = RouterServer::Bind(kLocal, kLocal, 1 << 20, &server_id);
  REQUIRE(server.ok());
  const PublicKey key = server_id.public_key();
  auto sub =
      Subscriber::Connect((*server)->pub_endpoint(), {kTopicModel}, kDefaultMaxMessageBytes, &key);
  REQUIRE(sub.ok());
  std::string topic;
  Bytes payload;
  bool received = false;
  for (int i = 0; i < 200 && !received; ++i) {
    REQUIRE((*server)->Publish(kTopicModel, ToBytes("model 7")).ok());
    auto r = (*sub)->Receive(20, &topic, &payload);
    REQUIRE(r.ok());
    received = *r;
  }
  REQUIRE(received);
  CHECK(ToString(payload) == "model 7");
}

TEST_CASE("an encrypted server is unreachable with the wrong key or without encryption",
          "[sync][net]") {
  Identity server_id = Identity::Generate();
  auto server = RouterServer::Bind(kLocal, kLocal, 1 << 20, &server_id);
  REQUIRE(server.ok());
  std::atomic<int> handled{0};
  ServerThread thread(server->get(), [&](const Bytes& req, const Peer&) {
    ++handled;
    return req;
  });
  const PublicKey wrong = Identity::Generate().public_key();
  auto impostor =
      DealerClient::Connect((*server)->router_endpoint(), kDefaultMaxMessageBytes, &wrong);
  REQUIRE(impostor.ok());
  auto r = (*impostor)->Request(ToBytes("hello"), 300, 1);
  CHECK(r.status().code() == Code::kTimeout);
  CHECK(r.status().message().find("encrypted") != std::string::npos);
  auto plain = DealerClient::Connect((*server)->router_endpoint());
  REQUIRE(plain.ok());
  CHECK((*plain)->Request(ToBytes("hello"), 300, 1).status().code() == Code::kTimeout);
  // A subscriber with the wrong key hears nothing.
  auto sub = Subscriber::Connect((*server)->pub_endpoint(), {}, kDefaultMaxMessageBytes, &wrong);
  REQUIRE(sub.ok());
  std::string topic;
  Bytes payload;
  bool received = false;
  for (int i = 0; i < 10 && !received; ++i) {
    REQUIRE((*server)->Publish(kTopicModel, ToBytes("x")).ok());
    auto got = (*sub)->Receive(30, &topic, &payload);
    REQUIRE(got.ok());
    received = *got;
  }
  CHECK_FALSE(received);
  CHECK(handled == 0);
}

TEST_CASE("a server key that is not a valid ed25519 key is refused at connect", "[sync]") {
  PublicKey bad;
  bad.bytes[0] = 1;  // the neutral point
  CHECK(DealerClient::Connect("tcp://127.0.0.1:1", kDefaultMaxMessageBytes, &bad).status().code() ==
        Code::kInvalidArgument);
  CHECK(
      Subscriber::Connect("tcp://127.0.0.1:1", {}, kDefaultMaxMessageBytes, &bad).status().code() ==
      Code::kInvalidArgument);
}

TEST_CASE("a simulated link delays requests and replies and published messages", "[sync][net]") {
  using Clock = std::chrono::steady_clock;
  auto ms_since = [](Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  };
  SECTION("the link's own arithmetic: serialization in order, then the delay") {
    SimulatedLink link(50, 8);  // 8 Mbit/s: 1 MB takes 1 s
    const auto t0 = Clock::now();
    const auto a = link.Arrival(t0, 100000);  // 0.1 s on the wire
    const auto b = link.Arrival(t0, 100000);  // queued behind it
    CHECK(std::chrono::duration<double, std::milli>(a - t0).count() == Approx(150).margin(1e-6));
    CHECK(std::chrono::duration<double, std::milli>(b - t0).count() == Approx(250).margin(1e-6));
    CHECK_FALSE(SimulatedLink().active());
    CHECK(SimulatedLink(0, 100).active());
  }
  SECTION("a request and its reply each take the delay") {
    auto server = BindLocal();
    ServerThread thread(server.get(), [](const Bytes& req, const Peer&) { return req; });
    auto client = DealerClient::Connect(server->router_endpoint());
    REQUIRE(client.ok());
    REQUIRE((*client)->Request(ToBytes("warm"), 2000).ok());
    (*client)->set_simulated_link(60, 0);
    const auto t0 = Clock::now();
    auto reply = (*client)->Request(ToBytes("ping"), 2000);
    REQUIRE(reply.ok());
    CHECK(ToString(*reply) == "ping");
    CHECK(ms_since(t0) >= 120);
  }
  SECTION("a published message arrives after the delay, and in order") {
    auto server = BindLocal();
    auto sub = Subscriber::Connect(server->pub_endpoint(), {kTopicModel});
    REQUIRE(sub.ok());
    std::string topic;
    Bytes payload;
    bool received = false;
    for (int i = 0; i < 200 && !received; ++i) {  // until the subscription is up
      REQUIRE(server->Publish(kTopicModel, ToBytes("warm")).ok());
      auto r = (*sub)->Receive(20, &topic, &payload);
      REQUIRE(r.ok());
      received = *r;
    }
    REQUIRE(received);
    while (*(*sub)->Receive(50, &topic, &payload)) {
    }
    (*sub)->set_simulated_link(100, 0);
    REQUIRE(server->Publish(kTopicModel, ToBytes("first")).ok());
    REQUIRE(server->Publish(kTopicModel, ToBytes("second")).ok());
    const auto t0 = Clock::now();
    auto early = (*sub)->Receive(30, &topic, &payload);
    REQUIRE(early.ok());
    CHECK_FALSE(*early);  // still on the link
    auto r = (*sub)->Receive(1000, &topic, &payload);
    REQUIRE(r.ok());
    REQUIRE(*r);
    CHECK(ToString(payload) == "first");
    CHECK(ms_since(t0) >= 90);
    r = (*sub)->Receive(1000, &topic, &payload);
    REQUIRE(r.ok());
    REQUIRE(*r);
    CHECK(ToString(payload) == "second");
  }
}
