// Kernel side of the linker: what the program's start-up needs to know of the loaded
// objects (libc_shim/startup.h): the static TLS layout of every object with a PT_TLS
// (decided before relocation, since TPOFF64/TLSDESC values depend on it), the objects for
// dl_iterate_phdr and _dl_find_object, and each object's constructors and destructors.
#pragma once

#include "module_loader.h"

#include <span>

namespace linker {

/// Lays out the static TLS of `modules` (load order: the executable first): sets each
/// module's tls_module and tls_offset and records the layout in program_startup().tls.
/// Errors: those of layout_static_tls (ENOEXEC for a bad PT_TLS, E2BIG past 1 GiB).
lib::Result<void> plan_static_tls(std::span<Module> modules);

/// After relocation: fills program_startup()'s objects, executable and libraries.
void record_startup_tables(std::span<const Module> modules);

} // namespace linker
