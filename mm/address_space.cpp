// The kernel's address space: one AreaMap (mm/area_map.h) whose page effects are carried
// out on the kernel page tables, with Area objects carved from page frames (never from
// malloc: malloc itself calls mmap).
#include <mm/address_space.h>
#include <mm/memory.h>
#include <mm/page_frames_internal.h>

#include <new>

namespace mm {

namespace {

/// Area objects carved from whole page frames reached through the direct map. Frames are
/// kept once used (a later mapping reuses their slots).
class FramePool final : public AreaPool {
public:
    Area* allocate() override
    {
        if (!m_free && !refill())
            return nullptr;
        Slot* slot = m_free;
        m_free = slot->next;
        return new (slot) Area();
    }

    void free(Area* area) override
    {
        area->~Area();
        auto* slot = reinterpret_cast<Slot*>(area);
        slot->next = m_free;
        m_free = slot;
    }

private:
    union Slot {
        Slot* next;
        alignas(Area) unsigned char bytes[sizeof(Area)];
    };

    bool refill()
    {
        auto frame = alloc_frame();
        if (frame.is_error())
            return false;
        auto* slots = static_cast<Slot*>(phys_to_virt(frame.value()));
        for (size_t i = 0; i < kPageSize / sizeof(Slot); ++i) {
            slots[i].next = m_free;
            m_free = &slots[i];
        }
        return true;
    }

    Slot* m_free = nullptr;
};

class PageTablePages final : public PageOps {
public:
    void release(const Area&, uintptr_t start, uintptr_t end) override { release_pages(start, end); }

    void reprotect(const Area& area, uintptr_t start, uintptr_t end) override
    {
        for_each_pte(start, end, [&](uint64_t virt, uint64_t& pte) {
            pte = (pte & kPteAddressMask) | pte_bits(area.prot, pte & PteFilePage, area.sharing);
            flush_page(virt);
        });
        flush_remote_tlbs(); // mprotect is done when no CPU can use the old rights
    }

    bool move(uintptr_t from, uintptr_t to, size_t length) override
    {
        // Make every destination page table first, so that nothing moves unless all can.
        bool tables = true;
        for_each_pte(from, from + length,
            [&](uint64_t virt, uint64_t&) { tables = tables && pte_for(virt - from + to, true) != nullptr; });
        if (!tables) {
            release_page_tables(to, to + length); // those the first pass made before it failed
            return false;
        }
        for_each_pte(from, from + length, [&](uint64_t virt, uint64_t& pte) {
            *pte_for(virt - from + to, false) = pte;
            pte = 0;
            flush_page(virt);
        });
        release_page_tables(from, from + length);
        flush_remote_tlbs();
        return true;
    }
};

alignas(AreaMap) unsigned char g_map_storage[sizeof(AreaMap)];
AreaMap* g_map;
FramePool g_pool;
PageTablePages g_pages;

AreaMap& the_map()
{
    if (!g_map) // no static constructors in the kernel: built on first use
        g_map = new (g_map_storage) AreaMap(kUserBase, kUserTop, kMmapTop, g_pages, g_pool);
    return *g_map;
}

bool overcommits(const MapRequest& request, int flags)
{
    if ((flags & MapNoReserve) || request.sharing != Sharing::Private || !(request.prot & ProtWrite))
        return false;
    return request.length / kPageSize > frame_stats().total_frames;
}

} // namespace

lib::Result<void> populate(uintptr_t start, size_t length, Access access)
{
    AreaMap& map = the_map();
    uintptr_t end = start + length;
    for (const Area* area = map.first_ending_after(start); area && area->start() < end; area = map.next(*area)) {
        if (area->prot == ProtNone)
            continue;
        uintptr_t from = area->start() > start ? area->start() : start;
        uintptr_t to = area->end() < end ? area->end() : end;
        for (uintptr_t virt = page_round_down(from); virt < to; virt += kPageSize) {
            // A page past the end of a mapped file stays out (it would be SIGBUS on touch).
            auto result = fault_in(*area, virt, access);
            if (result.is_error() && result.error().code != lib::Errno::FAULT)
                return result.error();
        }
    }
    return {};
}

lib::Result<void> prefault_writable(uintptr_t addr, size_t length)
{
    if (!is_mapped(addr, length, ProtWrite))
        return lib::Error(lib::Errno::FAULT, "not mapped writable");
    return populate(addr, length, Access::Write);
}

void release_pages(uintptr_t start, uintptr_t end)
{
    bool cleared = false;
    for_each_pte(start, end, [&](uint64_t virt, uint64_t& pte) {
        if ((pte & PteBacked) && !(pte & PteFilePage))
            free_frame_after_flush(pte & kPteAddressMask);
        pte = 0;
        flush_page(virt);
        cleared = true;
    });
    // Only a table that just lost an entry can have become empty (no table is left empty
    // by its maker: see release_page_tables): a range never touched costs no second walk.
    if (cleared)
        release_page_tables(start, end);
    flush_remote_tlbs(); // and only then are the frames free
}

uint64_t pte_bits(int prot, bool file_page, Sharing sharing)
{
    uint64_t bits = PteBacked | (file_page ? uint64_t(PteFilePage) : 0);
    if (prot != ProtNone)
        bits |= PtePresent;
    // A file page is written in place only through a shared mapping (which is writable
    // only for a file that may change, area_map.cpp); a private one copies it first.
    if ((prot & ProtWrite) && (!file_page || sharing == Sharing::Shared))
        bits |= PteWritable;
    if (!(prot & ProtExec))
        bits |= PteNoExecute;
    return bits;
}

const AreaMap& areas() { return the_map(); }

lib::Result<uintptr_t> map(const MapRequest& request, int flags)
{
    if (overcommits(request, flags))
        return lib::Error(lib::Errno::NOMEM, "mmap: larger than all memory (use MAP_NORESERVE)");
    uintptr_t start = TRY(the_map().map(request));
    if (flags & MapPopulate) {
        Access access = request.prot & ProtWrite && request.sharing == Sharing::Private ? Access::Write : Access::Read;
        auto populated = populate(start, request.length, access);
        if (populated.is_error()) {
            (void)unmap(start, request.length);
            return populated.error();
        }
    }
    return start;
}

lib::Result<uintptr_t> map_anonymous(uintptr_t hint, size_t length, int prot, Placement placement, AreaRole role)
{
    return map({ .hint = hint, .length = length, .placement = placement, .prot = prot, .role = role }, MapNoReserve);
}

lib::Result<void> unmap(uintptr_t addr, size_t length) { return the_map().unmap(addr, length); }

lib::Result<void> protect(uintptr_t addr, size_t length, int prot) { return the_map().protect(addr, length, prot); }

lib::Result<uintptr_t> remap(uintptr_t old_addr, size_t old_length, size_t new_length, int flags, uintptr_t new_addr)
{
    return the_map().remap(old_addr, old_length, new_length, flags, new_addr);
}

bool is_mapped(uintptr_t addr, size_t length, int prot)
{
    AreaMap& map = the_map();
    uintptr_t position = addr, end = addr + length;
    for (const Area* area = map.find(position); area && position < end; area = map.next(*area)) {
        if (area->start() > position || (area->prot & prot) != prot)
            return false;
        position = area->end();
    }
    return position >= end;
}

} // namespace mm
