#!/usr/bin/env python3
"""Runs the nested-KVM test suite in one boot of scripts/kvm-harness (the kvm.harness ctest
fixture); each kvm.NAME ctest entry then checks OUT/NAME.{status,out}.

usage: kvm_suite.py --out DIR --smoke KVM_SMOKE
                    [--monitor MONITOR --kernel OSPREY_KERNEL --osprey OSPREY_CLI
                     --guest-tests JSON [--smp-guest SMP_GUEST] [--echo-server ECHO_SERVER]
                     [--volume-program VOLUME]]
                    [--test-timeout SECONDS]
                    [--kvm-floor KVM_FLOOR --boot-timer BOOT_TIMER]

Tests: `smoke` (tests/kvm/kvm_smoke.c, KVM without the monitor); with --smp-guest,
`smp_three_cpus` and `smp_one_cpu` (tests/kvm/smp_guest.S under the monitor with 3 and 1
vCPUs); and, with --monitor:
- `virtio_rng`, `virtio_blk`, `virtio_blk_readonly`: the kernel's virtio ktests
  (drivers/virtio/kernel/ktest.h, run under QEMU's devices as kernel.virtio_*) against the
  monitor's device models;
- `panic`: the kernel's ktest=panic, which must end with the panic status and message;
- every guest test that cmake/OspreyGuestTests.cmake recorded (JSON: one object per test),
  each booted by osprey-monitor from an image made on the host with `osprey build` (a
  program test) or given as is (an image test).
With --kvm-floor and --boot-timer (bench/boot): `kvm_floor`, the bare-KVM floor alone, and,
with --monitor, `boot_timer`, osprey-boot-timer timing it against the monitor's hello, and
`trace_boot`, the monitor's --trace-boot table with KVM's statistics. With the
snapshot_counter guest test, `snapshot_restore` (tests/kvm/snapshot_restore.sh); with
runaway_cli-hlt, `halted_guest` (its image without --timeout: the halt watch ends it); with
trace_flood, `trace_flood_memory` (tests/kvm/trace_flood.sh: the monitor's memory under a
flood of the boot-trace port); with --echo-server, `net_publish` (tests/kvm/net_publish.sh: passt's
user-mode network) and `net_stopped_device` (tests/kvm/net_stopped_device.sh: the monitor's network
thread under a guest that stops its device the wrong way); with --volume-program, `volume` (tests/kvm/volume.sh: --volume through the
monitor's 9P server)."""
import argparse
import importlib.machinery
import importlib.util
import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent.parent
ROFS_MAGIC = b"OSPROFS1"  # images/include/images/rofs_format.h kRofsMagic
GUEST_DIR = "/osprey"


def monitor_command(kernel, image, cmdline, options=()):
    """The one place that knows how osprey-monitor is invoked in the harness (its usage:
    osprey-monitor --kernel KERNEL.elf --image IMAGE [--cmdline TEXT] [--trace-boot] ...).
    An empty `cmdline` lets the kernel take the image's /.osprey/cmdline."""
    command = [f"{GUEST_DIR}/bin/osprey-monitor", *options, "--kernel", kernel, "--image", image]
    return command + ["--cmdline", cmdline] if cmdline else command


# `osprey run` options (CMake's CLI list) that mean the same to osprey-monitor.
MONITOR_OPTIONS = {"--memory", "--cpus", "--timeout"}
# `osprey run` options that shape the image: image_for gives them to `osprey build`.
BUILD_OPTIONS = {"--dlopen", "--workdir", "--add", "--user"}


def monitor_options(test, files):
    """Translates a test's CLI options for the monitor; ValueError for any other option.
    Virtio devices carry over too: `--rng`, and `--disk FILE` (`--disk-ro` after
    `--disk-readonly`, wherever it stands, as for the CLI), whose FILE is added to `files`
    (host path -> path in the harness)."""
    cli, options, i = test.get("cli", []), [], 0
    read_only = "--disk-readonly" in cli
    while i < len(cli):
        option = cli[i]
        if option in ("--rng", "--disk-readonly"):
            options += ["--rng"] if option == "--rng" else []
            i += 1
            continue
        if i + 1 == len(cli):
            raise ValueError(f"{test['name']}: CLI option {option} needs a value")
        value = cli[i + 1]
        if option == "--disk":
            guest_path = f"{GUEST_DIR}/disks/{test['name']}-{len(files)}.img"
            files[value] = guest_path
            options += ["--disk-ro" if read_only else "--disk", guest_path]
        elif option in MONITOR_OPTIONS:
            options += [option, value]
        elif option in BUILD_OPTIONS:
            pass  # given to `osprey build` (image_for)
        else:
            raise ValueError(f"{test['name']}: CLI option {option} has no osprey-monitor equivalent "
                             "(mark the test QEMU_ONLY in its osprey_guest_test())")
        i += 2
    return options


def is_image(path):
    with open(path, "rb") as file:
        return file.read(len(ROFS_MAGIC)) == ROFS_MAGIC


def image_for(test, osprey, images):
    """Returns (host image path, kernel command line) for a recorded guest test."""
    program = test["program"]
    if test["direct"]:
        return program, test["cmdline"]
    if is_image(program):
        if test["args"] or test["env"]:
            raise ValueError(f"{test['name']}: ARGS/ENV with an image input is not supported under the monitor")
        return program, ""
    image = images / f"{test['name']}.img"
    command = [osprey, "build", program, "-o", str(image)]
    for assignment in test["env"]:
        command += ["--env", assignment]
    cli = test.get("cli", [])
    for option, value in zip(cli, cli[1:]):
        if option in BUILD_OPTIONS:
            command += [option, value]
    command += ["--"] + ["" if word == "@EMPTY@" else word for word in test["args"]]
    built = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if built.returncode != 0:
        raise ValueError(f"{test['name']}: `{shlex.join(command)}` failed:\n{built.stdout.decode(errors='replace')}")
    return str(image), ""


def virtio_ktest_lines(args, out):
    """The virtio driver ktests under the monitor's devices. The kernel needs no root image
    for a ktest (any file will do); each blk test gets its own copy of scripts/
    run-kernel-test's pattern disk. The writable test checks its write by reading it back
    inside the guest: the disk file it changes stays inside the harness."""
    loader = importlib.machinery.SourceFileLoader("run_kernel_test", str(TOP / "scripts/run-kernel-test"))
    run_kernel_test = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(run_kernel_test)
    image, guest_image = out / "ktest-image", f"{GUEST_DIR}/ktest-image"
    image.write_bytes(b"\0" * 4096)
    lines = [f"file {shlex.quote(str(image))} {guest_image}"]
    for name, ktest, device in (("virtio_rng", "virtio-rng", "--rng"), ("virtio_blk", "virtio-blk", "--disk"),
                                ("virtio_blk_readonly", "virtio-blk", "--disk-ro")):
        options = [device]
        if device != "--rng":
            disk, guest_disk = out / f"{name}.disk", f"{GUEST_DIR}/disks/{name}.disk"
            disk.write_bytes(run_kernel_test.disk_pattern(64))
            lines.append(f"file {shlex.quote(str(disk))} {guest_disk}")
            options.append(guest_disk)
        command = monitor_command(f"{GUEST_DIR}/osprey-kernel.elf", guest_image, f"ktest={ktest} log.virtio=info",
                                  options)
        lines.append(f"test {name} {args.test_timeout} {shlex.join(command)}")
    return lines


def boot_timer_lines(args, hello_image):
    """bench/boot's tools under real KVM: the bare-KVM floor alone, and osprey-boot-timer
    timing the floor against osprey-monitor booting the hello image (two rounds: the test
    checks that both are timed, never how fast)."""
    floor = [f"{GUEST_DIR}/bin/osprey-kvm-floor", "--memory-mib", "128"]
    lines = [f"file {shlex.quote(args.kvm_floor)} {floor[0]}",
             f"file {shlex.quote(args.boot_timer)} {GUEST_DIR}/bin/osprey-boot-timer",
             f"test kvm_floor {args.test_timeout} {shlex.join(floor)}"]
    if args.monitor and hello_image:
        traced = monitor_command(f"{GUEST_DIR}/osprey-kernel.elf", hello_image, "", ["--trace-boot"])
        lines.append(f"test trace_boot {args.test_timeout} {shlex.join(traced)}")
        monitor = monitor_command(f"{GUEST_DIR}/osprey-kernel.elf", hello_image, "")
        timer = [f"{GUEST_DIR}/bin/osprey-boot-timer", "--runs", "2", "--case", "floor", "kvm-floor: hello", *floor,
                 "--case", "monitor", "Hello from an unmodified glibc program!", *monitor]
        lines.append(f"test boot_timer {args.test_timeout} {shlex.join(timer)}")
    return lines


def snapshot_lines(args, counter_image):
    """kvm.snapshot_restore: tests/kvm/snapshot_restore.sh takes a snapshot of the
    snapshot_counter guest test's image and restores it twice at once."""
    script = f"{GUEST_DIR}/bin/snapshot_restore.sh"
    command = ["sh", script, f"{GUEST_DIR}/bin/osprey-monitor", f"{GUEST_DIR}/osprey-kernel.elf", counter_image,
               "/tmp/snapshots"]
    return [f"file {shlex.quote(str(TOP / 'tests/kvm/snapshot_restore.sh'))} {script}",
            f"test snapshot_restore {args.test_timeout * 2} {shlex.join(command)}"]


def trace_flood_lines(args, flood_image):
    """kvm.trace_flood_memory: tests/kvm/trace_flood.sh floods the boot-trace port under
    --trace-boot and compares the monitor's peak memory after 2,000 and 200,000 writes."""
    script = f"{GUEST_DIR}/bin/trace_flood.sh"
    command = ["sh", script, f"{GUEST_DIR}/bin/osprey-monitor", f"{GUEST_DIR}/osprey-kernel.elf", flood_image]
    return [f"file {shlex.quote(str(TOP / 'tests/kvm/trace_flood.sh'))} {script}",
            f"test trace_flood_memory {args.test_timeout * 2} {shlex.join(command)}"]


def net_lines(args, images):
    """kvm.net_publish: tests/kvm/net_publish.sh serves echo_server's image behind passt,
    osprey-monitor's user-mode network, packed into the harness with the C library it
    links."""
    passt = shutil.which("passt")
    if not passt:
        raise ValueError("passt is not installed (scripts/setup installs it): kvm.net_publish needs it")
    image, ready_image = images / "net_publish.img", images / "net_ready.img"
    for built_image, arguments in ((image, ["8000", "1"]), (ready_image, ["8000", "1", "ready"])):
        command = [args.osprey, "build", args.echo_server, "-o", str(built_image), "--", *arguments]
        built = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if built.returncode != 0:
            raise ValueError(f"`{shlex.join(command)}` failed:\n{built.stdout.decode(errors='replace')}")
    # /usr/bin/passt starts /usr/bin/passt.avx2 where the CPU has AVX2: both, at their paths.
    binaries = [Path(passt).resolve()] + [p for p in [Path(passt).resolve().with_name("passt.avx2")] if p.is_file()]
    needed = {"/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"}
    lines = [f"file {shlex.quote(str(b))} /usr/bin/{b.name}" for b in binaries]
    lines += [f"file {shlex.quote(str(Path(lib).resolve()))} {lib}" for lib in sorted(needed)]
    script = f"{GUEST_DIR}/bin/net_publish.sh"
    guest_image, guest_ready_image = f"{GUEST_DIR}/images/net_publish.img", f"{GUEST_DIR}/images/net_ready.img"
    root = f"{GUEST_DIR}/bin/passt_root.sh"
    lines += [f"file {shlex.quote(str(TOP / 'tests/kvm/net_publish.sh'))} {script}",
              f"file {shlex.quote(str(TOP / 'tests/kvm/passt_root.sh'))} {root}",
              f"file {shlex.quote(str(image))} {guest_image}",
              f"file {shlex.quote(str(ready_image))} {guest_ready_image}",
              f"test net_publish {args.test_timeout * 2} sh {root} {script} {GUEST_DIR}/bin/osprey-monitor "
              f"{GUEST_DIR}/osprey-kernel.elf {guest_image} {guest_ready_image}"]
    stopped = f"{GUEST_DIR}/bin/net_stopped_device.sh"
    lines += [f"file {shlex.quote(str(TOP / 'tests/kvm/net_stopped_device.sh'))} {stopped}",
              f"test net_stopped_device {args.test_timeout} sh {root} {stopped} {GUEST_DIR}/bin/osprey-monitor "
              f"{GUEST_DIR}/osprey-kernel.elf {GUEST_DIR}/ktest-image"]
    return lines


def volume_lines(args, images):
    """kvm.volume: tests/kvm/volume.sh shares a directory of the harness with the volume
    guest program (tests/guest/programs/volume.c) through the monitor's 9P server."""
    image = images / "volume.img"
    command = [args.osprey, "build", args.volume_program, "-o", str(image)]
    built = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if built.returncode != 0:
        raise ValueError(f"`{shlex.join(command)}` failed:\n{built.stdout.decode(errors='replace')}")
    script, guest_image = f"{GUEST_DIR}/bin/volume.sh", f"{GUEST_DIR}/images/volume.img"
    return [f"file {shlex.quote(str(TOP / 'tests/kvm/volume.sh'))} {script}",
            f"file {shlex.quote(str(image))} {guest_image}",
            f"test volume {args.test_timeout * 2} sh {script} {GUEST_DIR}/bin/osprey-monitor "
            f"{GUEST_DIR}/osprey-kernel.elf {guest_image} /tmp/volume"]


def spec_lines(args, out):
    lines = [f"file {shlex.quote(args.smoke)} {GUEST_DIR}/bin/kvm_smoke",
             f"test smoke {args.test_timeout} {GUEST_DIR}/bin/kvm_smoke"]
    if not args.monitor:
        return lines + (boot_timer_lines(args, None) if args.kvm_floor else [])
    lines += [f"file {shlex.quote(args.monitor)} {GUEST_DIR}/bin/osprey-monitor",
              f"file {shlex.quote(args.kernel)} {GUEST_DIR}/osprey-kernel.elf"]
    if args.smp_guest:
        # The guest's command line is the number of APs it must see start; the ELF doubles
        # as the (unused) image the monitor requires.
        smp_guest = f"{GUEST_DIR}/smp_guest.elf"
        lines.append(f"file {shlex.quote(args.smp_guest)} {smp_guest}")
        for name, cpus in (("smp_three_cpus", 3), ("smp_one_cpu", 1)):
            command = monitor_command(smp_guest, smp_guest, str(cpus - 1), ["--cpus", str(cpus)])
            lines.append(f"test {name} {args.test_timeout} {shlex.join(command)}")
    lines += virtio_ktest_lines(args, out)
    # A kernel panic under the monitor, reported by the exit port's panic flag alone
    # (exit_report=port: no status line).
    panic = monitor_command(f"{GUEST_DIR}/osprey-kernel.elf", f"{GUEST_DIR}/ktest-image", "ktest=panic")
    lines.append(f"test panic {args.test_timeout} {shlex.join(panic)}")
    images = out / "images"
    images.mkdir(exist_ok=True)
    hello_image = counter_image = halting_image = flood_image = None
    for test in json.loads(Path(args.guest_tests).read_text()):
        host_image, cmdline = image_for(test, args.osprey, images)
        guest_image = f"{GUEST_DIR}/images/{test['name']}.img"
        lines.append(f"file {shlex.quote(host_image)} {guest_image}")
        disks = {}
        options = monitor_options(test, disks)
        lines += [f"file {shlex.quote(host)} {guest}" for host, guest in disks.items()]
        command = monitor_command(f"{GUEST_DIR}/osprey-kernel.elf", guest_image, cmdline, options)
        if test.get("stdin"):  # the monitor passes its stdin to the console
            guest_stdin = f"{GUEST_DIR}/stdin/{test['name']}"
            lines += [f"file {shlex.quote(test['stdin'])} {guest_stdin}", f"stdin {test['name']} {guest_stdin}"]
        lines.append(f"test {test['name']} {args.test_timeout} {shlex.join(command)}")
        hello_image = guest_image if test["name"] == "hello" else hello_image
        counter_image = guest_image if test["name"] == "snapshot_counter" else counter_image
        halting_image = guest_image if test["name"] == "runaway_cli-hlt" else halting_image
        flood_image = guest_image if test["name"] == "trace_flood" else flood_image
    if counter_image:
        lines += snapshot_lines(args, counter_image)
    if flood_image:
        lines += trace_flood_lines(args, flood_image)
    if args.echo_server:
        lines += net_lines(args, images)
    if args.volume_program:
        lines += volume_lines(args, images)
    if halting_image:  # no --timeout: the monitor's halt watch must end it
        halted = monitor_command(f"{GUEST_DIR}/osprey-kernel.elf", halting_image, "")
        lines.append(f"test halted_guest {args.test_timeout} {shlex.join(halted)}")
    return lines + (boot_timer_lines(args, hello_image) if args.kvm_floor else [])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--smoke", required=True)
    parser.add_argument("--monitor")
    parser.add_argument("--kernel")
    parser.add_argument("--smp-guest")
    parser.add_argument("--osprey")
    parser.add_argument("--guest-tests")
    parser.add_argument("--echo-server")
    parser.add_argument("--volume-program")
    parser.add_argument("--test-timeout", type=int, default=60)
    parser.add_argument("--kvm-floor")
    parser.add_argument("--boot-timer")
    args = parser.parse_args()
    if args.monitor and not (args.kernel and args.osprey and args.guest_tests):
        parser.error("--monitor needs --kernel, --osprey and --guest-tests")
    if bool(args.kvm_floor) != bool(args.boot_timer):
        parser.error("--kvm-floor and --boot-timer go together")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for stale in list(out.glob("*.status")) + list(out.glob("*.out")):
        stale.unlink()  # a failed run must not leave an earlier run's results to check
    try:
        lines = spec_lines(args, out)
    except (ValueError, OSError) as error:
        print(f"kvm_suite: {error}", file=sys.stderr)
        return 2
    spec = out / "spec.txt"
    spec.write_text("\n".join(lines) + "\n")
    return subprocess.run([sys.executable, str(TOP / "scripts/kvm-harness"), "--spec", str(spec),
                           "--out", str(out)]).returncode


if __name__ == "__main__":
    sys.exit(main())
