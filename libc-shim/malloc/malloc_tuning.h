// mallopt's state that the allocation functions consult (malloc_tuning.cpp).
#pragma once

#include <cstddef>

namespace libc_shim {

/// M_PERTURB (glibc mallopt): when set, fills `size` bytes of a block malloc, realloc's
/// new block excepted, memalign and friends return with the complement of the perturb byte.
/// calloc's blocks stay zero. No effect when M_PERTURB is 0 (the default).
void perturb_allocated(void* block, size_t size);

/// M_PERTURB: when set, fills the usable size of a block being freed with the perturb
/// byte, so use after free reads it.
void perturb_freed(void* block);

} // namespace libc_shim
