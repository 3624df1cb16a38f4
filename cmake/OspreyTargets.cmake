# Helpers that give every Osprey library the right flags for where it runs.
#
#   osprey_host_flags(target)         host program or test: full C++20, sanitizers
#   osprey_kernel_flags(target)       kernel code: freestanding, ring 0, top 2 GiB
#   osprey_host_library(name SOURCES ... [INCLUDE dir] [DEPENDS ...])   -> name, name_plain
#   osprey_portable_library(name SOURCES ... [INCLUDE dir] [DEPENDS ...]) -> name, name_plain, name_kernel
#       the algorithmic cores (ELF, ROFS, ...) built twice from one source list:
#       `name` for host tools and tests, `name_kernel` for the kernel.
#   osprey_kernel_library(name SOURCES ... [INCLUDE dir] [DEPENDS ...])

# Warnings in Osprey's own code (not the third-party sources built beside it) stop the
# build: a warning fixed when it appears costs a line, one found among a hundred costs a day.
option(OSPREY_WERROR "Treat warnings in Osprey's own code as errors" ON)
# -Wmissing-field-initializers is off: aggregates here give their members defaults, and
# `{ .a = 1 }` or `{ 1 }` leaving the rest to them is the intended use.
set(OSPREY_WARNING_FLAGS -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers)
if(OSPREY_WERROR)
    list(APPEND OSPREY_WARNING_FLAGS -Werror)
endif()

set(OSPREY_KERNEL_CXX_FLAGS
    -ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit
    -fno-pic -fno-pie -mcmodel=kernel -fno-stack-protector -fno-omit-frame-pointer
    -fno-asynchronous-unwind-tables -fno-builtin-malloc -ffunction-sections
    ${OSPREY_WARNING_FLAGS}
    -DFMT_HEADER_ONLY -DFMT_EXCEPTIONS=0 -DFMT_STATIC_THOUSANDS_SEPARATOR=1
    -DOSPREY_KERNEL=1)

function(osprey_host_flags target)
    target_compile_options(${target} PRIVATE ${OSPREY_WARNING_FLAGS})
    if(OSPREY_HOST_SANITIZE)
        target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer)
        target_link_options(${target} PRIVATE -fsanitize=address,undefined)
    endif()
endfunction()

function(osprey_kernel_flags target)
    target_compile_options(${target} PRIVATE
        $<$<COMPILE_LANGUAGE:CXX>:${OSPREY_KERNEL_CXX_FLAGS}>
        $<$<COMPILE_LANGUAGE:C>:-ffreestanding -fno-pic -fno-pie -mcmodel=kernel -fno-stack-protector -fno-omit-frame-pointer -ffunction-sections>
        $<$<COMPILE_LANGUAGE:ASM>:-fno-pic -fno-pie>)
endfunction()

# Host libraries come in two variants: `name`, with the sanitizers (host tests), and
# `name_plain`, without them, for the programs users run (the `osprey` CLI): ASan alone
# adds about 80 ms to every start of a program on these machines, which would swamp the
# start-up latency the CLI exists to measure.
function(osprey_host_library name)
    cmake_parse_arguments(ARG "" "" "INCLUDE;SOURCES;DEPENDS" ${ARGN})
    if(NOT ARG_INCLUDE)
        set(ARG_INCLUDE "${CMAKE_CURRENT_SOURCE_DIR}/include")
    endif()
    add_library(${name} STATIC ${ARG_SOURCES})
    target_include_directories(${name} PUBLIC ${ARG_INCLUDE})
    osprey_host_flags(${name})
    foreach(dep ${ARG_DEPENDS})
        target_link_libraries(${name} PUBLIC ${dep})
    endforeach()
    if(NOT OSPREY_HOST_SANITIZE) # both variants would be the same
        add_library(${name}_plain ALIAS ${name})
        return()
    endif()
    # Built only for what links it (the CLI, benchmarks).
    add_library(${name}_plain STATIC EXCLUDE_FROM_ALL ${ARG_SOURCES})
    target_include_directories(${name}_plain PUBLIC ${ARG_INCLUDE})
    target_compile_options(${name}_plain PRIVATE ${OSPREY_WARNING_FLAGS})
    foreach(dep ${ARG_DEPENDS})
        target_link_libraries(${name}_plain PUBLIC ${dep}_plain)
    endforeach()
endfunction()

function(osprey_portable_library name)
    cmake_parse_arguments(ARG "" "" "INCLUDE;SOURCES;DEPENDS" ${ARGN})
    if(NOT ARG_INCLUDE)
        set(ARG_INCLUDE "${CMAKE_CURRENT_SOURCE_DIR}/include")
    endif()
    osprey_host_library(${name} SOURCES ${ARG_SOURCES} INCLUDE ${ARG_INCLUDE} DEPENDS ${ARG_DEPENDS})
    add_library(${name}_kernel STATIC ${ARG_SOURCES})
    target_include_directories(${name}_kernel PUBLIC ${ARG_INCLUDE})
    osprey_kernel_flags(${name}_kernel)
    foreach(dep ${ARG_DEPENDS})
        target_link_libraries(${name}_kernel PUBLIC ${dep}_kernel)
    endforeach()
endfunction()

function(osprey_kernel_library name)
    cmake_parse_arguments(ARG "" "" "INCLUDE;SOURCES;DEPENDS" ${ARGN})
    add_library(${name} STATIC ${ARG_SOURCES})
    if(ARG_INCLUDE)
        target_include_directories(${name} PUBLIC ${ARG_INCLUDE})
    endif()
    osprey_kernel_flags(${name})
    target_link_libraries(${name} PUBLIC ${ARG_DEPENDS})
endfunction()
