#include <algorithm>
#include <cctype>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "apps/commands.h"
#include "apps/stop.h"
#include "core/files.h"
#include "ledger/inspect.h"
#include "ledger/leaderboard.h"
#include "ledger/validator_board.h"
#include "ledger/store.h"
#include "ledger/verify.h"
#include "network/network_file.h"
#include "replica/replica.h"
#include "sync/transport.h"

namespace loconet::apps {

namespace {

// JSON text with any invalid UTF-8 replaced rather than thrown on.
std::string Dump(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The author a --author value names: 64 hex characters, or a prefix that matches exactly one
// author in the ledger.
Result<PublicKey> ResolveAuthor(const ledger::LedgerStore& store, const std::string& hex) {
  if (hex.size() == 64) return ParsePublicKey(hex);
  std::string lower;
  for (char c : hex) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::optional<PublicKey> found;
  for (const PublicKey& k : store.Authors()) {
    if (k.Hex().compare(0, lower.size(), lower) != 0) continue;
    if (found) {
      return Error(Code::kInvalidArgument, "author prefix " + hex + " matches several authors");
    }
    found = k;
  }
  if (!found) return Error(Code::kNotFound, "no author in the ledger starts with " + hex);
  return *found;
}

int Fail(const char* cmd, const Status& s) {
  std::cerr << "loconet " << cmd << ": " << s.ToString() << "\n";
  return 1;
}

}  // namespace

void RegisterLedgerSync(CLI::App* ledger_cmd, int* exit_code);

void RegisterLedger(CLI::App& app, int* exit_code) {
  auto* ledger_cmd = app.add_subcommand("ledger", "Inspect and verify a ledger database");
  ledger_cmd->require_subcommand(1);

  auto* verify = ledger_cmd->add_subcommand(
      "verify", "Re-check every signature, hash link, body, reveal, score and reward record");
  struct VerifyArgs {
    std::string db;
    uint64_t epoch_rounds = 0;
    size_t max_faults = 20;
  };
  auto va = std::make_shared<VerifyArgs>();
  verify->add_option("--db", va->db, "Ledger directory")->required();
  verify->add_option("--epoch-rounds", va->epoch_rounds,
                     "Rounds per reward epoch; when given, every reward must span exactly this");
  verify
      ->add_option("--max-faults", va->max_faults,
                   "List at most this many failing records (0: all)")
      ->capture_default_str();
  verify->callback([=] {
    auto store = ledger::LedgerStore::Open(va->db, /*read_only=*/true);
    if (!store.ok()) {
      *exit_code = Fail("ledger verify", store.status());
      return;
    }
    ledger::LedgerSummary summary;
    auto faults = ledger::FindFaults(**store, va->epoch_rounds, &summary);
    if (!faults.ok()) {
      *exit_code = Fail("ledger verify", faults.status());
      return;
    }
    if (!faults->empty()) {
      const size_t n = faults->size();
      const size_t shown = va->max_faults == 0 ? n : std::min(n, va->max_faults);
      for (size_t i = 0; i < shown; ++i) {
        std::cerr << "loconet ledger verify: " << (*faults)[i].ToStatus().ToString() << "\n";
      }
      if (shown < n) std::cerr << "loconet ledger verify: ... and " << n - shown << " more\n";
      std::cerr << "loconet ledger verify: " << n << (n == 1 ? " record fails" : " records fail")
                << " verification (`loconet ledger show` marks them)\n";
      *exit_code = 1;
      return;
    }
    Status s = (*store)->CheckIndexes();
    if (!s.ok()) {
      *exit_code = Fail("ledger verify", s);
      return;
    }
    std::cout << "ledger OK: " << summary.records << " records from " << summary.authors
              << (summary.authors == 1 ? " author" : " authors") << "\n";
    *exit_code = 0;
  });

  auto* show = ledger_cmd->add_subcommand(
      "show", "Print records, one line each, marking those that fail verification");
  struct ShowArgs {
    std::string db, author;
    uint64_t from = 0, epoch_rounds = 0;
    uint32_t limit = 100;
    bool json = false, no_verify = false;
  };
  auto sa = std::make_shared<ShowArgs>();
  show->add_option("--db", sa->db, "Ledger directory")->required();
  show->add_option("--author", sa->author,
                   "Only this author's records (hex key, or a unique prefix of one)");
  show->add_option("--from", sa->from, "First height of each author's records")
      ->capture_default_str();
  show->add_option("--limit", sa->limit, "At most this many records (0: all)")
      ->capture_default_str();
  show->add_flag("--json", sa->json, "One JSON array of records with decoded bodies");
  show->add_option("--epoch-rounds", sa->epoch_rounds,
                   "Rounds per reward epoch, as for `ledger verify`");
  show->add_flag("--no-verify", sa->no_verify,
                 "Print records without verifying the ledger first (faster on a large ledger)");
  show->callback([=] {
    auto opened = ledger::LedgerStore::Open(sa->db, /*read_only=*/true);
    if (!opened.ok()) {
      *exit_code = Fail("ledger show", opened.status());
      return;
    }
    const ledger::LedgerStore& store = **opened;
    const uint32_t limit = sa->limit == 0 ? std::numeric_limits<uint32_t>::max() : sa->limit;
    std::vector<PublicKey> authors;
    if (sa->author.empty()) {
      authors = store.Authors();
    } else {
      auto author = ResolveAuthor(store, sa->author);
      if (!author.ok()) {
        *exit_code = Fail("ledger show", author.status());
        return;
      }
      authors.push_back(*author);
    }
    std::vector<ledger::Record> records;
    for (const PublicKey& author : authors) {
      if (records.size() >= limit) break;
      auto range = store.Range(author, sa->from, limit - static_cast<uint32_t>(records.size()));
      if (!range.ok()) {
        *exit_code = Fail("ledger show", range.status());
        return;
      }
      for (ledger::Record& rec : *range) records.push_back(std::move(rec));
    }
    // Every check depends on the author's earlier records, so the whole ledger is verified
    // even when only part of it is shown.
    std::map<std::pair<PublicKey, uint64_t>, ledger::RecordFault> faults;
    if (!sa->no_verify) {
      auto found = ledger::FindFaults(store, sa->epoch_rounds);
      if (!found.ok()) {
        std::cerr << "loconet ledger show: cannot verify, records are shown unmarked: "
                  << found.status().ToString() << "\n";
      } else {
        for (ledger::RecordFault& f : *found) {
          faults.emplace(std::make_pair(f.author, f.height), std::move(f));
        }
      }
    }
    auto fault_of = [&](const ledger::Record& rec) -> const ledger::RecordFault* {
      auto it = faults.find(std::make_pair(rec.author, rec.height));
      return it == faults.end() ? nullptr : &it->second;
    };
    if (sa->json) {
      nlohmann::json out = nlohmann::json::array();
      for (const ledger::Record& rec : records) {
        out.push_back(ledger::RecordJson(rec, fault_of(rec)));
      }
      std::cout << Dump(out) << "\n";
    } else {
      for (const ledger::Record& rec : records) {
        std::cout << ledger::RecordLine(rec, fault_of(rec)) << "\n";
      }
    }
    *exit_code = 0;
  });
  RegisterLedgerSync(ledger_cmd, exit_code);
}

void RegisterLedgerSync(CLI::App* ledger_cmd, int* exit_code) {
  auto* cmd = ledger_cmd->add_subcommand(
      "sync", "Copy a validator's chain into a local ledger, verifying every record");
  struct Args {
    std::string db, endpoint, key, pub, network;
    bool no_curve = false, follow = false;
    int timeout_ms = 5000;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--db", a->db, "Local ledger directory (created if missing)")->required();
  cmd->add_option("--from", a->endpoint, "The validator's request endpoint, tcp://HOST:7600")
      ->required();
  cmd->add_option("--validator-key", a->key, "The validator's public key (64 hex characters)")
      ->required();
  cmd->add_flag("--no-curve", a->no_curve, "The validator runs with curve = false");
  cmd->add_option("--network", a->network,
                  "The validator's network file (default: the default network)");
  cmd->add_flag("--follow", a->follow,
                "Keep following: append each round's records as the validator publishes them, "
                "until Ctrl-C");
  cmd->add_option("--pub", a->pub,
                  "With --follow: the validator's publish endpoint (default: --from's host, "
                  "port + 1)");
  cmd->add_option("--timeout-ms", a->timeout_ms, "Per request attempt")
      ->capture_default_str()
      ->check(CLI::Range(10, 600000));
  cmd->callback([=] {
    auto key = ParsePublicKey(a->key);
    if (!key.ok()) {
      *exit_code = Fail("ledger sync", key.status().WithContext("--validator-key"));
      return;
    }
    auto store = ledger::LedgerStore::Open(a->db);
    if (!store.ok()) {
      *exit_code = Fail("ledger sync", store.status());
      return;
    }
    auto client = sync::DealerClient::Connect(a->endpoint, sync::kDefaultMaxMessageBytes,
                                              a->no_curve ? nullptr : &*key);
    if (!client.ok()) {
      *exit_code = Fail("ledger sync", client.status());
      return;
    }
    replica::SyncOptions o;
    o.timeout_ms = a->timeout_ms;
    if (!a->network.empty()) {
      auto genesis = network::LoadNetworkFile(a->network);
      if (!genesis.ok()) {
        *exit_code = Fail("ledger sync", genesis.status());
        return;
      }
      o.network = network::NetworkId(*genesis);
    }
    // Reading needs no registration: requests are signed with a throwaway key.
    const Identity reader = Identity::Generate();
    if (a->follow) {
      std::string pub = a->pub;
      if (pub.empty()) {
        auto colon = a->endpoint.rfind(':');
        int port = 0;
        if (colon != std::string::npos) {
          try {
            port = std::stoi(a->endpoint.substr(colon + 1));
          } catch (...) {
            port = 0;
          }
        }
        if (port <= 0 || port >= 65535) {
          *exit_code =
              Fail("ledger sync", Error(Code::kInvalidArgument, "cannot derive --pub from " +
                                                                    a->endpoint + "; give --pub"));
          return;
        }
        pub = a->endpoint.substr(0, colon + 1) + std::to_string(port + 1);
      }
      auto sub = sync::Subscriber::Connect(pub, {sync::kTopicLedger}, sync::kDefaultMaxMessageBytes,
                                           a->no_curve ? nullptr : &*key);
      if (!sub.ok()) {
        *exit_code = Fail("ledger sync", sub.status());
        return;
      }
      InstallStopHandlers();
      std::cout << "following " << key->Short() << " on " << a->endpoint << " and " << pub
                << " (Ctrl-C to stop)" << std::endl;
      Status s = replica::Follow(
          **client, **sub, reader, *key, *key, store->get(), StopFlag(),
          [](const replica::SyncReport& r) {
            std::cout << "+" << r.appended << " records, head #" << (r.head ? *r.head : 0)
                      << std::endl;
          },
          o);
      *exit_code = s.ok() ? 0 : Fail("ledger sync", s);
      return;
    }
    auto r = replica::SyncFrom(**client, reader, *key, *key, store->get(), o);
    if (!r.ok()) {
      *exit_code = Fail("ledger sync", r.status());
      return;
    }
    std::cout << "synced " << r->appended << " new records of " << key->Short() << "; head "
              << (r->head ? "#" + std::to_string(*r->head) : std::string("none")) << "\n";
    *exit_code = 0;
  });
}

void RegisterLeaderboard(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("leaderboard", "Rank the miners from a ledger");
  struct Args {
    std::string db, html;
    bool json = false;
    bool validators = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--db", a->db, "Ledger directory")->required();
  cmd->add_flag("--validators", a->validators,
                "Only the validators (stake, trust, dividends, emission, agreement with the "
                "lead); with --json, as JSON");
  cmd->add_flag("--json", a->json, "Print JSON instead of a table");
  cmd->add_option("--html", a->html, "Also write the leaderboard as one web page to this file");
  cmd->callback([=] {
    auto store = ledger::LedgerStore::Open(a->db, /*read_only=*/true);
    if (!store.ok()) {
      *exit_code = Fail("leaderboard", store.status());
      return;
    }
    auto rows = ledger::BuildLeaderboard(**store);
    if (!rows.ok()) {
      *exit_code = Fail("leaderboard", rows.status());
      return;
    }
    if (!a->html.empty()) {
      Status s = WriteFileAtomic(a->html, ledger::RenderHtml(*rows));
      if (!s.ok()) {
        *exit_code = Fail("leaderboard", s);
        return;
      }
    }
    auto validators = ledger::BuildValidatorBoard(**store);
    if (!validators.ok()) {
      *exit_code = Fail("leaderboard", validators.status());
      return;
    }
    if (a->validators) {
      if (a->json) {
        std::cout << Dump(ledger::ValidatorBoardJson(*validators)) << "\n";
      } else {
        std::cout << ledger::RenderValidatorTable(*validators);
      }
    } else if (a->json) {
      std::cout << Dump(ledger::LeaderboardJson(*rows)) << "\n";
    } else {
      std::cout << ledger::RenderTable(*rows);
      if (!validators->empty()) {
        std::cout << "\n" << ledger::RenderValidatorTable(*validators);
      }
    }
    *exit_code = 0;
  });
}

}  // namespace loconet::apps
