#include "ops/testing/sqlite_testlib.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "sources/builtin/builtin.h"

namespace tidemark {

std::string RunCommand(const std::string& cmd, int* exit_code) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) {
    ADD_FAILURE() << "popen failed: " << cmd;
    if (exit_code) *exit_code = -1;
    return out;
  }
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = ::pclose(p);
  if (exit_code) *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string DumpDatabase(const std::string& path) {
  int rc = 0;
  std::string out =
      RunCommand("sqlite3 -bail " + ShellQuote(path) + " '.dump --preserve-rowids'", &rc);
  EXPECT_EQ(rc, 0) << "sqlite3 .dump of " << path << " failed";
  return out;
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteWholeFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  EXPECT_TRUE(out.good()) << "cannot write " << path;
}

void CopyFileOrFail(const std::string& from, const std::string& to) {
  WriteWholeFile(to, ReadWholeFile(from));
}

std::vector<std::string> ListFolder(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    ADD_FAILURE() << "cannot list " << dir;
    return out;
  }
  while (dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::vector<CsvField>> ParseCsv(const std::string& s) {
  std::vector<std::vector<CsvField>> rows;
  std::vector<CsvField> row;
  size_t i = 0;
  while (i < s.size()) {
    CsvField f;
    if (s[i] == '"') {
      f.quoted = true;
      for (i++;; i++) {
        if (i >= s.size()) {
          ADD_FAILURE() << "unterminated quoted field";
          return rows;
        }
        if (s[i] != '"') {
          f.text += s[i];
        } else if (i + 1 < s.size() && s[i + 1] == '"') {
          f.text += '"';  // a doubled quote
          i++;
        } else {
          i++;  // the closing quote
          break;
        }
      }
    } else {
      while (i < s.size() && s[i] != ',' && s[i] != '\r' && s[i] != '"') f.text += s[i++];
    }
    row.push_back(std::move(f));
    if (i < s.size() && s[i] == ',') {
      i++;
    } else if (s.compare(i, 2, "\r\n") == 0) {
      i += 2;
      rows.push_back(std::move(row));
      row.clear();
    } else {
      ADD_FAILURE() << "bad CSV at offset " << i;
      return rows;
    }
  }
  EXPECT_TRUE(row.empty()) << "the last record lacks its CRLF";
  return rows;
}

std::unique_ptr<TestRepo> TestRepo::Create(Backend* backend) {
  return Create(backend, LockMode::kNone, 0);
}

std::unique_ptr<TestRepo> TestRepo::Create(Backend* backend, LockMode lock_mode,
                                           uint32_t lock_days) {
  std::unique_ptr<TestRepo> t(new TestRepo());
  InitOptions opts;
  opts.kdf = KdfParams{1, 8192};
  opts.pack_target = 64 * 1024;
  opts.lock_mode = lock_mode;
  opts.lock_days = lock_days;
  auto r = Repository::Init(backend, kPassword, opts, &t->clock_);
  if (!r.ok()) {
    ADD_FAILURE() << "Repository::Init: " << r.status().ToString();
    return nullptr;
  }
  t->repo_ = std::move(*r);
  return t;
}

std::unique_ptr<BlobStore> TestRepo::OpenStore() const {
  auto store = std::make_unique<BlobStore>(repo_.get());
  Status s = store->LoadIndex();
  EXPECT_TRUE(s.ok()) << s.ToString();
  return store;
}

SourceRef SqliteSourceRef(const std::string& path) {
  return SourceRef{BuiltinConnectors().Find("sqlite"), path, nullptr};
}

Result<RestoreResult> RestoreSqlite(BlobStore* store, const Repository& repo, const Manifest& m,
                                    const RestoreOptions& opts) {
  return Restore(store, repo, m, *BuiltinConnectors().Find("sqlite"), opts);
}

Status VerifySqliteAgainstManifest(const std::string& path, const Manifest& m,
                                   const std::vector<std::string>& tables) {
  const Connector& c = *BuiltinConnectors().Find("sqlite");
  TM_ASSIGN_OR_RETURN(auto src, c.OpenReader(path, 10000));
  return VerifyAgainstManifest(c, src.get(), m, tables);
}

Result<BackupResult> TestRepo::Backup(const std::string& db_path, const std::string& name,
                                      BlobStoreStats* stats) {
  return BackupWith(db_path, name, stats, nullptr);
}

Result<BackupResult> TestRepo::BackupWithProfile(const std::string& db_path,
                                                 const std::string& name, const Profile* profile) {
  return BackupWith(db_path, name, nullptr, profile);
}

Result<BackupResult> TestRepo::BackupWith(const std::string& db_path, const std::string& name,
                                          BlobStoreStats* stats, const Profile* profile) {
  clock_.Advance(60'000'000);
  auto store = std::make_unique<BlobStore>(repo_.get());
  TM_RETURN_IF_ERROR(store->LoadIndex());
  BackupOptions opts;
  opts.source = SqliteSourceRef(db_path);
  opts.name = name;
  opts.host = "testhost";
  opts.tool_version = "test";
  opts.profile = profile;
  Result<BackupResult> r = ::tidemark::Backup(repo_.get(), store.get(), opts);
  if (stats) *stats = store->stats();
  return r;
}

Result<RestoreResult> TestRepo::Restore(const Manifest& m, const RestoreOptions& opts) const {
  auto store = std::make_unique<BlobStore>(repo_.get());
  TM_RETURN_IF_ERROR(store->LoadIndex());
  return RestoreSqlite(store.get(), *repo_, m, opts);
}

Result<RestoreResult> TestRepo::Restore(const Manifest& m, const std::string& path) const {
  RestoreOptions opts;
  opts.path = path;
  return Restore(m, opts);
}

std::vector<SnapshotInfo> TestRepo::Snapshots(const std::string& source) const {
  auto r = LoadSnapshots(*repo_, source);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<SnapshotInfo>{};
}

}  // namespace tidemark
