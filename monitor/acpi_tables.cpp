#include "acpi_tables.h"

#include <abi/acpi.h>

#include <cstring>
#include <vector>

namespace monitor {

namespace {

constexpr uint32_t kLocalApicAddress = 0xfee00000, kIoApicAddress = 0xfec00000;

acpi::TableHeader header(const char (&signature)[5], uint32_t length)
{
    acpi::TableHeader table {};
    memcpy(table.signature, signature, 4);
    table.length = length;
    table.revision = 1;
    memcpy(table.oem_id, "OSPREY", 6);
    memcpy(table.oem_table_id, "OSPREYVM", 8);
    table.oem_revision = 1;
    memcpy(&table.creator_id, "OSPR", 4);
    table.creator_revision = 1;
    return table;
}

template<typename T> void append(std::vector<uint8_t>& bytes, const T& value)
{
    auto* raw = reinterpret_cast<const uint8_t*>(&value);
    bytes.insert(bytes.end(), raw, raw + sizeof(T));
}

// Sets a table's checksum byte (offset 9 of its header) so that its bytes sum to zero.
void seal(std::vector<uint8_t>& table)
{
    table[offsetof(acpi::TableHeader, checksum)] = 0;
    table[offsetof(acpi::TableHeader, checksum)] = acpi::checksum_byte(table.data(), table.size());
}

std::vector<uint8_t> madt(unsigned cpus)
{
    std::vector<uint8_t> table;
    uint32_t length
        = uint32_t(sizeof(acpi::MadtHeader) + cpus * sizeof(acpi::MadtLocalApic) + sizeof(acpi::MadtIoApic));
    append(table, acpi::MadtHeader { header("APIC", length), kLocalApicAddress, 0 });
    for (unsigned cpu = 0; cpu < cpus; ++cpu)
        append(table,
            acpi::MadtLocalApic { acpi::kMadtLocalApic, sizeof(acpi::MadtLocalApic), uint8_t(cpu), uint8_t(cpu),
                acpi::kProcessorEnabled });
    append(table, acpi::MadtIoApic { acpi::kMadtIoApic, sizeof(acpi::MadtIoApic), 0, 0, kIoApicAddress, 0 });
    seal(table);
    return table;
}

} // namespace

lib::Result<uint64_t> write_acpi_tables(const GuestMemory& memory, unsigned cpus)
{
    if (cpus == 0 || cpus > kMaxAcpiCpus)
        return lib::Error(lib::Errno::INVAL, "ACPI tables: 1 to 64 CPUs");
    // RSDP, then the XSDT (one entry: the MADT), then the MADT.
    constexpr uint64_t kXsdtAddress = kAcpiAddress + 64, kMadtAddress = kXsdtAddress + 64;
    std::vector<uint8_t> xsdt;
    append(xsdt, header("XSDT", sizeof(acpi::TableHeader) + 8));
    append(xsdt, kMadtAddress);
    seal(xsdt);
    acpi::Rsdp rsdp {};
    memcpy(rsdp.signature, acpi::kRsdpSignature, 8);
    memcpy(rsdp.oem_id, "OSPREY", 6);
    rsdp.revision = 2;
    rsdp.length = sizeof(rsdp);
    rsdp.xsdt_address = kXsdtAddress;
    rsdp.checksum = acpi::checksum_byte(&rsdp, acpi::kRsdpV1Size);
    rsdp.extended_checksum = acpi::checksum_byte(&rsdp, sizeof(rsdp));
    TRY(memory.write(kAcpiAddress, std::span(reinterpret_cast<const uint8_t*>(&rsdp), sizeof(rsdp))));
    TRY(memory.write(kXsdtAddress, xsdt));
    TRY(memory.write(kMadtAddress, madt(cpus)));
    return kAcpiAddress;
}

} // namespace monitor
