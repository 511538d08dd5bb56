// ASCII case folding for identifiers (table, column, source names). Only
// A-Z and a-z fold, as SQL engines fold unquoted names: bytes >= 0x80 (UTF-8)
// compare exactly, whatever the locale. The one helper for this job.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tidemark {

// 'A'..'Z' -> 'a'..'z'; every other byte unchanged.
inline char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }
// `s` with ASCII letters lowered (a key for maps that ignore case).
std::string AsciiLower(std::string_view s);
// True when a and b are equal ignoring ASCII case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// True when both lists have the same length and equal names ignoring ASCII case.
bool EqualsIgnoreCase(const std::vector<std::string>& a, const std::vector<std::string>& b);

}  // namespace tidemark
