#include "ops/restore/export.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <map>

#include "base/clock.h"
#include "base/hex.h"
#include "base/json.h"
#include "base/json_parse.h"
#include "base/progress.h"
#include "crypto/crypto.h"
#include "records/encoding.h"
#include "records/value_json.h"
#include "snapshot/large_values.h"
#include "tree/tree.h"

namespace tidemark {
namespace {

constexpr const char* kManifestName = "manifest.json";

// A file written in full, hashed as it goes; Close syncs it.
class HashedFile {
 public:
  static Result<std::unique_ptr<HashedFile>> Create(const std::string& path, unsigned mode) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return Status::IOError("cannot create " + path + ": " + std::strerror(errno));
    FILE* f = ::fchmod(fd, static_cast<mode_t>(mode)) == 0 ? ::fdopen(fd, "w") : nullptr;
    if (f == nullptr) {
      const int err = errno;
      ::close(fd);
      return Status::IOError("cannot create " + path + ": " + std::strerror(err));
    }
    return std::unique_ptr<HashedFile>(new HashedFile(path, f));
  }
  ~HashedFile() {
    if (f_) std::fclose(f_);
  }
  Status Write(std::string_view s) {
    hasher_.Update(s);
    bytes_ += s.size();
    if (std::fwrite(s.data(), 1, s.size(), f_) != s.size()) return Error();
    return Status::OK();
  }
  Status Close() {
    if (std::fflush(f_) != 0 || ::fsync(fileno(f_)) != 0) return Error();
    const int rc = std::fclose(f_);
    f_ = nullptr;
    if (rc != 0) return Error();
    return Status::OK();
  }
  std::string Sha256Hex() { return HexEncode(hasher_.Finish()); }
  uint64_t bytes() const { return bytes_; }

 private:
  HashedFile(std::string path, FILE* f) : path_(std::move(path)), f_(f) {}
  Status Error() const {
    return Status::IOError("writing " + path_ + " failed: " + std::strerror(errno) +
                           " (disk full?); nothing was kept");
  }
  std::string path_;
  FILE* f_;
  Sha256Hasher hasher_;
  uint64_t bytes_ = 0;
};

// A text cell a spreadsheet would run as a formula (OWASP "CSV injection"):
// it starts with = + - @ tab or CR. Numbers are not text: -5 stays -5.
bool LooksLikeFormula(std::string_view text) {
  return !text.empty() && std::string_view("=+-@\t\r").find(text[0]) != std::string_view::npos;
}

// raw: text cells as they are; otherwise a formula-like one gets a leading '.
std::string CsvField(const Value& v, bool raw) {
  switch (v.type()) {
    case ValueType::kNull:
      return "";  // NULL is the empty unquoted field; an empty text is ""
    case ValueType::kInteger:
    case ValueType::kReal:
      return ValueToDisplay(v);
    case ValueType::kBlob:
      return "\\x" + HexEncode(v.bytes());
    case ValueType::kText: {
      std::string out = "\"";
      if (!raw && LooksLikeFormula(v.bytes())) out += '\'';
      for (char c : v.bytes()) {
        if (c == '"') out += '"';
        out += c;
      }
      return out + "\"";
    }
    case ValueType::kNumeric:
      return v.bytes();  // a number, like an integer
    default:
      // The other v2 kinds: their text form (records.md §7), quoted.
      return CsvField(Value::Text(ValueToDisplay(v)), raw);
  }
  return "";
}

Status ExportTable(BlobStore* store, const Repository& repo, NodeCache* cache,
                   const SnapshotTable& t, const ExportOptions& opts, HashedFile* f,
                   Progress* progress) {
  const ExportFormat format = opts.format;
  const std::vector<std::string> names = t.schema.RecordFieldNames();
  if (format == ExportFormat::kCsv) {
    std::string header;
    for (size_t i = 0; i < names.size(); i++) {
      header += (i ? "," : "") + CsvField(Value::Text(names[i]), opts.csv_raw);
    }
    TM_RETURN_IF_ERROR(f->Write(header + "\r\n"));
  }
  ChunkedValueStore large(store, repo);
  Record rec;
  std::string line;
  return TreeScan(cache, t.root, std::nullopt,
                  [&](std::string_view, std::string_view value) -> Result<bool> {
                    TM_RETURN_IF_ERROR(DecodeRecord(value, "record of " + t.schema.name, &rec));
                    line.clear();
                    if (format == ExportFormat::kCsv) {
                      for (size_t i = 0; i < rec.size(); i++) {
                        TM_RETURN_IF_ERROR(ResolveValue(&large, &rec[i]));
                        if (i) line += ',';
                        line += CsvField(rec[i], opts.csv_raw);
                      }
                      line += "\r\n";
                    } else {
                      JsonWriter w;
                      w.BeginObject();
                      for (size_t i = 0; i < rec.size(); i++) {
                        TM_RETURN_IF_ERROR(ResolveValue(&large, &rec[i]));
                        w.Key(i < names.size() ? names[i] : "#" + std::to_string(i));
                        WriteValueJson(&w, rec[i]);
                      }
                      w.EndObject();
                      line = w.str() + "\n";
                    }
                    TM_RETURN_IF_ERROR(f->Write(line));
                    progress->Add(1);
                    return true;
                  });
}

std::string ManifestJson(const Id& id, const Manifest& m, const ExportOptions& opts,
                         const std::vector<ExportedFile>& files) {
  JsonWriter w;
  w.BeginObject()
      .Field("format", "tidemark-export-1")
      .Field("tool", "tidemark")
      .Field("tool_version", opts.tool_version)
      .Field("snapshot", id.Hex())
      .Field("source", m.source)
      .Field("source_uri", m.source_uri)
      .Field("time", FormatTimeUtc(m.time_us))
      .Field("file_format", opts.format == ExportFormat::kCsv ? "csv" : "ndjson");
  if (opts.format == ExportFormat::kCsv) {
    // docs/guide/export.md: "prefixed" when formula-like text cells start with '.
    w.Field("csv_formulas", opts.csv_raw ? "raw" : "prefixed");
  }
  w.Key("labels").BeginObject();
  for (const auto& [k, v] : m.labels) w.Field(k, v);
  w.EndObject();
  w.Key("tables").BeginArray();
  for (const ExportedFile& f : files) {
    const SnapshotTable* t = m.FindTable(f.table);
    w.BeginObject().Field("name", f.table).Field("file", f.file).Field("rows", f.rows);
    w.Field("bytes", f.bytes).Field("sha256", f.sha256_hex).Field("sql", t->schema.sql);
    w.Key("key").BeginArray();
    for (const std::string& k : t->schema.KeyNames()) w.String(k);
    w.EndArray();
    w.Key("columns").BeginArray();
    const std::vector<std::string> names = t->schema.RecordFieldNames();
    for (const std::string& n : names) {
      std::string type;
      for (const Column& c : t->schema.columns) {
        if (c.name == n) type = c.decl_type;
      }
      w.BeginObject().Field("name", n).Field("declared_type", type).EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray().EndObject();
  return w.str() + "\n";
}

void RemoveTree(const std::string& dir) {
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string n = e->d_name;
      if (n != "." && n != "..") ::unlink((dir + "/" + n).c_str());
    }
    ::closedir(d);
  }
  ::rmdir(dir.c_str());
}

Result<std::vector<std::string>> ListDir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr)
    return Status::NotFound("cannot open folder " + dir + ": " + std::strerror(errno));
  std::vector<std::string> out;
  while (dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  ::closedir(d);
  return out;
}

}  // namespace

std::string ExportFileName(const std::string& table, ExportFormat format) {
  std::string out;
  for (unsigned char c : table) {
    if (std::isalnum(c) || c == '_' || c == '-' || (c == '.' && !out.empty())) {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out + (format == ExportFormat::kCsv ? ".csv" : ".ndjson");
}

Result<std::vector<ExportedFile>> ExportSnapshot(BlobStore* store, const Repository& repo,
                                                 const Id& id, const Manifest& m,
                                                 const ExportOptions& opts) {
  if (auto existing = ListDir(opts.dir); existing.ok() && !existing->empty()) {
    return Status::AlreadyExists(opts.dir + " exists and is not empty; export into a new folder");
  }
  std::vector<const SnapshotTable*> tables;
  for (const std::string& name : opts.tables) {
    const SnapshotTable* t = m.FindTable(name);
    if (t == nullptr || !t->schema.has_records()) {
      return Status::InvalidArgument("snapshot has no table '" + name +
                                     "' with records; `tidemark ls SNAP` lists them");
    }
    tables.push_back(t);
  }
  if (opts.tables.empty()) {
    for (const SnapshotTable& t : m.tables) {
      if (t.schema.kind == TableKind::kTable) tables.push_back(&t);
    }
  }
  uint64_t total = 0;
  for (const SnapshotTable* t : tables) total += t->root.count;
  const std::string tmp = opts.dir + ".tidemark-" + HexEncode(RandomBytes(6)) + ".tmp";
  const unsigned dir_mode = opts.mode | ((opts.mode & 0444) >> 2);  // r -> r+x
  if (::mkdir(tmp.c_str(), 0700) != 0 || ::chmod(tmp.c_str(), dir_mode) != 0) {
    return Status::IOError("cannot create " + tmp + ": " + std::strerror(errno));
  }
  std::vector<ExportedFile> files;
  Progress progress("export", total, Progress::Unit::kCount, opts.show_progress);
  Status s = [&]() -> Status {
    NodeCache cache(store);
    for (const SnapshotTable* t : tables) {
      ExportedFile ef{t->schema.name, ExportFileName(t->schema.name, opts.format), "", 0, 0};
      TM_ASSIGN_OR_RETURN(auto f, HashedFile::Create(tmp + "/" + ef.file, opts.mode));
      TM_RETURN_IF_ERROR(ExportTable(store, repo, &cache, *t, opts, f.get(), &progress));
      TM_RETURN_IF_ERROR(f->Close());
      ef.rows = t->root.count;
      ef.bytes = f->bytes();
      ef.sha256_hex = f->Sha256Hex();
      files.push_back(ef);
    }
    TM_ASSIGN_OR_RETURN(auto mf, HashedFile::Create(tmp + "/" + kManifestName, opts.mode));
    TM_RETURN_IF_ERROR(mf->Write(ManifestJson(id, m, opts, files)));
    return mf->Close();
  }();
  progress.Finish();
  if (s.ok()) {
    ::rmdir(opts.dir.c_str());  // an empty folder the user made is replaced
    if (::rename(tmp.c_str(), opts.dir.c_str()) != 0) {
      s = Status::IOError("cannot rename the export into " + opts.dir + ": " +
                          std::strerror(errno));
    }
  }
  if (!s.ok()) {
    RemoveTree(tmp);
    return s;
  }
  return files;
}

Result<std::vector<ExportProblem>> VerifyExport(const std::string& dir) {
  TM_ASSIGN_OR_RETURN(std::vector<std::string> present, ListDir(dir));
  std::vector<ExportProblem> problems;
  std::string text;
  {
    FILE* f = std::fopen((dir + "/" + kManifestName).c_str(), "rb");
    if (f == nullptr) return std::vector<ExportProblem>{{kManifestName, "missing"}};
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
  }
  auto doc = ParseJson(text);
  const JsonValue* tables = doc.ok() ? doc->Find("tables") : nullptr;
  if (!doc.ok() || tables == nullptr || !tables->is_array()) {
    return std::vector<ExportProblem>{
        {kManifestName,
         "unreadable: " + (doc.ok() ? std::string("no tables list") : doc.status().message())}};
  }
  std::map<std::string, bool> listed{{kManifestName, true}};
  for (const JsonValue& t : tables->array()) {
    const JsonValue* file = t.Find("file");
    const JsonValue* sha = t.Find("sha256");
    if (!file || !file->is_string() || !sha || !sha->is_string() ||
        file->string_value().find('/') != std::string::npos) {
      problems.push_back({kManifestName, "a table entry lacks a valid file or sha256"});
      continue;
    }
    const std::string& name = file->string_value();
    listed[name] = true;
    FILE* f = std::fopen((dir + "/" + name).c_str(), "rb");
    if (f == nullptr) {
      problems.push_back({name, "missing"});
      continue;
    }
    Sha256Hasher h;
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) h.Update(std::string_view(buf, n));
    const bool read_error = std::ferror(f);
    std::fclose(f);
    if (read_error) {
      problems.push_back({name, "unreadable"});
    } else if (HexEncode(h.Finish()) != sha->string_value()) {
      problems.push_back({name, "modified (SHA-256 differs from manifest.json)"});
    }
  }
  for (const std::string& name : present) {
    if (!listed.count(name)) problems.push_back({name, "extra (not in manifest.json)"});
  }
  return problems;
}

}  // namespace tidemark
