#include "storage/s3_xml.h"

#include <cstdlib>

namespace tidemark {

namespace {

// Finds <tag> or <tag …> at or after pos; returns the index after '>' and
// sets *open to where '<' is, or npos.
size_t FindOpen(std::string_view xml, std::string_view tag, size_t pos, size_t* open) {
  const std::string start = "<" + std::string(tag);
  while ((pos = xml.find(start, pos)) != std::string_view::npos) {
    const size_t after = pos + start.size();
    if (after < xml.size() && (xml[after] == '>' || xml[after] == ' ')) {
      const size_t gt = xml.find('>', after);
      if (gt == std::string_view::npos) return std::string_view::npos;
      *open = pos;
      return gt + 1;
    }
    pos = after;
  }
  return std::string_view::npos;
}

}  // namespace

void XmlEach(std::string_view xml, std::string_view tag,
             const std::function<void(std::string_view)>& fn) {
  const std::string close = "</" + std::string(tag) + ">";
  size_t pos = 0, open = 0;
  while ((pos = FindOpen(xml, tag, pos, &open)) != std::string_view::npos) {
    if (xml[pos - 2] == '/') {  // <tag/>
      fn(std::string_view());
      continue;
    }
    const size_t end = xml.find(close, pos);
    if (end == std::string_view::npos) return;
    fn(xml.substr(pos, end - pos));
    pos = end + close.size();
  }
}

std::string XmlText(std::string_view xml, std::string_view tag) {
  std::string out;
  bool found = false;
  XmlEach(xml, tag, [&](std::string_view inner) {
    if (!found) out = XmlUnescape(inner);
    found = true;
  });
  return out;
}

std::string XmlUnescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    const size_t semi = s.find(';', i);
    if (semi == std::string_view::npos) {
      out += s.substr(i);
      break;
    }
    const std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp")
      out += '&';
    else if (ent == "lt")
      out += '<';
    else if (ent == "gt")
      out += '>';
    else if (ent == "quot")
      out += '"';
    else if (ent == "apos")
      out += '\'';
    else if (!ent.empty() && ent[0] == '#') {
      const std::string num(ent.substr(1));
      const long cp =
          num[0] == 'x' ? strtol(num.c_str() + 1, nullptr, 16) : strtol(num.c_str(), nullptr, 10);
      if (cp < 0x80) {
        out += static_cast<char>(cp);
      } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
      } else {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
      }
    } else {
      out += s.substr(i, semi - i + 1);
    }
    i = semi;
  }
  return out;
}

}  // namespace tidemark
