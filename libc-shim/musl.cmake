# musl, from the Debian source package unpacked by scripts/setup, compiled for the kernel:
# code model `kernel` (top 2 GiB), no PIC, and system calls routed to osprey_syscall()
# by libc-shim/syscall-overlay/syscall_arch.h (and a_crash made a real crash by
# syscall-overlay/atomic_arch.h). A few musl members still issue a raw `syscall`
# instruction from assembly (thread area, clone, cancellation, vfork, signal restorer,
# unmapself); the kernel defines those symbols itself, and a check after the kernel link
# (scripts/check-no-syscall) fails the build if any `syscall` instruction got linked in.
include(ExternalProject)
cmake_host_system_information(RESULT musl_jobs QUERY NUMBER_OF_LOGICAL_CORES)

set(OSPREY_MUSL_SRC "${OSPREY_THIRD_PARTY}/musl")
set(OSPREY_MUSL_BUILD "${CMAKE_BINARY_DIR}/musl")
set(OSPREY_MUSL_LIB "${OSPREY_MUSL_BUILD}/lib/libc.a")
set(musl_cflags "-O2 -g -ffunction-sections -fno-pic -fno-pie -mcmodel=kernel -fno-stack-protector -fno-omit-frame-pointer -fno-asynchronous-unwind-tables -iquote ${CMAKE_CURRENT_LIST_DIR}/syscall-overlay")

# musl's libc.a without its allocator: every source directory but src/malloc (mallocng and
# the wrappers around it). mimalloc (libc-shim/malloc) is the one allocator and defines the
# whole malloc API, musl's internal __libc_malloc/__libc_free/... included, so no musl
# member can win over it in the link. musl's Makefile takes SRC_DIRS from the command line.
file(GLOB musl_src_dirs LIST_DIRECTORIES true "${OSPREY_MUSL_SRC}/src/*")
list(FILTER musl_src_dirs EXCLUDE REGEX "/src/malloc$")
list(APPEND musl_src_dirs "${OSPREY_MUSL_SRC}/crt" "${OSPREY_MUSL_SRC}/ldso")
list(JOIN musl_src_dirs " " musl_src_dirs)

ExternalProject_Add(musl_build
    SOURCE_DIR "${OSPREY_MUSL_SRC}"
    BINARY_DIR "${OSPREY_MUSL_BUILD}"
    CONFIGURE_COMMAND ${CMAKE_COMMAND} -E env "CC=${CMAKE_C_COMPILER}" "AR=${CMAKE_AR}" "RANLIB=${CMAKE_RANLIB}" "CFLAGS=${musl_cflags}"
        "${OSPREY_MUSL_SRC}/configure" --target=x86_64 --disable-shared --prefix=/
    BUILD_COMMAND make -s -j${musl_jobs} "SRC_DIRS=${musl_src_dirs}" lib/libc.a
    INSTALL_COMMAND ""
    BUILD_BYPRODUCTS "${OSPREY_MUSL_LIB}"
    USES_TERMINAL_BUILD ON)

# Rebuild musl from scratch when the overlay changes (musl's Makefile does not track it).
ExternalProject_Add_Step(musl_build overlay
    COMMAND ${CMAKE_COMMAND} -E rm -rf "${OSPREY_MUSL_BUILD}/config.mak" "${OSPREY_MUSL_BUILD}/obj" "${OSPREY_MUSL_BUILD}/lib"
    DEPENDEES download DEPENDERS configure
    DEPENDS "${CMAKE_CURRENT_LIST_DIR}/syscall-overlay/syscall_arch.h" "${CMAKE_CURRENT_LIST_DIR}/syscall-overlay/atomic_arch.h")

# Re-archive libc.a when this file changes (the member list depends on SRC_DIRS above).
ExternalProject_Add_Step(musl_build member_list
    COMMAND ${CMAKE_COMMAND} -E rm -f "${OSPREY_MUSL_LIB}"
    DEPENDEES configure DEPENDERS build
    DEPENDS "${CMAKE_CURRENT_LIST_FILE}")

add_library(osprey_musl STATIC IMPORTED GLOBAL)
set_target_properties(osprey_musl PROPERTIES IMPORTED_LOCATION "${OSPREY_MUSL_LIB}")
add_dependencies(osprey_musl musl_build)

# musl's public headers, in musl's order (C code built against musl: mimalloc).
set(OSPREY_MUSL_PUBLIC_INCLUDES
    "${OSPREY_MUSL_SRC}/arch/x86_64" "${OSPREY_MUSL_SRC}/arch/generic"
    "${OSPREY_MUSL_BUILD}/obj/include" "${OSPREY_MUSL_SRC}/include"
    PARENT_SCOPE)
# musl's public and internal headers, for libc-shim units that glue musl to the kernel.
set(OSPREY_MUSL_INTERNAL_INCLUDES
    "${OSPREY_MUSL_SRC}/arch/x86_64" "${OSPREY_MUSL_SRC}/arch/generic"
    "${OSPREY_MUSL_BUILD}/obj/src/internal" "${OSPREY_MUSL_SRC}/src/include"
    "${OSPREY_MUSL_SRC}/src/internal" "${OSPREY_MUSL_BUILD}/obj/include" "${OSPREY_MUSL_SRC}/include"
    PARENT_SCOPE)
