// Colours and fonts of the graph canvas. The light theme is the default; dark() is the hook for a
// dark palette, so that nothing on the canvas hard-codes a colour.
#pragma once

#include <QColor>
#include <QFont>

#include <string>

#include "nn/layer_spec.h"

namespace strata::gui {

struct CanvasTheme {
  // Below this zoom the canvas is an overview: cards without text, wires without shape labels.
  // Text there would be under 6 px, and shaping it for hundreds of cards costs whole frames.
  static constexpr double kDetailZoom = 0.5;
  // A small graph (a lesson's model, the samples) keeps its text further out: fit-to-view puts
  // a 10-card graph at 40-50 %, where the titles are still the point of the picture.
  static constexpr double kSmallGraphDetailZoom = 0.3;
  static constexpr int kSmallGraphNodes = 80;
  // The zoom below which the canvas is drawn as an overview; the scene picks it by graph size.
  double detailZoom = kDetailZoom;

  bool isDark = false;

  QColor background;
  QColor gridMinor;
  QColor gridMajor;

  QColor cardFill;
  QColor cardBorder;
  QColor cardSelected;
  QColor shadow;
  QColor divider;

  QColor title;
  QColor text;
  QColor muted;

  QColor edge;
  QColor labelFill;
  QColor labelBorder;
  QColor labelText;

  QColor portRing;
  QColor error;
  QColor errorFill;  // a card's footer when the node has an error

  static CanvasTheme light();
  static CanvasTheme dark();

  // The stripe colour of a layer category (Inputs, Recurrent, Attention, Dense, ...).
  QColor categoryColor(const std::string& category) const;
  // The colour of a port dot and of the edges it feeds, by what flows on it.
  QColor kindColor(ValueKind kind) const;
  // A category colour blended into the card fill: the tint of a card's header.
  QColor headerTint(const QColor& category) const;

  static QFont titleFont();
  static QFont bodyFont();
  static QFont smallFont();
  static QFont monoFont();
};

}  // namespace strata::gui
