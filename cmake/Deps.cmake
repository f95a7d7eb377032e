# cmake/Deps.cmake — third-party code, all installed by tools/setup into .deps/ (never
# committed): the SQLite amalgamation (from the npm better-sqlite3 tarball, sha256
# checked), Dear ImGui 1.86 (Debian source package), and header-only nlohmann/json and
# Catch2 copied from their Debian packages into .deps/include so that emcc sees only
# those headers, never all of /usr/include; and libsodium (parley_sodium): Debian's
# libsodium-dev natively, the same Debian source built with emcc for the web.
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

# libsodium 1.0.18 (encryption at rest, core/encryption.h; Argon2id on the server): one
# target, parley_sodium, for both builds so that core/ links the same way everywhere.
# Natively Debian's libsodium-dev through pkg-config; under Emscripten the static library
# tools/setup compiles with emcc from Debian's source package (never /usr/include or
# /usr/lib: those are x86-64). Both are pinned to 1.0.18, so the two builds run one code.
add_library(parley_sodium INTERFACE)
if(EMSCRIPTEN)
  set(PARLEY_SODIUM_WASM ${PARLEY_DEPS}/libsodium-wasm)
  if(NOT EXISTS ${PARLEY_SODIUM_WASM}/lib/libsodium.a OR NOT EXISTS ${PARLEY_SODIUM_WASM}/include/sodium.h)
    message(FATAL_ERROR "libsodium for WebAssembly missing (${PARLEY_SODIUM_WASM}/lib/libsodium.a): "
                        "run tools/setup, which builds it from Debian's source package.")
  endif()
  add_library(parley_sodium_wasm STATIC IMPORTED)
  set_target_properties(parley_sodium_wasm PROPERTIES IMPORTED_LOCATION ${PARLEY_SODIUM_WASM}/lib/libsodium.a)
  target_include_directories(parley_sodium SYSTEM INTERFACE ${PARLEY_SODIUM_WASM}/include)
  target_link_libraries(parley_sodium INTERFACE parley_sodium_wasm)
else()
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(PARLEY_SODIUM IMPORTED_TARGET libsodium)
  if(NOT PARLEY_SODIUM_FOUND)
    message(FATAL_ERROR "libsodium not found by pkg-config: run tools/setup (it installs Debian's libsodium-dev).")
  endif()
  if(NOT PARLEY_SODIUM_VERSION STREQUAL "1.0.18")
    message(FATAL_ERROR "libsodium ${PARLEY_SODIUM_VERSION} found, Parley needs 1.0.18 (Debian bookworm's, "
                        "the version tools/setup builds for the web): run tools/setup.")
  endif()
  target_link_libraries(parley_sodium INTERFACE PkgConfig::PARLEY_SODIUM)
endif()

# Dear ImGui 1.86: the same sources for the desktop (GLFW + OpenGL 3) and the browser
# (WebGL 2 through the OpenGL 3 backend in its GLES 3 mode). Built as SYSTEM so its
# C++20 deprecation warnings do not bury ours.
set(PARLEY_IMGUI ${PARLEY_DEPS}/imgui)
add_library(parley_imgui STATIC
  ${PARLEY_IMGUI}/imgui.cpp ${PARLEY_IMGUI}/imgui_draw.cpp ${PARLEY_IMGUI}/imgui_tables.cpp
  ${PARLEY_IMGUI}/imgui_widgets.cpp ${PARLEY_IMGUI}/misc/cpp/imgui_stdlib.cpp
  ${PARLEY_IMGUI}/backends/imgui_impl_opengl3.cpp)
target_include_directories(parley_imgui SYSTEM PUBLIC ${PARLEY_IMGUI} ${PARLEY_IMGUI}/backends)
# No legacy names: keeps our code on the current API.
target_compile_definitions(parley_imgui PUBLIC IMGUI_DISABLE_OBSOLETE_FUNCTIONS IMGUI_DISABLE_DEMO_WINDOWS)
if(NOT EMSCRIPTEN)
  # Dear ImGui 1.86's bundled GL loader (imgui_impl_opengl3_loader.h, load_procs) indexes
  # one past a union member array by design; UBSan in the native-debug preset aborts on
  # it. Third-party code: keep AddressSanitizer, skip the UB checks for this library only.
  target_compile_options(parley_imgui PRIVATE -fno-sanitize=undefined)
  target_sources(parley_imgui PRIVATE ${PARLEY_IMGUI}/backends/imgui_impl_glfw.cpp)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(GLFW3 REQUIRED IMPORTED_TARGET glfw3)
  find_package(OpenGL REQUIRED)
  target_link_libraries(parley_imgui PUBLIC PkgConfig::GLFW3 OpenGL::GL ${CMAKE_DL_LIBS})
endif()

# The UI font: Liberation Sans from Debian's fonts-liberation (installed by tools/setup).
set(PARLEY_FONT_FILE /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf)
# Its bold face: the labels of PDF record forms (tools/common/form_pdf.cpp).
set(PARLEY_FONT_BOLD_FILE /usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf)
