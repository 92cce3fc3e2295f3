// The dashboard in a real browser: a short devnet writes a ledger, `loconet dashboard` serves it,
// and headless Chromium (Debian's `chromium`) loads the pages. Checks the ranking order against
// the ledger, that the loss plot is drawn, that a miner page opens, that a miner named like a
// script tag shows as text, and saves a screenshot into the build folder.
#include <signal.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "core/keys.h"
#include "ledger/bodies.h"
#include "ledger/leaderboard.h"
#include "ledger/store.h"
#include "tests/net/process.h"
#include "tests/temp_dir.h"
#include "tests/trainer/fixture.h"

using namespace loconet;
using loconet::testing::ReadAll;
using loconet::testing::TempDir;

namespace {

const std::string kScriptName = "<script>alert(1)</script>";

// Runs headless Chromium on `url` with `action` (--dump-dom, --screenshot=...), with a fresh
// profile and time for the page's scripts and fetches; stdout into `out`. True if it exited 0.
bool Chromium(const TempDir& dir, const std::string& action, const std::string& url,
              const std::string& out) {
  const std::string cmd = "timeout 90 chromium --headless --no-sandbox --disable-gpu "
                          "--disable-dev-shm-usage --user-data-dir=" + (dir / "chromium-profile") +
                          " --virtual-time-budget=8000 --window-size=1280,1000 " + action + " '" +
                          url + "' > " + out + " 2> " + (dir / "chromium.log");
  return std::system(cmd.c_str()) == 0;
}

// The DOM of `url` after its scripts ran, or "" if Chromium failed.
std::string DumpDom(const TempDir& dir, const std::string& url) {
  if (!Chromium(dir, "--dump-dom", url, dir / "dom.html")) return "";
  return ReadAll(dir / "dom.html");
}

// The page of `url` once it says it rendered `route`; tries a few times.
std::string RenderedPage(const TempDir& dir, const std::string& url, const std::string& route) {
  std::string dom;
  for (int attempt = 0; attempt < 3; ++attempt) {
    dom = DumpDom(dir, url);
    if (dom.find("data-rendered=\"" + route + "\"") != std::string::npos) return dom;
  }
  INFO("chromium log: " << ReadAll(dir / "chromium.log"));
  INFO("last DOM: " << dom.substr(0, 3000));
  FAIL("the page " << url << " never rendered " << route);
  return dom;
}

// The data-miner attributes of the ranking's rows, in page order.
std::vector<std::string> RankingOrder(const std::string& dom) {
  std::vector<std::string> keys;
  const std::regex row("<tr data-miner=\"([0-9a-f]{64})\"");
  for (auto it = std::sregex_iterator(dom.begin(), dom.end(), row); it != std::sregex_iterator();
       ++it) {
    keys.push_back((*it)[1]);
  }
  return keys;
}

// The opening tag of the plot titled `title`, or "".
std::string PlotTag(const std::string& dom, const std::string& title) {
  const size_t at = dom.find("data-title=\"" + title + "\"");
  if (at == std::string::npos) return "";
  const size_t begin = dom.rfind('<', at);
  return dom.substr(begin, dom.find('>', at) - begin + 1);
}

}  // namespace

TEST_CASE("the dashboard of a devnet's ledger renders in headless Chromium", "[net][browser]") {
  if (std::system("command -v chromium > /dev/null 2>&1") != 0) {
    FAIL("chromium is not installed: run scripts/install-deps.sh (Debian package `chromium`)");
  }
  TempDir dir;
  REQUIRE(loconet::testing::WriteSyntheticCorpus(dir.path(), 6000, 800));
  const std::string net = dir / "net";
  const std::string devnet = std::string(LOCONET_BINARY) + " devnet --miners 2 --rounds 3 --model " +
                             LOCONET_SOURCE_DIR + "/configs/models/nano.toml --data " + dir.path() +
                             " --dir " + net +
                             " --local-steps 10 --batch 8 --pages-per-miner 8 --round-seconds 60"
                             " --lr 0.01 > " + (dir / "devnet.txt") + " 2>&1";
  INFO(ReadAll(dir / "devnet.txt"));
  REQUIRE(std::system(devnet.c_str()) == 0);

  // A miner whose name is markup, registered by the validator like any other.
  const std::string db = net + "/validator/ledger";
  const PublicKey odd = Identity::Generate().public_key();
  {
    auto key = Identity::Load(net + "/validator/key");
    REQUIRE(key.ok());
    auto store = ledger::LedgerStore::Open(db);
    REQUIRE(store.ok());
    ledger::LedgerWriter writer(store->get(), &*key);
    writer.Next(ledger::RecordKind::kRegistration, 3,
                ledger::RegistrationBody{odd, kScriptName, PublicKey{}}.Encode());
    REQUIRE(writer.Commit().ok());
  }
  std::vector<std::string> want;
  std::string trained;  // a miner with scored rounds (the odd one has none)
  {
    auto store = ledger::LedgerStore::Open(db, true);
    REQUIRE(store.ok());
    auto rows = ledger::BuildLeaderboard(**store);
    REQUIRE(rows.ok());
    for (const auto& r : *rows) {
      want.push_back(r.miner.Hex());
      if (trained.empty() && r.rounds_submitted > 0) trained = r.miner.Hex();
    }
  }
  REQUIRE(want.size() == 3);
  REQUIRE_FALSE(trained.empty());

  const std::string log = dir / "dashboard.txt";
  const pid_t server = loconet::testing::Spawn(
      {LOCONET_BINARY, "dashboard", "--db", db, "--listen", "127.0.0.1:0", "--cache",
       std::string(LOCONET_SOURCE_DIR) + "/data/cache"},
      log);
  std::string url;
  for (int waited = 0; waited < 120000 && url.empty(); waited += 100) {
    std::smatch m;
    const std::string text = ReadAll(log);
    if (std::regex_search(text, m, std::regex("at (http://127\\.0\\.0\\.1:[0-9]+/)"))) url = m[1];
    if (::waitpid(server, nullptr, WNOHANG) == server) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  INFO("dashboard log: " << ReadAll(log));
  REQUIRE_FALSE(url.empty());
  CHECK(ReadAll(log).find("without plots") == std::string::npos);

  // The ranking, in the ledger's order, with the loss plot drawn.
  const std::string home = RenderedPage(dir, url, "#/");
  CHECK(RankingOrder(home) == want);
  const std::string loss = PlotTag(home, "Global held-out loss");
  INFO("loss plot: " << loss);
  CHECK(loss.find("data-drawn=\"true\"") != std::string::npos);
  CHECK(loss.find("data-points=\"3\"") != std::string::npos);
  CHECK(home.find("<canvas") != std::string::npos);
  // The odd name is text: escaped in the DOM, never an element.
  CHECK(home.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(home.find(kScriptName) == std::string::npos);

  // A miner's page, with its score plot.
  const std::string miner = RenderedPage(dir, url + "#/miner/" + trained, "#/miner/" + trained);
  CHECK(PlotTag(miner, "Score per round").find("data-drawn=\"true\"") != std::string::npos);
  CHECK(PlotTag(miner, "Data-check factor").find("data-drawn=\"true\"") != std::string::npos);
  CHECK(miner.find(trained) != std::string::npos);
  const std::string odd_page = RenderedPage(dir, url + "#/miner/" + odd.Hex(), "#/miner/" + odd.Hex());
  CHECK(odd_page.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(odd_page.find(kScriptName) == std::string::npos);

  // The network page plots every series.
  const std::string network = RenderedPage(dir, url + "#/network", "#/network");
  for (const char* title : {"Global held-out loss", "Submissions per round",
                            "Bytes received per round", "Round duration"}) {
    INFO(title);
    CHECK(PlotTag(network, title).find("data-drawn=\"true\"") != std::string::npos);
  }

  // A screenshot of the ranking for people to look at.
  const std::string shot = std::string(LOCONET_BUILD_DIR) + "/dashboard.png";
  std::remove(shot.c_str());
  CHECK(Chromium(dir, "--screenshot=" + shot, url, dir / "screenshot.txt"));
  CHECK(ReadAll(shot).size() > 10000);

  ::kill(server, SIGTERM);
  int status = 0;
  ::waitpid(server, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
