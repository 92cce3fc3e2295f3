// Subcommand registration for the `loconet` binary. Each Register* adds one CLI11 subcommand
// whose callback sets *exit_code; apps/ only parses arguments and calls the libraries.
#pragma once

#include <CLI/CLI.hpp>

namespace loconet::apps {

void RegisterKeygen(CLI::App& app, int* exit_code);
void RegisterData(CLI::App& app, int* exit_code);
void RegisterTrain(CLI::App& app, int* exit_code);
void RegisterExport(CLI::App& app, int* exit_code);
void RegisterGenerate(CLI::App& app, int* exit_code);
void RegisterNodes(CLI::App& app, int* exit_code);
void RegisterLedger(CLI::App& app, int* exit_code);
void RegisterLeaderboard(CLI::App& app, int* exit_code);
void RegisterDashboard(CLI::App& app, int* exit_code);
void RegisterConsensus(CLI::App& app, int* exit_code);
void RegisterNetwork(CLI::App& app, int* exit_code);

}  // namespace loconet::apps
