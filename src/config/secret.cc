#include "config/secret.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>

#include "ledger/redact.h"

namespace tidemark {
namespace {

std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// A failing command's message: its exit status and the first line of its
// stderr, never the command text (it may hold the password: `echo S3cr3t`).
// The line is cut at 200 bytes, control characters become '?', and URL
// passwords and anything the command printed on stdout are redacted.
std::string FailureDetail(int rc, const std::string& err, const std::string& out) {
  std::string line = FirstLine(err).substr(0, 200);
  const std::string printed = FirstLine(out);
  if (!printed.empty()) {
    for (size_t at = line.find(printed); at != std::string::npos; at = line.find(printed, at)) {
      line.replace(at, printed.size(), kRedacted);
      at += kRedacted.size();
    }
  }
  line = RedactUrlPasswords(line);
  for (char& c : line) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  std::string detail =
      "exit status " + std::to_string(WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc));
  if (!line.empty()) detail += "; its stderr: " + line;
  return detail;
}

}  // namespace

Result<std::string> ReadSecretFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::InvalidArgument("cannot read " + what + " file " + path + ": " +
                                   std::strerror(errno));
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return FirstLine(text);
}

Result<std::string> RunSecretCommand(const std::string& command, const std::string& what) {
  const char* tmp = getenv("TMPDIR");
  std::string err_path = std::string(tmp && *tmp ? tmp : "/tmp") + "/tidemark-pwcmd-XXXXXX";
  const int err_fd = mkstemp(err_path.data());
  if (err_fd < 0) {
    return Status::IOError("cannot run " + what +
                           " command: temporary file: " + std::strerror(errno));
  }
  ::close(err_fd);
  FILE* p = popen(("exec 2>'" + err_path + "'\n" + command).c_str(), "r");
  if (p == nullptr) {
    ::unlink(err_path.c_str());
    return Status::IOError("cannot run " + what + " command: " + std::strerror(errno));
  }
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = pclose(p);
  std::ifstream in(err_path, std::ios::binary);
  std::string err((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ::unlink(err_path.c_str());
  if (rc != 0) {
    return Status::InvalidArgument(what + " command failed (" + FailureDetail(rc, err, out) +
                                   "); check the command");
  }
  return FirstLine(out);
}

SecretProvider CachedSecret(std::string file, std::string command, std::string what) {
  struct State {
    std::once_flag once;
    Result<std::string> secret = Status::Internal("unread");
  };
  auto state = std::make_shared<State>();
  return [state, file = std::move(file), command = std::move(command),
          what = std::move(what)]() -> Result<std::string> {
    std::call_once(state->once, [&] {
      state->secret = file.empty() ? RunSecretCommand(command, what) : ReadSecretFile(file, what);
      if (state->secret.ok() && state->secret->empty()) {
        state->secret = Status::InvalidArgument("the " + what + " is empty");
      }
    });
    return state->secret;
  };
}

}  // namespace tidemark
