# chat-client's end-to-end tests: shell scripts that drive the real chat-server and chat-client
# binaries on 127.0.0.1 (the interactive ones inside a private tmux server). Each is bounded in
# time; a missing tmux makes the interactive ones report "skipped" (exit 77), never pass.
# `client resume` talks to chat-script-peer, a scripted stand-in that speaks the history and
# resume lines of chat/2.1 (docs/client.md). Included from test/integration/CMakeLists.txt.
if(TARGET chat-client AND TARGET chat-server)
  add_executable(chat-script-peer ${CMAKE_CURRENT_LIST_DIR}/script_peer.cpp)
  target_link_libraries(chat-script-peer PRIVATE chat_test_support)

  foreach(name scripted tmux reconnect resume)
    add_test(NAME "integration: client ${name}"
      COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/client_${name}_test.sh
              $<TARGET_FILE:chat-server> $<TARGET_FILE:chat-client>
              $<TARGET_FILE:chat-script-peer>)
    set_tests_properties("integration: client ${name}" PROPERTIES
      LABELS integration TIMEOUT 60 SKIP_RETURN_CODE 77)
  endforeach()
endif()
