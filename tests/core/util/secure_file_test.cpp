// Tests of src/core/util/secure_file.cpp: what a secret file may look like.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "core/util/secure_file.hpp"
#include "support/temp_dir.hpp"

using namespace sw;

TEST_CASE("secret files: modes") {
    test::TempDir dir;
    ::chmod(dir.path().c_str(), 0700);
    auto path = dir.write("k", "secret bytes");
    struct Case {
        mode_t mode;
        bool ok;
        const char* problem;
    };
    const Case cases[] = {
        {0600, true, ""},
        {0400, true, ""},
        {0640, true, ""},
        {0644, false, "world-readable (mode 0644)"},
        {0604, false, "world-readable (mode 0604)"},
        {0660, false, "group- or world-writable (mode 0660)"},
        {0602, false, "group- or world-writable (mode 0602)"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION("mode " << std::oct << c.mode) {
            ::chmod(path.c_str(), c.mode);
            auto r = read_secret_file(path);
            CHECK(r.ok() == c.ok);
            if (c.ok) CHECK(r->view() == "secret bytes");
            else CHECK_THAT(r.error(), Catch::Contains(c.problem) && Catch::Contains("fix: chmod 0600 " + path));
        }
    }
}

TEST_CASE("secret files: symlinks, directories, parents") {
    test::TempDir dir;
    ::chmod(dir.path().c_str(), 0700);
    auto path = dir.write("k", "x");
    ::chmod(path.c_str(), 0600);

    SECTION("a symlink is not followed") {
        std::filesystem::create_symlink(path, dir.file("link"));
        auto r = read_secret_file(dir.file("link"));
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error(), Catch::Contains("symbolic link"));
    }
    SECTION("a directory writable by others is refused") {
        std::filesystem::create_directory(dir.file("open"));
        ::chmod(dir.file("open").c_str(), 0777);
        auto inner = dir.write("open/k", "x");
        ::chmod(inner.c_str(), 0600);
        auto r = read_secret_file(inner);
        REQUIRE_FALSE(r.ok());
        CHECK_THAT(r.error(), Catch::Contains("directory " + dir.file("open") + " is writable by group or others"));
    }
    SECTION("a sticky world-writable directory (like /tmp) is accepted") {
        std::filesystem::create_directory(dir.file("sticky"));
        ::chmod(dir.file("sticky").c_str(), 01777);
        auto inner = dir.write("sticky/k", "x");
        ::chmod(inner.c_str(), 0600);
        CHECK(read_secret_file(inner).ok());
    }
    SECTION("a directory is not a secret") {
        auto r = read_secret_file(dir.path());
        CHECK_FALSE(r.ok());
    }
}
