// Short human-readable numbers for the canvas and the status bar ("2.1 K", "13 M").
#pragma once

#include <QString>

#include <cstdint>

namespace strata::gui {

// 950 -> "950", 2110 -> "2.1 K", 12800 -> "13 K", 1250000 -> "1.3 M", 3.2e9 -> "3.2 G".
QString formatCount(int64_t n);
// "2.1 K params", "1 param", "no params".
QString formatParameters(int64_t n);
QString formatFlops(int64_t n);  // "4.2 M FLOPs"

}  // namespace strata::gui
