// Communication versus quality: M workers train the micro model on the default corpus with equal
// training tokens in every configuration, as synchronous data parallel (an fp32 gradient
// all-reduce every step) or as DiLoCo with several H, codecs and outer steps. For each: final
// held-out loss, update bytes sent per worker, the reduction and loss ratio against synchronous
// data parallel, and wall time. Prints a markdown table, writes it to --table and a plot of loss
// against bytes per worker (log-scale x) to --svg. Run from the repository root.
//
//   compression_bench [--config configs/compression-micro.toml] [--workers 4] [--steps N]
//                     [--threads N] [--only a,b50,...] [--table FILE] [--svg docs/compression.svg]
//                     [--warm-steps N [--warm-batch B] [--warm-checkpoint FILE]] [--lr F]
//
// With --warm-steps, every configuration continues one pretrained model instead of starting
// from scratch (the comparison DiLoCo's paper makes): a single node first trains N steps of
// batch B (default 16) and saves FILE (default build/warm-start.pt), then each configuration
// starts from its parameters with a fresh optimizer. With --warm-steps 0 and an existing
// --warm-checkpoint, that checkpoint is reused. --lr overrides the inner peak learning rate of
// every configuration.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "trainer/training.h"

using namespace loconet;
using Clock = std::chrono::steady_clock;

namespace {

struct Setting {
  std::string id;     // for --only
  std::string label;  // in the table and the plot
  std::function<void(TrainOptions&)> apply;
};

struct Outcome {
  Setting setting;
  double loss = 0;
  int64_t bytes = 0;
  double seconds = 0;
};

std::function<void(TrainOptions&)> DiLoCo(int64_t h, const std::string& codec, double fraction,
                                          uint32_t bits, double outer_lr, double momentum) {
  return [=](TrainOptions& o) {
    o.local_steps = h;
    o.codec.name = codec;
    o.codec.topk_fraction = fraction;
    o.codec.bits = bits;
    o.outer_lr = outer_lr;
    o.outer_momentum = momentum;
  };
}

// (a) to (e) as the issue lists them; f-rows are the candidates for the best setting.
std::vector<Setting> Settings() {
  return {
      {"a", "(a) sync data parallel, fp32", [](TrainOptions& o) { o.sync_dp = true; }},
      {"b10", "(b) DiLoCo fp32 H=10", DiLoCo(10, "fp32", 0, 8, 0.7, 0.9)},
      {"b50", "(b) DiLoCo fp32 H=50", DiLoCo(50, "fp32", 0, 8, 0.7, 0.9)},
      {"b100", "(b) DiLoCo fp32 H=100", DiLoCo(100, "fp32", 0, 8, 0.7, 0.9)},
      {"c", "(c) DiLoCo int8 H=50", DiLoCo(50, "int8", 0, 8, 0.7, 0.9)},
      {"d", "(d) top-k 1.5% 2-bit H=50", DiLoCo(50, "topk", 0.015, 2, 0.7, 0.9)},
      {"e", "(e) top-k 0.5% 2-bit H=50", DiLoCo(50, "topk", 0.005, 2, 0.7, 0.9)},
      {"f1", "(f) top-k 1.5% 2-bit H=50, outer SGD lr 1", DiLoCo(50, "topk", 0.015, 2, 1.0, 0.0)},
      {"f2", "(f) top-k 0.5% 2-bit H=25, outer SGD lr 1", DiLoCo(25, "topk", 0.005, 2, 1.0, 0.0)},
  };
}

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string Bytes(double b) {
  char buf[32];
  if (b >= 1e9) {
    std::snprintf(buf, sizeof buf, "%.2f GB", b / 1e9);
  } else if (b >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.2f MB", b / 1e6);
  } else if (b >= 1e3) {
    std::snprintf(buf, sizeof buf, "%.1f kB", b / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f B", b);
  }
  return buf;
}

std::string Table(const std::vector<Outcome>& rows, const Outcome* base) {
  std::ostringstream t;
  t << "| configuration | held-out loss | bytes sent per worker | reduction vs (a) | loss vs (a) "
       "| wall time |\n|---|---|---|---|---|---|\n";
  for (const Outcome& r : rows) {
    char line[512];
    if (base != nullptr && r.bytes > 0) {
      std::snprintf(line, sizeof line, "| %s | %.4f | %s | %.0fx | %+.2f%% | %.0f s |\n",
                    r.setting.label.c_str(), r.loss, Bytes(static_cast<double>(r.bytes)).c_str(),
                    static_cast<double>(base->bytes) / static_cast<double>(r.bytes),
                    100.0 * (r.loss / base->loss - 1.0), r.seconds);
    } else {
      std::snprintf(line, sizeof line, "| %s | %.4f | %s | - | - | %.0f s |\n",
                    r.setting.label.c_str(), r.loss, Bytes(static_cast<double>(r.bytes)).c_str(),
                    r.seconds);
    }
    t << line;
  }
  return t.str();
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

// Held-out loss (linear y) against bytes per worker (log10 x), one labelled point per row.
std::string Plot(const std::vector<Outcome>& rows, const std::string& title) {
  const double W = 900, H = 520, left = 70, right = 250, top = 40, bottom = 60;
  const double pw = W - left - right, ph = H - top - bottom;
  double x0 = 1e300, x1 = 0, y0 = 1e300, y1 = -1e300;
  for (const Outcome& r : rows) {
    if (r.bytes <= 0) continue;
    x0 = std::min(x0, std::log10(static_cast<double>(r.bytes)));
    x1 = std::max(x1, std::log10(static_cast<double>(r.bytes)));
    y0 = std::min(y0, r.loss);
    y1 = std::max(y1, r.loss);
  }
  x0 = std::floor(x0);
  x1 = std::max(std::ceil(x1), x0 + 1);
  const double pad = std::max(0.02, 0.08 * (y1 - y0));
  y0 -= pad;
  y1 += pad;
  auto X = [&](double bytes) { return left + (std::log10(bytes) - x0) / (x1 - x0) * pw; };
  auto Y = [&](double loss) { return top + (y1 - loss) / (y1 - y0) * ph; };
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(1);
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
    << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"" << left << "\" y=\"22\" font-size=\"14\">" << Escape(title) << "</text>\n";
  for (int d = static_cast<int>(x0); d <= static_cast<int>(x1); ++d) {
    const double x = X(std::pow(10.0, d));
    s << "<line x1=\"" << x << "\" y1=\"" << top << "\" x2=\"" << x << "\" y2=\"" << top + ph
      << "\" stroke=\"#ddd\"/>\n<text x=\"" << x << "\" y=\"" << top + ph + 18
      << "\" text-anchor=\"middle\">1e" << d << "</text>\n";
  }
  const double step = (y1 - y0) > 1.0 ? 0.2 : (y1 - y0) > 0.4 ? 0.1 : 0.05;
  for (double v = std::ceil(y0 / step) * step; v <= y1; v += step) {
    s << "<line x1=\"" << left << "\" y1=\"" << Y(v) << "\" x2=\"" << left + pw << "\" y2=\""
      << Y(v) << "\" stroke=\"#eee\"/>\n<text x=\"" << left - 6 << "\" y=\"" << Y(v) + 4
      << "\" text-anchor=\"end\">";
    s.precision(2);
    s << v << "</text>\n";
    s.precision(1);
  }
  s << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw << "\" height=\"" << ph
    << "\" fill=\"none\" stroke=\"black\"/>\n"
    << "<text x=\"" << left + pw / 2 << "\" y=\"" << H - 18
    << "\" text-anchor=\"middle\">update bytes sent per worker (log scale)</text>\n"
    << "<text transform=\"translate(18," << top + ph / 2
    << ") rotate(-90)\" text-anchor=\"middle\">final held-out loss</text>\n";
  int n = 0;
  for (const Outcome& r : rows) {
    if (r.bytes <= 0) continue;
    const std::string& id = r.setting.id;
    const char* color = id == "a" ? "black" : id[0] == 'b' ? "#1f77b4" : id == "c" ? "#2ca02c"
                                                                                 : "#d62728";
    const double x = X(static_cast<double>(r.bytes)), y = Y(r.loss);
    s << "<circle cx=\"" << x << "\" cy=\"" << y << "\" r=\"5\" fill=\"" << color << "\"/>\n"
      << "<text x=\"" << x + 8 << "\" y=\"" << y + 4 << "\">" << Escape(id) << "</text>\n"
      << "<text x=\"" << left + pw + 14 << "\" y=\"" << top + 14 + 18 * n << "\" fill=\"" << color
      << "\">" << Escape(id) << ": "
      << Escape(r.setting.label.substr(r.setting.label.find(' ') + 1))
      << "</text>\n";
    ++n;
  }
  s << "</svg>\n";
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  std::string config = "configs/compression-micro.toml", table_path;
  std::string svg_path = "docs/compression.svg";
  std::string warm_checkpoint = "build/warm-start.pt";
  int workers = 0, threads = -1;
  int64_t steps = 0, warm_steps = 0, warm_batch = 16;
  double lr = 0;
  bool warm_given = false;
  std::vector<std::string> only;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--config" && i + 1 < argc) {
      config = argv[++i];
    } else if (a == "--workers" && i + 1 < argc) {
      workers = std::atoi(argv[++i]);
    } else if (a == "--steps" && i + 1 < argc) {
      steps = std::atoll(argv[++i]);
    } else if (a == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (a == "--only" && i + 1 < argc) {
      only = Split(argv[++i]);
    } else if (a == "--table" && i + 1 < argc) {
      table_path = argv[++i];
    } else if (a == "--svg" && i + 1 < argc) {
      svg_path = argv[++i];
    } else if (a == "--warm-steps" && i + 1 < argc) {
      warm_steps = std::atoll(argv[++i]);
    } else if (a == "--warm-batch" && i + 1 < argc) {
      warm_batch = std::atoll(argv[++i]);
    } else if (a == "--warm-checkpoint" && i + 1 < argc) {
      warm_checkpoint = argv[++i];
      warm_given = true;
    } else if (a == "--lr" && i + 1 < argc) {
      lr = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: compression_bench [--config FILE] [--workers M] [--steps N] "
                           "[--threads N] [--only a,b50,...] [--table FILE] [--svg FILE] "
                           "[--warm-steps N [--warm-batch B] [--warm-checkpoint FILE]] [--lr F]\n");
      return 2;
    }
  }
  Result<TrainOptions> loaded = LoadTrainOptions(config);
  if (!loaded.ok()) {
    std::fprintf(stderr, "compression_bench: %s (run from the repository root)\n",
                 loaded.status().ToString().c_str());
    return 2;
  }
  TrainOptions base = *loaded;
  if (workers > 0) base.workers = workers;
  if (steps > 0) base.steps = steps;
  if (threads >= 0) base.threads = threads;
  if (lr > 0) base.schedule.peak = lr;
  base.checkpoint_path.clear();
  spdlog::set_level(spdlog::level::warn);

  double warm_loss = 0;
  if (warm_steps > 0) {
    TrainOptions pre = base;
    pre.workers = 1;
    pre.local_steps = 0;
    pre.sync_dp = false;
    pre.steps = warm_steps;
    pre.batch = warm_batch;
    pre.checkpoint_path = warm_checkpoint;
    std::fprintf(stderr, "warm start: %lld single-node steps of batch %lld ...",
                 static_cast<long long>(warm_steps), static_cast<long long>(warm_batch));
    const auto start = Clock::now();
    Result<TrainSummary> s = RunTraining(pre);
    if (!s.ok()) {
      std::fprintf(stderr, " %s\n", s.status().ToString().c_str());
      return 1;
    }
    warm_loss = s->curve.back().heldout_loss;
    std::fprintf(stderr, " held-out loss %.4f, %.0f s\n", warm_loss,
                 std::chrono::duration<double>(Clock::now() - start).count());
    base.init_from = warm_checkpoint;
  } else if (warm_given) {
    base.init_from = warm_checkpoint;  // reuse a pretrained checkpoint
  }

  std::vector<Outcome> rows;
  for (const Setting& setting : Settings()) {
    if (!only.empty() && std::find(only.begin(), only.end(), setting.id) == only.end()) continue;
    TrainOptions o = base;
    setting.apply(o);
    std::fprintf(stderr, "%s ...", setting.label.c_str());
    std::fflush(stderr);
    const auto start = Clock::now();
    Result<TrainSummary> s = RunTraining(o);
    if (!s.ok()) {
      std::fprintf(stderr, " %s\n", s.status().ToString().c_str());
      return 1;
    }
    Outcome r{setting, s->curve.back().heldout_loss, s->bytes_sent_per_worker,
              std::chrono::duration<double>(Clock::now() - start).count()};
    std::fprintf(stderr, " loss %.4f, %lld bytes, %.0f s\n", r.loss,
                 static_cast<long long>(r.bytes), r.seconds);
    rows.push_back(r);
  }
  if (rows.empty()) return 0;
  const Outcome* sync = nullptr;
  for (const Outcome& r : rows) {
    if (r.setting.id == "a") sync = &r;
  }

  std::ostringstream out;
  out << "## Communication versus quality (" << base.model.name << ", " << base.workers
      << " workers, " << base.steps << " steps x batch " << base.batch << " x context "
      << base.model.context << " per worker: "
      << base.workers * base.steps * base.batch * base.model.context
      << " training tokens each, inner peak lr " << base.schedule.peak;
  if (!base.init_from.empty()) {
    char warm[300];
    if (warm_steps > 0) {
      std::snprintf(warm, sizeof warm,
                    "; warm-started from one model pretrained for %lld steps of batch %lld, "
                    "held-out loss %.4f",
                    static_cast<long long>(warm_steps), static_cast<long long>(warm_batch),
                    warm_loss);
    } else {
      std::snprintf(warm, sizeof warm, "; warm-started from %s", base.init_from.c_str());
    }
    out << warm;
  }
  out << ")\n\n" << Table(rows, sync);
  if (sync != nullptr) {
    out << "\nGoal: >= 10,000x fewer bytes than (a) with held-out loss at most 2% above (a).";
    bool met = false;
    for (const Outcome& r : rows) {
      if (r.bytes > 0 && r.bytes * 10000 <= sync->bytes && r.loss <= 1.02 * sync->loss) {
        out << (met ? ", " : " Met by: ") << r.setting.id;
        met = true;
      }
    }
    out << (met ? ".\n" : " Not met by any configuration.\n");
  }
  std::printf("%s", out.str().c_str());
  if (!table_path.empty()) {
    std::ofstream(table_path) << out.str();
  }
  if (!svg_path.empty()) {
    std::ofstream svg(svg_path);
    svg << Plot(rows, "micro, " + std::to_string(base.workers) + " workers, equal tokens" +
                          (base.init_from.empty() ? "" : ", warm-started") +
                          ": held-out loss vs update bytes per worker");
    if (!svg.good()) {
      std::fprintf(stderr, "compression_bench: could not write %s\n", svg_path.c_str());
      return 1;
    }
  }
  return 0;
}
