// Metric families for the Prometheus text format, behind handles that hide prometheus-cpp.
//
// A Registry owns its families; the handles it returns (Counter, Gauge, Histogram,
// LabelledCounter) are cheap to copy and valid while the Registry lives. Every handle may be
// used from any thread, concurrently with a scrape. Names follow Prometheus practice: a
// component prefix, the unit in the name (`_seconds`, `_bytes`), `_total` for counters.
// Registering a malformed or duplicate name is a programming error and throws; names never
// come from input. Torch-free.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace loconet::metrics {

class Counter {
 public:
  // `amount` >= 0; a negative amount is ignored (a counter never goes down).
  void Increment(double amount = 1) const;

 private:
  friend class Registry;
  friend class LabelledCounter;
  explicit Counter(prometheus::Counter* c) : c_(c) {}
  prometheus::Counter* c_;
};

class Gauge {
 public:
  void Set(double value) const;

 private:
  friend class Registry;
  explicit Gauge(prometheus::Gauge* g) : g_(g) {}
  prometheus::Gauge* g_;
};

class Histogram {
 public:
  void Observe(double value) const;

 private:
  friend class Registry;
  explicit Histogram(prometheus::Histogram* h) : h_(h) {}
  prometheus::Histogram* h_;
};

// A counter family with one label: one time series per label value, created on first use.
class LabelledCounter {
 public:
  Counter With(const std::string& label_value) const;

 private:
  friend class Registry;
  LabelledCounter(prometheus::Family<prometheus::Counter>* f, std::string label)
      : f_(f), label_(std::move(label)) {}
  prometheus::Family<prometheus::Counter>* f_;
  std::string label_;
};

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  Counter AddCounter(const std::string& name, const std::string& help);
  Gauge AddGauge(const std::string& name, const std::string& help);
  // `buckets`: increasing upper bounds; the +Inf bucket is implicit.
  Histogram AddHistogram(const std::string& name, const std::string& help,
                         const std::vector<double>& buckets);
  LabelledCounter AddLabelledCounter(const std::string& name, const std::string& help,
                                     const std::string& label);

  // For the exporter.
  std::shared_ptr<prometheus::Registry> shared() const { return registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
};

}  // namespace loconet::metrics
