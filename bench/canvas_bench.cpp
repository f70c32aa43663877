// Canvas benchmark: builds a generated 500-node graph and measures the scene build and the time
// per repaint while zooming and panning (target: under 16 ms a frame). Not a test; run by hand:
//   QT_QPA_PLATFORM=offscreen build/tests/gui/canvas_bench [nodes]
#include <QApplication>
#include <QScrollBar>
#include <QTest>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <random>
#include <vector>

#include "graphmodel.h"
#include "graphscene.h"
#include "graphview.h"
#include "nodeitem.h"

using namespace strata;
using namespace strata::gui;

namespace {

// Columns of 20 nodes: inputs first, then Linear/Tanh/LayerNorm layers, each fed by a random node
// of the column before, so wires cross as they do in a real graph.
GraphDocument generate(int count) {
  GraphDocument doc;
  std::mt19937 rng(7);
  const int rows = 20;
  const char* types[] = {"Linear", "Tanh", "LayerNorm", "Linear"};
  for (int i = 0; i < count; ++i) {
    const int column = i / rows, row = i % rows;
    GraphNode n;
    n.id = "n" + std::to_string(i);
    n.x = column * 260.0;
    n.y = row * 170.0;
    if (column == 0) {
      n.type = "Input";
      n.params = Json{{"shape", {16}}, {"dtype", "float32"}};
    } else {
      n.type = types[rng() % 4];
      if (n.type == "Linear") n.params = Json{{"out_features", 16}};
      const int from = (column - 1) * rows + int(rng() % rows);
      doc.edges.push_back({{"n" + std::to_string(from), "out"}, {n.id, "in"}});
    }
    doc.nodes.push_back(std::move(n));
  }
  return doc;
}

// CPU time of this thread: the build machines are shared, so wall time mostly measures the queue.
double cpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct Stats {
  double mean = 0, worst = 0;
};

template <typename Step>
Stats frames(GraphView& view, int count, Step step) {
  Stats s;
  for (int i = 0; i < count; ++i) {
    step(i);
    const double start = cpuMs();
    view.viewport()->repaint();
    const double ms = cpuMs() - start;
    s.mean += ms / count;
    s.worst = std::max(s.worst, ms);
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  const int count = argc > 1 ? std::atoi(argv[1]) : 500;
  GraphDocument doc = generate(count);
  const size_t edges = doc.edges.size();

  GraphModel model;
  double start = cpuMs();
  model.setDocument(std::move(doc));
  const double analyseMs = cpuMs() - start;
  start = cpuMs();
  GraphScene scene(&model);
  const double sceneMs = cpuMs() - start;

  GraphView view;
  view.resize(1600, 900);
  view.setScene(&scene);
  view.show();
  if (!QTest::qWaitForWindowExposed(&view)) return 1;
  std::printf("graph: %d nodes, %zu edges (times are this thread's CPU time)\n", count, edges);
  std::printf("analysis (setDocument): %.1f ms\n", analyseMs);
  std::printf("scene build (%d cards): %.1f ms\n", count, sceneMs);

  auto report = [](const char* what, Stats s) {
    std::printf("%-44s mean %6.2f ms/frame, worst %6.2f ms\n", what, s.mean, s.worst);
  };
  view.fitToView();  // the whole graph on screen: every card drawn
  frames(view, 3, [](int) {});  // warm the item caches
  report("repaint, whole graph visible", frames(view, 20, [](int) {}));
  report("zoom in/out steps, whole graph", frames(view, 20, [&](int i) {
    i % 2 ? view.zoomOut() : view.zoomIn();
  }));
  view.resetZoom();
  view.centerOn(scene.graphBounds().center());
  frames(view, 3, [](int) {});
  report("pan at zoom 1", frames(view, 40, [&](int i) {
    view.horizontalScrollBar()->setValue(view.horizontalScrollBar()->value() +
                                         (i < 20 ? 15 : -15));
  }));
  report("zoom at zoom 1 (wheel steps)", frames(view, 20, [&](int i) {
    i % 2 ? view.zoomOut() : view.zoomIn();
  }));
  view.fitToView();
  frames(view, 3, [](int) {});
  report("pan, whole graph visible", frames(view, 40, [&](int i) {
    view.verticalScrollBar()->setValue(view.verticalScrollBar()->value() + (i < 20 ? 10 : -10));
  }));

  // A card dragged across the canvas: its wires follow, the others stay put.
  NodeItem* item = scene.nodeItem("n" + std::to_string(count / 2));
  start = cpuMs();
  for (int i = 0; i < 200; ++i) item->setPos(item->pos() + QPointF(1, 1));
  std::printf("%-44s %.3f ms per move\n", "moving one card (edge re-routing)",
              (cpuMs() - start) / 200);
  view.resetZoom();
  view.centerOn(item);
  frames(view, 3, [](int) {});
  report("drag a card at zoom 1", frames(view, 30, [&](int) {
    item->setPos(item->pos() + QPointF(3, 2));
  }));
  return 0;
}
