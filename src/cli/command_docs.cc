#include "cli/command_docs.h"

#include <CLI/CLI.hpp>

namespace tidemark::cli {
namespace {

// Keep the examples runnable: they use the names of the README's tour
// (a source "crm", a drill plan "crm-quarterly").
const CommandDoc kDocs[] = {
    {"version", "debugging.md", "", {{"tidemark version", "the version and repository format"}}},
    {"init",
     "repository.md",
     "4 when a repository already exists there.",
     {{"tidemark -r /srv/backups/crm --password-file /etc/tidemark/crm.password init",
       "a new encrypted repository"}}},
    {"key",
     "repository.md",
     "4 when `key remove` names the key in use; 5 when an append-only key refuses.",
     {{"tidemark key list", "every key slot"},
      {"tidemark key add --new-password-file oncall.pass", "a second password in its own slot"},
      {"tidemark key remove 3fa1", "remove a slot by id prefix"}}},
    {"cat",
     "snapshots.md",
     "",
     {{"tidemark cat crm@latest customers 42", "one record as JSON"},
      {"tidemark cat config", "the decrypted repository config, for debugging"}}},
    {"check",
     "check.md",
     "3 when damage is found.",
     {{"tidemark check", "structure: keys, index, pack headers, locks, ledger"},
      {"tidemark check --read-data-subset 5%",
       "also decrypt and re-hash a twentieth of the data"}}},
    {"unlock", "repository.md", "", {{"tidemark unlock", "remove locks left by dead processes"}}},
    {"ledger",
     "ledger.md",
     "3 when `ledger verify` finds an edited, missing or reordered entry.",
     {{"tidemark ledger show --json", "who did what, when, with what outcome"},
      {"tidemark ledger verify", "check the whole chain and its signatures"}}},
    {"backup",
     "backup.md",
     "4 with --fail-on-anomaly when anomalies were found (the snapshot is stored).",
     {{"tidemark backup sqlite:/srv/nocodb/noco.db --name crm --tag nightly",
       "one consistent, incremental snapshot"},
      {"tidemark backup --all --due", "every configured source whose RPO has passed"}}},
    {"snapshots",
     "snapshots.md",
     "",
     {{"tidemark snapshots --source crm", "the snapshots of one source"}}},
    {"show", "snapshots.md", "", {{"tidemark show crm@latest", "a snapshot's manifest"}}},
    {"ls",
     "snapshots.md",
     "",
     {{"tidemark ls crm@latest", "the tables of a snapshot"},
      {"tidemark ls crm@latest customers", "the records of one table"}}},
    {"diff",
     "diff.md",
     "",
     {{"tidemark diff crm@latest live", "what changed since the last backup"},
      {"tidemark diff crm@2026-11-21T18:00 crm@latest --stat", "counts per table"}}},
    {"history",
     "diff.md",
     "",
     {{"tidemark history crm customers 42", "every version of one record"}}},
    {"restore",
     "restore.md",
     "3 when a restored table does not match its digest; 4 when the target exists.",
     {{"tidemark restore crm@latest --to sqlite:/tmp/crm-restored.db",
       "a new, verified SQLite file"}}},
    {"export",
     "export.md",
     "4 when the folder is not empty.",
     {{"tidemark export crm@latest --format csv --out /tmp/crm-export",
       "CSV files and manifest.json with SHA-256s"}}},
    {"verify-export",
     "export.md",
     "3 when a file is modified, missing or extra.",
     {{"tidemark verify-export /tmp/crm-export", "no repository or password needed"}}},
    {"copy",
     "copy.md",
     "5 when the destination's credentials are refused.",
     {{"tidemark copy --to s3:https://s3.example.com/backups/crm --to-password-file "
       "/etc/tidemark/offsite.pw --source crm",
       "the snapshots of crm the offsite repository lacks, re-encrypted under its keys"}}},
    {"forget",
     "retention.md",
     "",
     {{"tidemark forget --keep-daily 7 --keep-weekly 5 --dry-run",
       "which rule keeps each snapshot"},
      {"tidemark forget --all --prune", "each source's [source.retention], then prune"}}},
    {"prune", "retention.md", "", {{"tidemark prune", "reclaim space; safe while backups run"}}},
    {"hold",
     "retention.md",
     "",
     {{"tidemark hold add crm@latest --reason \"audit 2026-Q4\"", "never forgotten while held"},
      {"tidemark hold list", "every hold"}}},
    {"rollback",
     "rollback.md",
     "4 when the plan is refused (unsaved work, constraints, no --yes); 3 when the read-back "
     "does not match (nothing changed).",
     {{"tidemark rollback crm --to crm@2026-11-21T18:00 --table customers --key 42 --dry-run",
       "preview one record's return"},
      {"tidemark rollback crm --to crm@latest --yes",
       "the whole source, after a safety snapshot"}}},
    {"revert",
     "rollback.md",
     "4 when the plan is refused; 3 when the read-back does not match (nothing changed).",
     {{"tidemark revert crm 3fa1..9c2e --dry-run",
       "the changes between two snapshots, undone; later edits kept"}}},
    {"repair",
     "repair.md",
     "3 when packs with a damaged header remain.",
     {{"tidemark repair index", "rebuild the index from the pack headers"}}},
    {"drill",
     "drills.md",
     "3 when a drill fails a check or misses its RTO/RPO target.",
     {{"tidemark drill crm-quarterly", "restore, check, measure, sign the report"},
      {"tidemark drill --all --due", "every plan overdue by its cadence"}}},
    {"drills",
     "drills.md",
     "3 when `drills show --verify` finds the report damaged.",
     {{"tidemark drills", "every plan: RTO trend, last result, overdue"},
      {"tidemark drills show 3fa1 --format html --out drill.html", "the report for an auditor"}}},
    {"alerts",
     "anomalies.md",
     "4 when `alerts ack` names an acknowledged id.",
     {{"tidemark alerts list", "anomalies found by backups"},
      {"tidemark alerts ack 3fa1b2c3d4e5/1 --reason \"planned cleanup\"",
       "close one, with a ledger entry"}}},
    {"status",
     "status.md",
     "4 when any source is out of policy.",
     {{"tidemark status", "every source against its RPO, drills and anomalies"},
      {"tidemark status --json", "the same, for monitoring"}}},
    {"sources", "config.md", "", {{"tidemark sources", "the catalog in tidemark.toml"}}},
    {"config",
     "config.md",
     "2 when tidemark.toml has an error.",
     {{"tidemark --config /etc/tidemark/tidemark.toml config check", "validate the file"}}},
    {"doctor",
     "doctor.md",
     "4 when any problem is found (each on its own PROBLEM line).",
     {{"tidemark doctor", "config, repository, password, sources, last backup and drill"},
      {"tidemark --config /etc/tidemark/crm.toml doctor --json", "the same, for monitoring"}}},
    {"user",
     "serve.md",
     "4 when `user add` names an existing account.",
     {{"tidemark user add alice --role restorer --source crm",
       "an account that may restore and roll back crm only"},
      {"tidemark user list", "every account, its role, sources and token ids"},
      {"tidemark user passwd alice --new-password-file alice.pass",
       "a login password (Argon2id)"}}},
    {"token",
     "serve.md",
     "4 when the account already has 32 tokens.",
     {{"tidemark token create alice", "a new API token, printed once"},
      {"tidemark token revoke alice 3fa1b2c3d4e5", "revoke one token by its id"}}},
    {"serve",
     "serve.md",
     "2 for a non-loopback --listen without --tls-cert and --tls-key; 4 when another server "
     "holds the lock.",
     {{"tidemark serve", "the REST API and /metrics on 127.0.0.1:8470"},
      {"tidemark serve --listen 0.0.0.0:8443 --tls-cert /etc/tidemark/tls.crt --tls-key "
       "/etc/tidemark/tls.key",
       "off loopback, over TLS only"}}},
    {"generate",
     "install.md",
     "",
     {{"tidemark generate --man /usr/local/share/man/man1", "write the man pages"},
      {"tidemark generate --bash-completion /etc/bash_completion.d/tidemark",
       "write the bash completion"}}},
};

std::string Footer(const CommandDoc& d) {
  std::string f = "Examples:\n";
  for (const CommandExample& e : d.examples)
    f += "  " + std::string(e.line) + "\n      " + e.what + "\n";
  if (*d.exit_note) f += "\nExit codes: 0 ok; " + std::string(d.exit_note) + " See tidemark(1).\n";
  return f;
}

}  // namespace

const CommandDoc* FindCommandDoc(const std::string& name) {
  for (const CommandDoc& d : kDocs) {
    if (name == d.name) return &d;
  }
  return nullptr;
}

void AttachCommandDocs(CLI::App* app) {
  for (CLI::App* sub : app->get_subcommands([](CLI::App*) { return true; })) {
    if (const CommandDoc* d = FindCommandDoc(sub->get_name())) sub->footer(Footer(*d));
  }
}

}  // namespace tidemark::cli
