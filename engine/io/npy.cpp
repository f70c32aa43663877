// NumPy .npy reading and writing. The header is a Python dict literal; we parse the small subset
// numpy writes (quoted strings, True/False, tuples of integers) and reject everything else.
#include "io/npy.h"

#include <bit>
#include <cctype>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <vector>

#include "io/checked_size.h"

namespace strata {

static_assert(std::endian::native == std::endian::little, "npy I/O assumes a little-endian host");

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
constexpr uint64_t kMaxHeader = 1u << 20;  // numpy itself refuses headers over 10k by default

// A value of the header dict.
struct PyValue {
  enum Kind { Str, Bool, Tuple } kind = Str;
  std::string str;
  bool boolean = false;
  std::vector<int64_t> ints;
};

// Recursive-descent parser for "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }".
class HeaderParser {
 public:
  explicit HeaderParser(const std::string& text) : m_text(text) {}

  Result<std::map<std::string, PyValue>> parseDict() {
    std::map<std::string, PyValue> out;
    skipSpace();
    if (!eat('{')) return fail("header does not start with '{'");
    skipSpace();
    while (!eat('}')) {
      auto key = parseString();
      if (!key) return key.status();
      skipSpace();
      if (!eat(':')) return fail("expected ':' after key '" + *key + "'");
      skipSpace();
      auto value = parseValue();
      if (!value) return value.status();
      if (out.count(*key)) return fail("duplicate key '" + *key + "'");
      out[*key] = std::move(*value);
      skipSpace();
      if (eat(',')) {
        skipSpace();
        continue;
      }
      skipSpace();
      if (!eat('}')) return fail("expected ',' or '}' in header dict");
      break;
    }
    skipSpace();
    if (m_pos != m_text.size()) return fail("unexpected text after the header dict");
    return out;
  }

 private:
  Status fail(const std::string& why) const {
    return Status::error("malformed header (" + why + " at offset " + std::to_string(m_pos) + ")");
  }
  void skipSpace() {
    while (m_pos < m_text.size() && std::isspace(static_cast<unsigned char>(m_text[m_pos])))
      ++m_pos;
  }
  bool eat(char c) {
    if (m_pos < m_text.size() && m_text[m_pos] == c) {
      ++m_pos;
      return true;
    }
    return false;
  }
  bool eatWord(const char* w) {
    size_t n = std::strlen(w);
    if (m_text.compare(m_pos, n, w) == 0) {
      m_pos += n;
      return true;
    }
    return false;
  }

  Result<std::string> parseString() {
    if (m_pos >= m_text.size()) return fail("expected a string");
    char quote = m_text[m_pos];
    if (quote != '\'' && quote != '"') return fail("expected a quoted string");
    ++m_pos;
    std::string s;
    while (m_pos < m_text.size() && m_text[m_pos] != quote) {
      if (m_text[m_pos] == '\\') return fail("escapes are not supported in header strings");
      s += m_text[m_pos++];
    }
    if (!eat(quote)) return fail("unterminated string");
    return s;
  }

  Result<int64_t> parseInt() {
    size_t start = m_pos;
    int64_t v = 0;
    while (m_pos < m_text.size() && std::isdigit(static_cast<unsigned char>(m_text[m_pos]))) {
      int digit = m_text[m_pos] - '0';
      if (v > (std::numeric_limits<int64_t>::max() - digit) / 10)
        return fail("dimension too large");
      v = v * 10 + digit;
      ++m_pos;
    }
    if (m_pos == start) return fail("expected a non-negative integer");
    if (eat('L')) {}  // Python 2 longs, as old numpy wrote them
    return v;
  }

  Result<PyValue> parseValue() {
    PyValue v;
    if (m_pos >= m_text.size()) return fail("expected a value");
    char c = m_text[m_pos];
    if (c == '\'' || c == '"') {
      auto s = parseString();
      if (!s) return s.status();
      v.kind = PyValue::Str;
      v.str = std::move(*s);
    } else if (eatWord("True")) {
      v.kind = PyValue::Bool;
      v.boolean = true;
    } else if (eatWord("False")) {
      v.kind = PyValue::Bool;
      v.boolean = false;
    } else if (eat('(')) {
      v.kind = PyValue::Tuple;
      skipSpace();
      while (!eat(')')) {
        if (v.ints.size() >= 64) return fail("too many dimensions");
        auto n = parseInt();
        if (!n) return n.status();
        v.ints.push_back(*n);
        skipSpace();
        if (eat(',')) {
          skipSpace();
          continue;
        }
        if (!eat(')')) return fail("expected ',' or ')' in shape");
        break;
      }
    } else {
      return fail("unsupported value");
    }
    return v;
  }

  const std::string& m_text;
  size_t m_pos = 0;
};

struct SourceType {
  DType dtype;
  size_t itemSize;
};

Result<SourceType> parseDescr(const std::string& descr) {
  // '<' little-endian, '=' native (little here), '|' not applicable (only 1-byte types).
  if (descr.size() >= 2 && (descr[0] == '<' || descr[0] == '=')) {
    std::string t = descr.substr(1);
    if (t == "f4") return SourceType{DType::Float32, 4};
    if (t == "f8") return SourceType{DType::Float32, 8};
    if (t == "i8") return SourceType{DType::Int64, 8};
    if (t == "i4") return SourceType{DType::Int64, 4};
  }
  if (!descr.empty() && descr[0] == '>')
    return Status::error("unsupported dtype '" + descr + "' (big-endian)");
  return Status::error("unsupported dtype '" + descr +
                       "' (expected '<f4' or '<i8'; '<f8' and '<i4' are converted)");
}

}  // namespace

Status saveNpy(const std::string& path, const Tensor& t) {
  if (!t.defined()) return Status::error(path + ": cannot save an undefined tensor");
  std::string header = "{'descr': '";
  header += t.dtype() == DType::Float32 ? "<f4" : "<i8";
  header += "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < t.shape().size(); ++i) {
    header += std::to_string(t.shape()[i]);
    header += (t.shape().size() == 1 || i + 1 < t.shape().size()) ? "," : "";
    if (i + 1 < t.shape().size()) header += " ";
  }
  header += "), }";
  // Version 1.0 has a 2-byte length; pad so the data starts on a 64-byte boundary (as numpy does).
  bool v2 = header.size() + 1 + 10 > 65535;
  size_t prefix = kMagicLen + 2 + (v2 ? 4 : 2);
  size_t total = prefix + header.size() + 1;
  size_t padded = (total + 63) / 64 * 64;
  header.append(padded - total, ' ');
  header += '\n';

  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::error(path + ": cannot open for writing");
  out.write(kMagic, kMagicLen);
  char version[2] = {static_cast<char>(v2 ? 2 : 1), 0};
  out.write(version, 2);
  uint32_t len = static_cast<uint32_t>(header.size());
  out.write(reinterpret_cast<const char*>(&len), v2 ? 4 : 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(static_cast<const char*>(t.raw()), static_cast<std::streamsize>(t.bytes()));
  out.flush();
  if (!out) return Status::error(path + ": write failed");
  return Status::ok();
}

namespace {

// The reader behind loadNpy and parseNpy: `in` is positioned at the start, `path` prefixes messages.
Result<Tensor> readNpy(std::istream& in, const std::string& path) {
  auto err = [&](const std::string& why) { return Result<Tensor>::error(path + ": " + why); };
  uint64_t fileSize = 0;
  if (!io::streamSize(in, fileSize)) return err("cannot determine the file size");

  char magic[kMagicLen + 2];
  if (fileSize < sizeof(magic) || !in.read(magic, sizeof(magic)))
    return err("not a .npy file (too short for the magic string)");
  if (std::memcmp(magic, kMagic, kMagicLen) != 0)
    return err("not a .npy file (bad magic string)");
  int major = static_cast<unsigned char>(magic[kMagicLen]);
  int minor = static_cast<unsigned char>(magic[kMagicLen + 1]);
  if (major < 1 || major > 3 || minor != 0)
    return err("unsupported .npy format version " + std::to_string(major) + "." +
               std::to_string(minor) + " (1.0, 2.0 and 3.0 are supported)");
  size_t lenBytes = major == 1 ? 2 : 4;
  unsigned char lenBuf[4] = {0, 0, 0, 0};
  if (!in.read(reinterpret_cast<char*>(lenBuf), static_cast<std::streamsize>(lenBytes)))
    return err("truncated header length");
  uint64_t headerLen = lenBuf[0] | (lenBuf[1] << 8) | (uint64_t{lenBuf[2]} << 16) |
                       (uint64_t{lenBuf[3]} << 24);
  uint64_t dataStart = kMagicLen + 2 + lenBytes + headerLen;
  if (headerLen > kMaxHeader) return err("header length " + std::to_string(headerLen) +
                                         " is implausibly large");
  if (dataStart > fileSize)
    return err("header length " + std::to_string(headerLen) + " runs past the end of the file (" +
               std::to_string(fileSize) + " bytes)");
  std::string header(headerLen, '\0');
  if (!in.read(header.data(), static_cast<std::streamsize>(headerLen)))
    return err("truncated header");

  auto dict = HeaderParser(header).parseDict();
  if (!dict) return err(dict.message());
  for (const auto& [key, value] : *dict)
    if (key != "descr" && key != "fortran_order" && key != "shape")
      return err("unexpected header key '" + key + "'");
  auto descrIt = dict->find("descr");
  auto fortranIt = dict->find("fortran_order");
  auto shapeIt = dict->find("shape");
  if (descrIt == dict->end() || descrIt->second.kind != PyValue::Str)
    return err("header has no 'descr' string");
  if (fortranIt == dict->end() || fortranIt->second.kind != PyValue::Bool)
    return err("header has no 'fortran_order' True/False");
  if (shapeIt == dict->end() || shapeIt->second.kind != PyValue::Tuple)
    return err("header has no 'shape' tuple");
  if (fortranIt->second.boolean)
    return err("Fortran-order arrays are not supported (save with C order)");
  auto source = parseDescr(descrIt->second.str);
  if (!source) return err(source.message());

  Shape shape(shapeIt->second.ints.begin(), shapeIt->second.ints.end());
  uint64_t count = 0, bytes = 0;
  if (!io::checkedBytes(shape, source->itemSize, count, bytes))
    return err("shape " + shapeToString(shape) + " is too large");
  uint64_t available = fileSize - dataStart;
  if (bytes > available)
    return err("truncated data: the header declares shape " + shapeToString(shape) + " (" +
               std::to_string(bytes) + " bytes) but the file holds " + std::to_string(available));
  if (bytes < available)
    return err("the header declares shape " + shapeToString(shape) + " (" +
               std::to_string(bytes) + " bytes) but the file holds " + std::to_string(available) +
               " bytes of data");

  Tensor t = Tensor::empty(shape, source->dtype);
  bool ok = true;
  if (source->itemSize == dtypeSize(source->dtype)) {
    ok = static_cast<bool>(
        in.read(static_cast<char*>(t.raw()), static_cast<std::streamsize>(bytes)));
  } else {
    std::vector<char> buf(bytes);
    ok = static_cast<bool>(in.read(buf.data(), static_cast<std::streamsize>(bytes)));
    for (uint64_t i = 0; ok && i < count; ++i) {
      if (source->dtype == DType::Float32) {
        double d;
        std::memcpy(&d, buf.data() + i * 8, 8);
        t.f32()[i] = static_cast<float>(d);
      } else {
        int32_t v;
        std::memcpy(&v, buf.data() + i * 4, 4);
        t.i64()[i] = v;
      }
    }
  }
  if (!ok) return err("truncated data (read failed)");
  return t;
}

}  // namespace

Result<Tensor> loadNpy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Result<Tensor>::error(path + ": cannot open file");
  return readNpy(in, path);
}

Result<Tensor> parseNpy(const std::string& bytes, const std::string& name) {
  std::istringstream in(bytes, std::ios::binary);
  return readNpy(in, name);
}

}  // namespace strata
