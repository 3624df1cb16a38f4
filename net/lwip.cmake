# lwIP 2.1.3 (the Debian source unpacked by scripts/setup): the core, IPv4, IPv6 and
# Ethernet, compiled for the kernel against musl's headers with Osprey's configuration:
# net/kernel/lwip_options.h and net/kernel/lwip_platform.h, which lwIP includes by the
# names "lwipopts.h" and "arch/cc.h" (generated below into the build tree as one-line
# includes; the source tree keeps no file in lwIP's port layout). Only the raw API:
# Osprey's sockets are its own. Included by net/CMakeLists.txt; defines the OBJECT
# library osprey_lwip and OSPREY_LWIP_INCLUDES (what users of lwIP's headers need).
set(LWIP_DIR "${OSPREY_THIRD_PARTY}/lwip")
if(NOT EXISTS "${LWIP_DIR}/src/Filelists.cmake")
    message(FATAL_ERROR "third_party/lwip is missing: run scripts/setup first")
endif()
include(${LWIP_DIR}/src/Filelists.cmake)

set(lwip_port_dir ${CMAKE_CURRENT_BINARY_DIR}/lwip_port)
file(WRITE ${lwip_port_dir}/lwipopts.h.new "#include \"${CMAKE_CURRENT_LIST_DIR}/kernel/lwip_options.h\"\n")
file(WRITE ${lwip_port_dir}/arch/cc.h.new "#include \"${CMAKE_CURRENT_LIST_DIR}/kernel/lwip_platform.h\"\n")
foreach(header lwipopts.h arch/cc.h) # rewritten only when they change: no needless rebuilds
    file(COPY_FILE ${lwip_port_dir}/${header}.new ${lwip_port_dir}/${header} ONLY_IF_DIFFERENT)
endforeach()
set(OSPREY_LWIP_INCLUDES ${lwip_port_dir} "${LWIP_DIR}/src/include")

execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=include
    OUTPUT_VARIABLE lwip_gcc_include OUTPUT_STRIP_TRAILING_WHITESPACE)
add_library(osprey_lwip OBJECT ${lwipcore_SRCS} ${lwipcore4_SRCS} ${lwipcore6_SRCS} ${LWIP_DIR}/src/netif/ethernet.c)
add_dependencies(osprey_lwip musl_build) # musl's generated headers (bits/alltypes.h)
target_include_directories(osprey_lwip SYSTEM PUBLIC ${OSPREY_LWIP_INCLUDES})
target_include_directories(osprey_lwip SYSTEM PRIVATE ${OSPREY_MUSL_PUBLIC_INCLUDES})
target_compile_options(osprey_lwip PRIVATE -std=gnu11 -O2 -nostdinc -idirafter ${lwip_gcc_include}
    -ffreestanding -fno-pic -fno-pie -mcmodel=kernel -fno-stack-protector -fno-omit-frame-pointer
    -fno-asynchronous-unwind-tables -Wall -Wno-address)
