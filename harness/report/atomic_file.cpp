#include "harness/report/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace allocbench {

namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path, int err) {
  throw std::system_error(err, std::generic_category(), what + " " + path.string());
}

std::filesystem::path parent_of(const std::filesystem::path& path) {
  auto parent = path.parent_path();
  return parent.empty() ? std::filesystem::path(".") : parent;
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view contents) {
  const std::filesystem::path tmp = path.string() + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create", tmp, errno);
  auto abandon = [&](const char* what) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    fail(what, tmp, err);
  };
  const char* p = contents.data();
  std::size_t left = contents.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      abandon("cannot write");
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) abandon("cannot fsync");
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail("cannot close", tmp, err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail("cannot rename onto", path, err);
  }
  // Best effort: the data is already safe in the file; this only makes the rename durable.
  const int dir = ::open(parent_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

std::string check_writable(const std::filesystem::path& path) {
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
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return path.string() + " is a directory";
    // The rename would replace a device or pipe (as root, /dev/null itself) with a file.
    if (!S_ISREG(st.st_mode)) return path.string() + " is not a regular file";
  }
  return {};
}

}  // namespace allocbench
