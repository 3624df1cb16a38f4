// osprey-kvm-floor: the physical floor of any KVM guest's start-up (issue 16). Creates a
// VM with `--memory-mib N` MiB of RAM (default 128, what osprey-monitor gives a VM by
// default), one vCPU in real mode whose code writes one line to the COM1 port with a
// single `rep outsb` and halts; prints that line and exits 0 at the halt. What any VMM
// must at least do, so a VMM's boot time is measured against it in the same run
// (osprey-boot-timer). Statically linked: it runs inside the nested-KVM harness.
// Linux Documentation/virt/kvm/api.rst: KVM_RUN, struct kvm_run, KVM_EXIT_IO.
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

enum { kCodeAddress = 0x1000, kSerialPort = 0x3f8 };

#define FLOOR_LINE "kvm-floor: hello from a bare KVM guest\n"

// mov si, 0x100c; mov cx, length; mov dx, 0x3f8; rep outsb; hlt; then the line at 0x100c.
static const uint8_t kCode[]
    = { 0xbe, 0x0c, 0x10, 0xb9, sizeof FLOOR_LINE - 1, 0x00, 0xba, 0xf8, 0x03, 0xf3, 0x6e, 0xf4 };

static int fail(const char* what)
{
    fprintf(stderr, "osprey-kvm-floor: %s: %s\n", what, errno ? strerror(errno) : "unexpected");
    return 1;
}

// Guest RAM of `bytes` with the code and the line at kCodeAddress; NULL on failure.
static uint8_t* make_ram(size_t bytes)
{
    uint8_t* ram = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED)
        return NULL;
    memcpy(ram + kCodeAddress, kCode, sizeof kCode);
    memcpy(ram + kCodeAddress + sizeof kCode, FLOOR_LINE, sizeof FLOOR_LINE - 1);
    return ram;
}

// Creates the VM and its vCPU at CS:IP = 0:kCodeAddress; returns the vCPU fd and maps its
// kvm_run into *run, or -1.
static int create_vcpu(size_t bytes, struct kvm_run** run)
{
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        return fail("open /dev/kvm"), -1;
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    uint8_t* ram = make_ram(bytes);
    if (vm < 0 || ram == NULL)
        return fail(vm < 0 ? "KVM_CREATE_VM" : "mmap guest RAM"), -1;
    struct kvm_userspace_memory_region region = { .slot = 0, .memory_size = bytes, .userspace_addr = (uintptr_t)ram };
    int vcpu = ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0 ? -1 : ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0)
        return fail("KVM_SET_USER_MEMORY_REGION or KVM_CREATE_VCPU"), -1;
    struct kvm_sregs sregs;
    struct kvm_regs regs = { .rip = kCodeAddress, .rflags = 0x2 };
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
        return fail("KVM_GET_SREGS"), -1;
    sregs.cs.base = sregs.cs.selector = sregs.ds.base = sregs.ds.selector = 0;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0 || ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
        return fail("KVM_SET_SREGS or KVM_SET_REGS"), -1;
    int size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    *run = size < 0 ? MAP_FAILED : mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    return *run == MAP_FAILED ? (fail("mmap kvm_run"), -1) : vcpu;
}

// Runs the vCPU to its halt, writing what it sends to the serial port to stdout.
static int run_to_halt(int vcpu, struct kvm_run* run)
{
    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0 && errno != EINTR)
            return fail("KVM_RUN");
        if (run->exit_reason == KVM_EXIT_HLT)
            return 0;
        if (run->exit_reason != KVM_EXIT_IO || run->io.direction != KVM_EXIT_IO_OUT || run->io.port != kSerialPort)
            return fprintf(stderr, "osprey-kvm-floor: unexpected exit %u\n", run->exit_reason), 1;
        if (write(STDOUT_FILENO, (char*)run + run->io.data_offset, (size_t)run->io.size * run->io.count) < 0)
            return fail("write");
    }
}

int main(int argc, char** argv)
{
    long mib = 128;
    if (argc == 3 && strcmp(argv[1], "--memory-mib") == 0)
        mib = strtol(argv[2], NULL, 10);
    if ((argc != 1 && argc != 3) || mib < 1 || mib > 65536) {
        fprintf(stderr, "usage: osprey-kvm-floor [--memory-mib N]   (1 <= N <= 65536)\n");
        return 2;
    }
    struct kvm_run* run;
    int vcpu = create_vcpu((size_t)mib << 20, &run);
    return vcpu < 0 ? 1 : run_to_halt(vcpu, run);
}
