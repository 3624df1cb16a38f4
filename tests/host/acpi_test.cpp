// The ACPI processor discovery the kernel uses (include/abi/acpi.h) against the tables the
// monitor writes (monitor/acpi_tables.cpp), and against hand-made and corrupted tables.
#include <abi/acpi.h>
#include <monitor/acpi_tables.h>

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace {

using monitor::GuestMemory;

bool read_guest(void* context, uint64_t address, void* out, size_t length)
{
    auto bytes = static_cast<const GuestMemory*>(context)->read_span(address, length);
    if (bytes.is_error())
        return false;
    memcpy(out, bytes->data(), length);
    return true;
}

acpi::Processors discover(const GuestMemory& memory, uint64_t rsdp)
{
    std::vector<uint8_t> scratch(2 * acpi::kMaxTableSize);
    return acpi::find_processors(read_guest, const_cast<GuestMemory*>(&memory), rsdp, scratch.data());
}

TEST(Acpi, MonitorTablesListEveryVcpu)
{
    auto memory = GuestMemory::create(16 << 20).release_value();
    for (unsigned cpus : { 1u, 2u, 4u, 64u }) {
        auto rsdp = monitor::write_acpi_tables(memory, cpus);
        ASSERT_FALSE(rsdp.is_error());
        auto found = discover(memory, rsdp.value());
        ASSERT_EQ(found.count, cpus) << (found.error ? found.error : "");
        for (unsigned i = 0; i < cpus; ++i)
            EXPECT_EQ(found.apic_ids[i], i);
        ASSERT_EQ(found.io_apic_count, 1u); // KVM's in-kernel one
        EXPECT_EQ(found.io_apics[0].address, 0xfec00000u);
        EXPECT_EQ(found.io_apics[0].gsi_base, 0u);
    }
}

TEST(Acpi, MonitorRefusesZeroOrTooManyCpus)
{
    auto memory = GuestMemory::create(16 << 20).release_value();
    EXPECT_EQ(monitor::write_acpi_tables(memory, 0).error().code, lib::Errno::INVAL);
    EXPECT_EQ(monitor::write_acpi_tables(memory, 65).error().code, lib::Errno::INVAL);
}

TEST(Acpi, CorruptTablesFindNothingAndSayWhy)
{
    auto memory = GuestMemory::create(16 << 20).release_value();
    uint64_t rsdp = monitor::write_acpi_tables(memory, 2).release_value();
    auto corrupt = [&](uint64_t address, uint8_t flip, const char* expected) {
        auto byte = memory.span(address, 1).release_value();
        uint8_t saved = byte[0];
        byte[0] = saved ^ flip;
        auto found = discover(memory, rsdp);
        EXPECT_EQ(found.count, 0u) << expected;
        ASSERT_NE(found.error, nullptr);
        EXPECT_STREQ(found.error, expected);
        byte[0] = saved;
    };
    corrupt(rsdp, 0x20, "no valid RSDP");            // signature
    corrupt(rsdp + 8, 0xff, "no valid RSDP");        // checksum
    corrupt(rsdp + 64 + 9, 0x55, "bad XSDT");        // the XSDT's checksum
    corrupt(rsdp + 128 + 40, 0x77, "no valid MADT"); // a MADT byte: its checksum no longer holds
    EXPECT_EQ(discover(memory, 0x5000).error, std::string("no valid RSDP"));      // nothing there
    EXPECT_EQ(discover(memory, 64ull << 30).error, std::string("no valid RSDP")); // outside memory
    EXPECT_EQ(discover(memory, rsdp).count, 2u);                                  // intact again
}

// A hand-made RSDP (revision 0: RSDT) and MADT with the cases firmware produces.
struct Tables {
    std::vector<uint8_t> memory = std::vector<uint8_t>(1 << 16);
    static bool read(void* context, uint64_t address, void* out, size_t length)
    {
        auto& bytes = static_cast<Tables*>(context)->memory;
        if (address > bytes.size() || length > bytes.size() - address)
            return false;
        memcpy(out, bytes.data() + address, length);
        return true;
    }
    template<typename T> void put(uint64_t address, const T& value)
    {
        memcpy(memory.data() + address, &value, sizeof(T));
    }
    void seal(uint64_t address, uint32_t length)
    {
        memory[address + 9] = 0;
        memory[address + 9] = acpi::checksum_byte(memory.data() + address, length);
    }
    acpi::TableHeader header(const char* signature, uint32_t length)
    {
        acpi::TableHeader table {};
        memcpy(table.signature, signature, 4);
        table.length = length;
        return table;
    }
    // RSDP at 0x100 -> RSDT at 0x200 (a FACP-like decoy first, then the MADT at 0x400).
    void build(const std::vector<uint8_t>& entries)
    {
        acpi::Rsdp rsdp {};
        memcpy(rsdp.signature, acpi::kRsdpSignature, 8);
        rsdp.rsdt_address = 0x200;
        rsdp.checksum = acpi::checksum_byte(&rsdp, acpi::kRsdpV1Size);
        put(0x100, rsdp);
        put(0x200, header("RSDT", 36 + 8));
        put<uint32_t>(0x200 + 36, 0x300);
        put<uint32_t>(0x200 + 40, 0x400);
        seal(0x200, 44);
        put(0x300, header("FACP", 36));
        seal(0x300, 36);
        uint32_t length = uint32_t(sizeof(acpi::MadtHeader) + entries.size());
        put(0x400, acpi::MadtHeader { header("APIC", length), 0xfee00000, 0 });
        memcpy(memory.data() + 0x400 + sizeof(acpi::MadtHeader), entries.data(), entries.size());
        seal(0x400, length);
    }
    acpi::Processors find()
    {
        std::vector<uint8_t> scratch(2 * acpi::kMaxTableSize);
        return acpi::find_processors(read, this, 0x100, scratch.data());
    }
};

template<typename T> void add(std::vector<uint8_t>& entries, const T& entry)
{
    auto* bytes = reinterpret_cast<const uint8_t*>(&entry);
    entries.insert(entries.end(), bytes, bytes + sizeof(T));
}

TEST(Acpi, ReadsRsdtLocalApicAndX2ApicEntries)
{
    std::vector<uint8_t> entries;
    add(entries, acpi::MadtLocalApic { acpi::kMadtLocalApic, 8, 0, 0, acpi::kProcessorEnabled });
    add(entries, acpi::MadtIoApic { acpi::kMadtIoApic, 12, 0, 0, 0xfec00000, 0 });
    add(entries, acpi::MadtLocalApic { acpi::kMadtLocalApic, 8, 1, 2, 0 }); // disabled, not online-capable
    add(entries, acpi::MadtLocalApic { acpi::kMadtLocalApic, 8, 2, 4, acpi::kProcessorOnlineCapable });
    add(entries, acpi::MadtLocalApic { acpi::kMadtLocalApic, 8, 3, 0, acpi::kProcessorEnabled }); // a duplicate
    add(entries, acpi::MadtLocalX2Apic { acpi::kMadtLocalX2Apic, 16, 0, 300, acpi::kProcessorEnabled, 5 });
    Tables tables;
    tables.build(entries);
    auto found = tables.find();
    ASSERT_EQ(found.count, 3u);
    ASSERT_EQ(found.io_apic_count, 1u);
    EXPECT_EQ(found.io_apics[0].address, 0xfec00000u);
    EXPECT_EQ(found.apic_ids[0], 0u);
    EXPECT_EQ(found.apic_ids[1], 4u);
    EXPECT_EQ(found.apic_ids[2], 300u);
}

TEST(Acpi, MalformedEntriesStopTheWalkWithoutLosingEarlierOnes)
{
    std::vector<uint8_t> entries;
    add(entries, acpi::MadtLocalApic { acpi::kMadtLocalApic, 8, 0, 7, acpi::kProcessorEnabled });
    entries.insert(entries.end(), { acpi::kMadtLocalApic, 0 }); // length 0: would loop forever
    add(entries, acpi::MadtLocalApic { acpi::kMadtLocalApic, 8, 1, 8, acpi::kProcessorEnabled });
    Tables tables;
    tables.build(entries);
    auto found = tables.find();
    ASSERT_EQ(found.count, 1u);
    EXPECT_EQ(found.apic_ids[0], 7u);

    std::vector<uint8_t> overlong;
    overlong.insert(overlong.end(), { acpi::kMadtLocalApic, 200, 0, 9, 1, 0, 0, 0 }); // past the table's end
    tables.build(overlong);
    EXPECT_EQ(tables.find().count, 0u);
}

TEST(Acpi, TooManyProcessorsAreCappedAndHugeTablesRefused)
{
    std::vector<uint8_t> entries;
    for (unsigned id = 0; id < 100; ++id)
        add(entries,
            acpi::MadtLocalApic { acpi::kMadtLocalApic, 8, uint8_t(id), uint8_t(id), acpi::kProcessorEnabled });
    Tables tables;
    tables.build(entries);
    EXPECT_EQ(tables.find().count, acpi::kMaxProcessors);
    acpi::TableHeader huge = tables.header("APIC", acpi::kMaxTableSize + 1);
    tables.put(0x400, huge);
    EXPECT_EQ(tables.find().count, 0u);
}

} // namespace
