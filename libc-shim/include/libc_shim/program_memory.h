// Memory the libc and the program pass to each other to free: with the program's allocator
// when it brings one (ProgramAllocator, startup.h; program_allocator.cpp), else the kernel's.
#pragma once

#include <cstddef>

namespace libc_shim {

void* program_realloc(void* block, size_t size);
void program_free(void* block);

} // namespace libc_shim
