// `loconet dashboard`: serves the read-only web dashboard of a ledger until stopped.
#include <chrono>
#include <iostream>
#include <thread>

#include "apps/commands.h"
#include "apps/stop.h"
#include "dashboard/server.h"

namespace loconet::apps {

void RegisterDashboard(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "dashboard", "Serve a live web dashboard (ranking, plots, JSON API) of a ledger");
  struct Args {
    std::string db;
    std::string listen = "127.0.0.1:8080";
    std::string cache = "data/cache";
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--db", a->db, "Ledger directory (a validator's, or a mirror)")->required();
  cmd->add_option("--listen", a->listen, "host:port to serve on (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--cache", a->cache, "Folder for the pinned uPlot package fetched with npm")
      ->capture_default_str();
  cmd->callback([=] {
    InstallStopHandlers();
    auto dash = dashboard::ServeLedger(a->db, a->listen, a->cache);
    if (!dash.ok()) {
      std::cerr << "loconet dashboard: " << dash.status().ToString() << "\n";
      *exit_code = 1;
      return;
    }
    std::cout << "dashboard of " << a->db << " at " << (*dash)->url() << " (Ctrl-C stops it)"
              << std::endl;
    while (!StopFlag().load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    *exit_code = 0;
  });
}

}  // namespace loconet::apps
