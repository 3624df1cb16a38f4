// __libc_start_main with glibc's ABI (GLIBC_2.34 and GLIBC_2.2.5 are the same function
// here): the program's _start calls it. The sequence and the contract with the ELF linker
// are in libc_shim/startup.h.
#include "glibc_data.h"
#include "malloc/mimalloc_bridge.h"

#include <libc_shim/dynamic_loading.h>
#include <libc_shim/exit_handlers.h>
#include <libc_shim/startup.h>

#include <kernel/arch/x86_64/idt.h>
#include <kernel/core/boot_trace.h>
#include <kernel/core/snapshot_hook.h>
#include <kernel/core/vm_exit.h>
#include <kernel/console/log.h>
#include <kernel/debug/symbols.h>
#include <mm/address_space.h>

#include <algorithm>
#include <cstdint>
#include <csignal>
#include <cstdlib>

extern "C" {
// musl internals (src/env/__libc_start_main.c, src/env/__stack_chk_fail.c), hidden
// symbols of the same static link. __init_libc sets __environ, libc.auxv, __hwcap, the
// page size and __progname/__progname_full from envp and the auxiliary vector after it,
// then the thread pointer and static TLS (__init_tls: the PT_TLS found through AT_PHDR,
// directly below musl's struct pthread, installed by __set_thread_area, our wrmsr), then
// the stack guard from AT_RANDOM (__init_ssp).
void __init_libc(char** envp, char* program_name);
extern uintptr_t __stack_chk_guard;
}

namespace libc_shim {

namespace {

ProgramStartup g_startup;
int g_argc;
char** g_argv;
char** g_envp;

/// Ends the program as Linux's SIGSEGV would: its handler runs if it has one, and if that
/// returns, the code that found the fault cannot go on.
[[noreturn]] void die_of_sigsegv()
{
    raise(SIGSEGV);
    _Exit(128 + SIGSEGV);
}

/// A function the program gives the kernel to call (main, a constructor or destructor of
/// its objects, __libc_start_main's init and fini): `function`, if it lies in the program's
/// half of the address space. Anywhere else (a corrupt relocation or array), calling it
/// would run kernel memory or fault inside kernel code and panic; Linux would end the
/// program with SIGSEGV at the call, and so does this. (Null is left to the call: the page
/// fault at address 0 is the program's own, SIGSEGV too.)
template<typename Function> Function program_function(Function function)
{
    auto address = reinterpret_cast<uintptr_t>(function);
    if (address < mm::kUserTop)
        return function;
    klog::error(klog::Subsystem::Boot,
        "the program gave a function at {:#x}, outside its memory, to call "
        "(its main, a constructor or a destructor): SIGSEGV",
        address);
    die_of_sigsegv();
}

} // namespace

/// musl's a_crash in the kernel (libc-shim/syscall-overlay/atomic_arch.h): musl found its
/// own state impossible, which in a Linux process is the SIGSEGV of a `hlt` in user mode.
extern "C" [[noreturn]] void osprey_musl_crash()
{
    auto caller = reinterpret_cast<uintptr_t>(__builtin_return_address(0));
    char where[128];
    size_t length = debug::describe_address(caller, debug::AddressKind::ReturnAddress, where, sizeof(where));
    if (!arch::program_started()) // the kernel's own libc set-up: no program to end yet
        core::panic("libc: musl found its state corrupt (a_crash) in {:#x} {} during boot", caller,
            std::string_view(where, length));
    klog::error(klog::Subsystem::Boot, "libc: musl found its state corrupt (a_crash) in {:#x} {}: SIGSEGV", caller,
        std::string_view(where, length));
    die_of_sigsegv();
}

namespace {

void run_preinit(const ObjectInit& object)
{
    for (size_t i = 0; i < object.preinit_count; ++i)
        program_function(object.preinit_array[i])(g_argc, g_argv, g_envp);
}

void run_init(const ObjectInit& object)
{
    if (object.init)
        program_function(reinterpret_cast<InitFunction>(object.init))(g_argc, g_argv, g_envp);
    for (size_t i = 0; i < object.init_count; ++i)
        program_function(object.init_array[i])(g_argc, g_argv, g_envp);
}

void run_fini(const ObjectInit& object)
{
    for (size_t i = object.fini_count; i-- > 0;)
        program_function(object.fini_array[i])();
    if (object.fini)
        program_function(object.fini)();
}

/// __libc_start_main's fini and rtld_fini, as exit handlers (exit_handlers.h): checked
/// when they run, as Linux would fault only then.
void run_given_fini(void* fini) { program_function(reinterpret_cast<FiniFunction>(fini))(); }

/// The objects after `previous_last` (null: all) whose constructors have `initialized`,
/// in init_order (a malloc'd array the caller frees; null when there are none or memory is
/// short, and then `count` is 0).
LoadedObjectInfo** objects_in_init_order(const LoadedObjectInfo* previous_last, bool initialized, size_t& count)
{
    count = 0;
    auto** list = static_cast<LoadedObjectInfo**>(malloc(g_startup.object_count * sizeof(LoadedObjectInfo*)));
    if (!list)
        return nullptr;
    for (LoadedObjectInfo* o = g_startup.last_object; o && o != previous_last; o = previous_object(*o))
        if (o->initialized == initialized)
            list[count++] = o;
    std::sort(list, list + count,
        [](const LoadedObjectInfo* a, const LoadedObjectInfo* b) { return a->init_order < b->init_order; });
    return list;
}

/// At exit, after the program's own atexit handlers: every object's destructors in the
/// reverse of constructor order, the executable's first (what glibc's _dl_fini does), each
/// once. No dlclose unmaps anything from now on: a destructor's, or another thread's while
/// exit goes on (glibc pins every object too).
void run_all_fini()
{
    LoaderLock lock;
    UnloadDeferral::for_good();
    size_t count;
    LoadedObjectInfo** list = objects_in_init_order(nullptr, true, count);
    for (size_t i = count; i-- > 0;) {
        if (!list[i]->initialized)
            continue;
        list[i]->initialized = false;
        run_fini(list[i]->init);
    }
    free(list);
}

/// glibc's stack guard has a zero low byte (a string overflow cannot reproduce it); musl
/// zeroes the second byte instead. Follow glibc, in musl's copy and in the TCB at %fs:0x28
/// (musl's struct pthread::canary, the slot glibc-compiled code reads).
void install_glibc_stack_guard()
{
    uintptr_t guard = __stack_chk_guard & ~uintptr_t(0xff);
    __stack_chk_guard = guard;
    asm volatile("movq %0, %%fs:0x28" ::"r"(guard));
}

} // namespace

ProgramStartup& program_startup() { return g_startup; }

void initialize_objects_after(const LoadedObjectInfo* previous_last)
{
    size_t count;
    LoadedObjectInfo** list = objects_in_init_order(previous_last, false, count);
    for (size_t i = 0; i < count; ++i) {
        if (list[i]->initialized) // a constructor's dlopen ran it already
            continue;
        list[i]->initialized = true;
        run_init(list[i]->init);
    }
    free(list);
}

void finalize_unloading_objects()
{
    for (bool ran = true; ran;) { // a destructor's dlclose may have marked more
        ran = false;
        size_t count;
        LoadedObjectInfo** list = objects_in_init_order(nullptr, true, count);
        for (size_t i = count; i-- > 0;) {
            LoadedObjectInfo* object = list[i];
            if (!object->unloading || !object->initialized)
                continue;
            object->initialized = false; // once, even if a destructor dlcloses again
            run_fini(object->init);
            object->finalized = true;
            ran = true;
        }
        free(list);
    }
}

extern "C" int osprey_libc_start_main(int (*main)(int, char**, char**), int argc, char** argv, InitFunction init,
    FiniFunction fini, FiniFunction rtld_fini, void* stack_end)
{
    (void)stack_end; // __libc_stack_end was set by the linker (startup.h, step 0)
    g_argc = argc;
    g_argv = argv;
    g_envp = argv + argc + 1;
    __init_libc(g_envp, argv[0]);
    // The same thread now has a new thread pointer: keep its pthread keys and mimalloc heap.
    osprey_musl_keep_main_thread_keys();
    osprey_mimalloc_thread_pointer_moved();
    install_glibc_stack_guard();
    set_initial_time_zone_names();
    refresh_program_copies();
    find_program_allocator();

    install_exit_handlers();
    if (rtld_fini) // registered first, so it runs last (glibc order)
        add_exit_handler(run_given_fini, reinterpret_cast<void*>(rtld_fini), nullptr);
    add_exit_handler([](void*) { run_all_fini(); }, nullptr, nullptr);
    initialize_objects_after(g_startup.first_object); // the libraries', dependencies first
    if (fini)
        add_exit_handler(run_given_fini, reinterpret_cast<void*>(fini), nullptr);
    g_startup.first_object->initialized = true;
    const ObjectInit& executable = g_startup.first_object->init;
    run_preinit(executable);
    if (init) // pre-2.34 binaries pass __libc_csu_init, which runs DT_INIT and DT_INIT_ARRAY
        program_function(init)(argc, argv, g_envp);
    else
        run_init(executable);
    core::trace(abi::BootMilestone::ProgramMain);                    // for the monitor's --trace-boot
    core::snapshot_point_reached(snapshot_abi::SnapshotPoint::Main); // --snapshot-at main
    exit(program_function(main)(argc, argv, g_envp));
}

} // namespace libc_shim
