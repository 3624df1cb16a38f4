// First-cut API over the staged core (see elf_image.h).
#include <linker/elf_image.h>

namespace linker {

lib::Result<ElfImage> ElfImage::parse(std::span<const std::byte> file, AddressPolicy policy)
{
    ElfImage image;
    image.m_file = file;
    image.m_elf = TRY(parse_elf(file));
    image.m_plan = TRY(make_load_plan(image.m_elf, file.size(), policy));
    return image;
}

const elf::ProgramHeader* ElfImage::find(uint32_t type) const
{
    for (const elf::ProgramHeader& p : m_elf.program_headers)
        if (p.type == type)
            return &p;
    return nullptr;
}

} // namespace linker
