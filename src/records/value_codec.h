// Internal to records/: the inline encoding of one value (records.md §2),
// shared by the record codec (encoding.cc) and the composite payloads
// (typed_values.cc: array elements, a domain's base value).
#pragma once

#include <string>

#include "base/coding.h"
#include "base/status.h"
#include "records/value.h"

namespace tidemark {

// Decodes one inline value: any tag but the out-of-line ones (5, 6, 22).
// A byte payload may be at most `max_bytes` long (kInlineMax in a record;
// the bytes left inside a composite payload). In encoding.cc.
Status DecodeInlineValue(ByteReader* r, size_t max_bytes, Value* v);

// The payload of a v2 kind after its tag (tags 7..21), in typed_values.cc.
void EncodeTypedPayload(const Value& v, std::string* out);
Status DecodeTypedPayload(ByteReader* r, uint8_t tag, size_t max_bytes, Value* v);

}  // namespace tidemark
