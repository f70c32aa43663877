#include "tensor/device.h"

#include <cctype>

namespace strata {

std::optional<Device> Device::parse(const std::string& text) {
  if (text == "cpu") return Device::cpu();
  if (text == "cuda") return Device::cuda(0);
  const std::string prefix = "cuda:";
  if (text.size() <= prefix.size() || text.compare(0, prefix.size(), prefix) != 0)
    return std::nullopt;
  int index = 0;
  for (size_t i = prefix.size(); i < text.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i])) || index > 9999) return std::nullopt;
    index = index * 10 + (text[i] - '0');
  }
  return Device::cuda(index);
}

std::string Device::str() const { return isCpu() ? "cpu" : "cuda:" + std::to_string(index); }

}  // namespace strata
