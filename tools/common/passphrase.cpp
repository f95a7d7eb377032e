// tools/common/passphrase.cpp — see passphrase.h.
#include "tools/common/passphrase.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "tools/common/prompt.h"

namespace parley::tools {

std::optional<std::string> passphrase_from_file() {
  const char* path = std::getenv("PARLEY_PASSPHRASE_FILE");
  if (!path || !*path) return std::nullopt;
  struct stat st {};
  if (::stat(path, &st) != 0)
    throw std::runtime_error(std::string("PARLEY_PASSPHRASE_FILE names ") + path + ", which cannot be read");
  if (st.st_mode & (S_IRWXG | S_IRWXO))
    throw std::runtime_error(std::string(path) + " (PARLEY_PASSPHRASE_FILE) may be read by other users: chmod 600 it");
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line) || line.empty())
    throw std::runtime_error(std::string(path) + " (PARLEY_PASSPHRASE_FILE) is empty: put the passphrase on its first line");
  if (line.back() == '\r') line.pop_back();
  return line;
}

namespace {
std::string ask(const std::string& prompt) {
  if (!stdin_is_terminal())
    throw std::runtime_error("the store is encrypted: set PARLEY_PASSPHRASE_FILE to a file (mode 600) holding its "
                             "passphrase, or run this in a terminal to type it");
  return ask_unseen(prompt);
}

std::string new_passphrase(const std::string& path) {
  if (auto from_file = passphrase_from_file()) return *from_file;
  std::string first = ask("New passphrase for " + path + " (at least 12 characters): ");
  if (ask("The same passphrase again: ") != first) throw std::runtime_error("the two passphrases were not the same");
  return first;
}

std::string existing_passphrase(const std::string& path) {
  if (auto from_file = passphrase_from_file()) return *from_file;
  return ask("Passphrase for " + path + ": ");
}
}  // namespace

KdfParams new_store_kdf() {
#ifdef PARLEY_TEST_KNOBS
  if (const char* cheap = std::getenv("PARLEY_TEST_CHEAP_KDF"); cheap && std::string(cheap) == "1")
    return fastest_kdf();
#endif
  return default_kdf();
}

std::unique_ptr<Store> open_store_with_passphrase(const std::string& path, bool create) {
  switch (inspect_store_file(path)) {
    case StoreFileKind::Missing:
    case StoreFileKind::Empty:
      if (!create)
        throw StoreError("no Parley database at " + path + ": check the path (or create one by opening a challenge)");
      return open_encrypted_store(path, create_encrypted_store(path, new_passphrase(path), new_store_kdf()));
    case StoreFileKind::Plain:
      // Written by an older Parley: encrypted now, before anything else reads it.
      return open_encrypted_store(path, encrypt_plain_store(path, new_passphrase(path), new_store_kdf()));
    case StoreFileKind::Encrypted: {
      std::string passphrase = existing_passphrase(path);
      try {
        return open_encrypted_store(path, unlock_store(path, passphrase, lock_info(path).max_attempts));
      } catch (const WrongPassphrase& e) {
        throw std::runtime_error(std::string(e.what()) + " " + std::to_string(e.attempts_left()) +
                                 " tries left before the store at " + path + " is erased.");
      }
    }
    case StoreFileKind::Unknown:
      break;
  }
  throw StoreError(path + " is not a Parley database, or it is damaged; check the path or restore it from a backup");
}

}  // namespace parley::tools
