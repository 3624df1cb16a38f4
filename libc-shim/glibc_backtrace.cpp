// <execinfo.h>: backtrace, backtrace_symbols, backtrace_symbols_fd. glibc unwinds with
// libgcc's _Unwind_Backtrace (DWARF call frame information); here too when the program has
// libgcc_s in its global scope (C++ programs do). Otherwise the frame-pointer chain the
// kernel's crash reports walk (debug::collect_backtrace, every record checked before it is
// read): exact for code built with frame pointers, and at least the caller for the rest.
// haproxy calls backtrace() once at start so that a later crash report need not load
// anything; it stopped there as a missing symbol.
#include <libc_shim/dynamic_loading.h>
#include <libc_shim/program_memory.h>

#include <kernel/debug/backtrace.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <unistd.h>
#include <unwind.h>

extern "C" int osprey_dladdr(const void* address, Dl_info* info); // dl_api.cpp: the program's dladdr

namespace {

using GetIp = uintptr_t (*)(struct _Unwind_Context*);

struct UnwindState {
    void** out;
    int size, count;
    GetIp get_ip; // libgcc's _Unwind_GetIP
};

_Unwind_Reason_Code record_frame(struct _Unwind_Context* context, void* argument)
{
    auto& state = *static_cast<UnwindState*>(argument);
    if (state.count >= state.size)
        return _URC_END_OF_STACK;
    if (state.count >= 0) // the first frame is backtrace's own, which glibc leaves out
        state.out[state.count] = reinterpret_cast<void*>(state.get_ip(context));
    ++state.count;
    return _URC_NO_REASON;
}

/// "PATH(SYMBOL+0xOFFSET) [0xADDRESS]", glibc's line for one frame, into `out`.
int describe(void* address, char* out, size_t size)
{
    Dl_info info {};
    if (!osprey_dladdr(address, &info) || !info.dli_fname)
        return snprintf(out, size, "[%p]", address);
    if (info.dli_sname)
        return snprintf(out, size, "%s(%s+0x%lx) [%p]", info.dli_fname, info.dli_sname,
            static_cast<unsigned long>(static_cast<char*>(address) - static_cast<char*>(info.dli_saddr)), address);
    return snprintf(out, size, "%s(+0x%lx) [%p]", info.dli_fname,
        static_cast<unsigned long>(static_cast<char*>(address) - static_cast<char*>(info.dli_fbase)), address);
}

} // namespace

extern "C" {

int osprey_backtrace(void** buffer, int size)
{
    if (size <= 0)
        return 0;
    using UnwindBacktrace = _Unwind_Reason_Code (*)(_Unwind_Trace_Fn, void*);
    auto unwind = reinterpret_cast<UnwindBacktrace>(libc_shim::global_definition("_Unwind_Backtrace"));
    auto get_ip = reinterpret_cast<GetIp>(libc_shim::global_definition("_Unwind_GetIP"));
    if (unwind && get_ip) {
        UnwindState state { buffer, size, -1, get_ip };
        unwind(record_frame, &state);
        return state.count < 0 ? 0 : state.count;
    }
    uintptr_t frames[debug::kMaxBacktraceFrames];
    auto* frame = static_cast<uintptr_t*>(__builtin_frame_address(0));
    // Our own frame record: the caller's rbp, then our return address (the caller).
    size_t count = debug::collect_backtrace(frame[1], frame[0], frames, debug::kMaxBacktraceFrames);
    size_t n = count < size_t(size) ? count : size_t(size);
    for (size_t i = 0; i < n; ++i)
        buffer[i] = reinterpret_cast<void*>(frames[i]);
    return int(n);
}

char** osprey_backtrace_symbols(void* const* buffer, int size)
{
    if (size <= 0)
        return nullptr;
    size_t text = 0;
    for (int i = 0; i < size; ++i)
        text += size_t(describe(buffer[i], nullptr, 0)) + 1;
    // One block the caller frees: the pointers, then the strings (glibc's layout).
    auto* lines = static_cast<char**>(libc_shim::program_realloc(nullptr, size_t(size) * sizeof(char*) + text));
    if (!lines)
        return nullptr;
    char* next = reinterpret_cast<char*>(lines + size);
    for (int i = 0; i < size; ++i) {
        lines[i] = next;
        size_t written = size_t(describe(buffer[i], next, text)) + 1;
        next += written;
        text -= written < text ? written : text;
    }
    return lines;
}

void osprey_backtrace_symbols_fd(void* const* buffer, int size, int fd)
{
    for (int i = 0; i < size; ++i) {
        char line[512];
        int length = describe(buffer[i], line, sizeof(line) - 1);
        length = length < int(sizeof(line) - 1) ? length : int(sizeof(line) - 1);
        line[length++] = '\n';
        (void)!write(fd, line, size_t(length));
    }
}

} // extern "C"
