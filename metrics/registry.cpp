#include "metrics/registry.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace loconet::metrics {

void Counter::Increment(double amount) const {
  if (amount >= 0) c_->Increment(amount);
}

void Gauge::Set(double value) const { g_->Set(value); }

void Histogram::Observe(double value) const { h_->Observe(value); }

Counter LabelledCounter::With(const std::string& label_value) const {
  return Counter(&f_->Add({{label_, label_value}}));
}

// Throw: a second family under one name is a mistake in our code, not in any input.
Registry::Registry()
    : registry_(
          std::make_shared<prometheus::Registry>(prometheus::Registry::InsertBehavior::Throw)) {}
Registry::~Registry() = default;

Counter Registry::AddCounter(const std::string& name, const std::string& help) {
  return Counter(&prometheus::BuildCounter().Name(name).Help(help).Register(*registry_).Add({}));
}

Gauge Registry::AddGauge(const std::string& name, const std::string& help) {
  return Gauge(&prometheus::BuildGauge().Name(name).Help(help).Register(*registry_).Add({}));
}

Histogram Registry::AddHistogram(const std::string& name, const std::string& help,
                                 const std::vector<double>& buckets) {
  return Histogram(
      &prometheus::BuildHistogram().Name(name).Help(help).Register(*registry_).Add({}, buckets));
}

LabelledCounter Registry::AddLabelledCounter(const std::string& name, const std::string& help,
                                             const std::string& label) {
  return LabelledCounter(&prometheus::BuildCounter().Name(name).Help(help).Register(*registry_),
                         label);
}

}  // namespace loconet::metrics
