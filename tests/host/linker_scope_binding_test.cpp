// The binding rule the kernel's binder and `osprey inspect --abi` share
// (linker/scope_binding.h), on fake objects: scope order, a COPY skipping the requesting
// object, versions, the export table after the scope, and what happens to imports nobody
// provides.
#include <linker/scope_binding.h>

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace {

using namespace linker;
using Kind = ScopeBinding::Kind;

/// An object that defines some NAME@VERSION keys (an empty version: unversioned).
struct FakeObject {
    std::map<std::string, elf::Symbol> definitions;
    uint64_t bias = 0;

    void define(const std::string& key, uint8_t type = elf::STT_FUNC, uint64_t value = 0x100, uint64_t size = 8)
    {
        definitions[key] = elf::Symbol { 0, elf::symbol_info(elf::STB_GLOBAL, type), 0, 1, value, size };
    }
    std::optional<Definition> lookup(std::string_view name, std::string_view version) const
    {
        auto found = definitions.find(std::string(name) + (version.empty() ? "" : "@" + std::string(version)));
        if (found == definitions.end())
            return std::nullopt;
        return Definition { &found->second, bias + found->second.value };
    }
};

SymbolRequest request(std::string_view name, uint8_t type = elf::STT_FUNC, bool weak = false, bool copy = false,
    std::string_view version = {})
{
    return SymbolRequest { name, version, version.empty() ? "" : "libc.so.6", weak, type, copy, 1 };
}

struct Binder {
    std::vector<const FakeObject*> scope;
    std::map<std::string, ExportBinding> exports;

    ScopeBinding bind(const FakeObject& requester, const SymbolRequest& r) const
    {
        auto object_of = [](const FakeObject* o) -> const FakeObject& { return *o; };
        auto find_export = [this](const SymbolRequest& wanted) -> std::optional<ExportBinding> {
            auto found = exports.find(std::string(wanted.name));
            return found == exports.end() ? std::nullopt : std::optional(found->second);
        };
        return bind_in_scope(scope, object_of, &requester, r, find_export);
    }
};

TEST(LinkerScopeBinding, TheFirstObjectThatDefinesItWins)
{
    FakeObject program, first, second;
    first.bias = 0x10000, second.bias = 0x20000;
    first.define("shared");
    second.define("shared");
    second.define("only_second");
    Binder binder { { &program, &first, &second }, { { "shared", { 0x999, 4 } } } };
    ScopeBinding bound = binder.bind(program, request("shared"));
    ASSERT_EQ(bound.kind, Kind::Object);
    EXPECT_EQ(bound.object_index, 1u);
    EXPECT_EQ(bound.definition.address, 0x10100u); // before the kernel's export too
    bound = binder.bind(first, request("only_second"));
    ASSERT_EQ(bound.kind, Kind::Object);
    EXPECT_EQ(bound.object_index, 2u);
}

TEST(LinkerScopeBinding, ACopySkipsTheRequestersOwnDefinition)
{
    FakeObject program, library;
    program.define("environ", elf::STT_OBJECT);
    library.define("environ", elf::STT_OBJECT);
    Binder binder { { &program, &library }, {} };
    ScopeBinding bound = binder.bind(program, request("environ", elf::STT_OBJECT, false, true));
    ASSERT_EQ(bound.kind, Kind::Object);
    EXPECT_EQ(bound.object_index, 1u);
    // Without COPY the program's own definition interposes, as in glibc.
    EXPECT_EQ(binder.bind(program, request("environ", elf::STT_OBJECT)).object_index, 0u);
}

TEST(LinkerScopeBinding, VersionsMustMatch)
{
    FakeObject program, library;
    library.define("f@V2");
    Binder binder { { &program, &library }, {} };
    EXPECT_EQ(binder.bind(program, request("f", elf::STT_FUNC, false, false, "V2")).kind, Kind::Object);
    EXPECT_EQ(binder.bind(program, request("f", elf::STT_FUNC, false, false, "V1")).kind, Kind::MissingFunction);
}

TEST(LinkerScopeBinding, TheKernelsExportsComeAfterTheScope)
{
    FakeObject program;
    Binder binder { { &program }, { { "malloc", { 0xffffffff80001000, 0 } } } };
    ScopeBinding bound = binder.bind(program, request("malloc"));
    ASSERT_EQ(bound.kind, Kind::Export);
    EXPECT_EQ(bound.exported.address, 0xffffffff80001000u);
}

TEST(LinkerScopeBinding, WhatNobodyProvidesIsWeakAFunctionOrData)
{
    FakeObject program;
    Binder binder { { &program }, {} };
    EXPECT_EQ(binder.bind(program, request("maybe", elf::STT_FUNC, true)).kind, Kind::WeakUnbound);
    EXPECT_EQ(binder.bind(program, request("maybe_data", elf::STT_OBJECT, true)).kind, Kind::WeakUnbound);
    EXPECT_EQ(binder.bind(program, request("getaliasent_r")).kind, Kind::MissingFunction);
    EXPECT_EQ(binder.bind(program, request("untyped", elf::STT_NOTYPE)).kind, Kind::MissingFunction);
    EXPECT_EQ(binder.bind(program, request("_IO_2_1_stdin_", elf::STT_OBJECT)).kind, Kind::MissingData);
    EXPECT_EQ(binder.bind(program, request("tls_var", elf::STT_TLS)).kind, Kind::MissingData);
    // A COPY needs bytes to copy, whatever the symbol's type says.
    EXPECT_EQ(binder.bind(program, request("copied", elf::STT_NOTYPE, false, true)).kind, Kind::MissingData);
}

} // namespace
