#include "dashboard/server.h"

#include <httplib.h>
#include <sys/socket.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "core/keys.h"
#include "dashboard/views.h"
#include "dashboard/web_assets.h"
#include "ledger/store.h"

namespace loconet::dashboard {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// Scripts only from this server, no inline scripts: a value that slipped past escaping still
// could not run. uPlot sets element styles from script, hence 'unsafe-inline' for styles.
constexpr char kContentSecurityPolicy[] =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

void SendJson(httplib::Response& res, int http_status, const json& body) {
  res.status = http_status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body.dump(), "application/json");
}

void SendError(httplib::Response& res, int http_status, const Status& s) {
  SendJson(res, http_status, {{"error", CodeName(s.code())}, {"message", s.message()}});
}

}  // namespace

struct Dashboard::Impl {
  DashboardOptions options;
  httplib::Server server;
  std::thread thread;
  int port = 0;

  std::mutex mu;  // guards everything below
  std::unique_ptr<ledger::LedgerStore> store;
  std::optional<Clock::time_point> refreshed;
  std::string fingerprint;
  std::optional<Views> views;
  Status problem = Error(Code::kUnavailable, "the ledger has not been read yet");

  // Opens or catches up the ledger and rebuilds the views if its heads moved; at most once per
  // refresh interval. Keeps the last good views when a refresh fails.
  void RefreshLocked() {
    const auto now = Clock::now();
    if (refreshed && now - *refreshed < std::chrono::duration<double>(options.refresh_seconds)) {
      return;
    }
    refreshed = now;
    if (!store) {
      auto opened = ledger::LedgerStore::Open(options.db_dir, /*read_only=*/true);
      if (!opened.ok()) {
        problem = opened.status();
        return;
      }
      store = std::move(opened).value();
    } else {
      Status caught = store->CatchUp();
      if (!caught.ok()) {
        problem = caught;
        return;
      }
    }
    auto fp = HeadsFingerprint(*store);
    if (!fp.ok()) {
      problem = fp.status();
      return;
    }
    if (views && *fp == fingerprint) return;
    auto built = BuildViews(*store);
    if (!built.ok()) {
      problem = built.status();
      return;
    }
    views = std::move(built).value();
    fingerprint = *fp;
    problem = Status::Ok();
  }

  // Answers from the current views, or 503 with the reason there are none.
  template <typename Fn>
  void WithViews(httplib::Response& res, Fn fn) {
    std::lock_guard<std::mutex> lock(mu);
    RefreshLocked();
    if (!views) {
      SendError(res, 503, problem);
      return;
    }
    fn(*views);
  }

  void Routes() {
    server.set_default_headers({{"Content-Security-Policy", kContentSecurityPolicy},
                                {"X-Content-Type-Options", "nosniff"},
                                {"Referrer-Policy", "no-referrer"}});
    server.Get("/api/status", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu);
      RefreshLocked();
      json out = views ? views->status : json::object();
      out["ledger"] = options.db_dir;
      out["available"] = views.has_value();
      out["problem"] = problem.ok() ? json(nullptr) : json(problem.ToString());
      out["plots"] = options.plots.js.empty() ? json(options.plots_error) : json(nullptr);
      SendJson(res, 200, out);
    });
    server.Get("/api/miners", [this](const httplib::Request&, httplib::Response& res) {
      WithViews(res, [&](const Views& v) { SendJson(res, 200, v.miners); });
    });
    server.Get(R"(/api/miners/([^/]*))", [this](const httplib::Request& req,
                                                httplib::Response& res) {
      auto key = ParsePublicKey(req.matches[1]);
      if (!key.ok()) {
        SendError(res, 400, Error(Code::kInvalidArgument,
                                  "a miner is named by its public key, 64 hex characters: " +
                                      key.status().message()));
        return;
      }
      WithViews(res, [&](const Views& v) {
        auto it = v.miner_pages.find(*key);
        if (it == v.miner_pages.end()) {
          SendError(res, 404, Error(Code::kNotFound, "no miner " + key->Hex() + " in the ledger"));
        } else {
          SendJson(res, 200, it->second);
        }
      });
    });
    server.Get("/api/rounds", [this](const httplib::Request&, httplib::Response& res) {
      WithViews(res, [&](const Views& v) { SendJson(res, 200, v.rounds); });
    });
    server.Get("/api/validators", [this](const httplib::Request&, httplib::Response& res) {
      WithViews(res, [&](const Views& v) { SendJson(res, 200, v.validators); });
    });
    server.Get("/vendor/uPlot.iife.min.js", [this](const httplib::Request&,
                                                   httplib::Response& res) {
      if (options.plots.js.empty()) {
        res.status = 404;
        res.set_content("uPlot unavailable: " + options.plots_error, "text/plain");
        return;
      }
      res.set_content(options.plots.js, "text/javascript; charset=utf-8");
    });
    server.Get("/vendor/uPlot.min.css", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(options.plots.css, "text/css; charset=utf-8");
    });
    server.Get(R"(/(|app\.js|style\.css))", [](const httplib::Request& req,
                                               httplib::Response& res) {
      const WebAsset* asset = FindWebAsset(req.path);
      if (!asset) {
        res.status = 404;
        return;
      }
      res.set_content(asset->body, asset->content_type);
    });
    server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (res.status == 404 && res.body.empty()) {
        SendError(res, 404, Error(Code::kNotFound, "no page " + req.path));
      }
    });
  }
};

Dashboard::Dashboard(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Dashboard::~Dashboard() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

int Dashboard::port() const { return impl_->port; }

std::string Dashboard::url() const {
  return "http://" + impl_->options.host + ":" + std::to_string(impl_->port) + "/";
}

Result<std::unique_ptr<Dashboard>> Dashboard::Start(DashboardOptions options) {
  if (options.db_dir.empty()) return Error(Code::kInvalidArgument, "dashboard: no ledger folder");
  if (options.port < 0 || options.port > 65535) {
    return Error(Code::kInvalidArgument,
                 "dashboard: port " + std::to_string(options.port) + " is not in [0, 65535]");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->Routes();
  // SO_REUSEADDR only: the library's default also sets SO_REUSEPORT, which would let a second
  // server bind the same port and silently take half of its requests.
  impl->server.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  const DashboardOptions& o = impl->options;
  if (o.port == 0) {
    impl->port = impl->server.bind_to_any_port(o.host);
  } else if (impl->server.bind_to_port(o.host, o.port)) {
    impl->port = o.port;
  } else {
    impl->port = -1;
  }
  if (impl->port <= 0) {
    return Error(Code::kUnavailable, "dashboard: cannot listen on " + o.host + ":" +
                                         std::to_string(o.port) +
                                         " (address in use, or not an address of this machine)");
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->server.listen_after_bind(); });
  // Serving before returning, so that a destructor's stop() cannot come before the accept loop
  // starts (the loop would then never see it).
  for (int waited_ms = 0; !impl->server.is_running(); ++waited_ms) {
    if (waited_ms > 10000) {
      impl->server.stop();
      impl->thread.join();
      return Error(Code::kUnavailable, "dashboard: the server did not start serving");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::unique_ptr<Dashboard>(new Dashboard(std::move(impl)));
}

Result<std::unique_ptr<Dashboard>> ServeLedger(const std::string& db_dir, const std::string& listen,
                                               const std::string& cache_dir) {
  DashboardOptions o;
  o.db_dir = db_dir;
  LOCONET_RETURN_IF_ERROR(ParseListen(listen, &o.host, &o.port));
  auto plots = LoadPlotLibrary(cache_dir);
  if (plots.ok()) {
    o.plots = std::move(plots).value();
  } else {
    o.plots_error = plots.status().ToString();
    spdlog::warn("dashboard: serving without plots: {}", o.plots_error);
  }
  return Dashboard::Start(std::move(o));
}

Status ParseListen(const std::string& listen, std::string* host, int* port) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) {
    return Error(Code::kInvalidArgument,
                 "listen address \"" + listen + "\" is not host:port (e.g. 127.0.0.1:8080)");
  }
  const std::string p = listen.substr(colon + 1);
  if (p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(p) > 65535) {
    return Error(Code::kInvalidArgument,
                 "listen address \"" + listen + "\": port \"" + p + "\" is not in [0, 65535]");
  }
  *host = listen.substr(0, colon);
  *port = std::stoi(p);
  return Status::Ok();
}

}  // namespace loconet::dashboard
