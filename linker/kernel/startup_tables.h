// Kernel side of the linker: what the program's start-up needs to know of the loaded
// objects (libc_shim/startup.h): the static TLS layout of every object with a PT_TLS
// (decided before relocation, since TPOFF64/TLSDESC values depend on it), and each object's
// LoadedObjectInfo (constructors, destructors, what dl_iterate_phdr and _dl_find_object
// report), chained in load order.
#pragma once

#include "module_list.h"

namespace linker {

/// Lays out the static TLS of `modules` (load order: the executable first): sets each
/// module's tls_module and tls_offset and records the layout in program_startup().tls.
/// Errors: those of layout_static_tls (ENOEXEC for a bad PT_TLS, E2BIG past 1 GiB);
/// E2BIG for more than ProgramStartup::kMaxTlsModules objects with TLS.
lib::Result<void> plan_static_tls(const ModuleList& modules);

/// Fills `module.info` (after relocation: the init arrays are final) and appends it to the
/// chain program_startup() starts from.
void publish_object(Module& module);

} // namespace linker
