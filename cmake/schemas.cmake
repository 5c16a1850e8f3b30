# Generates C++ from every schemas/*.fbs with Debian's flatc into the build tree. Only the
# binary and runtime layers include the generated headers (they stay out of public headers).
file(GLOB MESHRT_SCHEMAS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/schemas/*.fbs)
set(MESHRT_GENERATED_DIR ${CMAKE_BINARY_DIR}/generated/meshrt/schemas)
set(MESHRT_GENERATED_HEADERS)
foreach(schema ${MESHRT_SCHEMAS})
  get_filename_component(stem ${schema} NAME_WE)
  set(out ${MESHRT_GENERATED_DIR}/${stem}_generated.h)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${FLATC} --cpp --scoped-enums -o ${MESHRT_GENERATED_DIR} ${schema}
    DEPENDS ${schema}
    COMMENT "flatc ${stem}.fbs")
  list(APPEND MESHRT_GENERATED_HEADERS ${out})
endforeach()
add_custom_target(meshrt_schemas DEPENDS ${MESHRT_GENERATED_HEADERS})
add_library(meshrt_schemas_headers INTERFACE)
add_dependencies(meshrt_schemas_headers meshrt_schemas)
target_include_directories(meshrt_schemas_headers INTERFACE
  $<BUILD_INTERFACE:${CMAKE_BINARY_DIR}/generated>)
target_link_libraries(meshrt_schemas_headers INTERFACE flatbuffers::flatbuffers)
# Hash of the binary format's schema text: stored in every binary and checked at load.
# system_desc.fbs (the .ttsys format, which binaries do not embed) and commands.fbs (messages
# between the ranks of one job) do not change what a binary holds, so they are left out.
file(READ ${CMAKE_SOURCE_DIR}/schemas/binary.fbs MESHRT_SCHEMA_TEXT)
string(SHA256 MESHRT_SCHEMA_HASH "${MESHRT_SCHEMA_TEXT}")
