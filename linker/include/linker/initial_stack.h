// The Linux initial process stack (System V ABI x86-64 §3.4.1, Figure 3.9): what _start
// finds at %rsp. Built into a caller-provided stack region, so host tests run it on a
// byte buffer and the kernel runs it on the program's real stack.
//
//   [rsp]  argc | argv[0..argc-1] | NULL | envp[..] | NULL | auxv pairs | AT_NULL
//          ... padding ... | 16 random bytes | "x86_64" | execfn | env strings | argv strings
#pragma once

#include <lib/result.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace linker {

// Auxiliary vector types (Linux include/uapi/linux/auxvec.h).
enum AuxType : uint64_t {
    AT_NULL = 0,
    AT_PHDR = 3,
    AT_PHENT = 4,
    AT_PHNUM = 5,
    AT_PAGESZ = 6,
    AT_BASE = 7,
    AT_FLAGS = 8,
    AT_ENTRY = 9,
    AT_UID = 11,
    AT_EUID = 12,
    AT_GID = 13,
    AT_EGID = 14,
    AT_PLATFORM = 15,
    AT_HWCAP = 16,
    AT_CLKTCK = 17,
    AT_SECURE = 23,
    AT_RANDOM = 25,
    AT_HWCAP2 = 26,
    AT_EXECFN = 31,
    AT_MINSIGSTKSZ = 51,
};

struct AuxEntry {
    uint64_t type;
    uint64_t value;
};

struct InitialStackSpec {
    std::span<const std::string_view> argv;
    std::span<const std::string_view> envp;
    /// Entries besides AT_RANDOM, AT_EXECFN, AT_PLATFORM and AT_NULL, which are added here.
    std::span<const AuxEntry> auxv;
    std::string_view execfn;
    uint8_t random_bytes[16];
};

struct InitialStack {
    uint64_t stack_pointer; // the value for %rsp at _start: 16-byte aligned, points at argc
    uint64_t argv;          // address of argv[0] pointer slot
    uint64_t envp;
    uint64_t auxv;
};

/// Builds the initial stack at the top of `stack` (the bytes of a stack whose lowest
/// address, as the program sees it, is `stack_base`). Errors: E2BIG if it does not fit
/// or there are more than 4096 arguments plus environment strings.
lib::Result<InitialStack> build_initial_stack(
    std::span<std::byte> stack, uint64_t stack_base, const InitialStackSpec& spec);

} // namespace linker
