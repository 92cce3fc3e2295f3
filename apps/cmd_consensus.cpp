// `loconet consensus epoch|median --input FILE.json`: one Yuma epoch (or one weighted median)
// from a JSON file, printed as JSON, so anyone can audit an epoch without a network.
#include <iostream>
#include <memory>

#include "apps/commands.h"
#include "consensus/epoch_json.h"
#include "consensus/median.h"
#include "consensus/yuma.h"
#include "core/files.h"

namespace loconet::apps {
namespace {

Result<std::string> RunEpochFile(const std::string& path) {
  LOCONET_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  Result<consensus::EpochInput> input = consensus::ParseEpochInput(text);
  if (!input.ok()) return input.status().WithContext(path);
  LOCONET_ASSIGN_OR_RETURN(consensus::EpochResult result, consensus::RunEpoch(*input));
  return consensus::EpochResultToJson(result);
}

Result<std::string> RunMedianFile(const std::string& path) {
  LOCONET_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  Result<consensus::MedianInput> input = consensus::ParseMedianInput(text);
  if (!input.ok()) return input.status().WithContext(path);
  return consensus::MedianToJson(
      consensus::WeightedMedianCol(input->stake, input->weights, input->kappa));
}

void AddFileCommand(CLI::App* parent, const char* name, const char* help,
                    Result<std::string> (*run)(const std::string&), int* exit_code) {
  auto* cmd = parent->add_subcommand(name, help);
  auto input = std::make_shared<std::string>();
  cmd->add_option("--input", *input, "JSON file (docs/incentives.md, \"Yuma consensus\")")
      ->required();
  const std::string label = std::string("loconet consensus ") + name;
  cmd->callback([=] {
    Result<std::string> out = run(*input);
    if (!out.ok()) {
      std::cerr << label << ": " << out.status().ToString() << "\n";
      *exit_code = 1;
      return;
    }
    std::cout << *out;
    *exit_code = 0;
  });
}

}  // namespace

void RegisterConsensus(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("consensus", "Yuma consensus as subtensor computes it");
  cmd->require_subcommand(1);
  AddFileCommand(cmd, "epoch",
                 "One epoch from stakes, weights, previous bonds and parameters: consensus, "
                 "incentive, trust, bonds, dividends and emission",
                 &RunEpochFile, exit_code);
  AddFileCommand(cmd, "median", "subtensor's weighted_median_col of proportions at kappa",
                 &RunMedianFile, exit_code);
}

}  // namespace loconet::apps
