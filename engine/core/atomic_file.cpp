#include "core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace strata {

namespace {

std::string errnoText() { return std::strerror(errno); }

// Makes a rename in `dir` durable. Failing to sync a folder (some file systems refuse) costs only
// durability across a power cut, never the file's integrity: it is not reported.
void syncFolder(const std::string& file) {
  std::string dir = std::filesystem::path(file).parent_path().string();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

AtomicFileWriter::AtomicFileWriter(std::string path)
    : m_path(std::move(path)), m_tmp(m_path + ".tmp") {
  m_fd = ::open(m_tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (m_fd < 0) fail("cannot open " + m_tmp + " for writing: " + errnoText());
}

AtomicFileWriter::~AtomicFileWriter() {
  if (m_fd >= 0) ::close(m_fd);
  if (!m_committed) ::unlink(m_tmp.c_str());
}

void AtomicFileWriter::fail(const std::string& why) {
  if (m_error.empty()) m_error = m_path + ": " + why;
}

bool AtomicFileWriter::write(const void* data, size_t bytes) {
  if (!ok()) return false;
  const char* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::write(m_fd, p, bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      fail("write error: " + (n < 0 ? errnoText() : std::string("no progress")));
      return false;
    }
    p += n;
    bytes -= static_cast<size_t>(n);
  }
  return true;
}

Status AtomicFileWriter::commit() {
  if (ok() && ::fsync(m_fd) != 0) fail("cannot flush to the disk: " + errnoText());
  if (m_fd >= 0 && ::close(m_fd) != 0) fail("write error on close: " + errnoText());
  m_fd = -1;
  if (ok() && ::rename(m_tmp.c_str(), m_path.c_str()) != 0)
    fail("cannot replace the file: " + errnoText());
  if (!ok()) return Status::error(m_error);  // the destructor removes the temporary file
  m_committed = true;
  syncFolder(m_path);
  return Status::ok();
}

Status writeFileAtomically(const std::string& path, std::string_view bytes) {
  AtomicFileWriter out(path);
  out.write(bytes);
  return out.commit();
}

}  // namespace strata
