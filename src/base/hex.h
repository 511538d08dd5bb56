#pragma once

#include <string>
#include <string_view>

namespace tidemark {

std::string HexEncode(std::string_view bytes);
// Returns false unless `hex` is an even number of [0-9a-fA-F].
bool HexDecode(std::string_view hex, std::string* bytes);
// RFC 3986 percent-encoding: every byte but A-Z a-z 0-9 - _ . ~ (and '/'
// when keep_slash) as %XX with upper-case hex (SigV4's UriEncode, URIs).
std::string PercentEncode(std::string_view s, bool keep_slash);
// Human sizes: "1.5 MiB", "512 B".
std::string FormatBytes(double bytes);
// "1h02m", "3.2s", "45ms".
std::string FormatDuration(double seconds);
// `s` with control characters (< 0x20, 0x7f) written as \xNN, so that a
// message quoting names or values from untrusted data stays one line.
std::string OneLine(std::string_view s);

}  // namespace tidemark
