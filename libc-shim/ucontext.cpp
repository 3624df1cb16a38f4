// makecontext with glibc's ucontext_t; getcontext, setcontext and swapcontext are in
// ucontext.S, whose offsets these assertions tie to glibc's header.
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <ucontext.h>

static_assert(sizeof(ucontext_t) == 968);
static_assert(offsetof(ucontext_t, uc_link) == 8 && offsetof(ucontext_t, uc_mcontext.gregs) == 40);
static_assert(offsetof(ucontext_t, uc_mcontext.fpregs) == 224 && offsetof(ucontext_t, uc_sigmask) == 296);
static_assert(offsetof(ucontext_t, __fpregs_mem) == 424 && offsetof(_libc_fpstate, mxcsr) == 24);
static_assert(REG_R8 == 0 && REG_R9 == 1 && REG_R12 == 4 && REG_R15 == 7 && REG_RDI == 8 && REG_RSI == 9);
static_assert(REG_RBP == 10 && REG_RBX == 11 && REG_RDX == 12 && REG_RCX == 14 && REG_RSP == 15 && REG_RIP == 16);

extern "C" void osprey_start_context(); // ucontext.S

extern "C" {

/// makecontext(3): `ucp` (from getcontext, with uc_stack set) will call `function` with the
/// `argc` integer arguments on its own stack; when the function returns, uc_link is resumed,
/// or the program exits with 0 if it is null. As glibc: the first six arguments go in
/// registers, the rest on the stack, which is 16-byte aligned at the call.
void makecontext(ucontext_t* ucp, void (*function)(), int argc, ...) noexcept
{
    auto* top = reinterpret_cast<greg_t*>(reinterpret_cast<uintptr_t>(ucp->uc_stack.ss_sp) + ucp->uc_stack.ss_size);
    size_t link_slot = size_t(argc > 6 ? argc - 6 : 0) + 1;
    greg_t* sp = top - link_slot;
    sp = reinterpret_cast<greg_t*>((reinterpret_cast<uintptr_t>(sp) & ~uintptr_t(15)) - 8);
    greg_t* gregs = ucp->uc_mcontext.gregs;
    gregs[REG_RIP] = reinterpret_cast<greg_t>(function);
    gregs[REG_RBX] = reinterpret_cast<greg_t>(&sp[link_slot]);
    gregs[REG_RSP] = reinterpret_cast<greg_t>(sp);
    sp[0] = reinterpret_cast<greg_t>(&osprey_start_context); // the function's return address
    sp[link_slot] = reinterpret_cast<greg_t>(ucp->uc_link);
    static constexpr int kArgumentRegisters[] = { REG_RDI, REG_RSI, REG_RDX, REG_RCX, REG_R8, REG_R9 };
    va_list arguments;
    va_start(arguments, argc);
    for (int i = 0; i < argc; ++i) {
        greg_t value = va_arg(arguments, greg_t);
        if (i < 6)
            gregs[kArgumentRegisters[i]] = value;
        else
            sp[i - 5] = value;
    }
    va_end(arguments);
}

} // extern "C"
