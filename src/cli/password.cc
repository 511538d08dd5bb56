#include "cli/password.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>

#include "config/secret.h"

namespace tidemark::cli {
namespace {

std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
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
    pw = ReadSecretFile(source.file, source.what);
  } else if (!source.command.empty()) {
    pw = RunSecretCommand(source.command, source.what);
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
