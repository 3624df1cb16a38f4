# mimalloc 2.0.9 (the Debian source unpacked by scripts/setup), compiled for the kernel with
# our own flags instead of its CMakeLists, against musl's headers: the one allocator of the
# kernel and of the program (docs/architecture.md, "Allocator").
# Its OS layer calls musl's mmap/munmap/mprotect/madvise, which reach the kernel's sys::
# functions through osprey_syscall(). Included by libc-shim/CMakeLists.txt; defines the
# OBJECT libraries osprey_mimalloc (mimalloc and the C unit that uses its internals)
# and osprey_musl_thread_glue (the C units that use musl's internals: the main thread's
# keys, static TLS for every module, locale names, glibc's cancellation cleanup ABI).
set(OSPREY_MIMALLOC_SRC "${OSPREY_THIRD_PARTY}/mimalloc")
if(NOT EXISTS "${OSPREY_MIMALLOC_SRC}/src/alloc.c")
    message(FATAL_ERROR "third_party/mimalloc is missing: run scripts/setup first")
endif()

# The list of mimalloc's own CMakeLists (mi_sources); static.c (a unity build of these) and
# alloc-override*.c (its malloc overrides, included by alloc.c, empty without
# MI_MALLOC_OVERRIDE) are not built: libc-shim/malloc/malloc_api.cpp defines the C API.
set(mimalloc_sources stats.c random.c os.c bitmap.c arena.c segment-cache.c segment.c page.c
    alloc.c alloc-aligned.c alloc-posix.c heap.c options.c init.c)
list(TRANSFORM mimalloc_sources PREPEND "${OSPREY_MIMALLOC_SRC}/src/")

# Kernel C flags (those musl is built with), against musl's headers only (-nostdinc), then
# GCC's own for what musl lacks (stdatomic.h).
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=include
    OUTPUT_VARIABLE gcc_include OUTPUT_STRIP_TRAILING_WHITESPACE)
set(mimalloc_cflags -std=gnu11 -O2 -ffunction-sections -nostdinc -idirafter ${gcc_include}
    -ffreestanding -fno-builtin-malloc -fno-pic -fno-pie -mcmodel=kernel -fno-stack-protector
    -fno-omit-frame-pointer -fno-asynchronous-unwind-tables -Wall -Wno-unknown-pragmas)

add_library(osprey_mimalloc OBJECT ${mimalloc_sources} ${CMAKE_CURRENT_LIST_DIR}/mimalloc_bridge.c)
add_dependencies(osprey_mimalloc musl_build) # musl's generated headers (bits/alltypes.h)
target_include_directories(osprey_mimalloc SYSTEM PRIVATE ${CMAKE_CURRENT_LIST_DIR}/port
    "${OSPREY_MIMALLOC_SRC}/include" ${OSPREY_MUSL_PUBLIC_INCLUDES})
target_compile_options(osprey_mimalloc PRIVATE ${mimalloc_cflags})
# Warnings of mimalloc's own code with MI_CACHE_DISABLE (code left unused) are not ours.
set_source_files_properties(${mimalloc_sources} PROPERTIES COMPILE_OPTIONS
    "-Wno-unused-function;-Wno-unused-variable;-Wno-maybe-uninitialized")
target_compile_definitions(osprey_mimalloc PRIVATE
    _GNU_SOURCE NDEBUG
    # Release build: no assertions, no guard pages, no encoded free lists, no padding.
    MI_DEBUG=0 MI_SECURE=0
    # Level-1 statistics (current bytes of small, large and huge blocks; segments; reserved
    # and committed memory): what mallinfo2 reports. Level 2 (per-bin) is not needed.
    MI_STAT=1
    # The default heap of a thread lives in a musl pthread key (pthread_getspecific), not in
    # a __thread variable: the kernel has no PT_TLS. See musl_main_thread.c.
    MI_TLS_PTHREAD
    # No segment cache: a segment whose last page is freed is unmapped at once instead of
    # staying reserved (32 MiB of virtual memory each) for reuse. Smaller footprint, more
    # mmap calls; each is a function call in a unikernel.
    MI_CACHE_DISABLE=1
    # Selects mimalloc's x86-64 thread id: the thread pointer's self word (%fs:0), which the
    # x86-64 TLS ABI gives musl's struct pthread as it gives glibc's TCB. Otherwise mimalloc
    # takes the address of a __thread variable. The only other use of __GLIBC__ in mimalloc
    # includes <linux/mman.h>, which port/linux/mman.h provides from musl's <sys/mman.h>.
    __GLIBC__=2 __GLIBC_MINOR__=36)

# musl_main_thread.c reads musl's struct pthread (so do musl_tls.c, glibc_cancel.c and
# musl_kernel_threads.c):
# musl's internal headers, in musl's order.
add_library(osprey_musl_thread_glue OBJECT ${CMAKE_CURRENT_LIST_DIR}/musl_main_thread.c
    ${CMAKE_CURRENT_LIST_DIR}/../musl_tls.c ${CMAKE_CURRENT_LIST_DIR}/../musl_locale.c
    ${CMAKE_CURRENT_LIST_DIR}/../glibc_cancel.c ${CMAKE_CURRENT_LIST_DIR}/../musl_kernel_threads.c
    ${CMAKE_CURRENT_LIST_DIR}/../musl_thread_signals.c)
add_dependencies(osprey_musl_thread_glue musl_build)
target_include_directories(osprey_musl_thread_glue SYSTEM PRIVATE ${OSPREY_MUSL_INTERNAL_INCLUDES})
target_include_directories(osprey_musl_thread_glue PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../include)
target_compile_options(osprey_musl_thread_glue PRIVATE ${mimalloc_cflags}
    -iquote ${CMAKE_CURRENT_LIST_DIR}/../syscall-overlay) # musl's a_crash as musl's build has it
target_compile_definitions(osprey_musl_thread_glue PRIVATE _XOPEN_SOURCE=700)
