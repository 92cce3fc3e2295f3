// Ledger verification against its floor: `loconet ledger verify`'s work (ledger::VerifyLedger:
// signatures, hash links, bodies, reveals, every recomputed score, reward and consensus record)
// in records per second, beside raw libsodium ed25519 verification of the same records'
// signatures (crypto_sign_verify_detached over each record's 32-byte hash), measured side by
// side in one run on one thread. Prints a markdown table.
//
//   ledger_bench LEDGER_DIR [--repeat 5]
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "ledger/store.h"
#include "ledger/verify.h"

using namespace loconet;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: ledger_bench LEDGER_DIR [--repeat N]\n");
    return 2;
  }
  const std::string dir = argv[1];
  int repeat = 5;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--repeat") == 0) repeat = std::max(1, std::atoi(argv[i + 1]));
  }
  if (sodium_init() < 0) return 1;
  auto store = ledger::LedgerStore::Open(dir, true);
  if (!store.ok()) {
    std::fprintf(stderr, "ledger_bench: %s\n", store.status().ToString().c_str());
    return 1;
  }
  struct Signed {
    Hash256 hash;
    PublicKey author;
    Signature signature;
  };
  std::vector<Signed> records;
  Status read = (*store)->ForEach([&](const ledger::Record& r) -> Status {
    records.push_back({r.Hash(), r.author, r.signature});
    return Status::Ok();
  });
  if (!read.ok() || records.empty()) {
    std::fprintf(stderr, "ledger_bench: %s\n",
                 read.ok() ? "the ledger is empty" : read.ToString().c_str());
    return 1;
  }
  std::vector<double> full, raw;
  for (int k = 0; k < repeat; ++k) {
    auto t0 = Clock::now();
    Status s = ledger::VerifyLedger(**store);
    auto t1 = Clock::now();
    if (!s.ok()) {
      std::fprintf(stderr, "ledger_bench: the ledger does not verify: %s\n", s.ToString().c_str());
      return 1;
    }
    full.push_back(static_cast<double>(records.size()) / Seconds(t0, t1));
    size_t good = 0;
    t0 = Clock::now();
    for (const Signed& r : records) {
      good += crypto_sign_verify_detached(r.signature.data(), r.hash.bytes.data(),
                                          r.hash.bytes.size(), r.author.bytes.data()) == 0;
    }
    t1 = Clock::now();
    if (good != records.size()) {
      std::fprintf(stderr, "ledger_bench: %zu signatures failed\n", records.size() - good);
      return 1;
    }
    raw.push_back(static_cast<double>(records.size()) / Seconds(t0, t1));
  }
  const double f = Median(full), r = Median(raw);
  std::printf("ledger %s: %zu records, median of %d runs, one thread\n\n", dir.c_str(),
              records.size(), repeat);
  std::printf("| | records/s | share of raw |\n|---|---|---|\n");
  std::printf("| raw libsodium signature verification | %.0f | 100%% |\n", r);
  std::printf("| `ledger verify` (signatures, links, bodies, recomputed scores and rewards) | %.0f "
              "| %.0f%% |\n",
              f, 100.0 * f / r);
  return 0;
}
