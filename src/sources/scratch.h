// Scratch copies that are files or folders (Connector::CreateScratch for
// the sqlite: and files: connectors): a copy in a folder of its own, made by
// mkdtemp, removed whole afterwards.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "sources/connector.h"

namespace tidemark {

// DIR/tidemark-drill-XXXXXX/NAME<suffix> (DIR: the request's, else
// $TMPDIR, else /tmp); the folder is created, private to this run, and
// nothing is at the returned path yet. IOError naming the folder and what
// to set when it cannot be created.
Result<std::string> CreateScratchPath(const ScratchRequest& request, std::string_view suffix);
// Removes the folder CreateScratchPath made for `location`, with all in it
// (a file and its journals, a folder of documents). InvalidArgument, and
// nothing removed, when `location` is not in such a folder.
Status DropScratchPath(const std::string& location);

}  // namespace tidemark
