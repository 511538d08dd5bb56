// GET /metrics: the Prometheus text format (version 0.0.4), named after
// the conventions of restic-exporter and Velero (docs/api.md#metrics).
// Per source from ops/status (the numbers of `tidemark status --json`);
// repository and server series only for a grant on every source.
#include <cinttypes>
#include <cstdio>

#include "config/status_input.h"
#include "ops/status/status_report.h"
#include "server/api_handlers.h"

namespace tidemark::api {
namespace {

std::string LabelValue(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

class Exposition {
 public:
  // Starts a family: its HELP and TYPE lines.
  void Family(const char* name, const char* type, const char* help) {
    out_ += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    name_ = name;
  }
  void Sample(const std::string& labels, const std::string& value) {
    out_ += name_ + (labels.empty() ? "" : "{" + labels + "}") + " " + value + "\n";
  }
  void Sample(const std::string& labels, uint64_t value) { Sample(labels, std::to_string(value)); }
  const std::string& str() const { return out_; }

 private:
  std::string out_, name_;
};

std::string SourceLabel(const std::string& source) {
  return "source=\"" + LabelValue(source) + "\"";
}

using Rows = std::vector<const SourceStatus*>;

void BackupFamilies(Exposition* e, const Rows& rows, int64_t now) {
  e->Family("tidemark_backup_last_success_timestamp_seconds", "gauge",
            "Time of the newest snapshot of the source (Unix seconds).");
  for (const SourceStatus* s : rows) {
    if (s->last) e->Sample(SourceLabel(s->policy.name), Number(s->last->manifest.time_us / 1e6));
  }
  e->Family("tidemark_backup_age_seconds", "gauge", "Age of the newest snapshot of the source.");
  for (const SourceStatus* s : rows) {
    if (s->last) e->Sample(SourceLabel(s->policy.name), Number(s->age_us(now) / 1e6));
  }
  e->Family("tidemark_backup_duration_seconds", "gauge", "How long the newest backup took.");
  for (const SourceStatus* s : rows) {
    if (s->last) {
      e->Sample(SourceLabel(s->policy.name), Number(s->last->manifest.stats.duration_us / 1e6));
    }
  }
  e->Family("tidemark_backup_added_bytes", "gauge", "Bytes the newest backup stored.");
  for (const SourceStatus* s : rows) {
    if (s->last) e->Sample(SourceLabel(s->policy.name), s->last->manifest.stats.bytes_added);
  }
  e->Family("tidemark_backup_changed_records", "gauge",
            "Records the newest backup found added, changed or removed since its parent.");
  for (const SourceStatus* s : rows) {
    if (!s->last) continue;
    const auto& st = s->last->manifest.stats;
    const std::string l = SourceLabel(s->policy.name);
    e->Sample(l + ",change=\"added\"", st.records_added);
    e->Sample(l + ",change=\"changed\"", st.records_changed);
    e->Sample(l + ",change=\"removed\"", st.records_removed);
  }
  e->Family("tidemark_rpo_ok", "gauge", "1 when the newest snapshot is within the RPO target.");
  for (const SourceStatus* s : rows) {
    e->Sample(SourceLabel(s->policy.name), static_cast<uint64_t>(s->backup == "ok"));
  }
  e->Family("tidemark_rpo_target_seconds", "gauge", "The source's RPO target.");
  for (const SourceStatus* s : rows) {
    if (s->policy.rpo_us) e->Sample(SourceLabel(s->policy.name), Number(*s->policy.rpo_us / 1e6));
  }
}

void DrillFamilies(Exposition* e, const Rows& rows) {
  e->Family("tidemark_drill_last_success", "gauge",
            "1 when the source's last drill (or a plan's newest failed one) passed, else 0.");
  for (const SourceStatus* s : rows) {
    if (s->last_drill) {
      e->Sample(SourceLabel(s->policy.name), static_cast<uint64_t>(s->last_drill->passed()));
    }
  }
  e->Family("tidemark_drill_rto_seconds", "gauge", "The RTO that drill achieved.");
  for (const SourceStatus* s : rows) {
    if (s->last_drill) {
      e->Sample(SourceLabel(s->policy.name), Number(s->last_drill->rto_achieved_us / 1e6));
    }
  }
  e->Family("tidemark_rto_target_seconds", "gauge", "The source's RTO target.");
  for (const SourceStatus* s : rows) {
    if (s->policy.rto_us) e->Sample(SourceLabel(s->policy.name), Number(*s->policy.rto_us / 1e6));
  }
  e->Family("tidemark_drill_ok", "gauge",
            "1 when the drill state is ok (or no drill is expected), else 0.");
  for (const SourceStatus* s : rows) {
    e->Sample(SourceLabel(s->policy.name),
              static_cast<uint64_t>(s->drill == "ok" || s->drill == "none"));
  }
}

void SourceFamilies(Exposition* e, const Rows& rows) {
  e->Family("tidemark_anomalies_open", "gauge", "Anomalies not acknowledged.");
  for (const SourceStatus* s : rows) e->Sample(SourceLabel(s->policy.name), s->open_alerts);
  e->Family("tidemark_snapshots", "gauge", "Snapshots of the source.");
  for (const SourceStatus* s : rows) e->Sample(SourceLabel(s->policy.name), s->snapshots);
  e->Family("tidemark_source_ok", "gauge", "1 when the source is within its policy (status ok).");
  for (const SourceStatus* s : rows) {
    e->Sample(SourceLabel(s->policy.name), static_cast<uint64_t>(s->ok()));
  }
}

Status RepositoryFamilies(ApiCore& core, const StatusReport& r, Exposition* e) {
  uint64_t packs = 0, bytes = 0;
  TM_RETURN_IF_ERROR(core.repo()->backend()->List(FileKind::kPack, [&](const FileInfo& f) {
    packs++;
    bytes += f.size;
    return Status::OK();
  }));
  e->Family("tidemark_repository_packs", "gauge", "Pack files in the repository.");
  e->Sample("", packs);
  e->Family("tidemark_repository_pack_bytes", "gauge", "Bytes of the repository's pack files.");
  e->Sample("", bytes);
  e->Family("tidemark_out_of_policy", "gauge",
            "Sources out of policy plus drill reports that do not verify (status out_of_policy).");
  e->Sample("", static_cast<uint64_t>(r.out_of_policy));
  e->Family("tidemark_http_requests_total", "counter",
            "HTTP responses of this server by status code.");
  for (const auto& [code, n] : core.ResponseCounts()) {
    e->Sample("code=\"" + std::to_string(code) + "\"", n);
  }
  return Status::OK();
}

}  // namespace

Result<ApiResponse> GetMetrics(ApiCore& core, const ApiCall& call) {
  TM_ASSIGN_OR_RETURN(StatusReport r,
                      BuildStatusReport(*core.repo(), StatusInputOf(core.config())));
  Rows rows;
  for (const SourceStatus& s : r.sources) {
    if (call.account == nullptr || InScope(call.account->grant, s.policy.name)) rows.push_back(&s);
  }
  Exposition e;
  BackupFamilies(&e, rows, r.now_us);
  DrillFamilies(&e, rows);
  SourceFamilies(&e, rows);
  if (call.account == nullptr || !call.account->grant.scoped()) {
    TM_RETURN_IF_ERROR(RepositoryFamilies(core, r, &e));
  }
  ApiResponse res = Json(e.str());
  res.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return res;
}

}  // namespace tidemark::api
