// core/embedded.cpp — lookup over the data files compiled into the binary.
#include "core/embedded.h"

namespace parley {
std::string_view embedded_file(std::string_view path) {
  for (const auto& f : embedded_files())
    if (f.path == path) return f.content;
  return {};
}
}  // namespace parley
