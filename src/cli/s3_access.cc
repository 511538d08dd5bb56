#include "cli/s3_access.h"

#include <cstdlib>
#include <fstream>

#include "cli/password.h"

namespace tidemark::cli {

namespace {

std::string Env(const char* name) {
  const char* v = getenv(name);
  return v ? v : "";
}

std::string Trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t\r") - a + 1);
}

std::string SharedCredentialsFile() {
  if (!Env("AWS_SHARED_CREDENTIALS_FILE").empty()) return Env("AWS_SHARED_CREDENTIALS_FILE");
  return Env("HOME") + "/.aws/credentials";
}

// Reads `profile` from the INI file at `path`. NotFound if the file or the
// profile is missing.
Status ReadProfile(const std::string& path, const std::string& profile, SigV4Credentials* c) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("no shared credentials file " + path);
  std::string line, section;
  bool found = false;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = Trim(line.substr(1, line.size() - 2));
      if (section.rfind("profile ", 0) == 0) section = Trim(section.substr(8));
      found |= section == profile;
      continue;
    }
    if (section != profile) continue;
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string k = Trim(line.substr(0, eq)), v = Trim(line.substr(eq + 1));
    if (k == "aws_access_key_id") c->access_key_id = v;
    if (k == "aws_secret_access_key") c->secret_access_key = v;
    if (k == "aws_session_token") c->session_token = v;
  }
  if (!found) return Status::NotFound("no profile '" + profile + "' in " + path);
  if (c->access_key_id.empty() || c->secret_access_key.empty()) {
    return Status::PermissionDenied("profile '" + profile + "' of " + path +
                                    " lacks aws_access_key_id or aws_secret_access_key");
  }
  return Status::OK();
}

Status FromProfile(const std::string& profile, S3Options* o) {
  const std::string path = SharedCredentialsFile();
  o->credential_source = "profile '" + profile + "' of " + path;
  return ReadProfile(path, profile, &o->credentials);
}

Status Credentials(const S3Settings& s, S3Options* o) {
  if (!Env("AWS_ACCESS_KEY_ID").empty() || !Env("AWS_SECRET_ACCESS_KEY").empty()) {
    o->credentials = {Env("AWS_ACCESS_KEY_ID"), Env("AWS_SECRET_ACCESS_KEY"),
                      Env("AWS_SESSION_TOKEN")};
    o->credential_source = "the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)";
    if (o->credentials.access_key_id.empty() || o->credentials.secret_access_key.empty()) {
      return Status::PermissionDenied(
          "only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set: set both");
    }
    return Status::OK();
  }
  if (!Env("AWS_PROFILE").empty()) return FromProfile(Env("AWS_PROFILE"), o);
  if (!s.access_key_id.empty()) {
    PasswordSource src;
    src.file = s.secret_file;
    src.command = s.secret_file.empty() ? s.secret_command : "";
    src.what = "S3 secret access key";
    src.hint = "[repository.s3] secret_file or secret_command";
    o->credentials.access_key_id = s.access_key_id;
    o->credential_source =
        "tidemark.toml [repository.s3] " +
        (s.secret_file.empty() ? "secret_command" : "secret_file " + s.secret_file);
    TM_ASSIGN_OR_RETURN(o->credentials.secret_access_key, ReadPassword(src, false));
    return Status::OK();
  }
  Status st = FromProfile(s.profile.empty() ? "default" : s.profile, o);
  if (st.IsNotFound() && s.profile.empty()) {
    return Status::PermissionDenied(
        "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE "
        "with a shared credentials file (" +
        SharedCredentialsFile() +
        "), or [repository.s3] access_key_id with secret_file or secret_command in tidemark.toml");
  }
  if (st.IsNotFound()) return Status::PermissionDenied(st.message());
  return st;
}

}  // namespace

Result<S3Options> ResolveS3Options(const std::string& location, const S3Settings& settings,
                                   bool allow_http) {
  S3Options o;
  TM_RETURN_IF_ERROR(ParseS3Location(location, allow_http || settings.allow_http, &o));
  if (!Env("AWS_REGION").empty()) {
    o.region = Env("AWS_REGION");
  } else if (!Env("AWS_DEFAULT_REGION").empty()) {
    o.region = Env("AWS_DEFAULT_REGION");
  } else if (!settings.region.empty()) {
    o.region = settings.region;
  }
  if (!settings.addressing.empty()) o.virtual_hosted = settings.addressing == "virtual";
  if (!settings.conditional_put.empty()) o.conditional_put = settings.conditional_put;
  o.ca_file = settings.ca_file;
  TM_RETURN_IF_ERROR(Credentials(settings, &o));
  return o;
}

Result<std::unique_ptr<Backend>> OpenS3Backend(const std::string& location,
                                               const S3Settings& settings, bool allow_http) {
  TM_ASSIGN_OR_RETURN(S3Options o, ResolveS3Options(location, settings, allow_http));
  TM_ASSIGN_OR_RETURN(auto b, S3Backend::Open(o));
  return std::unique_ptr<Backend>(std::move(b));
}

}  // namespace tidemark::cli
