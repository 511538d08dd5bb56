// The little XML that S3 answers with (ListObjectsV2 results, Error
// documents): flat elements without attributes that matter, so a scanner for
// <Tag>text</Tag> suffices. Not a general XML parser.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace tidemark {

// The unescaped text of the first <tag>…</tag> in xml, or "".
std::string XmlText(std::string_view xml, std::string_view tag);

// Calls fn with the inside of every <tag>…</tag> in xml, in order.
void XmlEach(std::string_view xml, std::string_view tag,
             const std::function<void(std::string_view)>& fn);

// Replaces &amp; &lt; &gt; &quot; &apos; and numeric references.
std::string XmlUnescape(std::string_view s);

}  // namespace tidemark
