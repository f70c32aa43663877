// Light and dark application palettes (Fusion style), applied app-wide; the canvas has its own
// CanvasTheme to match.
#pragma once

#include <QPalette>

namespace strata::gui {

class AppTheme final {
 public:
  static QPalette palette(bool dark);
  // Sets the Fusion style (once) and the palette on the running QApplication.
  static void apply(bool dark);
};

}  // namespace strata::gui
