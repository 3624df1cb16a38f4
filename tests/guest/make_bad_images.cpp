// Writes the hostile inputs of the guest tests:
//   bad-elf.img      an image whose program is not a valid ELF (a truncated copy of one)
//   not-elf.img      an image whose program is a text file
//   corrupt.img      a valid image of PROGRAM with one metadata byte flipped
// usage: make_bad_images PROGRAM OUTPUT_DIR
#include <images/rofs_writer.h>

#include <cstdio>
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

void write(const std::string& path, const std::vector<std::byte>& data)
{
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size()));
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
    if (argc != 3) {
        fprintf(stderr, "usage: make_bad_images PROGRAM OUTPUT_DIR\n");
        return 2;
    }
    std::ifstream in(argv[1], std::ios::binary);
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> program(chars.size());
    for (size_t i = 0; i < chars.size(); ++i)
        program[i] = std::byte(chars[i]);
    std::string dir = argv[2];

    std::vector<std::byte> truncated(program.begin(), program.begin() + 600); // headers only
    write(dir + "/bad-elf.img", image_with_program(truncated));
    write(dir + "/not-elf.img", image_with_program(bytes_of("#!/bin/sh\n# A shell script is not an ELF program: Osprey runs ELF executables only.\necho hello\n")));
    auto corrupt = image_with_program(program);
    corrupt[200] ^= std::byte(0x40); // inside the inode table: the metadata checksum catches it
    write(dir + "/corrupt.img", corrupt);
    return 0;
}
