// engine/io: safetensors and .npy round trips, every malformed-file case (a clear message with the
// path, never a crash), and interop with numpy and a hand-written safetensors parser in Python.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>

#include "common/testenv.h"
#include "io/npy.h"
#include "io/safetensors.h"

using namespace strata;
using strata::test::ScratchDir;

namespace {

std::string bytesOf(const void* p, size_t n) { return std::string(static_cast<const char*>(p), n); }

std::string u64le(uint64_t v) { return bytesOf(&v, 8); }

// A safetensors file from a raw header text and data bytes.
std::string stFile(const std::string& header, const std::string& data) {
  return u64le(header.size()) + header + data;
}

std::string floats(std::initializer_list<float> v) {
  std::vector<float> f(v);
  return bytesOf(f.data(), f.size() * 4);
}

// A version-1.0 .npy file from a header dict text and data bytes (header padded as numpy does).
std::string npyFile(std::string dict, const std::string& data, int major = 1) {
  size_t prefix = major == 1 ? 10 : 12;
  size_t total = prefix + dict.size() + 1;
  dict.append((total + 63) / 64 * 64 - total, ' ');
  dict += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  uint32_t len = static_cast<uint32_t>(dict.size());
  out += bytesOf(&len, major == 1 ? 2 : 4);
  return out + dict + data;
}

void expectSameTensor(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(a.dtype(), b.dtype());
  ASSERT_EQ(a.shape(), b.shape());
  ASSERT_EQ(a.bytes(), b.bytes());
  EXPECT_EQ(0, std::memcmp(a.raw(), b.raw(), a.bytes()));
}

Tensor iota(const Shape& shape, float scale = 0.5f) {
  Tensor t = Tensor::empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.f32()[i] = scale * static_cast<float>(i) - 3.0f;
  return t;
}

// Loads, expects failure, and checks the message names the path and contains `cause`.
template <class R>
void expectFailure(const R& r, const std::string& path, const std::string& cause) {
  ASSERT_FALSE(r.isOk()) << "expected failure containing '" << cause << "'";
  EXPECT_NE(r.message().find(path), std::string::npos) << r.message();
  EXPECT_NE(r.message().find(cause), std::string::npos) << r.message();
}

}  // namespace

// --- safetensors -------------------------------------------------------------------------------

TEST(Safetensors, RoundTripMixedDtypesScalarsAndEmpty) {
  ScratchDir dir;
  std::string path = dir.file("w.safetensors");
  std::vector<NamedTensor> tensors = {
      {"fc.weight", iota({3, 5})},
      {"fc.bias", Tensor::fromVector({3}, std::vector<float>{1.5f, -2.0f, 1e-30f})},
      {"step", Tensor::fromVector({}, std::vector<int64_t>{42})},
      {"scale", Tensor::scalar(2.25f)},
      {"empty", Tensor::empty({0, 4})},
      {"ids", Tensor::fromVector({2, 2}, std::vector<int64_t>{-1, 0, INT64_MAX, INT64_MIN})},
  };
  std::map<std::string, std::string> meta = {{"format", "pt"}, {"strata", "1"}};
  ASSERT_TRUE(saveSafetensors(path, tensors, meta)) << "save failed";

  auto loaded = loadSafetensors(path);
  ASSERT_TRUE(loaded) << loaded.message();
  EXPECT_EQ(loaded->metadata, meta);
  ASSERT_EQ(loaded->tensors.size(), tensors.size());
  for (const NamedTensor& t : tensors) {
    auto it = std::find_if(loaded->tensors.begin(), loaded->tensors.end(),
                           [&](const NamedTensor& l) { return l.name == t.name; });
    ASSERT_NE(it, loaded->tensors.end()) << t.name;
    expectSameTensor(it->tensor, t.tensor);
  }
}

TEST(Safetensors, LayoutIsAlignedAndHeaderKeysSorted) {
  ScratchDir dir;
  std::string path = dir.file("w.safetensors");
  std::vector<NamedTensor> tensors = {{"z.odd", iota({3})},  // 12 bytes: would misalign an I64
                                      {"a.ids", Tensor::fromVector({1}, std::vector<int64_t>{7})},
                                      {"m.w", iota({2, 2})}};
  ASSERT_TRUE(saveSafetensors(path, tensors));
  std::string file = test::readText(path);
  uint64_t n;
  std::memcpy(&n, file.data(), 8);
  EXPECT_EQ((8 + n) % 8, 0u);
  std::string header = file.substr(8, n);
  EXPECT_EQ(header.substr(header.rfind('}') + 1).find_first_not_of(' '), std::string::npos);
  EXPECT_LT(header.find("\"a.ids\""), header.find("\"m.w\""));
  EXPECT_LT(header.find("\"m.w\""), header.find("\"z.odd\""));
  // The I64 tensor is placed first so that it is 8-byte aligned.
  auto loaded = loadSafetensors(path);
  ASSERT_TRUE(loaded) << loaded.message();
  EXPECT_EQ(loaded->tensors[0].name, "a.ids");
  EXPECT_EQ(loaded->tensors[1].name, "z.odd");  // then the caller's order
  EXPECT_EQ(loaded->tensors[2].name, "m.w");
}

TEST(Safetensors, SaveRejectsDuplicateNames) {
  ScratchDir dir;
  auto s = saveSafetensors(dir.file("d.safetensors"), {{"a", iota({1})}, {"a", iota({2})}});
  EXPECT_FALSE(s);
  EXPECT_NE(s.message().find("duplicate"), std::string::npos);
}

struct BadSafetensors {
  const char* name;
  std::string bytes;
  const char* cause;
};

// Keeps ctest's discovered names short and stable (the default prints the struct's bytes).
void PrintTo(const BadSafetensors& b, std::ostream* os) { *os << b.name; }

class SafetensorsMalformed : public ::testing::TestWithParam<BadSafetensors> {};

TEST_P(SafetensorsMalformed, FailsWithPathAndReason) {
  ScratchDir dir;
  std::string path = dir.file(std::string(GetParam().name) + ".safetensors");
  test::writeText(path, GetParam().bytes);
  expectFailure(loadSafetensors(path), path, GetParam().cause);
}

const std::string kTwo = floats({1, 2});  // 8 bytes

INSTANTIATE_TEST_SUITE_P(
    All, SafetensorsMalformed,
    ::testing::Values(
        BadSafetensors{"empty", "", "shorter than the 8-byte header length"},
        BadSafetensors{"short", "abc", "shorter than the 8-byte header length"},
        BadSafetensors{"lenPastEnd", u64le(1000) + "{}", "runs past the end"},
        BadSafetensors{"lenAbsurd", u64le(uint64_t{1} << 40) + "{}", "exceeds the 100 MB"},
        BadSafetensors{"lenMax", u64le(UINT64_MAX) + "{}", "exceeds the 100 MB"},
        BadSafetensors{"badJson", stFile("{\"a\": {\"dtype\": ", ""), "not valid JSON"},
        BadSafetensors{"notObject", stFile("[1, 2]  ", ""), "does not start with '{'"},
        BadSafetensors{"entryNotObject", stFile("{\"a\": 3}", ""), "entry must be an object"},
        BadSafetensors{"unknownDtype",
                       stFile(R"({"a":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}})", kTwo),
                       "unknown dtype 'Q7'"},
        BadSafetensors{"unsupportedDtype",
                       stFile(R"({"a":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}})", kTwo),
                       "unsupported dtype 'F16'"},
        BadSafetensors{"dtypeNotString",
                       stFile(R"({"a":{"dtype":1,"shape":[2],"data_offsets":[0,8]}})", kTwo),
                       "missing string 'dtype'"},
        BadSafetensors{"negativeDim",
                       stFile(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", kTwo),
                       "non-negative integer"},
        BadSafetensors{"floatDim",
                       stFile(R"({"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}})", kTwo),
                       "non-negative integer"},
        BadSafetensors{"nestedDim",
                       stFile(R"({"a":{"dtype":"F32","shape":[[[2]]],"data_offsets":[0,8]}})",
                              kTwo),
                       "got array"},
        BadSafetensors{"extraField",
                       stFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}})",
                              kTwo),
                       "unexpected field 'x'"},
        BadSafetensors{"offsetsWrongArity",
                       stFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", kTwo),
                       "[begin, end]"},
        BadSafetensors{"offsetsReversed",
                       stFile(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", kTwo),
                       "end before they begin"},
        BadSafetensors{"sizeMismatch",
                       stFile(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", kTwo),
                       "needs 12 bytes"},
        BadSafetensors{"hugeDims",
                       stFile(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,16],)"
                              R"("data_offsets":[0,8]}})",
                              kTwo),
                       "too large"},
        BadSafetensors{"overflowingDims",
                       stFile(R"({"a":{"dtype":"I64","shape":[2305843009213693952,8],)"
                              R"("data_offsets":[0,0]}})",
                              ""),
                       "too large"},
        BadSafetensors{"pastEnd",
                       stFile(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", kTwo),
                       "past the end of the data"},
        BadSafetensors{"overlap",
                       stFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                              R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                              kTwo),
                       "overlap tensor 'a'"},
        BadSafetensors{"gap",
                       stFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", kTwo),
                       "gap of 4 bytes"},
        BadSafetensors{"trailingData",
                       stFile(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", kTwo),
                       "4 bytes after the last tensor"},
        BadSafetensors{"truncatedData",
                       stFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                              kTwo.substr(0, 5)),
                       "past the end of the data"},
        BadSafetensors{"metadataNotStrings",
                       stFile(R"({"__metadata__":{"k":1}})", ""), "is not a string"},
        BadSafetensors{"deepNesting", stFile(std::string(100000, '[') + "{}", ""),
                       "does not start with '{'"},
        BadSafetensors{"deepNestingInEntry",
                       stFile("{\"a\":" + std::string(100000, '['), ""), "not valid JSON"},
        BadSafetensors{"deepValidNesting",
                       stFile("{\"a\":" + std::string(100000, '[') + std::string(100000, ']') +
                                  "}",
                              ""),
                       "entry must be an object"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Safetensors, MissingFileNamesThePath) {
  ScratchDir dir;
  std::string path = dir.file("nope.safetensors");
  expectFailure(loadSafetensors(path), path, "cannot open");
}

TEST(Safetensors, ReadsF64AndI32ByConverting) {
  ScratchDir dir;
  std::string path = dir.file("c.safetensors");
  double d[2] = {0.25, -8.5};
  int32_t i[2] = {-7, 9};
  test::writeText(path, stFile(R"({"d":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},)"
                               R"("i":{"dtype":"I32","shape":[2],"data_offsets":[16,24]}})",
                               bytesOf(d, 16) + bytesOf(i, 8)));
  auto f = loadSafetensors(path);
  ASSERT_TRUE(f) << f.message();
  ASSERT_EQ(f->tensors.size(), 2u);
  EXPECT_EQ(f->tensors[0].tensor.dtype(), DType::Float32);
  EXPECT_EQ(f->tensors[0].tensor.f32()[1], -8.5f);
  EXPECT_EQ(f->tensors[1].tensor.dtype(), DType::Int64);
  EXPECT_EQ(f->tensors[1].tensor.i64()[0], -7);
}

TEST(Safetensors, AssignTensorsChecksNamesAndShapesAtomically) {
  std::vector<NamedTensor> params = {{"a.weight", Tensor::zeros({2, 2})},
                                     {"a.bias", Tensor::zeros({2})}};
  std::vector<NamedTensor> good = {{"a.bias", iota({2})}, {"a.weight", iota({2, 2})}};
  ASSERT_TRUE(assignTensors(good, params));
  expectSameTensor(params[0].tensor, good[1].tensor);

  std::vector<NamedTensor> fresh = {{"a.weight", Tensor::zeros({2, 2})},
                                    {"a.bias", Tensor::zeros({2})}};
  std::vector<NamedTensor> wrongShape = {{"a.bias", iota({3})}, {"a.weight", iota({2, 2})}};
  Status s = assignTensors(wrongShape, fresh);
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("'a.bias' has shape [3] but the model expects [2]"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(fresh[0].tensor.f32()[0], 0.0f);  // nothing changed

  std::vector<NamedTensor> missing = {{"a.weight", iota({2, 2})}};
  s = assignTensors(missing, fresh);
  EXPECT_NE(s.message().find("missing weight 'a.bias'"), std::string::npos) << s.message();
  std::vector<NamedTensor> extra = {{"a.bias", iota({2})}, {"a.weight", iota({2, 2})},
                                    {"b.weight", iota({1})}};
  s = assignTensors(extra, fresh);
  EXPECT_NE(s.message().find("unexpected weight 'b.weight'"), std::string::npos) << s.message();
  EXPECT_EQ(fresh[0].tensor.f32()[0], 0.0f);
}

// --- npy ---------------------------------------------------------------------------------------

TEST(Npy, RoundTripFloatIntScalarEmpty) {
  ScratchDir dir;
  std::vector<Tensor> cases = {iota({2, 3, 4}), iota({7}),
                               Tensor::fromVector({3}, std::vector<int64_t>{-5, 0, INT64_MAX}),
                               Tensor::scalar(3.5f), Tensor::empty({0, 3}),
                               Tensor::empty({4, 0}, DType::Int64)};
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string path = dir.file("t" + std::to_string(i) + ".npy");
    ASSERT_TRUE(saveNpy(path, cases[i]));
    std::string file = test::readText(path);
    uint16_t hlen;
    std::memcpy(&hlen, file.data() + 8, 2);
    EXPECT_EQ((10 + hlen) % 64, 0u);  // data aligned as numpy aligns it
    EXPECT_EQ(file[10 + hlen - 1], '\n');
    auto back = loadNpy(path);
    ASSERT_TRUE(back) << back.message();
    expectSameTensor(*back, cases[i]);
  }
}

TEST(Npy, ReadsVersions2And3AndConvertsF8I4) {
  ScratchDir dir;
  double d[3] = {1.5, -2.25, 1e10};
  std::string p2 = dir.file("v2.npy");
  test::writeText(p2, npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
                              bytesOf(d, 24), 2));
  auto t2 = loadNpy(p2);
  ASSERT_TRUE(t2) << t2.message();
  EXPECT_EQ(t2->dtype(), DType::Float32);
  EXPECT_EQ(t2->f32()[1], -2.25f);
  int32_t i[4] = {1, -2, 3, -4};
  std::string p3 = dir.file("v3.npy");
  test::writeText(p3, npyFile("{\"descr\": \"<i4\", \"fortran_order\": False, \"shape\": (2, 2)}",
                              bytesOf(i, 16), 3));
  auto t3 = loadNpy(p3);
  ASSERT_TRUE(t3) << t3.message();
  EXPECT_EQ(t3->dtype(), DType::Int64);
  EXPECT_EQ(t3->shape(), (Shape{2, 2}));
  EXPECT_EQ(t3->i64()[3], -4);
}

struct BadNpy {
  const char* name;
  std::string bytes;
  const char* cause;
};

void PrintTo(const BadNpy& b, std::ostream* os) { *os << b.name; }

class NpyMalformed : public ::testing::TestWithParam<BadNpy> {};

TEST_P(NpyMalformed, FailsWithPathAndReason) {
  ScratchDir dir;
  std::string path = dir.file(std::string(GetParam().name) + ".npy");
  test::writeText(path, GetParam().bytes);
  expectFailure(loadNpy(path), path, GetParam().cause);
}

const std::string kF4 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";

INSTANTIATE_TEST_SUITE_P(
    All, NpyMalformed,
    ::testing::Values(
        BadNpy{"empty", "", "too short"},
        BadNpy{"badMagic", "PK\x03\x04 this is a zip file, not npy", "bad magic"},
        BadNpy{"version9", [] {
                 std::string f = npyFile(kF4, floats({1, 2}));
                 f[6] = 9;
                 return f;
               }(), "unsupported .npy format version 9.0"},
        BadNpy{"headerPastEnd", std::string("\x93NUMPY\x01\x00\xff\xff{}", 12),
               "runs past the end"},
        BadNpy{"headerAbsurd", std::string("\x93NUMPY\x02\x00\xff\xff\xff\x7f{}", 14),
               "implausibly large"},
        BadNpy{"fortran", npyFile("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }",
                                  floats({1, 2})),
               "Fortran-order"},
        BadNpy{"dtypeF2", npyFile("{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }",
                                  floats({1, 2})),
               "unsupported dtype '<f2'"},
        BadNpy{"bigEndian", npyFile("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }",
                                    floats({1, 2})),
               "big-endian"},
        BadNpy{"object", npyFile("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }",
                                 floats({1, 2})),
               "unsupported dtype '|O'"},
        BadNpy{"lyingShapeTooBig",
               npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (1000,), }",
                       floats({1, 2})),
               "truncated data"},
        BadNpy{"lyingShapeTooSmall",
               npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
                       floats({1, 2})),
               "holds 8 bytes of data"},
        BadNpy{"truncated", npyFile(kF4, floats({1, 2}).substr(0, 6)), "truncated data"},
        BadNpy{"hugeDims",
               npyFile("{'descr': '<f4', 'fortran_order': False, "
                       "'shape': (4294967296, 4294967296, 4294967296), }",
                       floats({1, 2})),
               "too large"},
        BadNpy{"dimOverflowsInt64",
               npyFile("{'descr': '<f4', 'fortran_order': False, "
                       "'shape': (99999999999999999999999,), }",
                       floats({1, 2})),
               "dimension too large"},
        BadNpy{"negativeDim",
               npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }",
                       floats({1, 2})),
               "malformed header"},
        BadNpy{"notADict", npyFile("['descr', '<f4']", floats({1, 2})), "malformed header"},
        BadNpy{"unterminated", npyFile("{'descr': '<f4", floats({1, 2})), "malformed header"},
        BadNpy{"missingShape", npyFile("{'descr': '<f4', 'fortran_order': False}",
                                       floats({1, 2})),
               "no 'shape'"},
        BadNpy{"extraKey",
               npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': True}",
                       floats({1, 2})),
               "unexpected header key 'x'"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Npy, MissingFileNamesThePath) {
  ScratchDir dir;
  std::string path = dir.file("missing.npy");
  expectFailure(loadNpy(path), path, "cannot open");
}

// --- interop with numpy and Python ---------------------------------------------------------------

TEST(IoInterop, NumpyAndPythonReadWhatStrataWrites) {
  ScratchDir dir;
  ASSERT_TRUE(saveNpy(dir.file("a.npy"), iota({2, 3})));
  ASSERT_TRUE(saveNpy(dir.file("b.npy"),
                      Tensor::fromVector({4}, std::vector<int64_t>{-1, 2, -3, 1LL << 40})));
  ASSERT_TRUE(saveNpy(dir.file("s.npy"), Tensor::scalar(1.25f)));
  ASSERT_TRUE(saveSafetensors(dir.file("w.safetensors"),
                              {{"fc.weight", iota({2, 3})},
                               {"odd", iota({3})},
                               {"ids", Tensor::fromVector({2}, std::vector<int64_t>{5, -6})}},
                              {{"format", "pt"}}));
  std::string script = R"PY(
import json, struct, sys
import numpy as np
d = sys.argv[1]
a = np.load(d + '/a.npy'); b = np.load(d + '/b.npy'); s = np.load(d + '/s.npy')
assert a.dtype == np.float32 and a.shape == (2, 3), (a.dtype, a.shape)
assert np.array_equal(a.ravel(), 0.5 * np.arange(6, dtype=np.float32) - 3)
assert b.dtype == np.int64 and b.tolist() == [-1, 2, -3, 1 << 40]
assert s.shape == () and float(s) == 1.25
raw = open(d + '/w.safetensors', 'rb').read()
(n,) = struct.unpack('<Q', raw[:8])
assert (8 + n) % 8 == 0
header = json.loads(raw[8:8 + n])
keys = list(header.keys())
assert keys == sorted(keys), keys
assert header['__metadata__'] == {'format': 'pt'}
data = raw[8 + n:]
dt = {'F32': np.float32, 'I64': np.int64}
def get(k):
    e = header[k]; b0, b1 = e['data_offsets']
    assert b0 % np.dtype(dt[e['dtype']]).itemsize == 0
    return np.frombuffer(data[b0:b1], dtype=dt[e['dtype']]).reshape(e['shape'])
assert np.array_equal(get('fc.weight'), a)
assert np.array_equal(get('odd'), 0.5 * np.arange(3, dtype=np.float32) - 3)
assert get('ids').tolist() == [5, -6]
print('INTEROP-OK')
)PY";
  test::writeText(dir.file("check.py"), script);
  auto r = test::run(test::python() + " " + dir.file("check.py") + " " + dir.path().string());
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("INTEROP-OK"), std::string::npos) << r.output;
}

TEST(IoInterop, StrataReadsWhatNumpyAndPythonWrite) {
  ScratchDir dir;
  std::string script = R"PY(
import json, struct, sys
import numpy as np
d = sys.argv[1]
np.save(d + '/f.npy', np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 8)
np.save(d + '/i.npy', np.array([[1, -2], [3, 1 << 50]], dtype=np.int64))
np.save(d + '/d.npy', np.array([0.5, 1e-3]))   # float64: converted
np.save(d + '/s.npy', np.float32(7.5))
np.save(d + '/e.npy', np.zeros((0, 5), dtype=np.float32))
np.save(d + '/fortran.npy', np.asfortranarray(np.ones((2, 3), dtype=np.float32)))
# safetensors as the reference writer lays it out: sorted keys, header padded with spaces.
tensors = {'b.bias': np.array([1, 2], dtype=np.float32),
           'a.weight': np.arange(6, dtype=np.float32).reshape(2, 3)}
header, blobs, off = {}, [], 0
for k in sorted(tensors):
    t = tensors[k]; raw = t.tobytes()
    header[k] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [off, off + len(raw)]}
    blobs.append(raw); off += len(raw)
header['__metadata__'] = {'format': 'pt'}
h = json.dumps(header).encode()
h += b' ' * ((8 - len(h) % 8) % 8)
open(d + '/p.safetensors', 'wb').write(struct.pack('<Q', len(h)) + h + b''.join(blobs))
)PY";
  test::writeText(dir.file("make.py"), script);
  auto r = test::run(test::python() + " " + dir.file("make.py") + " " + dir.path().string());
  ASSERT_EQ(r.exitCode, 0) << r.output;

  auto f = loadNpy(dir.file("f.npy"));
  ASSERT_TRUE(f) << f.message();
  EXPECT_EQ(f->shape(), (Shape{2, 3, 4}));
  for (int i = 0; i < 24; ++i) EXPECT_EQ(f->f32()[i], i / 8.0f);
  auto i64 = loadNpy(dir.file("i.npy"));
  ASSERT_TRUE(i64) << i64.message();
  EXPECT_EQ(i64->dtype(), DType::Int64);
  EXPECT_EQ(i64->i64()[3], 1LL << 50);
  auto d = loadNpy(dir.file("d.npy"));
  ASSERT_TRUE(d) << d.message();
  EXPECT_EQ(d->dtype(), DType::Float32);
  EXPECT_EQ(d->f32()[1], 1e-3f);
  auto s = loadNpy(dir.file("s.npy"));
  ASSERT_TRUE(s) << s.message();
  EXPECT_EQ(s->ndim(), 0);
  EXPECT_EQ(s->item(), 7.5f);
  auto e = loadNpy(dir.file("e.npy"));
  ASSERT_TRUE(e) << e.message();
  EXPECT_EQ(e->shape(), (Shape{0, 5}));
  expectFailure(loadNpy(dir.file("fortran.npy")), dir.file("fortran.npy"), "Fortran-order");

  auto p = loadSafetensors(dir.file("p.safetensors"));
  ASSERT_TRUE(p) << p.message();
  ASSERT_EQ(p->tensors.size(), 2u);
  EXPECT_EQ(p->tensors[0].name, "a.weight");
  EXPECT_EQ(p->tensors[0].tensor.shape(), (Shape{2, 3}));
  EXPECT_EQ(p->tensors[0].tensor.f32()[5], 5.0f);
  EXPECT_EQ(p->tensors[1].tensor.f32()[1], 2.0f);
  EXPECT_EQ(p->metadata.at("format"), "pt");
}
