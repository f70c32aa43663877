// Device: where a tensor's data lives, the CPU or one CUDA GPU (CUDA:N). Parsed from the
// `--device cpu|cuda[:N]` spelling the CLI, the GUI and the graph's training settings share.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace strata {

enum class DeviceKind : uint8_t { Cpu, Cuda };

struct Device {
  DeviceKind kind = DeviceKind::Cpu;
  int index = 0;  // which GPU; always 0 on the CPU

  bool isCpu() const { return kind == DeviceKind::Cpu; }
  bool isCuda() const { return kind == DeviceKind::Cuda; }
  bool operator==(const Device&) const = default;

  static Device cpu() { return {}; }
  static Device cuda(int index = 0) { return {DeviceKind::Cuda, index}; }
  // "cpu", "cuda", "cuda:N" (N >= 0); nullopt for anything else.
  static std::optional<Device> parse(const std::string& text);
  std::string str() const;  // "cpu" or "cuda:N"
};

}  // namespace strata
