// File > Export / Import ONNX, File > Export PyTorch Code / Training Project and File > Export
// TensorFlow.js through OnnxTransfer: a sample exported to .onnx reads back with the engine
// importer, imports into the window with the same nodes and weights, a malformed file reports an
// error naming it and keeps the graph, a PyTorch project folder and a tfjs model folder get their
// files, a graph tfjs cannot express is refused naming the node, and the event loop runs while a
// job works.
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include "document/graphmodel.h"
#include "guitestenv.h"
#include "io/onnx/importer.h"
#include "io/safetensors.h"
#include "window/mainwindow.h"
#include "window/onnxtransfer.h"

using namespace strata;
using namespace strata::gui;

namespace {

constexpr int kJobTimeoutMs = 60000;

QString sample(const QString& name) { return test::samplesDir() + QLatin1Char('/') + name; }

// Runs until the transfer's finished signal; returns its (ok, message).
std::pair<bool, QString> waitDone(OnnxTransfer* transfer, QSignalSpy& spy) {
  if (spy.isEmpty()) spy.wait(kJobTimeoutMs);
  if (spy.isEmpty()) return {false, QStringLiteral("timed out")};
  const QList<QVariant> args = spy.takeFirst();
  Q_UNUSED(transfer);
  return {args.at(0).toBool(), args.at(1).toString()};
}

}  // namespace

class TestOnnxTransfer final : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { test::setUpEnvironment(); }

  void exportAndImport_data() {
    QTest::addColumn<QString>("graph");
    QTest::newRow("mlp-sine") << QStringLiteral("mlp-sine.strata");
  }

  void exportAndImport() {
    QFETCH(QString, graph);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    MainWindow window;
    window.setSavePrompt([](const QString&) { return QMessageBox::Discard; });
    QVERIFY(window.openFile(sample(graph)));
    const size_t nodes = window.model()->document().nodes.size();
    QVERIFY(nodes > 1);

    OnnxTransfer* transfer = window.onnx();
    QSignalSpy spy(transfer, &OnnxTransfer::finished);
    const QString onnx = dir.filePath(QStringLiteral("model.onnx"));
    int ticks = 0;
    QTimer ticker;
    ticker.setInterval(0);
    connect(&ticker, &QTimer::timeout, this, [&ticks] { ++ticks; });
    int ticksAtFinish = -1;
    connect(transfer, &OnnxTransfer::finished, this, [&] { ticksAtFinish = ticks; });
    ticker.start();
    QVERIFY(transfer->exportTo(onnx));
    // exportTo returns at once: the work is on a worker thread, not done in the call.
    QVERIFY(transfer->isBusy());
    QCOMPARE(spy.count(), 0);
    QVERIFY(!transfer->exportTo(onnx));  // one job at a time
    auto [ok, message] = waitDone(transfer, spy);
    ticker.stop();
    QVERIFY2(ok, qPrintable(message));
    QVERIFY(ticksAtFinish > 0);  // the GUI event loop ran while the export worked
    QVERIFY(!transfer->isBusy());
    QVERIFY(QFileInfo(onnx).size() > 0);
    QVERIFY2(window.statusBar()->currentMessage().contains(QStringLiteral("model.onnx")),
             qPrintable(window.statusBar()->currentMessage()));
    // No training ran: the seeded init, and the status bar says so.
    QVERIFY(message.contains(QStringLiteral("seed 0")));

    // The engine importer reads the file back.
    auto back = importOnnx(onnx.toStdString());
    QVERIFY2(bool(back), back ? "" : back.message().c_str());
    QCOMPARE(back->doc.nodes.size(), nodes);
    QVERIFY(!back->weights.empty());

    // Import into the window: a new graph file plus weights next to it, opened on the canvas.
    window.newFile();
    QVERIFY(window.model()->document().nodes.empty());
    const QString strata = dir.filePath(QStringLiteral("imported.strata"));
    QVERIFY(transfer->importFrom(onnx, strata));
    std::tie(ok, message) = waitDone(transfer, spy);
    QVERIFY2(ok, qPrintable(message));
    QCOMPARE(window.model()->document().nodes.size(), nodes);
    QCOMPARE(QFileInfo(window.currentFile()).fileName(), QStringLiteral("imported.strata"));
    QVERIFY(!window.isModified());
    QVERIFY(QFileInfo::exists(dir.filePath(QStringLiteral("imported.safetensors"))));
    QVERIFY(message.contains(QStringLiteral("imported.safetensors")));
  }

  void malformedFileKeepsGraph() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString bad = dir.filePath(QStringLiteral("garbage.onnx"));
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray("\x08\xff\xff\xffnot a protobuf at all \x01\x02\x03", 30));
    f.close();

    MainWindow window;
    QVERIFY(window.openFile(sample(QStringLiteral("mlp-sine.strata"))));
    const std::string before = window.model()->document().toJson().dump();
    QSignalSpy errors(&window, &MainWindow::errorReported);
    QSignalSpy spy(window.onnx(), &OnnxTransfer::finished);
    const QString strata = dir.filePath(QStringLiteral("out.strata"));
    QVERIFY(window.onnx()->importFrom(bad, strata));
    const auto [ok, message] = waitDone(window.onnx(), spy);
    QVERIFY(!ok);
    QCOMPARE(errors.count(), 1);
    QVERIFY2(window.lastError().contains(QStringLiteral("garbage.onnx")),
             qPrintable(window.lastError()));
    QCOMPARE(window.model()->document().toJson().dump(), before);
    QVERIFY(!QFileInfo::exists(strata));
  }

  void exportErrorNamesFile() {
    MainWindow window;
    QVERIFY(window.openFile(sample(QStringLiteral("mlp-sine.strata"))));
    QSignalSpy spy(window.onnx(), &OnnxTransfer::finished);
    const QString path = QStringLiteral("/nonexistent-dir-strata/x.onnx");
    QVERIFY(window.onnx()->exportTo(path));
    const auto [ok, message] = waitDone(window.onnx(), spy);
    QVERIFY(!ok);
    QVERIFY2(window.lastError().contains(QStringLiteral("x.onnx")),
             qPrintable(window.lastError()));
  }

  void exportPyTorchWritesCodeAndWeights() {
    // tiny-gpt has a Repeat block: the code builds its copies, the weights carry their keys.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    MainWindow window;
    QVERIFY(window.openFile(sample(QStringLiteral("tiny-gpt.strata"))));
    QSignalSpy spy(window.onnx(), &OnnxTransfer::finished);
    const QString py = dir.filePath(QStringLiteral("gpt.py"));
    QVERIFY(window.onnx()->exportPyTorchTo(py));
    QVERIFY(window.onnx()->isBusy());
    const auto [ok, message] = waitDone(window.onnx(), spy);
    QVERIFY2(ok, qPrintable(message));
    QVERIFY(message.contains(QStringLiteral("gpt.safetensors")));
    QFile code(py);
    QVERIFY(code.open(QIODevice::ReadOnly));
    const QByteArray text = code.readAll();
    QVERIFY(text.contains("class Model(nn.Module)"));
    QVERIFY(text.contains("self.layers[1]['layer']"));
    auto weights = loadSafetensors(dir.filePath(QStringLiteral("gpt.safetensors")).toStdString());
    QVERIFY2(bool(weights), weights ? "" : weights.message().c_str());
    bool copy1 = false;
    for (const auto& t : weights->tensors) copy1 = copy1 || t.name == "layers.1.layer.linear1.weight";
    QVERIFY(copy1);

    // A failed export names the file and leaves nothing behind.
    const QString bad = QStringLiteral("/nonexistent-dir-strata/x.py");
    QVERIFY(window.onnx()->exportPyTorchTo(bad));
    const auto [ok2, message2] = waitDone(window.onnx(), spy);
    QVERIFY(!ok2);
    QVERIFY2(window.lastError().contains(QStringLiteral("x.py")), qPrintable(window.lastError()));
  }

  void exportPyTorchProjectWritesTheFolder() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    MainWindow window;
    QVERIFY(window.openFile(sample(QStringLiteral("series-gru.strata"))));
    QSignalSpy spy(window.onnx(), &OnnxTransfer::finished);
    const QString project = dir.filePath(QStringLiteral("gru-pytorch"));
    QVERIFY(window.onnx()->exportPyTorchProjectTo(project));
    const auto [ok, message] = waitDone(window.onnx(), spy);
    QVERIFY2(ok, qPrintable(message));
    // The csv file named relative to the graph was found next to it and copied.
    for (const char* f : {"model.py", "data.py", "train.py", "train.ipynb", "README.md",
                          "initial.safetensors", "data/series.csv"})
      QVERIFY2(QFileInfo::exists(project + QLatin1Char('/') + QLatin1String(f)), f);

    // A folder that is not empty is refused with the reason; its file stays.
    QFile keep(dir.filePath(QStringLiteral("full/keep.txt")));
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("full")));
    QVERIFY(keep.open(QIODevice::WriteOnly));
    keep.close();
    QVERIFY(window.onnx()->exportPyTorchProjectTo(dir.filePath(QStringLiteral("full"))));
    const auto [ok2, message2] = waitDone(window.onnx(), spy);
    QVERIFY(!ok2);
    QVERIFY2(window.lastError().contains(QStringLiteral("not empty")),
             qPrintable(window.lastError()));
    QVERIFY(keep.exists());
  }

  void exportTfjsWritesTheFolder() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    MainWindow window;
    window.setSavePrompt([](const QString&) { return QMessageBox::Discard; });
    QVERIFY(window.openFile(sample(QStringLiteral("char-lstm.strata"))));
    QSignalSpy spy(window.onnx(), &OnnxTransfer::finished);
    const QString out = dir.filePath(QStringLiteral("lm-tfjs"));
    QVERIFY(window.onnx()->exportTfjsTo(out));
    QVERIFY(window.onnx()->isBusy());  // on the worker thread; the GUI keeps running
    const auto [ok, message] = waitDone(window.onnx(), spy);
    QVERIFY2(ok, qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("TensorFlow.js")), qPrintable(message));
    QFile model(out + QStringLiteral("/model.json"));
    QVERIFY(model.open(QIODevice::ReadOnly));
    const QByteArray json = model.readAll();
    QVERIFY(json.contains("\"class_name\": \"LSTM\""));
    QVERIFY(json.contains("\"lstm/recurrent_kernel\""));
    QVERIFY(QFileInfo(out + QStringLiteral("/weights.bin")).size() > 0);

    // A PyTorch-style GRU has no tfjs form: refused naming the node and the fix, nothing written.
    QVERIFY(window.openFile(sample(QStringLiteral("series-gru.strata"))));
    const QString refused = dir.filePath(QStringLiteral("gru-tfjs"));
    QVERIFY(window.onnx()->exportTfjsTo(refused));
    const auto [ok2, message2] = waitDone(window.onnx(), spy);
    QVERIFY(!ok2);
    QVERIFY2(window.lastError().contains(QStringLiteral("node gru")) &&
                 window.lastError().contains(QStringLiteral("linear_before_reset")),
             qPrintable(window.lastError()));
    QVERIFY(!QFileInfo::exists(refused + QStringLiteral("/model.json")));
  }

  void menuActions() {
    MainWindow window;
    QVERIFY(window.action(QStringLiteral("exportTfjs")));
    QVERIFY(window.action(QStringLiteral("exportPyTorch")));
    QVERIFY(window.action(QStringLiteral("exportPyTorchProject")));
    QVERIFY(window.action(QStringLiteral("exportOnnx")));
    QVERIFY(window.action(QStringLiteral("importOnnx")));
    QVERIFY(!window.action(QStringLiteral("exportOnnx"))->shortcut().isEmpty());
  }
};

QTEST_MAIN(TestOnnxTransfer)
#include "tst_onnxtransfer.moc"
