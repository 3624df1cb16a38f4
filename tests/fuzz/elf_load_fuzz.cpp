// libFuzzer target: the ELF parsing the kernel does before it maps anything (linker/, the
// portable core the kernel and the CLI share): ElfImage::parse under both address policies
// and read_dynamic_from_file, on any bytes. Seeded with a real glibc program (CTest passes
// a corpus directory holding tests/guest's hello), so mutations start from a valid file.
// Nothing may read outside the input (ASan) or crash; an error is a fine answer.
#include <linker/elf_image.h>
#include <linker/file_view.h>

#include <cstddef>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    auto bytes = std::span(reinterpret_cast<const std::byte*>(data), size);
    for (auto policy : { linker::AddressPolicy::PositionIndependent, linker::AddressPolicy::AllowFixed }) {
        auto image = linker::ElfImage::parse(bytes, policy);
        if (image.is_error())
            continue;
        for (const linker::LoadSegment& segment : image->segments())
            (void)segment;
        (void)image->dynamic(), (void)image->tls(), (void)image->relro(), (void)image->phdr_vaddr();
    }
    if (auto dynamic = linker::read_dynamic_from_file(bytes); !dynamic.is_error())
        (void)dynamic->soname;
    return 0;
}
