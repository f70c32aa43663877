// strata: the GUI. `strata FILE.strata` opens a graph; with no argument, the sample gallery.
#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include "window/mainwindow.h"
#include "window/trainingworkbench.h"

int main(int argc, char* argv[]) {
  QApplication app(argc, argv);
  QApplication::setApplicationName(QStringLiteral("Strata"));
  QApplication::setOrganizationName(QStringLiteral("Strata"));
  QApplication::setApplicationVersion(QStringLiteral(STRATA_VERSION));

  QCommandLineParser parser;
  parser.setApplicationDescription(
      QStringLiteral("Design, train and export sequence models as node graphs."));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument(QStringLiteral("graph"),
                               QStringLiteral("A .strata graph to open."),
                               QStringLiteral("[FILE.strata]"));
  parser.process(app);

  strata::gui::MainWindow window;
  strata::gui::TrainingWorkbench::install(&window);  // training docks, charts, overlay
  window.show();
  const QStringList files = parser.positionalArguments();
  if (!files.isEmpty()) {
    // After the event loop starts, so an error box has a visible window to sit on.
    const QString file = files.first();
    QTimer::singleShot(0, &window, [&window, file] { window.openFile(file); });
  }
  return QApplication::exec();
}
