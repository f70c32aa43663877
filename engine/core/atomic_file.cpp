#include "core/atomic_file.h"

#include <filesystem>
#include <fstream>
#include <system_error>

namespace strata {

Status writeFileAtomically(const std::string& path, std::string_view bytes) {
  namespace fs = std::filesystem;
  const std::string tmp = path + ".tmp";
  std::error_code ec;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::error(path + ": cannot open " + tmp + " for writing");
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      out.close();
      fs::remove(tmp, ec);
      return Status::error(path + ": write error");
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    const std::string reason = ec.message();
    fs::remove(tmp, ec);
    return Status::error(path + ": cannot replace the file: " + reason);
  }
  return Status::ok();
}

}  // namespace strata
