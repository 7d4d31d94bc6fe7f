// Writing a file so that a reader (or a crash) never sees it half-written: the bytes go to a
// temporary "<path>.tmp.XXXXXX" created exclusively (a random name, O_EXCL: a planted file or
// symlink is never opened) in the same directory, are fsync'ed, then renamed over the target (or,
// for a new file, linked to a name that must not exist yet), and the directory is fsync'ed so
// the rename itself survives a power cut.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace allocbench {

// Throws std::system_error naming the path and the failing call; on failure the temporary file
// is removed and the target is left as it was. The new file gets the permissions of the file it
// replaces (or 0666 less the umask); a target that is not a regular file or is read-only is
// refused (EPERM / EACCES), not replaced.
void write_file_atomically(const std::filesystem::path& path, std::string_view contents);

// Writes a file that did not exist before: dir/<stem><ext>, or dir/<stem>-2<ext>, -3, ... when
// that name is taken, even by a run writing at the same moment (the name is claimed with link(2),
// which never replaces). Returns the path written; throws std::system_error like the above.
std::filesystem::path write_new_file(const std::filesystem::path& dir, const std::string& stem,
                                     const std::string& ext, std::string_view contents);

// Whether write_file_atomically(path, ...) could work: the parent directory exists and is
// writable, and path is absent or a regular file that is not read-only. Returns an empty string
// when fine, else why not.
std::string check_writable(const std::filesystem::path& path);

}  // namespace allocbench
