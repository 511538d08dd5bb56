// tidemark serve: the REST API, /metrics and (with the scheduler) the jobs
// of one repository, in the foreground. Flags, signals and the lock live
// here; everything HTTP is in server/. docs/guide/serve.md, docs/api.md
#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "cli/commands.h"
#include "cli/config_access.h"
#include "cli/context.h"
#include "ledger/ledger_head.h"
#include "server/api.h"
#include "server/http_server.h"
#include "server/server_lock.h"

namespace tidemark::cli {
namespace {

struct ServeFlags {
  std::string listen = "127.0.0.1:8470";
  std::string tls_cert, tls_key, log_format = "text", state_dir, port_file;
  bool anonymous_metrics = false;
  uint64_t max_body = 1u << 20;
};

// SIGTERM and SIGINT, blocked in every thread and taken by one that stops
// the server: no handler runs in signal context.
class SignalStopper {
 public:
  explicit SignalStopper(HttpServer* server) : server_(server) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);  // threads started later inherit it
    thread_ = std::thread([this] { Wait(); });
  }
  // Call after Run returned: wakes the waiting thread if no signal came.
  ~SignalStopper() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    pthread_kill(thread_.native_handle(), SIGTERM);
    thread_.join();
  }
  int signal() const { return signal_; }

 private:
  void Wait() {
    int sig = 0;
    sigwait(&set_, &sig);
    std::unique_lock<std::mutex> lock(mu_);
    if (done_) return;
    signal_ = sig;
    // A stop before the server runs is lost by cpp-httplib: repeat until Run returns.
    while (!done_) {
      server_->Stop();
      cv_.wait_for(lock, std::chrono::milliseconds(20));
    }
  }

  HttpServer* server_;
  sigset_t set_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;  // guarded by mu_
  int signal_ = 0;
};

Status WritePortFile(const std::string& path, int port) {
  if (path.empty()) return Status::OK();
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) return Status::IOError("cannot write --port-file " + path);
  std::fprintf(f, "%d\n", port);
  if (std::fclose(f) != 0 || std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IOError("cannot write --port-file " + path);
  }
  return Status::OK();
}

Result<HttpServerOptions> ServerOptions(Context* ctx, const ServeFlags& flags) {
  if (flags.log_format != "text" && flags.log_format != "json") {
    return Status::InvalidArgument("--log-format takes text or json");
  }
  HttpServerOptions o;
  TM_ASSIGN_OR_RETURN(o.listen, ParseListen(flags.listen));
  o.tls_cert = flags.tls_cert;
  o.tls_key = flags.tls_key;
  o.max_body_bytes = flags.max_body;
  o.json_log = flags.log_format == "json";
  o.log = [](const std::string& line) {
    std::fputs((line + "\n").c_str(), stderr);
    std::fflush(stderr);
  };
  const Clock* clock = ctx->clock();
  o.now_us = [clock] { return clock->NowMicros(); };
  return o;
}

Status RunServe(Context* ctx, const ServeFlags& flags) {
  TM_ASSIGN_OR_RETURN(HttpServerOptions options, ServerOptions(ctx, flags));
  TM_ASSIGN_OR_RETURN(ConfigFile cfg, LoadConfigFor(ctx, "", false));
  TM_ASSIGN_OR_RETURN(Repository * repo, ctx->OpenRepository());
  const std::string state = flags.state_dir.empty() ? DefaultCacheDir() : flags.state_dir;
  if (state.empty()) {
    return Status::InvalidArgument("no state folder: give --state-dir DIR (or set HOME)");
  }
  TM_ASSIGN_OR_RETURN(auto lock, ServerLock::Acquire(state, repo->id_hex()));
  ApiSettings settings;
  settings.anonymous_metrics = flags.anonymous_metrics;
  settings.host = CurrentHost();
  settings.version = TIDEMARK_VERSION;
  ApiCore core(repo, &cfg, settings);
  TM_RETURN_IF_ERROR(core.Start());
  TM_ASSIGN_OR_RETURN(auto server, HttpServer::Create(&core, options));
  TM_ASSIGN_OR_RETURN(int port, server->Bind());
  Status served;
  {
    SignalStopper stopper(server.get());
    ListenAddress bound = options.listen;
    bound.port = port;
    const std::string url =
        std::string(options.tls_cert.empty() ? "http://" : "https://") + bound.ToString();
    TM_RETURN_IF_ERROR(WritePortFile(flags.port_file, port));
    std::printf("tidemark serve: listening on %s\n", url.c_str());
    std::fflush(stdout);
    served = server->Run();
  }
  if (served.ok()) std::fputs("tidemark serve: stopped\n", stderr);
  return served;
}

}  // namespace

void AddServeCommand(CLI::App* app, Context* ctx) {
  auto flags = std::make_shared<ServeFlags>();
  auto* cmd =
      app->add_subcommand("serve", "the REST API and Prometheus metrics, in the foreground");
  cmd->add_option("--listen", flags->listen, "HOST:PORT (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--tls-cert", flags->tls_cert, "PEM certificate (required off loopback)");
  cmd->add_option("--tls-key", flags->tls_key, "PEM private key (required off loopback)");
  cmd->add_option("--log-format", flags->log_format, "text or json (one line per request)")
      ->capture_default_str();
  cmd->add_option("--state-dir", flags->state_dir,
                  "where the server's lock lives (default: the cache folder)");
  cmd->add_option("--port-file", flags->port_file, "write the bound port here once listening");
  cmd->add_option("--max-body", flags->max_body, "largest request body in bytes")
      ->capture_default_str()
      ->check(CLI::Range(1, 64 << 20));
  cmd->add_flag("--metrics-anonymous", flags->anonymous_metrics,
                "serve /metrics without a token (default: a viewer's token)");
  cmd->callback([ctx, flags] { ctx->run = [ctx, flags] { return RunServe(ctx, *flags); }; });
}

}  // namespace tidemark::cli
