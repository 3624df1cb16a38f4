// kernel_entry64: the first C++ code, called by boot.S in long mode on the boot stack.
// Brings the machine up, mounts the image, and hands over to the program.
#include <drivers/virtio/kernel/ktest.h>
#include <drivers/virtio/kernel/probe.h>
#include <kernel/arch/x86_64/ap_start.h>
#include <kernel/arch/x86_64/cpu.h>
#include <kernel/arch/x86_64/gdt.h>
#include <kernel/arch/x86_64/idt.h>
#include <kernel/arch/x86_64/io.h>
#include <kernel/arch/x86_64/layout.h>
#include <kernel/arch/x86_64/pvh.h>
#include <kernel/arch/x86_64/tsc.h>
#include <kernel/boot/boot_options.h>
#include <net/kernel/name_files.h>
#include <net/kernel/stack.h>
#include <kernel/boot/snapshot_point.h>
#include <kernel/core/boot_trace.h>
#include <kernel/core/snapshot_hook.h>
#include <kernel/core/vm_exit.h>
#include <kernel/console/log.h>
#include <kernel/console/serial.h>
#include <kernel/debug/cpu_ktest.h>
#include <mm/mm_ktest.h>
#include <kernel/fs/fd_table.h>
#include <kernel/fs/proc_fs.h>
#include <kernel/fs/root_fs.h>
#include <kernel/process/process.h>
#include <kernel/process/process_ktest.h>
#include <kernel/syscall/signal_frame.h>
#include <kernel/syscall/syscall.h>
#include <libc_shim/kernel.h>
#include <linker/program.h>
#include <mm/memory.h>
#include <sched/scheduler.h>

#include <cstring>

namespace {

// Exit statuses for a program that could not be started, as a Linux shell reports them.
constexpr int kCannotExecute = 126, kNotFound = 127;

[[noreturn]] void fail(int status, const char* what, const lib::Error& error)
{
    klog::error(klog::Subsystem::Boot, "{}: {} ({})", what, error.message, lib::errno_name(error.code));
    core::vm_exit(status);
}

/// cwd=PATH: the program starts there, as `docker run -w` starts it (a missing directory
/// ends the boot: the program would otherwise run somewhere it did not expect).
void enter_working_directory(std::string_view path)
{
    if (path.empty())
        return;
    auto directory = fs::lookup_at(nullptr, path, vfs::Follow::Yes);
    auto entered
        = directory.is_error() ? lib::Result<void>(directory.error()) : fs::set_working_directory(directory.value());
    if (entered.is_error()) {
        klog::error(klog::Subsystem::Boot, "cannot enter the working directory {}: {} ({})", path,
            entered.error().message, lib::errno_name(entered.error().code));
        core::vm_exit(entered.error().code == lib::Errno::NOENT ? kNotFound : kCannotExecute);
    }
}

std::string_view c_string_at(uint64_t paddr)
{
    if (!paddr)
        return {};
    auto* text = static_cast<const char*>(mm::phys_to_virt(paddr));
    return std::string_view(text, strlen(text));
}

lib::Result<std::span<const std::byte>> image_module(const arch::PvhStartInfo& info)
{
    if (info.nr_modules == 0)
        return lib::Error(lib::Errno::NOENT, "no image: the VMM passed no PVH module (QEMU: -initrd IMAGE)");
    auto* modules = static_cast<const arch::PvhModule*>(mm::phys_to_virt(info.modlist_paddr));
    return std::span(static_cast<const std::byte*>(mm::phys_to_virt(modules[0].paddr)), modules[0].size);
}

/// The program's argv from the boot line or, without "--" there, from /.osprey/cmdline.
boot::BootOptions program_options(boot::BootOptions options)
{
    if (!options.argv.empty())
        return options;
    auto node = fs::root_image().lookup("/.osprey/cmdline");
    if (node.is_error())
        fail(kNotFound, "no program to run",
            lib::Error(lib::Errno::NOENT, "nothing after -- on the command line and no /.osprey/cmdline in the image"));
    auto data = fs::root_image().file_range(node.value(), 0, node->size());
    if (data.is_error())
        fail(kCannotExecute, "cannot read /.osprey/cmdline", data.error());
    auto text = std::string_view(reinterpret_cast<const char*>(data->data()), data->size());
    auto merged = boot::apply_image_cmdline(text);
    if (merged.is_error())
        fail(kCannotExecute, "bad /.osprey/cmdline in the image", merged.error());
    if (merged->argv.empty())
        fail(kNotFound, "no program to run", lib::Error(lib::Errno::NOENT, "/.osprey/cmdline names no program"));
    return merged.value();
}

/// net.ip=dhcp: the program starts once the network has an address, as a cloud VM's
/// services start after its network is online, so that its first lookup already finds
/// /etc/resolv.conf naming the lease's server (the stack writes it when the lease comes).
/// Without an answer in kLeaseWaitNs it starts anyway, with a warning: the client keeps
/// asking, and a later lease is taken the same way.
void lease_network_address()
{
    constexpr uint64_t kLeaseWaitNs = 15'000'000'000;
    sched::KernelSection section;
    auto leased = net::lease_address(arch::monotonic_ns() + kLeaseWaitNs);
    if (leased.is_error())
        klog::warn(klog::Subsystem::Net, "net.ip=dhcp: {} ({}); the program starts without an IPv4 address",
            leased.error().message, lib::errno_name(leased.error().code));
}

/// The volume=TAG:/PATH options matched with the virtio-9p devices of those tags; a tag
/// no device has stops the boot (the user asked for that directory).
size_t find_volumes(std::span<const std::string_view> options, fs::VolumeMount (&out)[fs::kMaxVolumes])
{
    size_t count = 0;
    for (std::string_view option : options) {
        size_t colon = option.find(":/");
        std::string_view tag = option.substr(0, colon), path = option.substr(colon + 1);
        virtio::ProbedDevices& devices = virtio::probed_devices();
        virtio::NinepDevice* device = nullptr;
        for (size_t i = 0; i < devices.ninep_count; ++i)
            if (devices.ninep[i]->tag() == tag)
                device = devices.ninep[i];
        if (!device) {
            klog::error(klog::Subsystem::Fs, "volume={}: no virtio-9p device has the tag {}", option, tag);
            fail(kCannotExecute, "cannot mount a volume",
                lib::Error(lib::Errno::NODEV, "no device with the volume's tag"));
        }
        out[count++] = { device, tag, path };
    }
    return count;
}

} // namespace

extern "C" [[noreturn]] void kernel_entry64(uint64_t start_info_paddr)
{
    core::trace(abi::BootMilestone::KernelEntry);
    console::console_uart().init();
    arch::tsc_init();
    arch::cpu_init();
    sched::init_boot_cpu(); // this flow of execution becomes thread 1 (per-CPU data at %gs)
    sched::set_signal_delivery(sys::deliver_signals_on_frame);
    sys::install_system_call_instruction();
    sched::set_leave_program_threads(osprey_leave_program_threads);
    sched::set_end_kernel_libc_thread(osprey_end_kernel_libc_thread);
    arch::set_program_signal_hook(sys::deliver_fault_signal);
    core::set_snapshot_point_handler(boot::snapshot_point_reached); // reached from libc-shim and /dev
    arch::set_running_thread_query([] {
        const sched::Thread& self = sched::current();
        if (self.kernel_service)
            return arch::RunningThread::KernelService;
        // A static program's syscall instruction runs kernel code without the lock until its
        // call is dispatched, and delivers its signals after.
        if (self.kernel_depth > self.handler_kernel_depth || self.in_system_call_instruction)
            return arch::RunningThread::ProgramInKernel;
        return arch::RunningThread::Program;
    });
    auto* info = reinterpret_cast<const arch::PvhStartInfo*>(start_info_paddr);
    if (info->magic != arch::PvhStartInfo::kMagic)
        core::panic("not booted through PVH (start_info magic {:#x})", info->magic);
    mm::init(*info);
    for (uint8_t slot = 1; slot <= arch::kIstSlotCount; ++slot) // an overflow now faults (gdt.cpp)
        mm::unmap_kernel_image_page(arch::ist_stack(arch::IstSlot(slot)).guard);
    info = static_cast<const arch::PvhStartInfo*>(mm::phys_to_virt(start_info_paddr));
    sched::set_secondary_cpu_hardware(info->rsdp_paddr,
        arch::find_ap_trampoline_page(start_info_paddr, *info,
            std::span(
                static_cast<const arch::PvhMemmapEntry*>(mm::phys_to_virt(info->memmap_paddr)), info->memmap_entries),
            c_string_at(info->cmdline_paddr).size()));
    libc_shim::init_kernel_libc();                            // musl's malloc, stdio and errno for the kernel itself
    if (auto made = process::create_first(); made.is_error()) // the boot thread becomes its first thread
        fail(kCannotExecute, "cannot make the program's process", made.error());
    core::trace(abi::BootMilestone::MemoryUp);
    auto options = boot::parse_boot_options(c_string_at(info->cmdline_paddr));
    if (options.is_error())
        fail(kCannotExecute, "bad kernel command line", options.error());
    virtio::probe_mmio_devices(options->virtio_mmio);
    net::configure(options->network); // the stack itself starts with the first socket
    if (!options->ktest.empty()) {    // in-kernel tests (tests/kernel) instead of a program
        if (!debug::run_cpu_ktest(options->ktest) && !libc_shim::run_ktest(options->ktest)
            && !mm::run_ktest(options->ktest) && !virtio::run_ktest(options->ktest)
            && !process::run_ktest(options->ktest))
            fail(kCannotExecute, "unknown kernel test", lib::Error(lib::Errno::INVAL, "no such ktest= name"));
    }
    auto frames = mm::frame_stats();
    klog::info(klog::Subsystem::Mm, "{} KiB free of {} KiB; TSC {} Hz ({})", frames.free_frames * 4,
        frames.total_frames * 4, arch::tsc_hz(), arch::tsc_source());

    core::trace(abi::BootMilestone::DriversUp); // no device drivers yet: the image is PVH module 0
    auto image = image_module(*info);
    if (image.is_error())
        fail(kCannotExecute, "cannot mount the root filesystem", image.error());
    // Like Linux's tmpfs default, files written at run time may take half of the RAM.
    fs::VolumeMount volumes[fs::kMaxVolumes];
    size_t volume_count = find_volumes(options->volumes(), volumes);
    if (auto mounted
        = fs::mount_root(image.value(), frames.total_frames * mm::kPageSize / 2, { volumes, volume_count });
        mounted.is_error())
        fail(kCannotExecute, "cannot mount the root filesystem", mounted.error());
    // The program and its user may come from the image's own options; the root's mode and
    // the network come from the boot line alone (the root is mounted, and the network set
    // up, before the image can be read).
    auto program = program_options(options.value());
    if (!program.bad_user.empty()) {
        klog::error(klog::Subsystem::Boot, "option {} is not user=UID:GID[:USER[:GROUP]]", program.bad_user);
        fail(kCannotExecute, "cannot run the program as its user", lib::Error(lib::Errno::INVAL, "bad user= option"));
    }
    net::provide_name_files(options->network); // on a read-only root too, as Docker's --read-only
    boot::provide_account_files(program.user);
    if (options->read_only_root)
        fs::make_root_read_only();
    if (options->network.dhcp)
        lease_network_address();
    core::trace(abi::BootMilestone::RootFilesystem);
    enter_working_directory(program.working_directory);
    if (program.descriptor_hard_limit)
        sys::set_descriptor_limits(program.descriptor_soft_limit, program.descriptor_hard_limit);
    fs::descriptors().open_console();
    fs::set_program_identity(program.argv, program.envp);
    if (auto became = boot::become_program_user(program.user); became.is_error())
        fail(kCannotExecute, "cannot run the program as its user", became.error());
    if (auto prepared = sched::prepare_system_call_stack(); prepared.is_error())
        fail(kCannotExecute, "cannot give the program's first thread a system-call stack", prepared.error());
    auto error = linker::run_program(program.argv, program.envp);
    fail(error.code == lib::Errno::NOENT ? kNotFound : kCannotExecute, "cannot run the program", error);
}
