// tools/cli/args.h — the `parley` command line: words, then --name value options.
//
// Each command declares the options it accepts, so a mistyped option is an error that
// names the command rather than something silently ignored.
#pragma once
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace parley::cli {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  std::vector<std::string> words;                        // positional words in order
  std::multimap<std::string, std::string> options;       // --name value (flags: "true")

  static Args parse(int argc, char** argv, const std::set<std::string>& flags);

  bool has(const std::string& name) const { return options.count(name) > 0; }
  std::string get(const std::string& name, const std::string& fallback = "") const;
  std::string need(const std::string& name, const std::string& what) const;
  std::vector<std::string> all(const std::string& name) const;
  // Throws UsageError naming the first option not in `allowed` (plus the global ones).
  void only(const std::string& command, const std::set<std::string>& allowed) const;
};

}  // namespace parley::cli
