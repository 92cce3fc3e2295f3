// fuzz_seeds OUT_DIR: writes the seed corpus of every fuzz target, a few valid encodings each
// (every file under 4 KiB), to OUT_DIR/<target>/seed-<i>. Deterministic: fixed keys, values and
// timestamps, so the committed corpus (tests/fuzz_corpus/) is reproducible with
// `fuzz_seeds tests/fuzz_corpus`.
#include <archive.h>
#include <archive_entry.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/hash.h"
#include "core/keys.h"
#include "datasets/shard.h"
#include "ledger/bodies.h"
#include "ledger/consensus_bodies.h"
#include "ledger/record.h"
#include "miner/rank_order.h"
#include "sync/codec.h"
#include "sync/envelope.h"
#include "sync/messages.h"

namespace {

using namespace loconet;
namespace fs = std::filesystem;

fs::path g_out;
bool g_ok = true;

void Write(const std::string& target, int i, const Bytes& b) {
  fs::path dir = g_out / target;
  fs::create_directories(dir);
  fs::path path = dir / ("seed-" + std::to_string(i));
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  if (!f || b.size() >= 4096) {
    std::fprintf(stderr, "fuzz_seeds: cannot write %s (%zu bytes)\n", path.c_str(), b.size());
    g_ok = false;
  }
}

std::vector<float> Values(size_t n, float phase) {
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = std::sin(0.37f * i + phase) * (1 + i % 5);
  return x;
}

// The codec targets' header: chunk selector, bits selector, fraction, u16le n (codec_fuzz.cpp).
Bytes CodecSeed(uint8_t chunk_sel, uint8_t bits_sel, uint8_t fraction, uint16_t n,
                const Bytes& encoded) {
  Bytes b = {chunk_sel, bits_sel, fraction, uint8_t(n & 0xff), uint8_t(n >> 8)};
  b.insert(b.end(), encoded.begin(), encoded.end());
  return b;
}

sync::CodecSpec Spec(const char* name, uint32_t chunk, uint32_t bits, double fraction) {
  sync::CodecSpec s;
  s.name = name;
  s.chunk = chunk;
  s.bits = bits;
  s.topk_fraction = fraction;
  return s;
}

Bytes Encode(const sync::CodecSpec& spec, const std::vector<float>& x) {
  auto codec = sync::MakeCodec(spec);
  if (!codec.ok()) {
    g_ok = false;
    return {};
  }
  return (*codec)->Encode(x.data(), x.size());
}

Bytes Serialize(const google::protobuf::MessageLite& m) {
  auto b = sync::SerializeProto(m);
  if (!b.ok()) {
    g_ok = false;
    return {};
  }
  return std::move(b).value();
}

void CodecSeeds() {
  // Selectors index codec_fuzz.cpp's tables: chunk 5 -> 64, 0 -> 1, 9 -> 4096; bits 0/1/2 ->
  // 2/4/8; fraction byte / 255.
  std::vector<float> x = Values(300, 0.5f);
  Write("codec_fp32", 0, CodecSeed(5, 0, 0, 300, Encode(Spec("fp32", 64, 8, 0), x)));
  Write("codec_fp32", 1, CodecSeed(5, 0, 0, 0, {}));
  Write("codec_int8", 0, CodecSeed(5, 0, 0, 300, Encode(Spec("int8", 64, 8, 0), x)));
  Write("codec_int8", 1, CodecSeed(0, 0, 0, 5, Encode(Spec("int8", 1, 8, 0), Values(5, 1))));
  std::vector<float> big = Values(5000, 2.0f);
  int i = 0;
  for (uint8_t bits_sel : {0, 1, 2}) {
    uint32_t bits = bits_sel == 0 ? 2 : bits_sel == 1 ? 4 : 8;
    Write("codec_topk", i++,
          CodecSeed(5, bits_sel, 13, 1000, Encode(Spec("topk", 64, bits, 13 / 255.0), big)));
    Write("codec_topk", i++,
          CodecSeed(9, bits_sel, 4, 5000, Encode(Spec("topk", 4096, bits, 4 / 255.0), big)));
  }
  Write("codec_topk", i++, CodecSeed(0, 2, 255, 7, Encode(Spec("topk", 1, 8, 1.0), Values(7, 3))));
}

void RequestSeeds(const Identity& id) {
  int i = 0;
  proto::Request reg;
  reg.mutable_register_()->set_name("miner-1");
  Write("request", i++, sync::SealEnvelope(id, sync::kTagRequest, Serialize(reg)));
  proto::Request get;
  get.mutable_get_round();
  Write("request", i++, sync::SealEnvelope(id, sync::kTagRequest, Serialize(get)));
  for (const auto& spec :
       {Spec("topk", 256, 2, 0.015), Spec("int8", 64, 8, 0), Spec("fp32", 4096, 8, 0)}) {
    proto::Request req;
    proto::Submission* sub = req.mutable_submission();
    sub->set_round(3);
    sub->set_base_hash(std::string(32, '\x11'));
    sub->set_pages_digest(std::string(32, '\x22'));
    *sub->mutable_codec() = spec.ToProto();
    sub->set_inner_steps(50);
    sub->set_train_loss(4.25);
    size_t n = spec.name == "fp32" ? 48 : 600;
    for (int t = 0; t < 2; ++t) {
      proto::EncodedTensor* tensor = sub->add_tensors();
      tensor->set_name("blocks." + std::to_string(t) + ".mlp.weight");
      tensor->add_shape(n / 4);
      tensor->add_shape(4);
      Bytes enc = Encode(spec, Values(n, float(t)));
      tensor->set_data(std::string(enc.begin(), enc.end()));
    }
    Write("request", i++, sync::SealEnvelope(id, sync::kTagRequest, Serialize(req)));
  }
  proto::Request ledger_req;
  ledger_req.mutable_ledger()->set_author(std::string(32, '\x33'));
  ledger_req.mutable_ledger()->set_max_records(10);
  Write("request", i++, sync::SealEnvelope(id, sync::kTagRequest, Serialize(ledger_req)));
}

void ProtoSeeds() {
  Write("reply", 0, Serialize(sync::MakeReply(Status::Ok(), 7)));
  Write("reply", 1,
        Serialize(sync::MakeReply(Error(Code::kStaleBase, "trained from old base"), 7)));
  proto::RoundAnnouncement a;
  a.set_round(7);
  a.set_base_hash(std::string(32, '\x44'));
  a.set_round_seed(std::string(32, '\x55'));
  *a.mutable_codec() = Spec("topk", 4096, 2, 0.015).ToProto();
  a.set_local_steps(100);
  a.set_deadline_unix_ms(1700000000000);
  a.set_pages_per_miner(8);
  a.set_num_pages(1000);
  a.set_eval_commit(std::string(32, '\x66'));
  a.set_batch(16);
  Write("announce", 0, Serialize(a));
  proto::Reply with_payload = sync::MakeReply(Status::Ok(), 7);
  with_payload.set_payload(Serialize(a).data(), Serialize(a).size());
  Write("reply", 2, Serialize(with_payload));
  proto::ModelUpdate u;
  u.set_round(7);
  u.set_prev_hash(std::string(32, '\x77'));
  u.set_new_hash(std::string(32, '\x78'));
  for (int t = 0; t < 2; ++t) {
    proto::EncodedTensor* tensor = u.add_delta();
    tensor->set_name("wte.weight");
    tensor->add_shape(100);
    Bytes enc = Encode(Spec("fp32", 4096, 8, 0), Values(100, float(t)));
    tensor->set_data(std::string(enc.begin(), enc.end()));
  }
  u.add_accepted(std::string(32, '\x01'));
  Write("model_update", 0, Serialize(u));
}

void LedgerSeeds(const Identity& id) {
  PublicKey miner;
  miner.bytes.fill(0x5a);
  PublicKey miner2;
  miner2.bytes.fill(0x6b);
  Hash256 h = Blake2b256(std::string_view("seed"));
  std::vector<std::pair<ledger::RecordKind, Bytes>> bodies;
  bodies.emplace_back(ledger::RecordKind::kRegistration,
                      ledger::RegistrationBody{miner, "m1", PublicKey{}}.Encode());
  ledger::RoundBody round;
  round.round = 4;
  round.base_hash = h;
  round.round_seed = h;
  round.eval_commit = h;
  round.codec = "topk";
  round.local_steps = 30;
  round.deadline_ms = 1700000000000;
  round.score_cap_ppb = 50000000;
  round.ema_alpha_ppb = 300000000;
  round.data_alpha_ppb = 300000000;
  bodies.emplace_back(ledger::RecordKind::kRound, round.Encode());
  ledger::ScoresBody scores;
  scores.round = 4;
  scores.entries.push_back({miner, 0, 1500000, 1000000, 900000, 0});
  scores.entries.push_back({miner2, 103, -5, 0, 10, 1});
  bodies.emplace_back(ledger::RecordKind::kScores, scores.Encode());
  ledger::ModelUpdateBody mu;
  mu.round = 4;
  mu.prev_hash = h;
  mu.new_hash = Blake2b256(std::string_view("next"));
  mu.accepted = {miner, miner2};
  mu.heldout_loss_ppb = 6100000000;
  mu.bytes_received = 600000;
  mu.duration_ms = 2500;
  bodies.emplace_back(ledger::RecordKind::kModelUpdate, mu.Encode());
  ledger::RewardBody reward;
  reward.epoch = 1;
  reward.first_round = 0;
  reward.last_round = 9;
  reward.emission = 1000;
  reward.entries = {{miner, 600}, {miner2, 400}};
  bodies.emplace_back(ledger::RecordKind::kReward, reward.Encode());
  bodies.emplace_back(ledger::RecordKind::kReveal, ledger::RevealBody{4, h}.Encode());
  ledger::WeightsBody weights;
  weights.epoch = 1;
  weights.first_round = 5;
  weights.last_round = 9;
  weights.entries = {{miner, 65535}, {miner2, 1200}};
  bodies.emplace_back(ledger::RecordKind::kWeights, weights.Encode());
  ledger::ConsensusBody consensus;
  consensus.epoch = 1;
  consensus.first_round = 5;
  consensus.last_round = 9;
  consensus.params.emission = 1000;
  consensus.params.miner_share = 40000;
  consensus.validators = {{id.public_key(), 1000, h, 65535, 65535, 390}};
  consensus.miners = {{miner, 60000, 60000, 550}, {miner2, 5535, 5535, 60}};
  consensus.bonds = {{0, 0, 30000}, {0, 1, 2000}};
  bodies.emplace_back(ledger::RecordKind::kConsensus, consensus.Encode());
  bodies.emplace_back(ledger::RecordKind::kAgreement,
                      ledger::AgreementBody{4, id.public_key(), h, h}.Encode());
  Hash256 prev{};
  uint64_t height = 0;
  for (const auto& [kind, body] : bodies) {
    Bytes with_kind = {uint8_t(uint8_t(kind) - 1)};  // ledger_fuzz.cpp: kind = byte % 9 + 1
    with_kind.insert(with_kind.end(), body.begin(), body.end());
    Write("ledger_body", int(height), with_kind);
    ledger::Record r = ledger::SignRecord(id, height, prev, 4, kind, body, 1700000000000);
    Write("ledger_record", int(height), r.Serialize());
    prev = r.Hash();
    ++height;
  }
}

void ShardSeeds() {
  fs::path tmp = g_out / "shard_tmp";
  std::vector<uint32_t> tokens(600);
  for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = uint32_t((i * 37) % 300);
  int i = 0;
  for (uint32_t page : {16u, 100u}) {
    if (!datasets::WriteShard(tmp.string(), tokens, 300, page).ok()) g_ok = false;
    std::ifstream f(tmp, std::ios::binary);
    Bytes b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    Write("shard", i++, b);
  }
  fs::remove(tmp);
}

// One tar member: a file with `text`, a directory, a symbolic link to `text` or a hard link to
// `text`.
struct Member {
  std::string path;
  unsigned type;  // AE_IFREG, AE_IFDIR, AE_IFLNK; AE_IFREG with hard = true for a hard link
  std::string text;
  bool hard = false;
};

// A pax tar (gzip-compressed without a timestamp if `gzip`) written with libarchive, with fixed
// times and owners so that it is the same bytes on every run.
Bytes Tarball(bool gzip, const std::vector<Member>& members) {
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (gzip) {
    archive_write_add_filter_gzip(a);
    archive_write_set_filter_option(a, "gzip", "timestamp", nullptr);
  }
  archive_write_set_bytes_per_block(a, 512);
  archive_write_set_bytes_in_last_block(a, 1);
  std::vector<char> buf(16384);
  size_t used = 0;
  if (archive_write_open_memory(a, buf.data(), buf.size(), &used) != ARCHIVE_OK) g_ok = false;
  for (const Member& m : members) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, m.path.c_str());
    archive_entry_set_filetype(e, m.type);
    archive_entry_set_perm(e, m.type == AE_IFDIR ? 0755 : 0644);
    archive_entry_set_mtime(e, 1700000000, 0);
    bool data = m.type == AE_IFREG && !m.hard;
    if (m.type == AE_IFLNK) archive_entry_set_symlink(e, m.text.c_str());
    if (m.hard) archive_entry_set_hardlink(e, m.text.c_str());
    archive_entry_set_size(e, data ? static_cast<la_int64_t>(m.text.size()) : 0);
    if (archive_write_header(a, e) != ARCHIVE_OK) g_ok = false;
    if (data && archive_write_data(a, m.text.data(), m.text.size()) < 0) g_ok = false;
    archive_entry_free(e);
  }
  if (archive_write_close(a) != ARCHIVE_OK) g_ok = false;
  archive_write_free(a);
  return Bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(used));
}

void TarballSeeds() {
  Write("tarball", 0,
        Tarball(true, {{"package/", AE_IFDIR, ""},
                       {"package/data/a.txt", AE_IFREG, "It was the best of times."},
                       {"package/data/b.txt", AE_IFREG, "Call me Ishmael."}}));
  Write("tarball", 1, Tarball(false, {{"package/a.txt", AE_IFREG, "plain"}}));
  Write("tarball", 2, Tarball(false, {{"../evil", AE_IFREG, "escaped"}}));
  Write("tarball", 3, Tarball(false, {{"package/link", AE_IFLNK, "/etc/passwd"}}));
  Write("tarball", 4,
        Tarball(false, {{"package/a.txt", AE_IFREG, "plain"},
                        {"package/b.txt", AE_IFREG, "package/a.txt", true}}));
}

}  // namespace

// `loconet consensus epoch` and `median` inputs (consensus/epoch_json.h): the example of
// docs/incentives.md and subtensor's weighted_median_col vectors.
void ConsensusSeeds() {
  auto text = [](const std::string& t) { return Bytes(t.begin(), t.end()); };
  Write("consensus_epoch", 0, text(R"({"params": {"kappa": 32767, "bonds_moving_average": 900000,
 "bonds_penalty": 65535, "emission": 1000000}, "stake": [40000, 35000, 25000, 0, 0, 0],
 "weights": [[0, 0, 0, 50, 30, 20], [0, 0, 0, 50, 30, 20], [0, 0, 0, 0, 0, 100], [], [], []],
 "bonds": [[0, 0, 0, 3276, 1966, 1310], [0, 0, 0, 3276, 1966, 1310], [0, 0, 0, 0, 0, 1310],
 [], [], []]})"));
  Write("consensus_epoch", 1, text(R"({"params": {"kappa": 32767, "bonds_moving_average": 900000,
 "emission": 1000000000}, "stake": [1, 1, 0, 0], "weights": [[0, 0, 65535, 65535],
 [0, 0, 65535, 0], [], []]})"));
  Write("consensus_median", 0, text(R"({"stake": [0, 0.75, 0.25, 0], "weights": [[0, 0.1, 0],
 [0, 0.2, 0.4], [0, 0.3, 0.1], [0, 0.4, 0.5]], "kappa": 0.24})"));
  Write("consensus_median", 1, text(R"({"stake": [0, 0.3, 0.2, 0.5], "weights": [[0, 0.1, 0],
 [0, 0.2, 0.4], [0, 0.3, 0.1], [0, 0, 0.5]], "kappa": 0.51})"));
}

// The orders of a data-parallel miner's rank 0 (miner/rank_order.h): a round, and stop.
void RankOrderSeeds() {
  RankOrder train;
  train.round = 3;
  train.steps = 30;
  train.batch = 8;
  train.loader_seed = 99;
  train.trainer_step = 90;
  train.pages = {1, 2, 3, 500};
  const std::string a = train.Encode();
  Write("rank_order", 0, Bytes(a.begin(), a.end()));
  RankOrder stop;
  stop.stop = true;
  const std::string b = stop.Encode();
  Write("rank_order", 1, Bytes(b.begin(), b.end()));
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seeds OUT_DIR\n");
    return 2;
  }
  g_out = argv[1];
  std::array<uint8_t, 32> seed{};
  seed.fill(7);
  Identity id = Identity::FromSeed(seed);
  CodecSeeds();
  RequestSeeds(id);
  ProtoSeeds();
  LedgerSeeds(id);
  ShardSeeds();
  TarballSeeds();
  ConsensusSeeds();
  RankOrderSeeds();
  return g_ok ? 0 : 1;
}
