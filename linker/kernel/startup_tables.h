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

/// Gives `module` (being dlopen'ed, with a PT_TLS) a module id and a place for its TLS,
/// before it is relocated (libc_shim/static_tls.h): the lowest free id, and the gap nearest
/// the thread pointer that the other `modules` leave in the static TLS surplus, or, when
/// none is large enough (or the alignment is above the thread pointer's, at least 64),
/// dynamic TLS with a new generation. Errors: E2BIG (too many TLS modules at once);
/// for an object marked DF_STATIC_TLS (initial-exec), ENOSPC and ENOTSUP where it would
/// have gone dynamic; ENOEXEC (a bad PT_TLS).
lib::Result<void> place_dlopen_tls(const ModuleList& modules, Module& module);
/// After `module` (placed by place_dlopen_tls) is relocated: its block is initialised and
/// threads made from now on get one.
void start_dlopen_tls(const Module& module);
/// Before `module` (started by start_dlopen_tls) is unmapped: threads made from now on get
/// no block for it, and its id and block are free for the next dlopen.
void end_dlopen_tls(Module& module);
/// Sets the layout's module count to the highest id `modules` use (after a failed dlopen
/// or an unload freed some).
void count_tls_modules(const ModuleList& modules);

/// Fills `module.info` (after relocation: the init arrays are final) and appends it to the
/// chain program_startup() starts from.
void publish_object(Module& module);

/// Takes `module` out of the chain publish_object put it in, with the COPY relocations
/// into it that libc-shim keeps (it is about to be unmapped).
void unpublish_object(Module& module);

/// Gives the published objects reachable from `root` that have none yet their place in
/// constructor order (LoadedObjectInfo::init_order): glibc's, a depth-first walk over
/// DT_NEEDED that places each object after everything it needs (a cycle is cut where the
/// walk meets an object it is already inside). After publish_object, at start and dlopen.
void order_initialization(const ModuleList& modules, Module& root);

} // namespace linker
