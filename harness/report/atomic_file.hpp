// Writing a file so that a reader (or a crash) never sees it half-written: the bytes go to
// "<path>.tmp.<pid>" in the same directory, are fsync'ed, then renamed over the target, and the
// directory is fsync'ed so the rename itself survives a power cut.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace allocbench {

// Throws std::system_error naming the path and the failing call; on failure the temporary file
// is removed and the target is left as it was.
void write_file_atomically(const std::filesystem::path& path, std::string_view contents);

// Whether write_file_atomically(path, ...) could work: the parent directory exists and is
// writable, and path is not a directory. Returns an empty string when fine, else why not.
std::string check_writable(const std::filesystem::path& path);

}  // namespace allocbench
