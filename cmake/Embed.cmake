# cmake/Embed.cmake — turns data files (JSON) into C++ sources so every binary, native or
# WebAssembly, carries the shipped holiday data and procedures without file access.
# parley_embed(NAME files...) defines ${NAME}_SOURCES; core/embedded.h declares the lookup.
set(PARLEY_GENERATED_DIR ${CMAKE_BINARY_DIR}/generated)

function(parley_embed name)
  set(out ${PARLEY_GENERATED_DIR}/${name}.cpp)
  set(inputs)
  foreach(f ${ARGN})
    get_filename_component(abs ${f} ABSOLUTE BASE_DIR ${CMAKE_SOURCE_DIR})
    list(APPEND inputs ${abs})
  endforeach()
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DROOT=${CMAKE_SOURCE_DIR} "-DINPUTS=${inputs}"
            -P ${CMAKE_SOURCE_DIR}/cmake/EmbedScript.cmake
    DEPENDS ${inputs} ${CMAKE_SOURCE_DIR}/cmake/EmbedScript.cmake
    COMMENT "Embedding shipped data"
    VERBATIM)
  set(${name}_SOURCES ${out} PARENT_SCOPE)
endfunction()
