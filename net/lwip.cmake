# lwIP 2.1.3 (the Debian source unpacked by scripts/setup): the core, IPv4, IPv6 and
# Ethernet, compiled for the kernel against musl's headers with net/lwip_port's
# configuration (lwipopts.h, arch/cc.h). Only the raw API: Osprey's sockets are its own.
# Included by net/CMakeLists.txt; defines the OBJECT library osprey_lwip.
set(LWIP_DIR "${OSPREY_THIRD_PARTY}/lwip")
if(NOT EXISTS "${LWIP_DIR}/src/Filelists.cmake")
    message(FATAL_ERROR "third_party/lwip is missing: run scripts/setup first")
endif()
include(${LWIP_DIR}/src/Filelists.cmake)

execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=include
    OUTPUT_VARIABLE lwip_gcc_include OUTPUT_STRIP_TRAILING_WHITESPACE)
add_library(osprey_lwip OBJECT ${lwipcore_SRCS} ${lwipcore4_SRCS} ${lwipcore6_SRCS} ${LWIP_DIR}/src/netif/ethernet.c)
add_dependencies(osprey_lwip musl_build) # musl's generated headers (bits/alltypes.h)
target_include_directories(osprey_lwip SYSTEM PUBLIC ${CMAKE_CURRENT_LIST_DIR}/lwip_port "${LWIP_DIR}/src/include")
target_include_directories(osprey_lwip SYSTEM PRIVATE ${OSPREY_MUSL_PUBLIC_INCLUDES})
target_compile_options(osprey_lwip PRIVATE -std=gnu11 -O2 -nostdinc -idirafter ${lwip_gcc_include}
    -ffreestanding -fno-pic -fno-pie -mcmodel=kernel -fno-stack-protector -fno-omit-frame-pointer
    -fno-asynchronous-unwind-tables -Wall -Wno-address)
