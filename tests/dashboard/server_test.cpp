// The dashboard server over HTTP on 127.0.0.1: the JSON API, bad requests, the page and its
// security headers, a live ledger, and a ledger that is not there yet.
#include "dashboard/server.h"

#include <httplib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "dashboard/views.h"
#include "ledger/store.h"
#include "tests/dashboard/fixture.h"
#include "tests/temp_dir.h"

using namespace loconet;
using namespace loconet::dashboard::testing;
using loconet::testing::TempDir;
using nlohmann::json;

namespace {

std::unique_ptr<dashboard::Dashboard> Serve(const std::string& db, double refresh_seconds = 0) {
  dashboard::DashboardOptions o;
  o.db_dir = db;
  o.port = 0;
  o.refresh_seconds = refresh_seconds;
  o.plots.js = "/* uPlot stand-in for the server test */";
  o.plots.css = "/* css */";
  auto d = dashboard::Dashboard::Start(o);
  REQUIRE(d.ok());
  return std::move(d).value();
}

struct Reply {
  int status = 0;
  std::string body;
  httplib::Headers headers;
};

Reply Get(const dashboard::Dashboard& d, const std::string& path) {
  httplib::Client client("127.0.0.1", d.port());
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  auto res = client.Get(path);
  REQUIRE(res);
  return Reply{res->status, res->body, res->headers};
}

json GetJson(const dashboard::Dashboard& d, const std::string& path, int want_status = 200) {
  Reply r = Get(d, path);
  INFO(path << ": " << r.body);
  CHECK(r.status == want_status);
  json j = json::parse(r.body, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

}  // namespace

TEST_CASE("every API route answers with the views of the ledger", "[dashboard]") {
  TempDir dir;
  WriteDashboardLedger(dir / "db");
  auto board = Serve(dir / "db");
  auto store = LedgerStore::Open(dir / "db", true);
  REQUIRE(store.ok());
  auto views = dashboard::BuildViews(**store);
  REQUIRE(views.ok());
  CHECK(GetJson(*board, "/api/miners") == views->miners);
  CHECK(GetJson(*board, "/api/rounds") == views->rounds);
  CHECK(GetJson(*board, "/api/validators") == views->validators);
  CHECK(GetJson(*board, "/api/miners/" + Miner(2).Hex()) == views->miner_pages.at(Miner(2)));
  json status = GetJson(*board, "/api/status");
  CHECK(status["available"] == true);
  CHECK(status["verified"] == true);
  CHECK(status["fingerprint"] == views->status["fingerprint"]);
  CHECK(status["plots"].is_null());
}

TEST_CASE("a malformed or unknown miner key and an unknown path get JSON errors", "[dashboard]") {
  TempDir dir;
  WriteDashboardLedger(dir / "db");
  auto board = Serve(dir / "db");
  for (const std::string& bad : {std::string("zz"), Miner(1).Hex().substr(2),
                                 std::string(64, 'g'), Miner(1).Hex() + "00"}) {
    json e = GetJson(*board, "/api/miners/" + bad, 400);
    CHECK(e["error"] == "invalid_argument");
    CHECK(e["message"].get<std::string>().find("64 hex") != std::string::npos);
  }
  json missing = GetJson(*board, "/api/miners/" + Miner(9).Hex(), 404);
  CHECK(missing["error"] == "not_found");
  CHECK(GetJson(*board, "/api/nothing", 404)["error"] == "not_found");
  // The server only reads: other methods are not routes.
  httplib::Client client("127.0.0.1", board->port());
  auto post = client.Post("/api/miners", "{}", "application/json");
  REQUIRE(post);
  CHECK(post->status >= 400);
}

TEST_CASE("the page, its script and uPlot are served with a strict content policy",
          "[dashboard]") {
  TempDir dir;
  WriteDashboardLedger(dir / "db");
  auto board = Serve(dir / "db");
  Reply page = Get(*board, "/");
  CHECK(page.status == 200);
  CHECK(page.body.find("<script src=\"/app.js\"></script>") != std::string::npos);
  // No inline script anywhere in the page, and the policy forbids one.
  CHECK(page.body.find("<script>") == std::string::npos);
  auto csp = page.headers.find("Content-Security-Policy");
  REQUIRE(csp != page.headers.end());
  CHECK(csp->second.find("script-src 'self'") != std::string::npos);
  CHECK(csp->second.find("script-src 'self' 'unsafe-inline'") == std::string::npos);
  Reply js = Get(*board, "/app.js");
  CHECK(js.status == 200);
  CHECK(js.body.find("createTextNode") != std::string::npos);
  CHECK(js.body.find("innerHTML") == std::string::npos);  // text only, never markup
  CHECK(Get(*board, "/style.css").status == 200);
  Reply uplot = Get(*board, "/vendor/uPlot.iife.min.js");
  CHECK(uplot.status == 200);
  CHECK(uplot.body == "/* uPlot stand-in for the server test */");
}

TEST_CASE("without uPlot the pages are still served and the status says why", "[dashboard]") {
  TempDir dir;
  WriteDashboardLedger(dir / "db");
  dashboard::DashboardOptions o;
  o.db_dir = dir / "db";
  o.port = 0;
  o.plots_error = "npm not found on PATH";
  auto board = dashboard::Dashboard::Start(o);
  REQUIRE(board.ok());
  CHECK(Get(**board, "/").status == 200);
  CHECK(Get(**board, "/vendor/uPlot.iife.min.js").status == 404);
  CHECK(GetJson(**board, "/api/status")["plots"] == "npm not found on PATH");
}

TEST_CASE("the dashboard follows a ledger that a writer appends to", "[dashboard]") {
  TempDir dir;
  std::vector<Record> chain = DashboardChain(Validator(1));
  auto writer = LedgerStore::Open(dir / "db");
  REQUIRE(writer.ok());
  // Up to and including round 1's model update.
  size_t cut = 0;
  for (size_t i = 0; i < chain.size(); ++i) {
    if (chain[i].kind == RecordKind::kModelUpdate && chain[i].round == 1) cut = i + 1;
  }
  REQUIRE((*writer)->Append({chain.begin(), chain.begin() + cut}).ok());
  auto board = Serve(dir / "db");
  CHECK(GetJson(*board, "/api/rounds").size() == 2);
  const std::string before = GetJson(*board, "/api/status")["fingerprint"];
  REQUIRE((*writer)->Append({chain.begin() + cut, chain.end()}).ok());
  CHECK(GetJson(*board, "/api/rounds").size() == 4);
  CHECK(GetJson(*board, "/api/status")["fingerprint"] != before);
  CHECK(GetJson(*board, "/api/status")["records"] == chain.size());
}

TEST_CASE("a ledger that does not exist yet is waited for", "[dashboard]") {
  TempDir dir;
  auto board = Serve(dir / "db");
  json status = GetJson(*board, "/api/status");
  CHECK(status["available"] == false);
  CHECK(status["problem"].get<std::string>().find("no ledger") != std::string::npos);
  json e = GetJson(*board, "/api/miners", 503);
  CHECK(e["error"] == "not_found");
  WriteDashboardLedger(dir / "db");
  CHECK(GetJson(*board, "/api/status")["available"] == true);
  CHECK(GetJson(*board, "/api/miners").size() == 3);
}

TEST_CASE("the dashboard never writes to the ledger it serves", "[dashboard]") {
  TempDir dir;
  WriteDashboardLedger(dir / "db");
  std::string fingerprint;
  {
    auto store = LedgerStore::Open(dir / "db", true);
    REQUIRE(store.ok());
    fingerprint = dashboard::HeadsFingerprint(**store).value();
  }
  {
    // A writer may hold the ledger while the dashboard reads it.
    auto writer = LedgerStore::Open(dir / "db");
    REQUIRE(writer.ok());
    auto board = Serve(dir / "db");
    for (const char* path : {"/api/status", "/api/miners", "/api/rounds", "/api/validators"}) {
      CHECK(Get(*board, path).status == 200);
    }
  }
  auto store = LedgerStore::Open(dir / "db", true);
  REQUIRE(store.ok());
  CHECK(dashboard::HeadsFingerprint(**store).value() == fingerprint);
}

TEST_CASE("listen addresses are checked and a taken port is refused", "[dashboard]") {
  std::string host;
  int port = 0;
  CHECK(dashboard::ParseListen("127.0.0.1:8080", &host, &port).ok());
  CHECK(host == "127.0.0.1");
  CHECK(port == 8080);
  for (const char* bad : {"127.0.0.1", ":80", "127.0.0.1:", "127.0.0.1:http", "h:99999",
                          "h:123456"}) {
    INFO(bad);
    CHECK(dashboard::ParseListen(bad, &host, &port).code() == Code::kInvalidArgument);
  }
  TempDir dir;
  auto first = Serve(dir / "db");
  dashboard::DashboardOptions o;
  o.db_dir = dir / "db";
  o.port = first->port();
  auto second = dashboard::Dashboard::Start(o);
  CHECK(second.status().code() == Code::kUnavailable);
  o.port = 70000;
  CHECK(dashboard::Dashboard::Start(o).status().code() == Code::kInvalidArgument);
}
