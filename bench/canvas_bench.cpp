// Canvas benchmark: builds a generated 500-node graph and measures the scene build and the time
// per repaint while zooming and panning (target: under 16 ms a frame). Not a test; run by hand:
//   QT_QPA_PLATFORM=offscreen build/tests/gui/canvas_bench [nodes]
// With STRATA_BENCH_SHOTS=DIR it also saves the canvas at fit-to-view and at 100 % as PNGs.
#include <QApplication>
#include <QScrollBar>
#include <QTest>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <random>
#include <vector>

#include "document/grapheditor.h"
#include "document/graphmodel.h"
#include "canvas/graphscene.h"
#include "canvas/graphview.h"
#include "canvas/nodeitem.h"

using namespace strata;
using namespace strata::gui;

namespace {

// Columns of 20 nodes: inputs first, then Linear/Tanh/LayerNorm layers, each fed by a random node
// of the column before, so wires cross as they do in a real graph. Every 50th node has an error.
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
      // A few broken nodes, as in a graph being edited: an LSTM fed [B, 16] (no time axis).
      if (i % 50 == 25) {
        n.type = "LSTM";
        n.params = Json{{"hidden_size", 16}};
      }
      const int from = (column - 1) * rows + int(rng() % rows);
      doc.edges.push_back({{"n" + std::to_string(from), "out"}, {n.id, "in"}});
    }
    doc.nodes.push_back(std::move(n));
  }
  return doc;
}

// CPU time of this thread: the build machines are shared, so wall time mostly measures the queue.
// Qt's raster engine hands large fills to a thread pool, so the wall time is reported as well.
double cpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double wallMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct Stats {
  std::vector<double> cpu, wall;
};

double mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return v.empty() ? 0 : sum / double(v.size());
}

double p95(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(std::ceil(0.95 * double(v.size())) - 1))];
}

// Each frame: the step (a wheel notch, a scroll), then one synchronous repaint of the viewport.
// The step is timed with the frame: zooming re-lays out the view and that is part of the cost.
template <typename Step>
Stats frames(GraphView& view, int count, Step step) {
  // A pause before each phase, as a user's hand makes: the view settles after a wheel gesture
  // (crisp card images again) before the next kind of frame is measured.
  QTest::qWait(400);
  Stats s;
  for (int i = 0; i < count; ++i) {
    const double cpu = cpuMs(), wall = wallMs();
    step(i);
    view.viewport()->repaint();
    s.cpu.push_back(cpuMs() - cpu);
    s.wall.push_back(wallMs() - wall);
  }
  return s;
}

// One wheel notch at `pos` (viewport coordinates), delivered as the real event.
void wheel(GraphView& view, QPoint pos, int notches) {
  QWheelEvent event(QPointF(pos), QPointF(view.viewport()->mapToGlobal(pos)), QPoint(),
                    QPoint(0, 120 * notches), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase,
                    false);
  QApplication::sendEvent(view.viewport(), &event);
}

// Six notches in, six out, at a cursor that wanders over the viewport.
auto wheelSteps(GraphView& view) {
  return [&view](int i) {
    const QSize size = view.viewport()->size();
    const QPoint cursor(size.width() * (2 + (i / 12) % 5) / 8, size.height() * (3 + i % 3) / 8);
    wheel(view, cursor, (i % 12) < 6 ? 1 : -1);
  };
}

// A middle-drag: 15 px per frame one way, then back.
auto panSteps(GraphView& view, int frames) {
  return [&view, frames](int i) {
    const int d = i < frames / 2 ? 15 : -15;
    view.horizontalScrollBar()->setValue(view.horizontalScrollBar()->value() + d);
    view.verticalScrollBar()->setValue(view.verticalScrollBar()->value() + d / 3);
  };
}

void shoot(GraphView& view, const char* name) {
  const QByteArray dir = qgetenv("STRATA_BENCH_SHOTS");
  if (dir.isEmpty()) return;
  const QString path = QString::fromUtf8(dir) + QLatin1Char('/') + QLatin1String(name);
  if (view.grab().save(path)) std::printf("screenshot: %s\n", qPrintable(path));
}

int visibleCards(GraphView& view) {
  int n = 0;
  for (QGraphicsItem* item : view.items(view.viewport()->rect()))
    n += item->type() == NodeItem::Type;
  return n;
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
  std::printf("graph: %d nodes, %zu edges, viewport 1600x900\n", count, edges);
  std::printf("analysis (setDocument): %.1f ms CPU\n", analyseMs);
  std::printf("scene build (%d cards): %.1f ms CPU\n", count, sceneMs);
  std::printf("%-34s %23s   %23s\n", "per frame, ms", "thread CPU mean/p95/max",
              "wall mean/p95/max");

  auto report = [](const char* what, const Stats& s) {
    std::printf("%-34s %6.2f %7.2f %7.2f   %6.2f %7.2f %7.2f\n", what, mean(s.cpu), p95(s.cpu),
                *std::max_element(s.cpu.begin(), s.cpu.end()), mean(s.wall), p95(s.wall),
                *std::max_element(s.wall.begin(), s.wall.end()));
  };
  auto settle = [&] { frames(view, 3, [](int) {}); };

  // The whole graph on screen: every card drawn.
  view.fitToView();
  settle();
  std::printf("fit-to-view: zoom %.2f, %d cards visible\n", view.zoom(), visibleCards(view));
  shoot(view, "canvas-fit.png");
  report("fit: repaint", frames(view, 20, [](int) {}));
  report("fit: pan", frames(view, 40, panSteps(view, 40)));
  view.fitToView();
  settle();
  report("fit: wheel zoom (6 in, 6 out)", frames(view, 48, wheelSteps(view)));

  // The typical case: 100 %, a few dozen cards on screen.
  view.resetZoom();
  view.centerOn(scene.graphBounds().center());
  settle();
  std::printf("zoom 1: %d cards visible\n", visibleCards(view));
  shoot(view, "canvas-100.png");
  if (NodeItem* broken = scene.nodeItem("n275")) {  // an error badge and footer up close
    view.centerOn(broken);
    shoot(view, "canvas-100-error.png");
    for (int i = 0; i < 5; ++i) wheel(view, view.viewport()->rect().center(), 1);  // ~200 %
    shoot(view, "canvas-200-error.png");
    view.resetZoom();
    view.centerOn(scene.graphBounds().center());
    settle();
  }
  report("100%: repaint", frames(view, 20, [](int) {}));
  report("100%: pan", frames(view, 40, panSteps(view, 40)));
  view.resetZoom();
  view.centerOn(scene.graphBounds().center());
  settle();
  report("100%: wheel zoom (6 in, 6 out)", frames(view, 48, wheelSteps(view)));

  // A card dragged across the canvas: its wires follow, the others stay put.
  NodeItem* item = scene.nodeItem("n" + std::to_string(count / 2));
  start = cpuMs();
  for (int i = 0; i < 200; ++i) item->setPos(item->pos() + QPointF(1, 1));
  std::printf("%-34s %.3f ms per move\n", "moving one card (edge re-routing)",
              (cpuMs() - start) / 200);
  view.resetZoom();
  view.centerOn(item);
  settle();
  report("100%: drag a card", frames(view, 30, [&](int) {
    item->setPos(item->pos() + QPointF(3, 2));
  }));

  // An edit in the inspector: one undo command, the whole graph re-analysed, every card and
  // label refreshed, then the frame drawn.
  std::string linear;
  for (const GraphNode& n : model.document().nodes)
    if (n.type == "Linear") linear = n.id;
  report("100%: edit a parameter", frames(view, 20, [&](int i) {
    scene.editor()->setParam(linear, "out_features", 16 + (i % 2));
  }));
  return 0;
}
