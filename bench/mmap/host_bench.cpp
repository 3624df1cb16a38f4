// bench/mmap, host part: the gVisor memory study's two experiments on the kernel's own
// address-space code (mm::AreaMap over mm::GapTree, compiled for the host) and, side by
// side in the same run, on a linear-scan allocator (tests/support/linear_range_model.h,
// the way most allocators search).
//   (1) average latency of one file-backed private mmap + munmap against the number of
//       existing (non-mergeable, file-backed) mappings, for 4, 16 and 64 KiB mappings;
//   (2) the same latency against the mapping size, with 10,000 existing mappings;
//   (3) mappings coming and going in the middle: munmap of a random existing mapping, then
//       an mmap of the same size, which the top-down search finds in the hole it left.
//       (1) places each new mapping just below the lowest one, in the free stretch at
//       the window's edge; (3) makes the search descend to a hole and the gap changes
//       climb the tree.
// Prints Markdown tables; `--csv PATH` also writes the numbers for bench/mmap/plot.
// A benchmark, not a test: it never fails on timing.
#include "../../tests/support/linear_range_model.h"

#include <mm/area_map.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr uintptr_t kLowest = 0x10000, kHighest = 0x7fff'ffff'f000, kMmapTop = 0x7fff'f000'0000;

class NoPages final : public mm::PageOps {
public:
    void release(const mm::Area&, uintptr_t, uintptr_t) override { }
    void reprotect(const mm::Area&, uintptr_t, uintptr_t) override { }
    bool move(uintptr_t, uintptr_t, size_t) override { return true; }
};

/// Areas from a free list over big blocks, like the kernel's frame-backed pool.
class BlockPool final : public mm::AreaPool {
public:
    mm::Area* allocate() override
    {
        if (m_free.empty()) {
            m_blocks.emplace_back(4096);
            for (mm::Area& area : m_blocks.back())
                m_free.push_back(&area);
        }
        mm::Area* area = m_free.back();
        m_free.pop_back();
        *area = mm::Area();
        return area;
    }
    void free(mm::Area* area) override { m_free.push_back(area); }

private:
    std::vector<std::vector<mm::Area>> m_blocks;
    std::vector<mm::Area*> m_free;
};

double seconds_since(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// Nanoseconds per mmap + munmap pair with `existing` file mappings of `existing_size` bytes.
double tree_latency(size_t existing, size_t existing_size, size_t size)
{
    NoPages pages;
    BlockPool pool;
    mm::AreaMap map(kLowest, kHighest, kMmapTop, pages, pool);
    static const mm::MappedFile file { .phys_base = 0, .size = 1ull << 40, .path = "/bench/file", .inode = 1 };
    mm::MapRequest request { .length = existing_size, .prot = mm::ProtRead, .file = &file };
    for (size_t i = 0; i < existing; ++i)
        (void)map.map(request);
    request.length = size;
    size_t repetitions = 200000;
    auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < repetitions; ++i) {
        uintptr_t address = map.map(request).value();
        (void)map.unmap(address, size);
    }
    return seconds_since(start) * 1e9 / double(repetitions);
}

/// Experiment (3): nanoseconds per munmap of a random mapping among `existing` 4 KiB file
/// mappings with 4 KiB holes between them, plus the mmap that refills the hole.
double tree_hole_latency(size_t existing)
{
    NoPages pages;
    BlockPool pool;
    mm::AreaMap map(kLowest, kHighest, kMmapTop, pages, pool);
    static const mm::MappedFile file { .phys_base = 0, .size = 1ull << 40, .path = "/bench/file", .inode = 1 };
    std::vector<uintptr_t> starts(existing);
    for (size_t i = 0; i < existing; ++i) {
        mm::MapRequest request { .hint = kMmapTop - (2 * i + 1) * 4096,
            .length = 4096,
            .placement = mm::Placement::FixedNoReplace,
            .prot = mm::ProtRead,
            .file = &file };
        starts[i] = map.map(request).value();
    }
    mm::MapRequest request { .length = 4096, .prot = mm::ProtRead, .file = &file };
    size_t repetitions = 200000;
    uint64_t random = 88172645463325252ull;
    auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < repetitions; ++i) {
        random ^= random << 13, random ^= random >> 7, random ^= random << 17; // xorshift64
        uintptr_t& victim = starts[random % existing];
        (void)map.unmap(victim, 4096);
        victim = map.map(request).value();
    }
    return seconds_since(start) * 1e9 / double(repetitions);
}

/// The same with the linear scan: the existing mappings are laid out directly (building them
/// through the scan would take O(n^2)), then each mmap scans for the highest free range.
double linear_latency(size_t existing, size_t existing_size, size_t size)
{
    osprey_test::LinearRangeModel model(kLowest, kHighest);
    for (size_t i = 0; i < existing; ++i)
        model.insert(kMmapTop - (i + 1) * existing_size, kMmapTop - i * existing_size);
    size_t repetitions = existing >= 100000 ? 20 : existing >= 10000 ? 200 : 2000; // bounded: O(n) each
    auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < repetitions; ++i) {
        uintptr_t address = *model.find_free(size, 4096, kLowest, kMmapTop, true);
        model.insert(address, address + size);
        model.erase(address);
    }
    return seconds_since(start) * 1e9 / double(repetitions);
}

std::string human_size(size_t bytes)
{
    return bytes >= (1u << 20) ? std::to_string(bytes >> 20) + " MiB" : std::to_string(bytes >> 10) + " KiB";
}

} // namespace

int main(int argc, char** argv)
{
    FILE* csv = nullptr;
    if (argc == 3 && std::strcmp(argv[1], "--csv") == 0 && !(csv = std::fopen(argv[2], "w"))) {
        std::perror(argv[2]);
        return 1;
    }
    const size_t counts[] = { 1000, 10000, 100000, 500000 };
    const size_t sizes[] = { 4096, 16384, 65536 };
    if (csv)
        std::fprintf(csv, "experiment,mappings,size,tree_ns,linear_ns\n");
    std::printf("### (1) mmap+munmap latency against existing mappings (host, ns per pair)\n\n");
    std::printf("| mappings | size | gap tree (ns) | linear scan (ns) | speed-up |\n|---:|---:|---:|---:|---:|\n");
    for (size_t size : sizes) {
        for (size_t count : counts) {
            double tree = tree_latency(count, size, size), linear = linear_latency(count, size, size);
            std::printf(
                "| %zu | %s | %.0f | %.0f | %.0fx |\n", count, human_size(size).c_str(), tree, linear, linear / tree);
            if (csv)
                std::fprintf(csv, "count,%zu,%zu,%.1f,%.1f\n", count, size, tree, linear);
            std::fflush(stdout);
        }
    }
    std::printf("\n### (2) mmap+munmap latency against mapping size, 10,000 existing 4 KiB mappings (host)\n\n");
    std::printf("| size | gap tree (ns) | linear scan (ns) |\n|---:|---:|---:|\n");
    for (size_t size = 4096; size <= (256u << 20); size *= 16) {
        double tree = tree_latency(10000, 4096, size), linear = linear_latency(10000, 4096, size);
        std::printf("| %s | %.0f | %.0f |\n", human_size(size).c_str(), tree, linear);
        if (csv)
            std::fprintf(csv, "size,10000,%zu,%.1f,%.1f\n", size, tree, linear);
    }
    std::printf("\n### (3) munmap of a random mapping + mmap refilling its hole, 4 KiB, against existing mappings "
                "(host, gap tree)\n\n");
    std::printf("| mappings | gap tree (ns) |\n|---:|---:|\n");
    for (size_t count : counts) {
        double tree = tree_hole_latency(count);
        std::printf("| %zu | %.0f |\n", count, tree);
        if (csv)
            std::fprintf(csv, "hole,%zu,4096,%.1f,\n", count, tree);
        std::fflush(stdout);
    }
    if (csv)
        std::fclose(csv);
    return 0;
}
