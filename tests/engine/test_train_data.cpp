// Data sets: each spec shaped to the request, malformed specs and files with clear messages,
// split determinism, npy order.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "common/testenv.h"
#include "io/npy.h"
#include "train/data_set.h"

namespace strata {
namespace {

DataRequest floatRequest(Shape in, Shape target, int64_t seqLen = 16) {
  DataRequest r;
  r.inputShape = std::move(in);
  r.targetShape = std::move(target);
  r.seqLen = seqLen;
  return r;
}

DataRequest tokenRequest(Shape in, Shape target, int64_t seqLen = 8) {
  DataRequest r = floatRequest(std::move(in), std::move(target), seqLen);
  r.inputDtype = DType::Int64;
  r.targetDtype = DType::Int64;
  return r;
}

TEST(TrainData, SineWindowsFollowTheInputShape) {
  auto a = makeDataSet("sine", floatRequest({20}, {1}), 1);
  ASSERT_TRUE(a) << a.message();
  EXPECT_EQ(a->inputs.shape(), (Shape{1000, 20}));
  EXPECT_EQ(a->targets.shape(), (Shape{1000, 1}));
  // The next value of window i is the last value of window i + 1.
  EXPECT_EQ(a->targets.f32()[0], a->inputs.f32()[1 * 20 + 19]);

  auto b = makeDataSet("sine", floatRequest({kSeq, 1}, {kSeq, 1}, 12), 1);
  ASSERT_TRUE(b) << b.message();
  EXPECT_EQ(b->inputs.shape(), (Shape{1000, 12, 1}));
  EXPECT_EQ(b->targets.shape(), (Shape{1000, 12, 1}));
  // Next-step sequence: target[t] == input[t + 1].
  for (int t = 0; t < 11; ++t) EXPECT_EQ(b->targets.f32()[t], b->inputs.f32()[t + 1]);

  auto c = makeDataSet("sine", floatRequest({20}, {1}), 1);
  auto d = makeDataSet("sine", floatRequest({20}, {1}), 2);
  EXPECT_EQ(std::memcmp(a->inputs.raw(), c->inputs.raw(), a->inputs.bytes()), 0);
  EXPECT_NE(std::memcmp(a->inputs.raw(), d->inputs.raw(), a->inputs.bytes()), 0);
}

TEST(TrainData, SineRejectsTokenModelsAndOddTargets) {
  auto r = makeDataSet("sine", tokenRequest({8}, {8}), 0);
  ASSERT_FALSE(r);
  EXPECT_NE(r.message().find("int64"), std::string::npos) << r.message();
  auto t = makeDataSet("sine", floatRequest({20}, {7}), 0);
  ASSERT_FALSE(t);
  EXPECT_NE(t.message().find("[7]"), std::string::npos) << t.message();
}

TEST(TrainData, CsvWithHeaderAndColumns) {
  test::ScratchDir dir;
  std::string text = "a,b\n";
  for (int i = 0; i < 30; ++i) text += std::to_string(i) + "," + std::to_string(100 + i) + "\n";
  test::writeText(dir.file("s.csv"), text);
  const std::string spec = "csv:" + dir.file("s.csv");

  auto next = makeDataSet(spec, floatRequest({5, 2}, {1}), 0);
  ASSERT_TRUE(next) << next.message();
  EXPECT_EQ(next->inputs.shape(), (Shape{25, 5, 2}));
  EXPECT_EQ(next->targets.f32()[0], 105.0f);  // next value of the last column
  EXPECT_EQ(next->columns, (std::vector<std::string>{"a", "b"}));

  auto row = makeDataSet(spec, floatRequest({5, 2}, {2}), 0);
  ASSERT_TRUE(row) << row.message();
  EXPECT_EQ(row->targets.f32()[0], 5.0f);
  EXPECT_EQ(row->targets.f32()[1], 105.0f);

  auto seq = makeDataSet(spec, floatRequest({kSeq, 2}, {kSeq, 2}, 4), 0);
  ASSERT_TRUE(seq) << seq.message();
  EXPECT_EQ(seq->targets.shape(), (Shape{26, 4, 2}));
  EXPECT_EQ(seq->targets.f32()[0], 1.0f);

  auto wrong = makeDataSet(spec, floatRequest({5, 3}, {1}), 0);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.message().find("2 column"), std::string::npos) << wrong.message();
}

TEST(TrainData, CsvErrorsNameLineAndColumn) {
  test::ScratchDir dir;
  test::writeText(dir.file("bad.csv"), "x,y\n1,2\n3,4\n5,oops\n");
  auto r = makeDataSet("csv:" + dir.file("bad.csv"), floatRequest({2, 2}, {1}), 0);
  ASSERT_FALSE(r);
  EXPECT_NE(r.message().find("bad.csv"), std::string::npos) << r.message();
  EXPECT_NE(r.message().find("line 4, column 2"), std::string::npos) << r.message();
  EXPECT_NE(r.message().find("oops"), std::string::npos) << r.message();

  test::writeText(dir.file("ragged.csv"), "1,2\n3\n");
  auto g = makeDataSet("csv:" + dir.file("ragged.csv"), floatRequest({1, 2}, {1}), 0);
  ASSERT_FALSE(g);
  EXPECT_NE(g.message().find("line 2 has 1 columns, expected 2"), std::string::npos) << g.message();

  auto missing = makeDataSet("csv:" + dir.file("none.csv"), floatRequest({2}, {1}), 0);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.message().find("none.csv: cannot open"), std::string::npos)
      << missing.message();

  test::writeText(dir.file("short.csv"), "1\n2\n");
  auto s = makeDataSet("csv:" + dir.file("short.csv"), floatRequest({5}, {1}), 0);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("at least 6"), std::string::npos) << s.message();
}

TEST(TrainData, TextIsCharacterLevelAndShifted) {
  test::ScratchDir dir;
  test::writeText(dir.file("t.txt"), "abcabcabcabcabcabcabcab");  // 23 characters
  auto r = makeDataSet("text:" + dir.file("t.txt"), tokenRequest({kSeq}, {kSeq}, 5), 0);
  ASSERT_TRUE(r) << r.message();
  EXPECT_EQ(r->vocabSize(), 3);
  EXPECT_EQ(r->vocab, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(r->inputs.shape(), (Shape{4, 5}));  // (23 - 1) / 5
  EXPECT_EQ(r->targets.shape(), (Shape{4, 5}));
  const std::vector<int64_t> x0(r->inputs.i64(), r->inputs.i64() + 5);
  const std::vector<int64_t> y0(r->targets.i64(), r->targets.i64() + 5);
  EXPECT_EQ(x0, (std::vector<int64_t>{0, 1, 2, 0, 1}));
  EXPECT_EQ(y0, (std::vector<int64_t>{1, 2, 0, 1, 2}));
  EXPECT_EQ(r->preview().vocabSize, 3);
  EXPECT_EQ(r->preview().text.substr(0, 6), "abcabc");
}

TEST(TrainData, TextErrors) {
  test::ScratchDir dir;
  test::writeText(dir.file("t.txt"), "hello world, hello sequences");
  auto tooSmall = tokenRequest({8}, {8});
  tooSmall.maxVocab = 4;
  auto v = makeDataSet("text:" + dir.file("t.txt"), tooSmall, 0);
  ASSERT_FALSE(v);
  EXPECT_NE(v.message().find("num_embeddings 4"), std::string::npos) << v.message();

  auto f = makeDataSet("text:" + dir.file("t.txt"), floatRequest({8}, {8}), 0);
  ASSERT_FALSE(f);
  EXPECT_NE(f.message().find("float32"), std::string::npos) << f.message();

  test::writeText(dir.file("bin.txt"), std::string("ab\xff\xfe", 4));
  auto u = makeDataSet("text:" + dir.file("bin.txt"), tokenRequest({1}, {1}), 0);
  ASSERT_FALSE(u);
  EXPECT_NE(u.message().find("invalid UTF-8 at byte 2"), std::string::npos) << u.message();

  auto m = makeDataSet("text:" + dir.file("nope.txt"), tokenRequest({8}, {8}), 0);
  ASSERT_FALSE(m);
  EXPECT_NE(m.message().find("nope.txt"), std::string::npos) << m.message();
}

TEST(TrainData, SampleCorpusIsThere) {
  auto r = makeDataSet("text:" + test::sourceDir() + "/samples/data/corpus.txt",
                       tokenRequest({kSeq}, {kSeq}, 64), 0);
  ASSERT_TRUE(r) << r.message();
  EXPECT_GT(r->size(), 1000);
  EXPECT_LT(r->vocabSize(), 64);
  auto s = makeDataSet("csv:" + test::sourceDir() + "/samples/data/series.csv",
                       floatRequest({32, 2}, {1}), 0);
  ASSERT_TRUE(s) << s.message();
  EXPECT_EQ(s->size(), 2000 - 32);
  EXPECT_EQ(s->columns, (std::vector<std::string>{"temperature", "load"}));
}

TEST(TrainData, Tasks) {
  auto copy = makeDataSet("task:copy", tokenRequest({kSeq}, {kSeq}, 6), 3);
  auto rev = makeDataSet("task:reverse", tokenRequest({6}, {6}), 3);
  auto sorted = makeDataSet("task:sort", tokenRequest({6}, {6}), 3);
  ASSERT_TRUE(copy && rev && sorted);
  EXPECT_EQ(copy->inputs.shape(), (Shape{2000, 6}));
  for (int64_t i = 0; i < 50; ++i) {
    const int64_t* x = rev->inputs.i64() + i * 6;
    const int64_t* y = rev->targets.i64() + i * 6;
    for (int k = 0; k < 6; ++k) {
      EXPECT_EQ(y[k], x[5 - k]);
      EXPECT_GE(x[k], 1);
      EXPECT_LT(x[k], 16);
      EXPECT_EQ(copy->targets.i64()[i * 6 + k], copy->inputs.i64()[i * 6 + k]);
    }
    const int64_t* s = sorted->targets.i64() + i * 6;
    EXPECT_TRUE(std::is_sorted(s, s + 6));
  }
  auto small = tokenRequest({6}, {6});
  small.maxVocab = 5;
  auto fit = makeDataSet("task:copy", small, 0);
  ASSERT_TRUE(fit);
  EXPECT_EQ(fit->vocabSize(), 5);
  for (int64_t i = 0; i < fit->inputs.numel(); ++i) EXPECT_LT(fit->inputs.i64()[i], 5);

  auto bad = makeDataSet("task:shuffle", tokenRequest({6}, {6}), 0);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.message().find("unknown task 'shuffle'"), std::string::npos) << bad.message();
}

TEST(TrainData, NpyChecksAndKeepsOrder) {
  test::ScratchDir dir;
  std::vector<float> xs(10 * 3), ys(10);
  for (int i = 0; i < 30; ++i) xs[i] = static_cast<float>(i);
  for (int i = 0; i < 10; ++i) ys[i] = static_cast<float>(i) * 0.5f;
  ASSERT_TRUE(saveNpy(dir.file("x.npy"), Tensor::fromVector({10, 3}, xs)));
  ASSERT_TRUE(saveNpy(dir.file("y.npy"), Tensor::fromVector({10, 1}, ys)));
  ASSERT_TRUE(saveNpy(dir.file("y9.npy"), Tensor::fromVector({9, 1}, std::vector<float>(9))));
  const std::string spec = "npy:" + dir.file("x.npy") + "," + dir.file("y.npy");
  auto r = makeDataSet(spec, floatRequest({3}, {1}), 0);
  ASSERT_TRUE(r) << r.message();
  EXPECT_EQ(r->size(), 10);
  // Not shuffled: training samples are the first rows, in file order; validation the last.
  auto split = r->split(0.2, 7, false);
  EXPECT_EQ(split.train, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(split.validation, (std::vector<int64_t>{8, 9}));
  Tensor b = r->gatherInputs({2, 3});
  EXPECT_EQ(b.shape(), (Shape{2, 3}));
  EXPECT_EQ(b.f32()[0], 6.0f);
  EXPECT_EQ(r->gatherTargets({3}).f32()[0], 1.5f);

  auto n =
      makeDataSet("npy:" + dir.file("x.npy") + "," + dir.file("y9.npy"), floatRequest({3}, {1}), 0);
  ASSERT_FALSE(n);
  EXPECT_NE(n.message().find("has 10 samples but"), std::string::npos) << n.message();
  auto shape = makeDataSet(spec, floatRequest({4}, {1}), 0);
  ASSERT_FALSE(shape);
  EXPECT_NE(shape.message().find("x.npy: samples are shaped [3]"), std::string::npos)
      << shape.message();
  auto dtype = makeDataSet(spec, tokenRequest({3}, {1}), 0);
  ASSERT_FALSE(dtype);
  EXPECT_NE(dtype.message().find("float32"), std::string::npos) << dtype.message();
  auto one = makeDataSet("npy:" + dir.file("x.npy"), floatRequest({3}, {1}), 0);
  ASSERT_FALSE(one);
  EXPECT_NE(one.message().find("npy:INPUTS.npy,TARGETS.npy"), std::string::npos);
}

TEST(TrainData, SplitIsDeterministicAndDisjoint) {
  auto r = makeDataSet("sine", floatRequest({8}, {1}), 0);
  ASSERT_TRUE(r);
  auto a = r->split(0.25, 42, true), b = r->split(0.25, 42, true), c = r->split(0.25, 43, true);
  EXPECT_EQ(a.train, b.train);
  EXPECT_EQ(a.validation, b.validation);
  EXPECT_NE(a.validation, c.validation);
  EXPECT_EQ(a.validation.size(), 250u);
  EXPECT_EQ(a.train.size(), 750u);
  std::set<int64_t> all(a.train.begin(), a.train.end());
  all.insert(a.validation.begin(), a.validation.end());
  EXPECT_EQ(all.size(), 1000u);
  EXPECT_TRUE(r->split(0.0, 1, true).validation.empty());
}

TEST(TrainData, MalformedSpecs) {
  for (const std::string spec : {"", "cosine", "text:", "csv", "npy:a.npy,", "task:"}) {
    auto r = makeDataSet(spec, floatRequest({8}, {1}), 0);
    ASSERT_FALSE(r) << spec;
    EXPECT_NE(r.message().find(spec.empty() ? "unknown data spec" : spec), std::string::npos)
        << r.message();
  }
}

}  // namespace
}  // namespace strata
