# One interface target carries the language level, warnings and sanitizers, so every library and
# executable gets the same flags by linking `chat::options`.
add_library(chat_options INTERFACE)
add_library(chat::options ALIAS chat_options)

target_compile_features(chat_options INTERFACE cxx_std_20)
target_compile_options(chat_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual
  -Wimplicit-fallthrough)
# -Wnull-dereference is left out: at -O2 g++ 12 reports it inside Asio's inlined scheduler code,
# where it cannot be silenced by treating the headers as system headers.
# g++ 12 at -O2 reports false -Wrestrict overlaps inside std::string's operator+ (GCC bug
# 105329); the warning stays on for every other compiler.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(chat_options INTERFACE -Wno-restrict)
endif()
if(CHAT_WERROR)
  target_compile_options(chat_options INTERFACE -Werror)
endif()
if(CHAT_SANITIZE)
  target_compile_options(chat_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(chat_options INTERFACE -fsanitize=address,undefined)
endif()
# Asio is used header-only; these keep its configuration identical in every translation unit.
target_compile_definitions(chat_options INTERFACE
  BOOST_ASIO_NO_DEPRECATED BOOST_ASIO_DISABLE_BOOST_COROUTINE SPDLOG_FMT_EXTERNAL)
