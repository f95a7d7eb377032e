# cmake/Deps.cmake — third-party code, all installed by tools/setup into .deps/ (never
# committed): the SQLite amalgamation (from the npm better-sqlite3 tarball, sha256
# checked), Dear ImGui 1.86 (Debian source package), and header-only nlohmann/json and
# Catch2 copied from their Debian packages into .deps/include so that emcc sees only
# those headers, never all of /usr/include.
set(PARLEY_DEPS ${CMAKE_SOURCE_DIR}/.deps)
if(NOT EXISTS ${PARLEY_DEPS}/sqlite/sqlite3.c OR NOT EXISTS ${PARLEY_DEPS}/include/nlohmann/json.hpp)
  message(FATAL_ERROR "Third-party sources missing in ${PARLEY_DEPS}: run tools/setup first.")
endif()

add_library(parley_sqlite3 STATIC ${PARLEY_DEPS}/sqlite/sqlite3.c)
target_include_directories(parley_sqlite3 SYSTEM PUBLIC ${PARLEY_DEPS}/sqlite)
# No extension loading, no threads needed by the core; keep the build the same on both targets.
target_compile_definitions(parley_sqlite3 PUBLIC
  SQLITE_OMIT_LOAD_EXTENSION SQLITE_DQS=0 SQLITE_DEFAULT_FOREIGN_KEYS=1
  SQLITE_ENABLE_DESERIALIZE SQLITE_THREADSAFE=0)
if(NOT EMSCRIPTEN)
  find_package(Threads REQUIRED)
  target_link_libraries(parley_sqlite3 PUBLIC Threads::Threads ${CMAKE_DL_LIBS})
endif()

add_library(parley_json INTERFACE)
target_include_directories(parley_json SYSTEM INTERFACE ${PARLEY_DEPS}/include)
