# cmake/Beast.cmake — the `parley_beast` target: Boost.Beast and Boost.Asio from Debian's
# libboost-dev 1.74 (header-only; Boost.System is header-only since 1.69) with Asio's
# OpenSSL support for HTTPS. The servers' HTTP layer (sync/http_server.cpp) is built on it;
# the native sync client stays on cpp-httplib (cmake/Httplib.cmake). Native only.
#
# Included by each directory that uses it: OpenSSL's imported targets are visible only in
# the directory that found them, so find_package runs before the include guard.
if(EMSCRIPTEN)
  return()
endif()
find_package(OpenSSL REQUIRED COMPONENTS SSL Crypto)
find_package(Threads REQUIRED)
if(TARGET parley_beast)
  return()
endif()
find_path(PARLEY_BOOST_INCLUDE_DIR boost/beast/http.hpp REQUIRED
          DOC "Boost.Beast headers (Debian libboost-dev, installed by tools/setup)")

add_library(parley_beast INTERFACE)
target_include_directories(parley_beast SYSTEM INTERFACE ${PARLEY_BOOST_INCLUDE_DIR})
# std::string_view in Beast's interfaces (header values, targets) instead of
# boost::string_view; every file that includes Beast must agree on it, hence INTERFACE.
target_compile_definitions(parley_beast INTERFACE BOOST_BEAST_USE_STD_STRING_VIEW BOOST_ASIO_NO_DEPRECATED)
target_link_libraries(parley_beast INTERFACE OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
