// Writes the hostile inputs of the guest tests:
//   bad-elf.img      an image whose program is not a valid ELF (a truncated copy of one)
//   not-elf.img      an image whose program is a text file
//   corrupt.img      a valid image of PROGRAM with one metadata byte flipped
//   corrupt-header.img a valid image of PROGRAM with one byte of its program headers
//                    flipped (file data that the loader reads)
//   corrupt-text.img a valid image of PROGRAM with one byte flipped in its executable
//                    segment (file data: only the page checksum sees it, at the fault)
//   corrupt-file.img READER (cat) reading /data/text, 10,000 bytes with one flipped in
//                    its second page
// usage: make_bad_images PROGRAM READER OUTPUT_DIR
#include <images/rofs_reader.h>
#include <images/rofs_writer.h>

#include <cstdio>
#include <cstring>
#include <elf.h>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

std::vector<std::byte> bytes_of(const std::string& text)
{
    std::vector<std::byte> out(text.size());
    for (size_t i = 0; i < text.size(); ++i)
        out[i] = std::byte(text[i]);
    return out;
}

std::vector<std::byte> read_file(const char* path)
{
    std::ifstream in(path, std::ios::binary);
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> bytes(chars.size());
    std::memcpy(bytes.data(), chars.data(), chars.size());
    return bytes;
}

/// The file offset of the first executable PT_LOAD of an ELF program (0 if none).
uint64_t text_offset(const std::vector<std::byte>& program)
{
    Elf64_Ehdr header;
    std::memcpy(&header, program.data(), sizeof(header));
    for (unsigned i = 0; i < header.e_phnum; ++i) {
        Elf64_Phdr segment;
        std::memcpy(&segment, program.data() + header.e_phoff + i * sizeof(segment), sizeof(segment));
        if (segment.p_type == PT_LOAD && (segment.p_flags & PF_X))
            return segment.p_offset;
    }
    return 0;
}

/// Flips one bit of byte `offset` of the file at `path` inside `image`.
void flip_file_byte(std::vector<std::byte>& image, const char* path, uint64_t offset)
{
    auto reader = images::RofsImage::open(image);
    auto node = reader->lookup(path);
    uint64_t start = uint64_t(reader->file_data(*node)->data() - reader->bytes().data());
    image[start + offset] ^= std::byte(0x01);
}

void write(const std::string& path, const std::vector<std::byte>& data)
{
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size()));
}

std::vector<std::byte> image_with_program(std::vector<std::byte> program)
{
    images::RofsWriter writer;
    writer.add_file("/app/program", std::move(program), 0755);
    writer.add_file("/.osprey/cmdline", bytes_of("-- /app/program"));
    return writer.build();
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: make_bad_images PROGRAM READER OUTPUT_DIR\n");
        return 2;
    }
    std::vector<std::byte> program = read_file(argv[1]);
    std::string dir = argv[3];

    std::vector<std::byte> truncated(program.begin(), program.begin() + 600); // headers only
    write(dir + "/bad-elf.img", image_with_program(truncated));
    write(dir + "/not-elf.img",
        image_with_program(bytes_of(
            "#!/bin/sh\n# A shell script is not an ELF program: Osprey runs ELF executables only.\necho hello\n")));
    auto corrupt = image_with_program(program);
    corrupt[200] ^= std::byte(0x40); // inside the inode table: the metadata checksum catches it
    write(dir + "/corrupt.img", corrupt);

    auto corrupt_header = image_with_program(program);
    flip_file_byte(corrupt_header, "/app/program", 70); // a program header: the loader reads it
    write(dir + "/corrupt-header.img", corrupt_header);

    auto corrupt_text = image_with_program(program);
    flip_file_byte(corrupt_text, "/app/program", text_offset(program) + 16);
    write(dir + "/corrupt-text.img", corrupt_text);

    images::RofsWriter writer;
    writer.add_file("/app/program", read_file(argv[2]), 0755);
    writer.add_file("/data/text", bytes_of(std::string(10000, 'a')), 0644);
    writer.add_file("/.osprey/cmdline", bytes_of("-- /app/program /data/text"));
    auto corrupt_file = writer.build();
    flip_file_byte(corrupt_file, "/data/text", 5000);
    write(dir + "/corrupt-file.img", corrupt_file);
    return 0;
}
