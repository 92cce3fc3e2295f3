// The `loconet` binary: one command, every role, as subcommands.
#include <CLI/CLI.hpp>
#include <iostream>

#include "apps/commands.h"
#include "apps/processes.h"
#include "core/log.h"

int main(int argc, char** argv) {
  loconet::RememberCommandLine(argc, argv);
  CLI::App app{"loconet: decentralized training of small language models"};
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off");
  int exit_code = 0;
  loconet::apps::RegisterKeygen(app, &exit_code);
  loconet::apps::RegisterData(app, &exit_code);
  loconet::apps::RegisterTrain(app, &exit_code);
  loconet::apps::RegisterExport(app, &exit_code);
  loconet::apps::RegisterGenerate(app, &exit_code);
  loconet::apps::RegisterNodes(app, &exit_code);
  loconet::apps::RegisterLedger(app, &exit_code);
  loconet::apps::RegisterLeaderboard(app, &exit_code);
  loconet::apps::RegisterDashboard(app, &exit_code);
  loconet::apps::RegisterConsensus(app, &exit_code);
  loconet::apps::RegisterNetwork(app, &exit_code);
  app.parse_complete_callback([&] {
    loconet::Status s = loconet::InitLogging(log_level);
    if (!s.ok()) {
      std::cerr << "loconet: " << s.ToString() << "\n";
      std::exit(2);
    }
  });
  // Every failure a subcommand expects comes back as a Status; anything else (a LibTorch error,
  // out of memory) still ends with one clear line instead of std::terminate's.
  try {
    CLI11_PARSE(app, argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "loconet: unexpected error: " << e.what() << "\n";
    return 70;
  } catch (...) {
    std::cerr << "loconet: unexpected error of an unknown kind\n";
    return 70;
  }
  return exit_code;
}
