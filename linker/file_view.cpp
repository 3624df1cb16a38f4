#include <linker/file_view.h>

namespace linker {

namespace {

lib::Result<std::string_view> interpreter_path(std::span<const std::byte> file, const AddressRange& range)
{
    auto* start = reinterpret_cast<const char*>(file.data() + range.vaddr); // range checked by the plan
    auto* nul = static_cast<const char*>(memchr(start, 0, range.size));
    if (!nul)
        return elf_error("ELF: PT_INTERP path not NUL-terminated");
    return std::string_view(start, size_t(nul - start));
}

lib::Result<std::optional<std::string_view>> optional_string(
    const ImageView& view, const DynamicInfo& d, std::optional<uint32_t> offset)
{
    if (!offset)
        return std::optional<std::string_view>();
    return std::optional<std::string_view>(TRY(dynamic_string(view, d, *offset)));
}

} // namespace

lib::Result<FileDynamic> read_dynamic_from_file(std::span<const std::byte> file)
{
    ElfFile elf = TRY(parse_elf(file));
    LoadPlan plan = TRY(make_load_plan(elf, file.size(), AddressPolicy::AllowFixed));
    FileDynamic result;
    result.type = elf.type;
    if (plan.interp)
        result.interpreter = TRY(interpreter_path(file, *plan.interp));
    if (!plan.dynamic)
        return result;
    ImageView view = ImageView::file(file, plan);
    DynamicInfo d = TRY(read_dynamic(view, plan));
    result.has_dynamic = true;
    result.pie = d.pie();
    result.soname = TRY(optional_string(view, d, d.soname));
    result.rpath = TRY(optional_string(view, d, d.rpath));
    result.runpath = TRY(optional_string(view, d, d.runpath));
    for (uint32_t offset : d.needed_offsets())
        result.needed_storage[result.needed_count++] = TRY(dynamic_string(view, d, offset));
    return result;
}

} // namespace linker
