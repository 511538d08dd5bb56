// The scratch copy of a SQLite source for a drill (Connector::CreateScratch):
// a file in a folder of its own, made by mkdtemp, removed whole afterwards.
#pragma once

#include <string>

#include "base/result.h"
#include "sources/connector.h"

namespace tidemark::sqlite {

// DIR/tidemark-drill-XXXXXX/NAME.db (DIR: the request's, else $TMPDIR, else
// /tmp); the folder is created, private to this run. IOError naming the
// folder and what to set when it cannot be created.
Result<std::string> CreateScratch(const ScratchRequest& request);
// Removes the folder CreateScratch made for `location` (the file, its
// journals and anything else in it); only a file when its folder is not one
// of CreateScratch's.
Status DropScratch(const std::string& location);

}  // namespace tidemark::sqlite
