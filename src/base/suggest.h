// "Did you mean": the names closest to one that was not found, so that an
// error about a typo names the right one even among many.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tidemark {

// Up to `max` of `candidates` closest to `name`, closest first, compared
// case-insensitively: an exact match ignoring case, then names containing
// `name` (or contained in it), then by edit distance. Names too far from
// `name` to be a typo of it are left out.
std::vector<std::string> ClosestNames(std::string_view name,
                                      const std::vector<std::string>& candidates, size_t max = 5);

// "did you mean 'customers', 'Customer'? (65 tables)" or, with no close
// name, "(65 tables)". `what` is the plural noun ("tables").
std::string DidYouMean(std::string_view name, const std::vector<std::string>& candidates,
                       const std::string& what);

}  // namespace tidemark
