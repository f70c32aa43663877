// File > Export ONNX, File > Export PyTorch (code or a training project), File > Export
// TensorFlow.js and File > Import ONNX for a MainWindow: the engine's exporters and importer run on a worker thread over a snapshot,
// behind a busy QProgressDialog (Cancel abandons the result); success goes to the status bar,
// failure to MainWindow::reportError.
#pragma once

#include <QObject>
#include <QPointer>
#include <QProgressDialog>
#include <QString>

#include <memory>

class QThread;

namespace strata::gui {

class MainWindow;

class OnnxTransfer final : public QObject {
  Q_OBJECT

 public:
  explicit OnnxTransfer(MainWindow* window);
  ~OnnxTransfer() override;  // waits for a running job (its result is dropped)

  // Starts exporting the current graph to `onnxPath`: the trained weights when the training
  // controller has some that fit the graph, else the seeded init of `strata-cli export`.
  // False (and nothing started) while another job runs or with an empty graph.
  bool exportTo(const QString& onnxPath);
  // Starts writing the graph as PyTorch code to `pythonPath` and the weights it would use for
  // ONNX (trained, else the seeded init) next to it as <name>.safetensors, whose keys the
  // generated module loads with load_state_dict.
  bool exportPyTorchTo(const QString& pythonPath);
  // Starts writing a PyTorch training project (docs/pytorch-project.md) into `dir`, which must
  // not exist or be empty: it starts from the trained weights when they fit the graph, else
  // from the init `strata-cli train` would use; data files are found next to the graph's file.
  bool exportPyTorchProjectTo(const QString& dir);
  // Starts writing a TensorFlow.js layers model (model.json + weights.bin, docs/tfjs-export.md)
  // into `dir` (created when missing), with the weights ONNX export would use.
  bool exportTfjsTo(const QString& dir);
  // Starts importing `onnxPath`: writes the graph to `graphPath` and its weights next to it
  // (<name>.safetensors), then opens the graph as File > Open would.
  bool importFrom(const QString& onnxPath, const QString& graphPath);
  // The menu actions: ask for the paths, then the above.
  void chooseExport();
  void chooseExportPyTorch();
  void chooseExportPyTorchProject();
  void chooseExportTfjs();
  void chooseImport();

  bool isBusy() const { return m_thread != nullptr; }
  void cancel();  // abandons the running job's result (files it wrote are removed)
  QProgressDialog* progressDialog() const { return m_progress; }

 signals:
  // After every job, on the GUI thread; `message` is what the status bar or error box showed.
  void finished(bool ok, const QString& message);

 private:
  struct Job;
  bool start(std::shared_ptr<Job> job, const QString& label);
  void onJobDone();
  void finishExport(const Job& job);
  void finishImport(const Job& job);
  void finishExportPyTorch(const Job& job);
  void finishExportPyTorchProject(const Job& job);
  void finishExportTfjs(const Job& job);
  void succeed(const QString& message);  // status bar + finished(true)
  void fail(const QString& title, const QString& message);

  MainWindow* m_window = nullptr;
  QThread* m_thread = nullptr;
  QPointer<QProgressDialog> m_progress;
  std::shared_ptr<Job> m_job;
  bool m_cancelled = false;
};

}  // namespace strata::gui
