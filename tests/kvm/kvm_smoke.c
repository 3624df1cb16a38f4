// kvm_smoke: proves that /dev/kvm in the nested harness runs a real guest, independently of
// Osprey's monitor. One page of 16-bit real-mode code writes a byte to an I/O port, reads
// a byte the host supplies, writes it back plus one, and halts; the program checks every
// exit it gets (Linux Documentation/virt/kvm/api.rst: KVM_RUN, struct kvm_run).
// Exit status 0 with "kvm_smoke: ok" when every exit is as expected, 1 otherwise.
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

enum { kGuestAddress = 0x1000, kPortOut = 0x10, kPortIn = 0x11, kHostByte = 0x07 };

// mov dx,0x10; mov al,0x42; out dx,al; inc dx; in al,dx; add al,1; out dx,al; hlt
static const uint8_t kCode[] = { 0xba, 0x10, 0x00, 0xb0, 0x42, 0xee, 0x42, 0xec, 0x04, 0x01, 0xee, 0xf4 };

struct Vm {
    int kvm, vm, vcpu;
    struct kvm_run* run;
};

static int fail(const char* what)
{
    fprintf(stderr, "kvm_smoke: FAIL: %s%s%s\n", what, errno ? ": " : "", errno ? strerror(errno) : "");
    return 1;
}

static long now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000L + t.tv_nsec / 1000;
}

// Opens /dev/kvm, checks the API version, creates the VM with the code page and one vCPU.
static int create_vm(struct Vm* vm)
{
    vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (vm->kvm < 0)
        return fail("open /dev/kvm");
    if (ioctl(vm->kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
        return fail("KVM_GET_API_VERSION is not 12");
    vm->vm = ioctl(vm->kvm, KVM_CREATE_VM, 0);
    if (vm->vm < 0)
        return fail("KVM_CREATE_VM");
    void* page = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        return fail("mmap guest page");
    memcpy(page, kCode, sizeof kCode);
    struct kvm_userspace_memory_region region
        = { .slot = 0, .guest_phys_addr = kGuestAddress, .memory_size = 0x1000, .userspace_addr = (uintptr_t)page };
    if (ioctl(vm->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        return fail("KVM_SET_USER_MEMORY_REGION");
    vm->vcpu = ioctl(vm->vm, KVM_CREATE_VCPU, 0);
    if (vm->vcpu < 0)
        return fail("KVM_CREATE_VCPU");
    int size = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    vm->run = size < 0 ? MAP_FAILED : mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu, 0);
    return vm->run == MAP_FAILED ? fail("mmap kvm_run") : 0;
}

// Real mode at CS:IP = 0:0x1000, flags with only the reserved bit 1 set.
static int reset_vcpu(struct Vm* vm)
{
    struct kvm_sregs sregs;
    if (ioctl(vm->vcpu, KVM_GET_SREGS, &sregs) < 0)
        return fail("KVM_GET_SREGS");
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    if (ioctl(vm->vcpu, KVM_SET_SREGS, &sregs) < 0)
        return fail("KVM_SET_SREGS");
    struct kvm_regs regs = { .rip = kGuestAddress, .rflags = 0x2 };
    return ioctl(vm->vcpu, KVM_SET_REGS, &regs) < 0 ? fail("KVM_SET_REGS") : 0;
}

// Runs to the next exit and checks it is a one-byte port access of `direction` on `port`.
static int expect_io(struct Vm* vm, int direction, int port)
{
    if (ioctl(vm->vcpu, KVM_RUN, 0) < 0)
        return fail("KVM_RUN");
    struct kvm_run* run = vm->run;
    if (run->exit_reason != KVM_EXIT_IO) {
        fprintf(stderr, "kvm_smoke: FAIL: exit reason %u, expected KVM_EXIT_IO\n", run->exit_reason);
        return 1;
    }
    if (run->io.direction != direction || run->io.port != port || run->io.size != 1 || run->io.count != 1) {
        fprintf(stderr, "kvm_smoke: FAIL: I/O exit dir %u port %#x size %u count %u, expected dir %d port %#x\n",
            run->io.direction, run->io.port, run->io.size, run->io.count, direction, port);
        return 1;
    }
    return 0;
}

static uint8_t* io_data(struct Vm* vm) { return (uint8_t*)vm->run + vm->run->io.data_offset; }

static int run_guest(struct Vm* vm)
{
    if (expect_io(vm, KVM_EXIT_IO_OUT, kPortOut))
        return 1;
    if (*io_data(vm) != 0x42)
        return fprintf(stderr, "kvm_smoke: FAIL: port %#x got %#x, expected 0x42\n", kPortOut, *io_data(vm)), 1;
    if (expect_io(vm, KVM_EXIT_IO_IN, kPortIn))
        return 1;
    *io_data(vm) = kHostByte;
    if (expect_io(vm, KVM_EXIT_IO_OUT, kPortIn))
        return 1;
    if (*io_data(vm) != kHostByte + 1)
        return fprintf(stderr, "kvm_smoke: FAIL: guest wrote %#x, expected %#x\n", *io_data(vm), kHostByte + 1), 1;
    if (ioctl(vm->vcpu, KVM_RUN, 0) < 0)
        return fail("KVM_RUN");
    if (vm->run->exit_reason != KVM_EXIT_HLT)
        return fprintf(stderr, "kvm_smoke: FAIL: exit reason %u, expected KVM_EXIT_HLT\n", vm->run->exit_reason), 1;
    return 0;
}

int main(void)
{
    struct Vm vm;
    long start = now_us();
    errno = 0;
    if (create_vm(&vm) || reset_vcpu(&vm))
        return 1;
    long created = now_us();
    if (run_guest(&vm))
        return 1;
    printf("kvm_smoke: VM created in %ld us, ran to hlt in %ld us\n", created - start, now_us() - created);
    printf("kvm_smoke: ok\n");
    return 0;
}
