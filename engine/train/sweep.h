// Sweeps: a grid of runs over one or more axes, each a training setting ("lr") or a node param
// ("lstm.hidden_size") with a list of values. `strata-cli sweep --set lr=1e-3,3e-3` and the GUI's
// sweep queue both build the grid here and apply each point to a copy of the graph and to the
// training overrides, so both leave the same run records.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "graph/document.h"

namespace strata {

struct SweepAxis {
  std::string key;  // a setting key ("lr", "val_split") or "<node>.<param>"
  std::vector<Json> values;
  bool isNodeParam() const { return key.find('.') != std::string::npos; }
};

// "lr=1e-3,3e-3" or "fc1.out_features=64,128". Values are JSON numbers, true/false or plain
// strings ("adam"). A setting named with dashes (val-split) is read as its key (val_split).
Result<SweepAxis> parseSweepAxis(const std::string& text);
// Checks every axis against the graph and the setting keys (one message naming the axis and the
// reason: "--set fc9.out_features: no node 'fc9' in the graph"). Two axes may not name one key.
Status checkSweepAxes(const std::vector<SweepAxis>& axes, const GraphDocument& graph);
// Every combination, the first axis varying slowest: [{"lr": 1e-3, "fc1.out_features": 64}, ...].
std::vector<Json> sweepGrid(const std::vector<SweepAxis>& axes);
// Sets the point's node params in `graph` and its settings in `trainingOverrides` (an object).
Status applySweepPoint(const Json& point, GraphDocument& graph, Json& trainingOverrides);
// Whether the point can train: applied to a copy of `graph`, the settings must validate and the
// graph analyse cleanly ("sweep point fc1.out_features=0: node fc1: ..."). Checked for every
// point before the first run, so a bad value never surfaces after the runs before it.
Status checkSweepPoint(const Json& point, const GraphDocument& graph);
// "lr=3e-3 fc1.out_features=128": the run's short name and the queue's label.
std::string sweepPointLabel(const Json& point);

}  // namespace strata
