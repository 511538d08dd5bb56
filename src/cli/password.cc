#include "cli/password.h"

#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

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

Result<std::string> FromCommand(const std::string& command, const std::string& what) {
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr)
    return Status::IOError("cannot run " + what + " command: " + std::strerror(errno));
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = pclose(p);
  if (rc != 0) {
    return Status::InvalidArgument(what + " command failed (exit status " +
                                   std::to_string(WIFEXITED(rc) ? WEXITSTATUS(rc) : rc) +
                                   "): " + command);
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
