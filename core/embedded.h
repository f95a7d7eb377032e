// core/embedded.h — data files compiled into every binary (see cmake/Embed.cmake):
// the holiday tables and the seed procedures, so a browser with nothing installed and a
// CLI run from any directory see the same shipped data.
#pragma once
#include <string_view>
#include <vector>

namespace parley {
struct EmbeddedFile {
  std::string_view path;     // relative to the repository root, e.g. "procedures/bury-sab.json"
  std::string_view content;
};
const std::vector<EmbeddedFile>& embedded_files();
// The content of one embedded file, or an empty view when there is none by that path.
std::string_view embedded_file(std::string_view path);
}  // namespace parley
