# cmake/Httplib.cmake — the `parley_httplib` target: Debian's libcpp-httplib-dev 0.11 (a
# shared library built with OpenSSL, zlib and Brotli) for the native sync client
# (sync/client_native.cpp, used by the CLI and the desktop app). The servers run on
# Boost.Beast instead (cmake/Beast.cmake; docs/design.md "HTTP layer: Boost.Beast").
#
# Its header changes class layouts with the CPPHTTPLIB_*_SUPPORT macros (Request has an
# SSL* member), so everything that includes it must compile with exactly the Cflags of the
# package's cpp-httplib.pc; they are read from that file here rather than requiring
# pkg-config. Native only.
if(TARGET parley_httplib OR EMSCRIPTEN)
  return()
endif()
find_path(CPPHTTPLIB_INCLUDE_DIR httplib.h REQUIRED)
find_library(CPPHTTPLIB_LIBRARY NAMES cpp-httplib REQUIRED)
get_filename_component(_httplib_libdir ${CPPHTTPLIB_LIBRARY} DIRECTORY)
set(_httplib_pc ${_httplib_libdir}/pkgconfig/cpp-httplib.pc)
if(NOT EXISTS ${_httplib_pc})
  message(FATAL_ERROR "cpp-httplib.pc not found beside ${CPPHTTPLIB_LIBRARY}: install libcpp-httplib-dev (tools/setup)")
endif()
file(STRINGS ${_httplib_pc} _httplib_cflags REGEX "^Cflags:")
string(REGEX MATCHALL "-DCPPHTTPLIB_[A-Z0-9_]+" _httplib_defs "${_httplib_cflags}")
list(TRANSFORM _httplib_defs REPLACE "^-D" "")
find_package(Threads REQUIRED)

add_library(parley_httplib INTERFACE)
target_include_directories(parley_httplib SYSTEM INTERFACE ${CPPHTTPLIB_INCLUDE_DIR})
target_compile_definitions(parley_httplib INTERFACE ${_httplib_defs})
target_link_libraries(parley_httplib INTERFACE ${CPPHTTPLIB_LIBRARY} Threads::Threads)
