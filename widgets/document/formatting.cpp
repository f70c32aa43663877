#include "document/formatting.h"

#include <cmath>

namespace strata::gui {

QString formatCount(int64_t n) {
  const double v = double(n < 0 ? -n : n);
  const char* sign = n < 0 ? "-" : "";
  static const char* const kUnits[] = {"K", "M", "G", "T"};
  if (v < 1000) return QString::number(n);
  double scaled = v;
  int unit = -1;
  while (scaled >= 999.5 && unit < 3) {
    scaled /= 1000;
    ++unit;
  }
  // Two significant digits below 10, none after the point above: "2.1 K", "13 K", "250 K".
  const QString number = scaled < 9.95 ? QString::number(scaled, 'f', 1)
                                       : QString::number(std::llround(scaled));
  return QStringLiteral("%1%2 %3").arg(QLatin1String(sign), number, QLatin1String(kUnits[unit]));
}

QString formatParameters(int64_t n) {
  if (n == 0) return QStringLiteral("no params");
  if (n == 1) return QStringLiteral("1 param");
  return formatCount(n) + QStringLiteral(" params");
}

QString formatFlops(int64_t n) { return formatCount(n) + QStringLiteral(" FLOPs"); }

}  // namespace strata::gui
