// Axis tick generation (NiceTicks): the values and labels for ranges from 1e-6 to 1e6, including
// the ones the charts used to print badly, and the properties every range must keep.
#include <QtTest>

#include <cmath>

#include "training/niceticks.h"

using strata::gui::AxisTicks;
using strata::gui::NiceTicks;

namespace {

bool isOneTwoFive(double step) {
  const double mag = std::pow(10.0, std::floor(std::log10(step) + 1e-9));
  const double m = step / mag;
  return std::abs(m - 1) < 1e-9 || std::abs(m - 2) < 1e-9 || std::abs(m - 5) < 1e-9;
}

}  // namespace

class TestNiceTicks final : public QObject {
  Q_OBJECT

 private slots:
  void linear_data();
  void linear();
  void properties_data();
  void properties();
  void logDecades_data();
  void logDecades();
  void niceStep_data();
  void niceStep();
};

void TestNiceTicks::linear_data() {
  QTest::addColumn<double>("lo");
  QTest::addColumn<double>("hi");
  QTest::addColumn<int>("maxTicks");
  QTest::addColumn<bool>("keep");
  QTest::addColumn<bool>("integer");
  QTest::addColumn<QStringList>("labels");
  QTest::addColumn<double>("min");
  QTest::addColumn<double>("max");

  using L = QStringList;
  // Issue 17's loss axis printed 3.82027, 2.8652, 1.91013, 0.955066.
  QTest::newRow("loss 0..3.82") << 0.0 << 3.82027 << 6 << false << false
                                << L{"0", "1", "2", "3", "4"} << 0.0 << 4.0;
  // ... and the learning-rate axis 0.00315, 0.0023625, 0.001575.
  QTest::newRow("lr 0..0.00315") << 0.0 << 0.00315 << 6 << false << false
                                 << L{"0.000", "0.001", "0.002", "0.003", "0.004"} << 0.0 << 0.004;
  // ... and the step axis before training "0 0 1 1 1".
  QTest::newRow("steps 0..1") << 0.0 << 1.0 << 6 << true << true << L{"0", "1"} << 0.0 << 1.0;
  QTest::newRow("steps 0..3") << 0.0 << 3.0 << 6 << true << true << L{"0", "1", "2", "3"}
                              << 0.0 << 3.0;
  QTest::newRow("steps 1..300") << 1.0 << 300.0 << 6 << true << true
                                << L{"50", "100", "150", "200", "250", "300"} << 1.0 << 300.0;
  QTest::newRow("steps 1..1050") << 1.0 << 1050.0 << 6 << true << true
                                 << L{"200", "400", "600", "800", "1000"} << 1.0 << 1050.0;
  QTest::newRow("accuracy 0..1") << 0.0 << 1.0 << 6 << false << false
                                 << L{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"} << 0.0 << 1.0;
  QTest::newRow("1e-6") << 0.0 << 1e-6 << 6 << false << false
                        << L{"0.0e+00", "2.0e-07", "4.0e-07", "6.0e-07", "8.0e-07", "1.0e-06"}
                        << 0.0 << 1e-6;
  QTest::newRow("1e-5 narrow") << 1.0e-5 << 1.3e-5 << 6 << false << false
                               << L{"1.0e-05", "1.1e-05", "1.2e-05", "1.3e-05"}
                               << 1.0e-5 << 1.3e-5;
  QTest::newRow("1e-4") << 0.0 << 1.2e-4 << 6 << false << false
                        << L{"0.00000", "0.00005", "0.00010", "0.00015"} << 0.0 << 1.5e-4;
  QTest::newRow("0.39..3.82") << 0.39 << 3.82 << 6 << false << false
                              << L{"0", "1", "2", "3", "4"} << 0.0 << 4.0;
  QTest::newRow("negative") << -1.3 << 2.4 << 6 << false << false
                            << L{"-2", "-1", "0", "1", "2", "3"} << -2.0 << 3.0;
  QTest::newRow("around zero") << -0.03 << 0.02 << 6 << false << false
                               << L{"-0.03", "-0.02", "-0.01", "0.00", "0.01", "0.02"}
                               << -0.03 << 0.02;
  QTest::newRow("samples/s") << 0.0 << 12873.4 << 6 << false << false
                             << L{"0", "5000", "10000", "15000"} << 0.0 << 15000.0;
  QTest::newRow("1e6") << 0.0 << 1e6 << 6 << false << false
                       << L{"0", "200000", "400000", "600000", "800000", "1000000"} << 0.0 << 1e6;
  QTest::newRow("near 1e6") << 999000.0 << 1e6 << 6 << false << false
                            << L{"999000", "999200", "999400", "999600", "999800", "1000000"}
                            << 999000.0 << 1e6;
  QTest::newRow("one value") << 2.5 << 2.5 << 6 << false << false
                             << L{"2.2", "2.4", "2.6", "2.8"} << 2.2 << 2.8;
  QTest::newRow("zero only") << 0.0 << 0.0 << 6 << false << false
                             << L{"-1.0", "-0.5", "0.0", "0.5", "1.0"} << -1.0 << 1.0;
}

void TestNiceTicks::linear() {
  QFETCH(double, lo);
  QFETCH(double, hi);
  QFETCH(int, maxTicks);
  QFETCH(bool, keep);
  QFETCH(bool, integer);
  QFETCH(QStringList, labels);
  QFETCH(double, min);
  QFETCH(double, max);
  const AxisTicks t = NiceTicks::linear(
      lo, hi, maxTicks, keep ? NiceTicks::Range::Keep : NiceTicks::Range::Widen, integer);
  QCOMPARE(t.labels, labels);
  QVERIFY2(std::abs(t.min - min) <= 1e-9 * std::max(1.0, std::abs(min)),
           qPrintable(QString::number(t.min, 'g', 17)));
  QVERIFY2(std::abs(t.max - max) <= 1e-9 * std::max(1.0, std::abs(max)),
           qPrintable(QString::number(t.max, 'g', 17)));
}

void TestNiceTicks::properties_data() {
  QTest::addColumn<double>("lo");
  QTest::addColumn<double>("hi");
  QTest::addColumn<bool>("integer");
  // Ranges from 1e-6 to 1e6 wide, at several offsets, as value and as counting axes.
  for (int e = -6; e <= 6; ++e)
    for (double width : {1.0, 1.37, 2.9, 7.3})
      for (double offset : {0.0, 0.42, 3.0, -0.7}) {
        const double w = width * std::pow(10.0, e);
        const double lo = offset * std::pow(10.0, e) * 3;
        for (bool integer : {false, true}) {
          if (integer && w < 1) continue;
          QTest::addRow("w=%g lo=%g%s", w, lo, integer ? " int" : "") << lo << lo + w << integer;
        }
      }
}

void TestNiceTicks::properties() {
  QFETCH(double, lo);
  QFETCH(double, hi);
  QFETCH(bool, integer);
  for (auto range : {NiceTicks::Range::Widen, NiceTicks::Range::Keep}) {
    const AxisTicks t = NiceTicks::linear(lo, hi, 6, range, integer);
    QVERIFY(t.values.size() <= 6);
    QCOMPARE(t.labels.size(), static_cast<qsizetype>(t.values.size()));
    if (range == NiceTicks::Range::Widen) {
      QVERIFY(t.values.size() >= 2);
      QVERIFY(t.min <= lo && t.max >= hi);
      QVERIFY(std::abs(t.values.front() - t.min) <= t.step * 1e-9);
      QVERIFY(std::abs(t.values.back() - t.max) <= t.step * 1e-9);
    } else {
      QCOMPARE(t.min, lo);
      QCOMPARE(t.max, hi);
      QVERIFY(!t.values.empty());
    }
    QVERIFY(isOneTwoFive(t.step));
    if (integer) QVERIFY(t.step >= 1 && t.step == std::round(t.step));
    const QSet<QString> unique(t.labels.cbegin(), t.labels.cend());
    QCOMPARE(unique.size(), t.labels.size());  // no duplicate labels
    for (size_t i = 0; i < t.values.size(); ++i) {
      const double v = t.values[i];
      QVERIFY(v >= t.min - t.step * 1e-9 && v <= t.max + t.step * 1e-9);
      QVERIFY(std::abs(v / t.step - std::round(v / t.step)) < 1e-6);  // a multiple of the step
      // The label reads back as the tick's value, with no more digits than the step needs.
      const QString& label = t.labels[static_cast<qsizetype>(i)];
      QVERIFY2(std::abs(label.toDouble() - v) <= t.step * 1e-6, qPrintable(label));
      QVERIFY2(label.size() <= 10, qPrintable(label));
    }
  }
}

void TestNiceTicks::logDecades_data() {
  QTest::addColumn<double>("lo");
  QTest::addColumn<double>("hi");
  QTest::addColumn<QStringList>("labels");
  using L = QStringList;
  QTest::newRow("loss 0.39..3.82") << 0.39 << 3.82 << L{"0.1", "1", "10"};
  QTest::newRow("within a decade") << 2.0 << 3.0 << L{"1", "10"};
  QTest::newRow("exact decades") << 0.01 << 1.0 << L{"0.01", "0.1", "1"};
  QTest::newRow("1e-6..1e-3") << 2e-6 << 5e-4 << L{"1e-06", "1e-05", "0.0001", "0.001"};
  QTest::newRow("10..1e6") << 15.0 << 9e5 << L{"10", "100", "1000", "10000", "100000", "1e+06"};
}

void TestNiceTicks::logDecades() {
  QFETCH(double, lo);
  QFETCH(double, hi);
  QFETCH(QStringList, labels);
  const AxisTicks t = NiceTicks::logDecades(lo, hi);
  QCOMPARE(t.labels, labels);
  QVERIFY(t.min <= lo && t.max >= hi);
  QCOMPARE(t.values.front(), t.min);
  QCOMPARE(t.values.back(), t.max);
}

void TestNiceTicks::niceStep_data() {
  QTest::addColumn<double>("raw");
  QTest::addColumn<double>("step");
  QTest::newRow("0.955") << 0.955066 << 1.0;
  QTest::newRow("0.0007875") << 0.0007875 << 0.001;
  QTest::newRow("1") << 1.0 << 1.0;
  QTest::newRow("1.01") << 1.01 << 2.0;
  QTest::newRow("2.2") << 2.2 << 5.0;
  QTest::newRow("6") << 6.0 << 10.0;
  QTest::newRow("3e-7") << 3e-7 << 5e-7;
  QTest::newRow("1.5e5") << 1.5e5 << 2e5;
}

void TestNiceTicks::niceStep() {
  QFETCH(double, raw);
  QFETCH(double, step);
  QCOMPARE(NiceTicks::niceStep(raw), step);
}

QTEST_APPLESS_MAIN(TestNiceTicks)
#include "tst_niceticks.moc"
