// The few ACPI tables Osprey reads and writes to learn which processors a VM has (ACPI 6.5,
// §5.2.5 RSDP, §5.2.6 system description table header, §5.2.8 XSDT, §5.2.12 MADT). The
// kernel reads them (QEMU's firmware makes them; sched/smp.cpp), the
// monitor writes a minimal set for its own VMs (monitor/acpi_tables.cpp), and host tests
// check each against the other. Portable: no allocation, the caller supplies the reads.
// (Namespace `acpi`, not `abi::acpi`: host code that includes <cxxabi.h> has an `abi`
// namespace alias of its own.)
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

namespace acpi {

constexpr char kRsdpSignature[8] = { 'R', 'S', 'D', ' ', 'P', 'T', 'R', ' ' };

/// Root System Description Pointer (§5.2.5.3). Revision 0 ends after rsdt_address (20
/// bytes, `checksum` covers them); revision 2 adds the XSDT and `extended_checksum` over
/// all 36 bytes.
struct [[gnu::packed]] Rsdp {
    char signature[8];
    uint8_t checksum;
    char oem_id[6];
    uint8_t revision;
    uint32_t rsdt_address;
    uint32_t length;
    uint64_t xsdt_address;
    uint8_t extended_checksum;
    uint8_t reserved[3];
};
static_assert(sizeof(Rsdp) == 36);
constexpr size_t kRsdpV1Size = 20;

/// The header every description table starts with (§5.2.6); `checksum` makes the bytes of
/// the whole table (`length` of them) sum to zero.
struct [[gnu::packed]] TableHeader {
    char signature[4];
    uint32_t length;
    uint8_t revision;
    uint8_t checksum;
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;
};
static_assert(sizeof(TableHeader) == 36);

/// MADT (signature "APIC"): the header, then the local APIC address and flags, then
/// interrupt controller structures, each starting with {type, length}.
struct [[gnu::packed]] MadtHeader {
    TableHeader header;
    uint32_t local_apic_address;
    uint32_t flags; // bit 0: a dual 8259 PIC is present
};
static_assert(sizeof(MadtHeader) == 44);

constexpr uint8_t kMadtLocalApic = 0;   // Processor Local APIC (§5.2.12.2)
constexpr uint8_t kMadtIoApic = 1;      // I/O APIC (§5.2.12.3)
constexpr uint8_t kMadtLocalX2Apic = 9; // Processor Local x2APIC (§5.2.12.12)
constexpr uint32_t kProcessorEnabled = 1, kProcessorOnlineCapable = 2;

struct [[gnu::packed]] MadtLocalApic {
    uint8_t type;   // kMadtLocalApic
    uint8_t length; // 8
    uint8_t processor_uid;
    uint8_t apic_id;
    uint32_t flags;
};
static_assert(sizeof(MadtLocalApic) == 8);

struct [[gnu::packed]] MadtIoApic {
    uint8_t type;   // kMadtIoApic
    uint8_t length; // 12
    uint8_t io_apic_id;
    uint8_t reserved;
    uint32_t address;
    uint32_t global_interrupt_base;
};
static_assert(sizeof(MadtIoApic) == 12);

struct [[gnu::packed]] MadtLocalX2Apic {
    uint8_t type;   // kMadtLocalX2Apic
    uint8_t length; // 16
    uint16_t reserved;
    uint32_t x2apic_id;
    uint32_t flags;
    uint32_t processor_uid;
};
static_assert(sizeof(MadtLocalX2Apic) == 16);

/// The byte that makes `bytes` sum to zero modulo 256 when it is added.
inline uint8_t checksum_byte(const void* bytes, size_t length)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < length; ++i)
        sum = uint8_t(sum + static_cast<const uint8_t*>(bytes)[i]);
    return uint8_t(-sum);
}

/// Reads `length` bytes at guest-physical `address` into `out`; false if it cannot.
using PhysicalReader = bool (*)(void* context, uint64_t address, void* out, size_t length);

constexpr size_t kMaxProcessors = 64;
/// Largest table the reader accepts (QEMU's MADT for 288 CPUs is under 3 KiB).
constexpr size_t kMaxTableSize = 16384;

constexpr size_t kMaxIoApics = 4;

/// An I/O APIC: where its registers are and the first global system interrupt (GSI) its
/// pins deliver.
struct IoApic {
    uint32_t address;
    uint32_t gsi_base;
};

/// What find_processors found: the APIC IDs of the processors that are enabled or can be
/// brought online, in MADT order, at most kMaxProcessors; and the I/O APICs, at most
/// kMaxIoApics.
struct Processors {
    uint32_t apic_ids[kMaxProcessors];
    size_t count = 0;
    IoApic io_apics[kMaxIoApics];
    size_t io_apic_count = 0;
    const char* error = nullptr; // why nothing was found, when count is 0
};

namespace detail {

// Reads a whole table at `address` with signature `signature` into `out` (at most
// kMaxTableSize bytes): its length and checksum are checked. Returns its length or 0.
inline size_t read_table(PhysicalReader read, void* context, uint64_t address, const char (&signature)[5], uint8_t* out)
{
    TableHeader header;
    if (!address || !read(context, address, &header, sizeof(header)) || memcmp(header.signature, signature, 4) != 0)
        return 0;
    if (header.length < sizeof(header) || header.length > kMaxTableSize || !read(context, address, out, header.length))
        return 0;
    return checksum_byte(out, header.length) == 0 ? header.length : 0;
}

inline void add_processor(Processors& found, uint32_t apic_id, uint32_t flags)
{
    if (!(flags & (kProcessorEnabled | kProcessorOnlineCapable)) || found.count == kMaxProcessors)
        return;
    for (size_t i = 0; i < found.count; ++i)
        if (found.apic_ids[i] == apic_id)
            return;
    found.apic_ids[found.count++] = apic_id;
}

inline void parse_madt(const uint8_t* table, size_t length, Processors& found)
{
    for (size_t offset = sizeof(MadtHeader); offset + 2 <= length;) {
        uint8_t type = table[offset], entry_length = table[offset + 1];
        if (entry_length < 2 || offset + entry_length > length)
            return; // malformed: keep what came before
        if (type == kMadtLocalApic && entry_length >= sizeof(MadtLocalApic)) {
            MadtLocalApic entry;
            memcpy(&entry, table + offset, sizeof(entry));
            add_processor(found, entry.apic_id, entry.flags);
        } else if (type == kMadtIoApic && entry_length >= sizeof(MadtIoApic) && found.io_apic_count < kMaxIoApics) {
            MadtIoApic entry;
            memcpy(&entry, table + offset, sizeof(entry));
            found.io_apics[found.io_apic_count++] = { entry.address, entry.global_interrupt_base };
        } else if (type == kMadtLocalX2Apic && entry_length >= sizeof(MadtLocalX2Apic)) {
            MadtLocalX2Apic entry;
            memcpy(&entry, table + offset, sizeof(entry));
            add_processor(found, entry.x2apic_id, entry.flags);
        }
        offset += entry_length;
    }
}

} // namespace detail

/// The processors the MADT reached from the RSDP at `rsdp_address` lists. Every table's
/// signature, length and checksum is checked; a malformed one gives count 0 and `error`.
/// `scratch` must hold kMaxTableSize bytes, twice (the root table and the MADT).
inline Processors find_processors(PhysicalReader read, void* context, uint64_t rsdp_address, uint8_t* scratch)
{
    Processors found;
    Rsdp rsdp;
    if (!read(context, rsdp_address, &rsdp, kRsdpV1Size) || memcmp(rsdp.signature, kRsdpSignature, 8) != 0
        || checksum_byte(&rsdp, kRsdpV1Size) != 0) {
        found.error = "no valid RSDP";
        return found;
    }
    bool extended = rsdp.revision >= 2 && read(context, rsdp_address, &rsdp, sizeof(rsdp))
        && checksum_byte(&rsdp, sizeof(rsdp)) == 0 && rsdp.xsdt_address;
    uint8_t* root = scratch;
    uint8_t* madt = scratch + kMaxTableSize;
    size_t root_length = extended ? detail::read_table(read, context, rsdp.xsdt_address, "XSDT", root)
                                  : detail::read_table(read, context, rsdp.rsdt_address, "RSDT", root);
    if (!root_length) {
        found.error = extended ? "bad XSDT" : "bad RSDT";
        return found;
    }
    size_t pointer_size = extended ? 8 : 4;
    for (size_t offset = sizeof(TableHeader); offset + pointer_size <= root_length; offset += pointer_size) {
        uint64_t address = 0;
        memcpy(&address, root + offset, pointer_size);
        if (size_t length = detail::read_table(read, context, address, "APIC", madt)) {
            detail::parse_madt(madt, length, found);
            if (!found.count)
                found.error = "the MADT lists no usable processor";
            return found;
        }
    }
    found.error = "no valid MADT";
    return found;
}

} // namespace acpi
