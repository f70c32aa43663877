#include "window/onnxtransfer.h"

#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QProgressDialog>
#include <QStatusBar>
#include <QThread>

#include <cstdio>
#include <set>
#include <utility>
#include <vector>

#include "document/autolayout.h"
#include "graph/analysis.h"
#include "graph/model.h"
#include "document/graphmodel.h"
#include "io/onnx/exporter.h"
#include "io/onnx/importer.h"
#include "io/pytorch/exporter.h"
#include "io/pytorch/project_exporter.h"
#include "io/tfjs/exporter.h"
#include "io/safetensors.h"
#include "window/mainwindow.h"
#include "training/trainingcontroller.h"
#include "train/train_settings.h"
#include "window/trainingworkbench.h"

namespace strata::gui {

namespace {

constexpr int kShowProgressAfterMs = 300;
constexpr int kStatusMs = 8000;

}  // namespace

// Everything one job needs and produces; the worker thread touches only this, never a QObject.
struct OnnxTransfer::Job {
  enum class Kind { Export, ExportPyTorch, ExportPyTorchProject, ExportTfjs, Import } kind =
      Kind::Export;
  GraphDocument doc;                  // export: the snapshot; import: the imported graph
  std::vector<NamedTensor> weights;   // export: trained weights (maybe none); import: imported
  std::string onnxPath;               // export: the file (.onnx, .py) or project folder written
  std::string dataDir;                // PyTorch project: where the graph's data files are
  std::string graphPath;              // import only
  std::string weightsPath;            // import, PyTorch export: the weights written
  bool ok = false;
  bool trained = false;               // export used the trained weights
  bool laidOut = false;               // import ran AutoLayout
  size_t tensorCount = 0;
  std::string message;                // the engine's failure message
};

namespace {

std::string diagnostics(const GraphAnalysis& a) {
  std::string out;
  for (const NodeDiagnostic& d : a.diagnostics) {
    if (!out.empty()) out += "\n";
    out += (d.nodeId.empty() ? "" : "node " + d.nodeId + ": ") + d.message;
  }
  return out;
}

// Templates because Job is private to OnnxTransfer.
template <typename J>
void exportJob(J& job) {
  const GraphAnalysis analysis = analyze(job.doc);
  if (!analysis.ok()) {
    job.message = diagnostics(analysis);
    return;
  }
  auto model = Model::compile(job.doc);
  if (!model) {
    job.message = model.message();
    return;
  }
  (*model)->resetParameters(0);
  if (!job.weights.empty()) {
    // Weights trained on an older version of the graph may no longer fit: then the seeded init.
    std::vector<NamedTensor> params = (*model)->parameters();
    job.trained = bool(assignTensors(job.weights, params));
    if (!job.trained) (*model)->resetParameters(0);
  }
  job.tensorCount = (*model)->parameters().size();
  if (job.kind == J::Kind::ExportPyTorchProject) {
    if (!job.trained) {  // the init `strata-cli train` starts from: the graph's seed
      auto settings = TrainSettings::merged(job.doc.training, nlohmann::json::object());
      if (settings) (*model)->resetParameters(settings->seed);
    }
    const Status s = exportPyTorchProject(job.doc, **model, (*model)->parameters(), job.dataDir,
                                          job.onnxPath);
    job.ok = bool(s);
    if (!s) job.message = s.message();
    return;
  }
  if (job.kind == J::Kind::ExportPyTorch) {
    Status s = exportPyTorch(job.doc, **model, job.onnxPath);
    if (s)
      s = saveSafetensors(job.weightsPath, (*model)->parameters(),
                          {{"format", "pt"}, {"strata.graph", job.doc.meta.value("name", "")}});
    if (!s) std::remove(job.onnxPath.c_str());
    job.ok = bool(s);
    if (!s) job.message = s.message();
    return;
  }
  if (job.kind == J::Kind::ExportTfjs) {
    const Status s = exportTfjs(job.doc, **model, job.onnxPath);
    job.ok = bool(s);
    if (!s) job.message = s.message();
    return;
  }
  const Status s = exportOnnx(job.doc, **model, job.onnxPath);
  job.ok = bool(s);
  if (!s) job.message = s.message();
}

bool needsLayout(const GraphDocument& doc) {
  // The pattern importer leaves every node at one spot; Strata's own exports keep positions.
  std::set<std::pair<double, double>> spots;
  for (const GraphNode& n : doc.nodes) spots.insert({n.x, n.y});
  return doc.nodes.size() > 1 && spots.size() < 2;
}

template <typename J>
void importJob(J& job) {
  auto r = importOnnx(job.onnxPath);
  if (!r) {
    job.message = r.message();
    return;
  }
  job.doc = std::move(r->doc);
  job.weights = std::move(r->weights);
  if (needsLayout(job.doc)) {
    for (const auto& [id, pos] : AutoLayout::compute(job.doc, {}, {})) {
      for (GraphNode& n : job.doc.nodes)
        if (n.id == id) n.x = pos.x(), n.y = pos.y();
    }
    job.laidOut = true;
  }
  Status s = job.doc.save(job.graphPath);
  if (s && !job.weights.empty())
    s = saveSafetensors(job.weightsPath, job.weights,
                        {{"format", "pt"}, {"strata.source", job.onnxPath}});
  if (!s) {
    std::remove(job.graphPath.c_str());
    job.message = s.message();
    return;
  }
  job.tensorCount = job.weights.size();
  job.ok = true;
}

QString weightsPathFor(const QString& graphPath) {
  const QFileInfo info(graphPath);
  return info.dir().filePath(info.completeBaseName() + QStringLiteral(".safetensors"));
}

}  // namespace

OnnxTransfer::OnnxTransfer(MainWindow* window) : QObject(window), m_window(window) {}

OnnxTransfer::~OnnxTransfer() {
  if (!m_thread) return;
  disconnect(m_thread, nullptr, this, nullptr);
  m_thread->wait();
  delete m_thread;
}

bool OnnxTransfer::exportTo(const QString& onnxPath) {
  if (isBusy() || m_window->model()->isEmpty()) return false;
  auto job = std::make_shared<Job>();
  job->kind = Job::Kind::Export;
  job->doc = m_window->model()->document();
  job->onnxPath = onnxPath.toStdString();
  if (auto* bench = m_window->findChild<TrainingWorkbench*>()) {
    if (bench->controller() && bench->controller()->hasWeights())
      job->weights = bench->controller()->currentWeights();
  }
  return start(std::move(job), tr("Exporting %1\u2026").arg(QFileInfo(onnxPath).fileName()));
}

bool OnnxTransfer::exportPyTorchTo(const QString& pythonPath) {
  if (isBusy() || m_window->model()->isEmpty()) return false;
  auto job = std::make_shared<Job>();
  job->kind = Job::Kind::ExportPyTorch;
  job->doc = m_window->model()->document();
  job->onnxPath = pythonPath.toStdString();
  job->weightsPath = weightsPathFor(pythonPath).toStdString();
  if (auto* bench = m_window->findChild<TrainingWorkbench*>()) {
    if (bench->controller() && bench->controller()->hasWeights())
      job->weights = bench->controller()->currentWeights();
  }
  return start(std::move(job), tr("Exporting %1\u2026").arg(QFileInfo(pythonPath).fileName()));
}

bool OnnxTransfer::exportPyTorchProjectTo(const QString& dir) {
  if (isBusy() || m_window->model()->isEmpty()) return false;
  auto job = std::make_shared<Job>();
  job->kind = Job::Kind::ExportPyTorchProject;
  job->doc = m_window->model()->document();
  job->onnxPath = dir.toStdString();
  const QString current = m_window->currentFile();
  if (!current.isEmpty()) job->dataDir = QFileInfo(current).absolutePath().toStdString();
  if (auto* bench = m_window->findChild<TrainingWorkbench*>()) {
    if (bench->controller() && bench->controller()->hasWeights())
      job->weights = bench->controller()->currentWeights();
  }
  return start(std::move(job), tr("Exporting %1\u2026").arg(QFileInfo(dir).fileName()));
}

bool OnnxTransfer::exportTfjsTo(const QString& dir) {
  if (isBusy() || m_window->model()->isEmpty()) return false;
  auto job = std::make_shared<Job>();
  job->kind = Job::Kind::ExportTfjs;
  job->doc = m_window->model()->document();
  job->onnxPath = dir.toStdString();
  if (auto* bench = m_window->findChild<TrainingWorkbench*>()) {
    if (bench->controller() && bench->controller()->hasWeights())
      job->weights = bench->controller()->currentWeights();
  }
  return start(std::move(job), tr("Exporting %1\u2026").arg(QFileInfo(dir).fileName()));
}

bool OnnxTransfer::importFrom(const QString& onnxPath, const QString& graphPath) {
  if (isBusy()) return false;
  auto job = std::make_shared<Job>();
  job->kind = Job::Kind::Import;
  job->onnxPath = onnxPath.toStdString();
  job->graphPath = graphPath.toStdString();
  job->weightsPath = weightsPathFor(graphPath).toStdString();
  return start(std::move(job), tr("Importing %1\u2026").arg(QFileInfo(onnxPath).fileName()));
}

bool OnnxTransfer::start(std::shared_ptr<Job> job, const QString& label) {
  m_job = std::move(job);
  m_cancelled = false;
  Job* work = m_job.get();  // m_job outlives the thread (the destructor waits)
  m_thread = QThread::create([work] {
    if (work->kind == Job::Kind::Import) importJob(*work);
    else exportJob(*work);
  });
  connect(m_thread, &QThread::finished, this, &OnnxTransfer::onJobDone);

  m_progress = new QProgressDialog(label, tr("Cancel"), 0, 0, m_window);
  m_progress->setWindowModality(Qt::WindowModal);
  m_progress->setMinimumDuration(kShowProgressAfterMs);
  m_progress->setAutoClose(false);
  m_progress->setAutoReset(false);
  connect(m_progress, &QProgressDialog::canceled, this, &OnnxTransfer::cancel);
  m_progress->setValue(0);
  m_thread->start();
  return true;
}

void OnnxTransfer::cancel() {
  if (!isBusy() || m_cancelled) return;
  m_cancelled = true;
  if (m_progress) {
    disconnect(m_progress, nullptr, this, nullptr);
    m_progress->hide();
  }
  m_window->statusBar()->showMessage(tr("Cancelling\u2026"));
}

void OnnxTransfer::onJobDone() {
  m_thread->deleteLater();
  m_thread = nullptr;
  if (m_progress) {
    disconnect(m_progress, nullptr, this, nullptr);
    m_progress->hide();
    m_progress->deleteLater();
  }
  const std::shared_ptr<Job> job = std::move(m_job);
  if (m_cancelled) {
    // The result is abandoned: nothing the job wrote stays.
    if (job->ok) {
      if (job->kind == Job::Kind::Export) {
        QFile::remove(QString::fromStdString(job->onnxPath));
      } else if (job->kind == Job::Kind::ExportPyTorch) {
        QFile::remove(QString::fromStdString(job->onnxPath));
        QFile::remove(QString::fromStdString(job->weightsPath));
      } else if (job->kind == Job::Kind::ExportTfjs) {
        // The two files the job wrote; the folder stays (it may have existed before).
        const QDir dir(QString::fromStdString(job->onnxPath));
        QFile::remove(dir.filePath(QStringLiteral("model.json")));
        QFile::remove(dir.filePath(QString::fromLatin1(kTfjsWeightsFile)));
      } else if (job->kind == Job::Kind::ExportPyTorchProject) {
        // The folder did not exist or was empty before: all of it is the job's.
        QDir(QString::fromStdString(job->onnxPath)).removeRecursively();
      } else {
        QFile::remove(QString::fromStdString(job->graphPath));
        QFile::remove(QString::fromStdString(job->weightsPath));
      }
    }
    const QString message = tr("Cancelled");
    m_window->statusBar()->showMessage(message, kStatusMs);
    emit finished(false, message);
    return;
  }
  if (job->kind == Job::Kind::Export) finishExport(*job);
  else if (job->kind == Job::Kind::ExportPyTorch) finishExportPyTorch(*job);
  else if (job->kind == Job::Kind::ExportPyTorchProject) finishExportPyTorchProject(*job);
  else if (job->kind == Job::Kind::ExportTfjs) finishExportTfjs(*job);
  else finishImport(*job);
}

void OnnxTransfer::finishExport(const Job& job) {
  const QString file = QString::fromStdString(job.onnxPath);
  if (!job.ok) {
    fail(tr("Cannot export ONNX"),
         tr("%1: %2").arg(file, QString::fromStdString(job.message)));
    return;
  }
  const QString weights = job.trained ? tr("trained weights")
                                      : tr("seed 0 init weights (no trained weights)");
  const QString message = tr("Exported %1 (opset 17, %2 tensors, %3)")
                              .arg(QFileInfo(file).fileName())
                              .arg(job.tensorCount)
                              .arg(weights);
  succeed(message);
}

void OnnxTransfer::finishExportPyTorch(const Job& job) {
  const QString file = QString::fromStdString(job.onnxPath);
  if (!job.ok) {
    fail(tr("Cannot export PyTorch code"),
         tr("%1: %2").arg(file, QString::fromStdString(job.message)));
    return;
  }
  const QString weights = job.trained ? tr("trained weights") : tr("seed 0 init weights");
  const QString message =
      tr("Exported %1 and %2 (%3 tensors, %4; load them with model.load_state_dict)")
          .arg(QFileInfo(file).fileName(),
               QFileInfo(QString::fromStdString(job.weightsPath)).fileName())
          .arg(job.tensorCount)
          .arg(weights);
  succeed(message);
}

void OnnxTransfer::finishExportPyTorchProject(const Job& job) {
  const QString dir = QString::fromStdString(job.onnxPath);
  if (!job.ok) {
    fail(tr("Cannot export the PyTorch training project"),
         tr("%1: %2").arg(dir, QString::fromStdString(job.message)));
    return;
  }
  const QString weights = job.trained ? tr("trained weights") : tr("the seeded init");
  const QString message =
      tr("Exported the PyTorch training project %1 (train.py, train.ipynb; starts from %2)")
          .arg(QFileInfo(dir).fileName(), weights);
  succeed(message);
}

void OnnxTransfer::finishExportTfjs(const Job& job) {
  const QString dir = QString::fromStdString(job.onnxPath);
  if (!job.ok) {
    fail(tr("Cannot export TensorFlow.js"),
         tr("%1: %2").arg(dir, QString::fromStdString(job.message)));
    return;
  }
  const QString weights = job.trained ? tr("trained weights") : tr("seed 0 init weights");
  const QString message =
      tr("Exported the TensorFlow.js model %1 (model.json + weights.bin, %2 tensors, %3)")
          .arg(QFileInfo(dir).fileName())
          .arg(job.tensorCount)
          .arg(weights);
  succeed(message);
}

void OnnxTransfer::finishImport(const Job& job) {
  const QString graph = QString::fromStdString(job.graphPath);
  if (!job.ok) {
    // The importer's messages start with the path already.
    fail(tr("Cannot import ONNX"), QString::fromStdString(job.message));
    return;
  }
  if (!m_window->openFile(graph)) {
    // Opening was declined (unsaved changes kept) or failed (already reported).
    const QString message = tr("Imported graph saved as %1, not opened").arg(graph);
    m_window->statusBar()->showMessage(message, kStatusMs);
    emit finished(false, message);
    return;
  }
  QString message = tr("Imported %1 nodes from %2")
                        .arg(job.doc.nodes.size())
                        .arg(QFileInfo(QString::fromStdString(job.onnxPath)).fileName());
  if (job.laidOut) message += tr(", laid out automatically");
  if (job.tensorCount > 0) {
    const QString weights = QString::fromStdString(job.weightsPath);
    message += tr("; %1 weight tensors in %2").arg(job.tensorCount).arg(
        QFileInfo(weights).fileName());
    auto* bench = m_window->findChild<TrainingWorkbench*>();
    if (bench && bench->controller() && !bench->controller()->isTraining()) {
      if (bench->controller()->loadWeights(weights))
        message += tr(" (loaded for inference)");
    }
  }
  succeed(message);
}

void OnnxTransfer::succeed(const QString& message) {
  m_window->statusBar()->showMessage(message, kStatusMs);
  emit finished(true, message);
}

void OnnxTransfer::fail(const QString& title, const QString& message) {
  m_window->reportError(title, message);
  emit finished(false, message);
}

void OnnxTransfer::chooseExport() {
  const QString current = m_window->currentFile();
  const QString base = current.isEmpty() ? m_window->model()->displayName()
                                         : QFileInfo(current).completeBaseName();
  QString path = QFileDialog::getSaveFileName(m_window, tr("Export ONNX"),
                                              base + QStringLiteral(".onnx"),
                                              tr("ONNX models (*.onnx)"));
  if (path.isEmpty()) return;
  if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".onnx");
  if (!exportTo(path) && !isBusy())
    m_window->statusBar()->showMessage(tr("Nothing to export: the graph is empty"), kStatusMs);
}

void OnnxTransfer::chooseExportPyTorch() {
  const QString current = m_window->currentFile();
  const QString base = current.isEmpty() ? m_window->model()->displayName()
                                         : QFileInfo(current).completeBaseName();
  QString path = QFileDialog::getSaveFileName(m_window, tr("Export PyTorch Code"),
                                              base + QStringLiteral(".py"),
                                              tr("Python files (*.py)"));
  if (path.isEmpty()) return;
  if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".py");
  if (!exportPyTorchTo(path) && !isBusy())
    m_window->statusBar()->showMessage(tr("Nothing to export: the graph is empty"), kStatusMs);
}

void OnnxTransfer::chooseExportPyTorchProject() {
  // A folder that does not exist yet (or an empty one): the project is written into it.
  const QString current = m_window->currentFile();
  const QString base = current.isEmpty() ? m_window->model()->displayName()
                                         : QFileInfo(current).completeBaseName();
  const QString start =
      (current.isEmpty() ? QDir::current() : QFileInfo(current).dir()).filePath(base + "-pytorch");
  const QString dir = QFileDialog::getSaveFileName(m_window, tr("Export PyTorch Training Project"),
                                                   start, tr("Folders (*)"));
  if (dir.isEmpty()) return;
  if (!exportPyTorchProjectTo(dir) && !isBusy())
    m_window->statusBar()->showMessage(tr("Nothing to export: the graph is empty"), kStatusMs);
}

void OnnxTransfer::chooseExportTfjs() {
  // A folder (created when missing) that receives model.json and weights.bin.
  const QString current = m_window->currentFile();
  const QString base = current.isEmpty() ? m_window->model()->displayName()
                                         : QFileInfo(current).completeBaseName();
  const QString start =
      (current.isEmpty() ? QDir::current() : QFileInfo(current).dir()).filePath(base + "-tfjs");
  const QString dir = QFileDialog::getSaveFileName(m_window, tr("Export TensorFlow.js Model"),
                                                   start, tr("Folders (*)"));
  if (dir.isEmpty()) return;
  if (!exportTfjsTo(dir) && !isBusy())
    m_window->statusBar()->showMessage(tr("Nothing to export: the graph is empty"), kStatusMs);
}

void OnnxTransfer::chooseImport() {
  const QString onnx = QFileDialog::getOpenFileName(
      m_window, tr("Import ONNX"), {}, tr("ONNX models (*.onnx);;All files (*)"));
  if (onnx.isEmpty()) return;
  const QFileInfo info(onnx);
  QString graph = QFileDialog::getSaveFileName(
      m_window, tr("Save Imported Graph As"),
      info.dir().filePath(info.completeBaseName() + QStringLiteral(".strata")),
      tr("Strata graphs (*.strata)"));
  if (graph.isEmpty()) return;
  if (QFileInfo(graph).suffix().isEmpty()) graph += QStringLiteral(".strata");
  importFrom(onnx, graph);
}

}  // namespace strata::gui
