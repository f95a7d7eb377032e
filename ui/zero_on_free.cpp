// ui/zero_on_free.cpp — the client programs (desktop and browser) zero every block of memory
// they free, so that once Parley locks and drops what it read from the store, no copy of a
// name or a summary stays in the heap for someone who reads the memory of a lost device
// (docs/security.md, "Encryption at rest"). Three allocators: C++ new/delete (replaced
// here, for the whole program), Dear ImGui's (set by zero_memory_when_freed) and SQLite's
// (core/encryption.h). Linked into parley-desktop and parley-web only: the CLI exits after
// each command and the office server keeps no decrypted store.
#include <imgui.h>
#include <malloc.h>
#include <sodium.h>

#include <cstdlib>
#include <new>

#include "core/encryption.h"

namespace {
void zero_and_free(void* p) {
  if (!p) return;
  sodium_memzero(p, malloc_usable_size(p));
  std::free(p);
}
void* allocate(std::size_t n) {
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* imgui_alloc(std::size_t n, void*) { return std::malloc(n); }
void imgui_free(void* p, void*) { zero_and_free(p); }
}  // namespace

// Every form that pairs with the plain deletes below (aligned forms keep the library's own
// pair; Parley allocates no over-aligned types).
void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return std::malloc(n ? n : 1); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return std::malloc(n ? n : 1); }
void operator delete(void* p, const std::nothrow_t&) noexcept { zero_and_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { zero_and_free(p); }
void operator delete(void* p) noexcept { zero_and_free(p); }
void operator delete[](void* p) noexcept { zero_and_free(p); }
void operator delete(void* p, std::size_t) noexcept { zero_and_free(p); }
void operator delete[](void* p, std::size_t) noexcept { zero_and_free(p); }

namespace parley::ui {
// Before the ImGui context and before any database is opened.
bool zero_memory_when_freed() {
  ImGui::SetAllocatorFunctions(imgui_alloc, imgui_free, nullptr);
  return zero_sqlite_memory_when_freed();
}
}  // namespace parley::ui
