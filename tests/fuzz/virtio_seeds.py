#!/usr/bin/env python3
"""Writes the seed corpus of fuzz.virtio_device (tests/fuzz/virtio_device_fuzz.cpp): one
input per request each device model serves, laid out as that target's header and
ring_layout() say, so that from the first run the fuzzer mutates chains the devices pop
instead of rings they never look at (issue 17: with CTest's settings the target ran 26 M
inputs and never popped one).

usage: virtio_seeds.py OUT_DIR"""
import struct
import sys
from pathlib import Path

# The target's header bytes (enum Header) and flags.
RNG, BLK_READ_ONLY, BLK_READ_WRITE, NINEP, NET = range(5)
FLAG_RAW_ADDRESSES, FLAG_DEVICE_EVENT, FLAG_STOP_MIDWAY = 1, 2, 4
DESC_NEXT, DESC_WRITE = 1, 2
K_DESC = 0x1000  # where the body goes in guest memory
QUEUE_SIZE_LOG = 3
N = 1 << QUEUE_SIZE_LOG


def align4(value):
    return (value + 3) & ~3


def ring_layout(n):
    """Offsets from K_DESC, as ring_layout() in the target computes them."""
    avail0 = 16 * n
    used0 = align4(avail0 + 6 + 2 * n)
    avail1 = used0 + 6 + 8 * n
    used1 = align4(avail1 + 6 + 2 * n)
    return {"desc": 0, "avail": (avail0, avail1), "used": (used0, used1), "end": used1 + 6 + 8 * n}


DATA = 512  # where seeds put their buffers, past every ring


class Seed:
    def __init__(self, device, notify_queue=0, flags=0, rounds=1, size=4096):
        self.header = bytes([device, QUEUE_SIZE_LOG, 0, 0, 0, rounds - 1, notify_queue, flags]) + bytes(8)
        self.body = bytearray(size)
        self.layout = ring_layout(N)
        self.free = DATA
        self.heads = ([], [])
        self.next_descriptor = 0

    def buffer(self, content=b"", length=None):
        """Places `content` (or `length` zero bytes) in the data area; returns its offset."""
        offset = self.free
        length = len(content) if length is None else length
        self.body[offset : offset + len(content)] = content
        self.free = offset + length + (-length % 8)
        assert self.free <= len(self.body), "seed body too small"
        return offset

    def chain(self, queue, parts):
        """Adds a chain of (offset, length, writable) buffers to the available ring of `queue`."""
        first = self.next_descriptor
        for i, (offset, length, writable) in enumerate(parts):
            index = first + i
            assert index < N, "more descriptors than the queue holds"
            flags = (DESC_WRITE if writable else 0) | (DESC_NEXT if i + 1 < len(parts) else 0)
            struct.pack_into("<QIHH", self.body, 16 * index, K_DESC + offset, length, flags, index + 1)
        self.next_descriptor = first + len(parts)
        self.heads[queue].append(first)

    def data(self):
        for queue in (0, 1):
            avail = self.layout["avail"][queue]
            heads = self.heads[queue]
            struct.pack_into("<HH", self.body, avail, 0, len(heads))
            for slot, head in enumerate(heads):
                struct.pack_into("<H", self.body, avail + 4 + 2 * slot, head)
        return self.header + bytes(self.body[: max(self.free, 256)])


def blk_request(seed, request_type, sector=1, data=None, data_writable=True, data_length=512):
    header = seed.buffer(struct.pack("<IIQ", request_type, 0, sector))
    parts = [(header, 16, False)]
    if data is not None or data_length:
        content = data if data is not None else b""
        offset = seed.buffer(content, len(content) if data is not None else data_length)
        parts.append((offset, len(content) if data is not None else data_length, data_writable))
    parts.append((seed.buffer(length=1), 1, True))
    seed.chain(0, parts)


def ninep_string(text):
    raw = text.encode()
    return struct.pack("<H", len(raw)) + raw


def ninep_message(kind, tag, body):
    return struct.pack("<IBH", 7 + len(body), kind, tag) + body


def seeds():
    out = {}
    seed = Seed(RNG)
    seed.chain(0, [(seed.buffer(length=64), 64, True)])
    out["rng_read"] = seed

    for name, device, request in (("blk_read", BLK_READ_ONLY, 0), ("blk_read_rw", BLK_READ_WRITE, 0)):
        seed = Seed(device)
        blk_request(seed, request)
        out[name] = seed
    seed = Seed(BLK_READ_WRITE)
    blk_request(seed, 1, sector=2, data=bytes(range(256)) * 2, data_writable=False)
    out["blk_write"] = seed
    seed = Seed(BLK_READ_ONLY)
    blk_request(seed, 1, sector=2, data=bytes(512), data_writable=False)
    out["blk_write_read_only"] = seed
    seed = Seed(BLK_READ_WRITE)
    blk_request(seed, 4, sector=0, data_length=0)  # flush
    blk_request(seed, 8, sector=0, data_length=20)  # get id
    out["blk_flush_get_id"] = seed
    seed = Seed(BLK_READ_ONLY)
    blk_request(seed, 0, sector=15)  # the disk's last sector
    blk_request(seed, 0, sector=16)  # past its end
    out["blk_read_edges"] = seed

    seed = Seed(NINEP, size=8192)
    requests = [
        ninep_message(100, 0xFFFF, struct.pack("<I", 8192) + ninep_string("9P2000.L")),  # Tversion
        ninep_message(104, 1, struct.pack("<II", 0, 0xFFFFFFFF) + ninep_string("") + ninep_string("")
                      + struct.pack("<I", 0)),  # Tattach fid 0
        ninep_message(110, 2, struct.pack("<IIH", 0, 1, 1) + ninep_string("d")),  # Twalk 0 -> 1 "d"
        ninep_message(24, 3, struct.pack("<IQ", 1, 0x3FFF)),  # Tgetattr fid 1
    ]
    for request in requests:
        seed.chain(0, [(seed.buffer(request), len(request), False), (seed.buffer(length=1024), 1024, True)])
    out["ninep_attach_walk_getattr"] = seed
    seed = Seed(NINEP, size=8192)
    requests = [
        ninep_message(100, 0xFFFF, struct.pack("<I", 8192) + ninep_string("9P2000.L")),
        ninep_message(104, 1, struct.pack("<II", 0, 0xFFFFFFFF) + ninep_string("") + ninep_string("")
                      + struct.pack("<I", 0)),
        ninep_message(12, 2, struct.pack("<II", 0, 0o200000)),  # Tlopen fid 0 O_DIRECTORY
        ninep_message(40, 3, struct.pack("<IQI", 0, 0, 1000)),  # Treaddir fid 0
    ]
    for request in requests:
        seed.chain(0, [(seed.buffer(request), len(request), False), (seed.buffer(length=1024), 1024, True)])
    out["ninep_readdir"] = seed

    seed = Seed(NET, flags=FLAG_DEVICE_EVENT)
    seed.chain(0, [(seed.buffer(length=2048), 2048, True)])
    out["net_receive"] = seed
    seed = Seed(NET, notify_queue=1)
    frame = bytes(12) + bytes([0xFF] * 6) + bytes([2, 0, 0, 0, 0, 1]) + b"\x08\x06" + bytes(46)
    seed.chain(1, [(seed.buffer(frame), len(frame), False)])
    out["net_transmit"] = seed
    seed = Seed(NET, notify_queue=1)
    seed.chain(1, [(seed.buffer(bytes(12)), 12, False), (seed.buffer(frame[12:]), len(frame) - 12, False)])
    out["net_transmit_split"] = seed
    seed = Seed(NET, flags=FLAG_DEVICE_EVENT | FLAG_STOP_MIDWAY, rounds=2)
    seed.chain(0, [(seed.buffer(length=2048), 2048, True)])
    out["net_receive_stopped"] = seed
    seed = Seed(BLK_READ_ONLY, flags=FLAG_RAW_ADDRESSES)
    blk_request(seed, 0)
    struct.pack_into("<Q", seed.body, 16, 0xFFFF_FFFF_0000)  # the data buffer outside guest memory
    out["blk_read_outside_memory"] = seed
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    directory = Path(sys.argv[1])
    directory.mkdir(parents=True, exist_ok=True)
    for name, seed in seeds().items():
        (directory / name).write_bytes(seed.data())


if __name__ == "__main__":
    main()
