#include "cli/password.h"

#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "ledger/redact.h"

namespace tidemark::cli {
namespace {

std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

Result<std::string> FromFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::InvalidArgument("cannot read " + what + " file " + path + ": " +
                                   std::strerror(errno));
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return FirstLine(text);
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

// Runs `command` with sh; stdout is the password, stderr goes to a private
// temporary file (0600) so that it is not echoed as it is.
Result<std::string> FromCommand(const std::string& command, const std::string& what) {
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

Result<std::string> Prompt(const std::string& prompt) {
  FILE* tty = fopen("/dev/tty", "r+");
  if (tty == nullptr) return Status::IOError("cannot open the terminal");
  fprintf(tty, "%s: ", prompt.c_str());
  fflush(tty);
  struct termios old, quiet;
  const int fd = fileno(tty);
  const bool have_termios = tcgetattr(fd, &old) == 0;
  if (have_termios) {
    quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  char buf[1024];
  const bool got = fgets(buf, sizeof buf, tty) != nullptr;
  if (have_termios) tcsetattr(fd, TCSAFLUSH, &old);
  fprintf(tty, "\n");
  fclose(tty);
  if (!got) return Status::InvalidArgument("no password entered");
  return FirstLine(buf);
}

}  // namespace

Result<std::string> ReadPassword(const PasswordSource& source, bool confirm) {
  Result<std::string> pw = Status::Internal("unset");
  if (!source.file.empty()) {
    pw = FromFile(source.file, source.what);
  } else if (!source.command.empty()) {
    pw = FromCommand(source.command, source.what);
  } else if (!source.literal.empty()) {
    pw = source.literal;
  } else if (isatty(STDIN_FILENO)) {
    pw = Prompt("enter " + source.what);
    if (pw.ok() && confirm) {
      auto again = Prompt("enter " + source.what + " again");
      if (!again.ok()) return again.status();
      if (*again != *pw) return Status::InvalidArgument("the two " + source.what + "s differ");
    }
  } else {
    return Status::InvalidArgument("no " + source.what + " given and no terminal to ask on: use " +
                                   source.hint);
  }
  if (!pw.ok()) return pw.status();
  if (pw->empty()) return Status::InvalidArgument("the " + source.what + " is empty");
  return pw;
}

}  // namespace tidemark::cli
