// `loconet dashboard`: a read-only web server over a ledger (cpp-httplib). It serves the
// dashboard page (dashboard/web/), uPlot, and the JSON API of dashboard/views.h:
//   GET /api/status, /api/miners, /api/miners/{64 hex key}, /api/rounds, /api/validators
// The ledger is opened read-only (a RocksDB secondary instance) and caught up with its writer at
// most once per refresh interval, so the dashboard runs beside a live validator and never
// writes. Views are rebuilt only when some author's head moved. A ledger that does not exist
// yet (a devnet still starting) is looked for again on every refresh.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "dashboard/plot_library.h"

namespace loconet::dashboard {

struct DashboardOptions {
  std::string db_dir;
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (see Dashboard::port)
  double refresh_seconds = 1.0;
  // uPlot; when empty the pages show tables and say why plots are missing.
  PlotLibrary plots;
  std::string plots_error;  // why `plots` is empty, shown on the pages
};

class Dashboard {
 public:
  // Binds host:port and serves on a thread of its own. Errors: kInvalidArgument for an empty
  // db_dir or a port outside [0, 65535], kUnavailable if the address cannot be bound.
  static Result<std::unique_ptr<Dashboard>> Start(DashboardOptions options);
  ~Dashboard();  // stops serving
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

  int port() const;
  std::string url() const;  // "http://host:port/"

 private:
  struct Impl;
  explicit Dashboard(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The dashboard of the ledger in `db_dir` on `listen` ("host:port"), with uPlot from
// `cache_dir` (LoadPlotLibrary; if that fails the pages are served without plots and say why,
// and the reason is logged). Errors: those of ParseListen and Dashboard::Start.
Result<std::unique_ptr<Dashboard>> ServeLedger(const std::string& db_dir, const std::string& listen,
                                               const std::string& cache_dir);

// "host:port" -> (host, port) for --listen. kInvalidArgument saying why otherwise.
Status ParseListen(const std::string& listen, std::string* host, int* port);

}  // namespace loconet::dashboard
