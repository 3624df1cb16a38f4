// The few C++ runtime pieces the kernel's freestanding C++ needs: operator new/delete on
// malloc, and the library entry points that the header-only fmt references but, built
// without exceptions, never reaches in a healthy kernel.
#include <kernel/core/vm_exit.h>

#include <cstdlib>
#include <new>

void* operator new(size_t size)
{
    void* p = malloc(size);
    if (!p)
        core::panic("kernel out of memory allocating {} bytes", size);
    return p;
}
void* operator new[](size_t size) { return operator new(size); }
void* operator new(size_t size, const std::nothrow_t&) noexcept { return malloc(size); }
void operator delete(void* p) noexcept { free(p); }
void operator delete(void* p, size_t) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete[](void* p, size_t) noexcept { free(p); }

namespace std {
[[noreturn]] void terminate() noexcept { core::panic("std::terminate called"); }
[[noreturn]] void __throw_bad_alloc() { core::panic("std::bad_alloc"); }
[[noreturn]] void __throw_bad_array_new_length() { core::panic("std::bad_array_new_length"); }
[[noreturn]] void __throw_length_error(const char* what) { core::panic("std::length_error: {}", what); }
[[noreturn]] void __throw_out_of_range_fmt(const char* what, ...) { core::panic("std::out_of_range: {}", what); }
} // namespace std

// std::runtime_error, which fmt's format_error derives from. fmt only constructs one when a
// format string is wrong at run time, which compile-time checking rules out; defined by
// mangled name because the real class holds a libstdc++ string the kernel does not have.
extern "C" [[noreturn]] void osprey_runtime_error_ctor(void*, const char* what) asm("_ZNSt13runtime_errorC2EPKc");
extern "C" void osprey_runtime_error_dtor(void*) asm("_ZNSt13runtime_errorD2Ev");
extern "C" const char* osprey_runtime_error_what(const void*) asm("_ZNKSt13runtime_error4whatEv");
void osprey_runtime_error_ctor(void*, const char* what) { core::panic("std::runtime_error: {}", what); }
void osprey_runtime_error_dtor(void*) { }
const char* osprey_runtime_error_what(const void*) { return "runtime_error"; }

extern "C" void __cxa_pure_virtual() { core::panic("pure virtual function called"); }

namespace std {
const nothrow_t nothrow {};
} // namespace std
