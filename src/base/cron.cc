#include "base/cron.h"

#include <time.h>

#include <array>
#include <cstdlib>
#include <vector>

#include "base/ascii.h"

namespace tidemark {
namespace {

constexpr int64_t kMinuteUs = 60'000'000;

struct Field {
  const char* name;
  int lo, hi;
  const char* const* names;  // lo..hi spelled out, or null
};
constexpr const char* kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr const char* kDayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr Field kFields[] = {{"minute", 0, 59, nullptr},
                             {"hour", 0, 23, nullptr},
                             {"day of month", 1, 31, nullptr},
                             {"month", 1, 12, kMonthNames},
                             {"day of week", 0, 7, kDayNames}};

// A number or a name of the field; -1 when neither.
int Value(const Field& f, std::string_view s) {
  if (s.empty()) return -1;
  if (f.names != nullptr) {
    const std::string lower = AsciiLower(std::string(s));
    for (int v = f.lo; v <= f.hi; v++) {
      if (lower == f.names[v - f.lo]) return v;
    }
  }
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9' || v > 1000) return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

Status Bad(const Field& f, std::string_view part, const std::string& why) {
  return Status::InvalidArgument("cron field " + std::string(f.name) + " '" + std::string(part) +
                                 "': " + why + " (from " + std::to_string(f.lo) + " to " +
                                 std::to_string(f.hi) + ")");
}

// One comma-separated part: "*", "N", "A-B", with an optional "/S".
Status ParsePart(const Field& f, std::string_view part, std::vector<bool>* out) {
  std::string_view range = part;
  int step = 1;
  if (const size_t slash = part.find('/'); slash != std::string_view::npos) {
    range = part.substr(0, slash);
    step = Value(Field{f.name, 1, 1000, nullptr}, part.substr(slash + 1));
    if (step <= 0) return Bad(f, part, "a step is a number from 1");
  }
  int a = f.lo, b = f.hi;
  if (range != "*") {
    const size_t dash = range.find('-');
    a = Value(f, range.substr(0, dash));
    b = dash == std::string_view::npos ? (part.find('/') != std::string_view::npos ? f.hi : a)
                                       : Value(f, range.substr(dash + 1));
    if (a < f.lo || b > f.hi || a < 0 || b < 0) return Bad(f, part, "out of range");
    if (a > b) return Bad(f, part, "a range runs from low to high");
  }
  for (int v = a; v <= b; v += step) (*out)[v] = true;
  return Status::OK();
}

Status ParseField(const Field& f, std::string_view text, std::vector<bool>* out, bool* any) {
  out->assign(f.hi + 1, false);
  *any = !text.empty() && text[0] == '*';
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    TM_RETURN_IF_ERROR(ParsePart(f, text.substr(start, comma - start), out));
    start = comma + 1;
  }
  return Status::OK();
}

std::string_view Expand(std::string_view text) {
  if (text == "@hourly") return "0 * * * *";
  if (text == "@daily" || text == "@midnight") return "0 0 * * *";
  if (text == "@weekly") return "0 0 * * 0";
  if (text == "@monthly") return "0 0 1 * *";
  if (text == "@yearly" || text == "@annually") return "0 0 1 1 *";
  return text;
}

std::vector<std::string_view> Words(std::string_view text) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) i++;
    const size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') i++;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

int64_t ToMicros(struct tm* tm) { return static_cast<int64_t>(timegm(tm)) * 1'000'000; }

}  // namespace

Result<CronSchedule> CronSchedule::Parse(std::string_view text) {
  const std::vector<std::string_view> words = Words(Expand(text));
  if (words.size() != 5) {
    return Status::InvalidArgument(
        "'" + std::string(text) +
        "' is not a cron schedule: give five fields, minute hour day-of-month month "
        "day-of-week (UTC), e.g. \"30 2 * * *\", or @hourly, @daily, @weekly, @monthly");
  }
  CronSchedule c;
  c.text_ = std::string(text);
  std::array<std::vector<bool>, 5> sets;
  std::array<bool, 5> any{};
  for (size_t i = 0; i < 5; i++) {
    TM_RETURN_IF_ERROR(ParseField(kFields[i], words[i], &sets[i], &any[i]));
  }
  for (int v = 0; v < 60; v++) c.minutes_[v] = sets[0][v];
  for (int v = 0; v < 24; v++) c.hours_[v] = sets[1][v];
  for (int v = 1; v <= 31; v++) c.days_[v] = sets[2][v];
  for (int v = 1; v <= 12; v++) c.months_[v] = sets[3][v];
  for (int v = 0; v <= 7; v++) c.weekdays_[v % 7] = c.weekdays_[v % 7] || sets[4][v];
  c.any_day_ = any[2];
  c.any_weekday_ = any[4];
  if (c.Search(0) < 0) {
    return Status::InvalidArgument("'" + std::string(text) + "' never matches a day");
  }
  return c;
}

// Vixie cron's rule: a day field that starts with '*' leaves the other to
// decide (both must match); two restricted day fields match either.
bool CronSchedule::DayMatches(int mday, int mon, int wday) const {
  if (!months_[mon]) return false;
  if (any_day_ || any_weekday_) return days_[mday] && weekdays_[wday];
  return days_[mday] || weekdays_[wday];
}

int64_t CronSchedule::Search(int64_t after_us) const {
  const int64_t start = (after_us / kMinuteUs + 1) * kMinuteUs;
  time_t secs = static_cast<time_t>(start / 1'000'000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  // At most ~9 years of days (a 29 February every 4 years; 2100 skips one),
  // then at most 24 hours and 60 minutes in the day that matches.
  for (int steps = 0; steps < 9 * 366 + 24 + 60; steps++) {
    if (!DayMatches(tm.tm_mday, tm.tm_mon + 1, tm.tm_wday)) {
      tm.tm_mday++;
      tm.tm_hour = tm.tm_min = 0;
    } else if (!hours_[tm.tm_hour]) {
      tm.tm_hour++;
      tm.tm_min = 0;
    } else if (!minutes_[tm.tm_min]) {
      tm.tm_min++;
    } else {
      return ToMicros(&tm);
    }
    tm.tm_sec = 0;
    const time_t t = timegm(&tm);  // normalizes the day, hour and minute carried over
    gmtime_r(&t, &tm);
  }
  return -1;
}

int64_t CronSchedule::NextAfter(int64_t after_us) const { return Search(after_us); }

}  // namespace tidemark
