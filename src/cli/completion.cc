#include "cli/completion.h"

#include <functional>

namespace tidemark::cli {
namespace {

// Walks the words typed so far (the program's name first, the word being
// completed last) and prints the candidates, one a line, or __FILES__ when
// file names complete it. Valid bash and zsh (under `emulate -L ksh`, so
// arrays start at 0), one body for both scripts: subscripts are unquoted (zsh
// keeps quotes in them) and zsh's special names (path, words) are avoided.
// Source names, drill plans and snapshots come from the program itself:
// `tidemark [--config F] [-r R] __complete KIND`. Two shell functions: the
// walk sets the caller's locals (cpath, npos, valued, pass, cur; both shells
// scope locals dynamically), the candidates function prints from them.
const char* kWalk = R"SH(_tidemark_walk() {
  @EMULATE@
  local i w k g n=${#tw[@]}
  cur=${tw[n-1]}
  for ((i = 1; i < n - 1; i++)); do
    w=${tw[i]}
    if [[ -n $valued ]]; then
      case $valued in
        --config|-r|--repo|--password-file|--password-command) pass+=("$valued" "$w") ;;
      esac
      valued=""
      continue
    fi
    case $w in
      --*=*) continue ;;
      -*)
        k="$cpath|$w" g="tidemark|$w"
        if [[ -n ${_tidemark_val[$k]} || -n ${_tidemark_val[$g]} ]]; then
          valued=$w
        fi
        continue ;;
    esac
    if [[ $npos -eq 0 && " ${_tidemark_subs[$cpath]} " == *" $w "* ]]; then
      cpath="$cpath $w"
    else
      npos=$((npos + 1))
    fi
  done
}
)SH";

// Then, from where the walk ended: the candidates.
const char* kCandidates = R"SH(_tidemark_candidates() {
  @EMULATE@
  local cpath=tidemark npos=0 k g valued="" kind="" cur
  local -a tw pass pos
  tw=("$@")
  pass=()
  _tidemark_walk
  if [[ -n $valued ]]; then
    k="$cpath|$valued" g="tidemark|$valued"
    kind=${_tidemark_val[$k]}
    [[ -n $kind ]] || kind=${_tidemark_val[$g]}
  elif [[ $cur == -* ]]; then
    printf '%s\n' ${_tidemark_opts[$cpath]} ${_tidemark_opts[tidemark]}
    return 0
  else
    if [[ $npos -eq 0 && -n ${_tidemark_subs[$cpath]} ]]; then
      printf '%s\n' ${_tidemark_subs[$cpath]}
    fi
    pos=(${_tidemark_pos[$cpath]})
    if ((${#pos[@]} > 0)); then
      if ((npos < ${#pos[@]})); then
        kind=${pos[npos]}
      else
        kind=${pos[${#pos[@]}-1]}
        [[ $kind == *+ ]] || kind=""
      fi
      kind=${kind%+}
    fi
  fi
  case $kind in
    file) echo __FILES__ ;;
    source|plan|snapshot) "${tw[0]}" "${pass[@]}" __complete "$kind" 2>/dev/null ;;
    snapshot_or_live) "${tw[0]}" "${pass[@]}" __complete snapshot 2>/dev/null; echo live ;;
    object) "${tw[0]}" "${pass[@]}" __complete snapshot 2>/dev/null
            printf '%s\n' config keys index pack blob ;;
    choice:*) printf '%s\n' ${kind#choice:} ;;
  esac
  return 0
}
)SH";

const char* kBashDriver = R"SH(
_tidemark() {
  local cur=${COMP_WORDS[COMP_CWORD]} out
  out=$(_tidemark_candidates "${COMP_WORDS[@]:0:COMP_CWORD+1}")
  if [[ $out == __FILES__* ]]; then
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -- "$cur"))
  else
    local IFS=$'\n'
    COMPREPLY=($(compgen -W "$out" -- "$cur"))
  fi
}
complete -F _tidemark tidemark
)SH";

const char* kZshDriver = R"SH(
_tidemark() {
  local -a cands
  cands=("${(@f)$(_tidemark_candidates "${(@)words[1,CURRENT]}")}")
  cands=(${cands:#})
  if [[ ${cands[1]} == __FILES__ ]]; then
    _files
  else
    compadd -a cands
  fi
}

if [[ $funcstack[1] == _tidemark ]]; then
  _tidemark "$@"
else
  compdef _tidemark tidemark
fi
)SH";

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string Join(const std::vector<std::string>& items) {
  std::string s;
  for (const std::string& i : items) s += (s.empty() ? "" : " ") + i;
  return s;
}

void Walk(const CommandModel& c, const std::function<void(const CommandModel&)>& f) {
  f(c);
  for (const CommandModel& sub : c.subcommands) Walk(sub, f);
}

// The four tables the candidates function reads, keyed by the command path
// ("tidemark key add"): subcommands, flags, value kinds ("PATH|FLAG"), and
// the kinds of the positional arguments ("+" repeats the last).
std::string Tables(const CommandModel& root) {
  std::string subs, opts, vals, pos;
  Walk(root, [&](const CommandModel& c) {
    const std::string key = Quote(c.FullName());
    std::vector<std::string> names;
    for (const CommandModel& s : c.subcommands) names.push_back(s.path.back());
    if (!names.empty()) subs += "  [" + key + "]=" + Quote(Join(names)) + "\n";
    names.clear();
    for (const OptionModel& o : c.options) {
      for (const std::string& n : o.names) {
        names.push_back(n);
        if (!o.value.empty())
          vals += "  [" + Quote(c.FullName() + "|" + n) + "]=" + Quote(ValueKind(c, o)) + "\n";
      }
    }
    if (!names.empty()) opts += "  [" + key + "]=" + Quote(Join(names)) + "\n";
    names.clear();
    for (const PositionalModel& p : c.positionals) {
      names.push_back(ValueKind(c, p) + (p.repeatable ? "+" : ""));
    }
    if (!names.empty()) pos += "  [" + key + "]=" + Quote(Join(names)) + "\n";
  });
  return "typeset -gA _tidemark_subs _tidemark_opts _tidemark_val _tidemark_pos\n"
         "_tidemark_subs=(\n" +
         subs + ")\n_tidemark_opts=(\n" + opts + ")\n_tidemark_val=(\n" + vals +
         ")\n_tidemark_pos=(\n" + pos + ")\n";
}

std::string Candidates(bool zsh) {
  std::string body = std::string(kWalk) + kCandidates;
  const std::string mark = "@EMULATE@";
  for (size_t at; (at = body.find(mark)) != std::string::npos;) {
    body.replace(at, mark.size(), zsh ? "emulate -L ksh" : ":");
  }
  return body;
}

const char* kHeader =
    "# Generated by `tidemark generate` from the command definitions; do not edit.\n";

}  // namespace

std::string ValueKind(const CommandModel& c, const PositionalModel& p) {
  const std::string& n = p.name;
  if (n == "SNAP" || n == "A") return "snapshot";
  if (n == "B") return "snapshot_or_live";
  if (n == "OBJECT") return "object";
  if (n == "source" || n == "SOURCE" || n == "targets") return "source";
  if (n == "plan") return "plan";
  if (n == "DIR") return "file";
  return "none";
}

std::string ValueKind(const CommandModel& c, const OptionModel& o) {
  if (!o.choices.empty()) return "choice:" + Join(o.choices);
  const std::string& n = o.names.back();
  if (n == "--source") return "source";
  if (n == "--to" && !c.path.empty() && c.path.front() == "rollback") return "snapshot";
  for (const char* f : {"--config", "--repo", "--password-file", "--new-password-file",
                        "--plan-file", "--keys-from", "--out"}) {
    if (n == f) return "file";
  }
  return "none";
}

std::string BashCompletion(const CommandModel& root) {
  return std::string("# bash completion for tidemark\n") + kHeader + Tables(root) +
         Candidates(false) + kBashDriver;
}

std::string ZshCompletion(const CommandModel& root) {
  return std::string("#compdef tidemark\n") + kHeader + Tables(root) + Candidates(true) +
         kZshDriver;
}

}  // namespace tidemark::cli
