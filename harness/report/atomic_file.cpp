#include "harness/report/atomic_file.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace allocbench {

namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& what, const fs::path& path, int err) {
  throw std::system_error(err, std::generic_category(), what + " " + path.string());
}

fs::path parent_of(const fs::path& path) {
  auto parent = path.parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

bool read_only(const struct stat& st) {
  // access(W_OK) alone would let root replace a file its owner made read-only.
  return (st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0;
}

mode_t default_mode() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

// A filled, fsync'ed temporary beside `target`, removed again unless released.
class TempFile {
 public:
  TempFile(const fs::path& target, std::string_view contents, mode_t mode) {
    std::string name = target.string() + ".tmp.XXXXXX";
    // mkostemp opens with O_CREAT | O_EXCL: an existing name, symlink or not, is never opened.
    fd_ = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd_ < 0) fail("cannot create a temporary file beside", target, errno);
    path_ = name;
    if (::fchmod(fd_, mode) != 0) abandon("cannot set the permissions of");
    const char* p = contents.data();
    std::size_t left = contents.size();
    while (left > 0) {
      const ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        abandon("cannot write");
      }
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    if (::fsync(fd_) != 0) abandon("cannot fsync");
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) abandon("cannot close");
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const fs::path& path() const { return path_; }
  void released() { path_.clear(); }  // renamed away: nothing to remove

  [[noreturn]] void abandon(const char* what) {
    const int err = errno;
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    const fs::path p = path_;
    ::unlink(path_.c_str());
    path_.clear();
    fail(what, p, err);
  }

 private:
  int fd_ = -1;
  fs::path path_;
};

void sync_directory(const fs::path& dir) {
  // Best effort: the data is already safe in the file; this only makes the rename durable.
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

void write_file_atomically(const fs::path& path, std::string_view contents) {
  mode_t mode = default_mode();
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    // A symlink is replaced by the file (its target is never written); anything else that is
    // not a regular file (a device, a pipe, a directory) is refused.
    if (S_ISREG(st.st_mode)) {
      if (read_only(st)) fail("refusing to replace the read-only file", path, EACCES);
      mode = st.st_mode & 07777;
    } else if (!S_ISLNK(st.st_mode)) {
      fail("refusing to replace what is not a regular file:", path, EPERM);
    }
  }
  TempFile tmp(path, contents, mode);
  if (::rename(tmp.path().c_str(), path.c_str()) != 0) tmp.abandon("cannot rename");
  tmp.released();
  sync_directory(parent_of(path));
}

fs::path write_new_file(const fs::path& dir, const std::string& stem, const std::string& ext,
                        std::string_view contents) {
  const fs::path first = dir / (stem + ext);
  TempFile tmp(first, contents, default_mode());
  for (int i = 1; i <= 10000; ++i) {
    const fs::path name = i == 1 ? first : dir / (stem + "-" + std::to_string(i) + ext);
    if (::link(tmp.path().c_str(), name.c_str()) == 0) {
      sync_directory(dir);
      return name;  // tmp's destructor removes the temporary name; the data stays under name
    }
    if (errno != EEXIST) tmp.abandon(("cannot link to " + name.string() + " from").c_str());
  }
  fail("no free name for", first, EEXIST);
}

std::string check_writable(const fs::path& path) {
  if (path.empty()) return "empty path";
  const auto parent = parent_of(path);
  struct stat st {};
  if (::stat(parent.c_str(), &st) != 0) {
    return "directory " + parent.string() + " does not exist";
  }
  if (!S_ISDIR(st.st_mode)) return parent.string() + " is not a directory";
  if (::access(parent.c_str(), W_OK | X_OK) != 0) {
    return "directory " + parent.string() + " is not writable";
  }
  if (::lstat(path.c_str(), &st) == 0 && !S_ISLNK(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) return path.string() + " is a directory";
    // The rename would replace a device or pipe (as root, /dev/null itself) with a file.
    if (!S_ISREG(st.st_mode)) return path.string() + " is not a regular file";
    if (read_only(st) || ::access(path.c_str(), W_OK) != 0) {
      return path.string() + " is read-only";
    }
  }
  return {};
}

}  // namespace allocbench
