// Writing a file so that a crash, a kill or a full disk never leaves it half written: the bytes
// go to "<path>.tmp", are forced to the disk (fsync), and only then replace `path` by a rename,
// after which the folder is synced too so the rename itself survives a power cut. A process
// killed at any point leaves either the old file or the new one, whole. Used for graphs, run
// records, checkpoints and exported models.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace strata {

// Streams a file in pieces (a checkpoint's tensors one by one) without holding it in memory.
// Until commit() succeeds, `path` is untouched; a writer destroyed without a successful commit
// removes its temporary file.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::string path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  // False once anything failed; the first failure's message (starting with the path) is kept.
  bool ok() const { return m_error.empty(); }
  bool write(const void* data, size_t bytes);
  bool write(std::string_view bytes) { return write(bytes.data(), bytes.size()); }
  // Flushes to the disk and renames over `path`; reports the first failure of the whole write.
  Status commit();

 private:
  void fail(const std::string& why);
  std::string m_path;
  std::string m_tmp;
  int m_fd = -1;
  bool m_committed = false;
  std::string m_error;
};

// Messages start with `path`; on failure the temporary file is removed and `path` is untouched.
Status writeFileAtomically(const std::string& path, std::string_view bytes);

}  // namespace strata
