// The labels the inspector pages share (the node page and the block page), so both look alike.
#pragma once

#include <QString>

class QLabel;

namespace strata::gui::inspector {

QLabel* title();                           // bold, a little larger: the node's or block's name
QLabel* note(const QString& text = {});    // wrapped, muted: a summary or an explanation
QLabel* errorBox();                        // the analysis' message: red text in a red box
QLabel* fieldMessage();                    // why a typed value was refused, under its field
QLabel* section(const QString& text);      // a small caps heading ("NODE", "PARAMETERS")

}  // namespace strata::gui::inspector
