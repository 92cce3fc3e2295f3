// The `loconet` binary: one command, every role, as subcommands.
#include <CLI/CLI.hpp>

#include <iostream>

#include "apps/commands.h"
#include "core/log.h"

int main(int argc, char** argv) {
  CLI::App app{"loconet: decentralized training of small language models"};
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off");
  int exit_code = 0;
  loconet::apps::RegisterKeygen(app, &exit_code);
  loconet::apps::RegisterData(app, &exit_code);
  loconet::apps::RegisterTrain(app, &exit_code);
  loconet::apps::RegisterExport(app, &exit_code);
  loconet::apps::RegisterNodes(app, &exit_code);
  loconet::apps::RegisterLedger(app, &exit_code);
  loconet::apps::RegisterLeaderboard(app, &exit_code);
  app.parse_complete_callback([&] {
    loconet::Status s = loconet::InitLogging(log_level);
    if (!s.ok()) {
      std::cerr << "loconet: " << s.ToString() << "\n";
      std::exit(2);
    }
  });
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
