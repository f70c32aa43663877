// safetensors reading and writing (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length N, N bytes of JSON (space-padded so the data is 8-byte aligned), then
// the tensors' bytes back to back. Loading checks the header completely before reading data,
// so a hostile file can neither make us allocate more than its own size nor read out of bounds.
#include "io/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "io/checked_size.h"

namespace strata {

static_assert(std::endian::native == std::endian::little,
              "safetensors I/O assumes a little-endian host");

namespace {

using Json = nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = 100u * 1024u * 1024u;

const char* safetensorsDtype(DType t) { return t == DType::Float32 ? "F32" : "I64"; }

struct SourceType {
  DType dtype;
  size_t itemSize;
};

// F32 and I64 are Strata's own; F64 and I32 are converted on load (PyTorch files may hold them).
Result<SourceType> parseDtype(const std::string& name) {
  if (name == "F32") return SourceType{DType::Float32, 4};
  if (name == "I64") return SourceType{DType::Int64, 8};
  if (name == "F64") return SourceType{DType::Float32, 8};
  if (name == "I32") return SourceType{DType::Int64, 4};
  static const std::set<std::string> known = {"BOOL", "U8",  "I8",   "F8_E5M2", "F8_E4M3",
                                              "I16",  "U16", "F16",  "BF16",    "U32",
                                              "U64"};
  if (known.count(name))
    return Status::error("unsupported dtype '" + name + "' (F32, I64, F64 and I32 are read)");
  return Status::error("unknown dtype '" + name + "'");
}

struct Entry {
  std::string name;
  SourceType type;
  Shape shape;
  uint64_t numel = 0;
  uint64_t begin = 0, end = 0;
};

Result<uint64_t> nonNegativeInt(const Json& j, const std::string& what) {
  if (j.is_number_unsigned()) return j.get<uint64_t>();
  if (j.is_number_integer()) {
    int64_t v = j.get<int64_t>();
    if (v >= 0) return static_cast<uint64_t>(v);
  }
  // Never dump the value itself: a hostile header may nest arrays deeply.
  std::string got = j.is_number() ? j.dump() : std::string(j.type_name());
  return Status::error(what + " must be a non-negative integer, got " + got);
}

Result<Entry> parseEntry(const std::string& name, const Json& j) {
  auto fail = [&](const std::string& why) {
    return Result<Entry>::error("tensor '" + name + "': " + why);
  };
  if (!j.is_object()) return fail("entry must be an object");
  for (const auto& [key, value] : j.items())
    if (key != "dtype" && key != "shape" && key != "data_offsets")
      return fail("unexpected field '" + key + "'");
  if (!j.contains("dtype") || !j["dtype"].is_string()) return fail("missing string 'dtype'");
  if (!j.contains("shape") || !j["shape"].is_array()) return fail("missing array 'shape'");
  if (!j.contains("data_offsets") || !j["data_offsets"].is_array() ||
      j["data_offsets"].size() != 2)
    return fail("'data_offsets' must be an array [begin, end]");
  Entry e;
  e.name = name;
  auto type = parseDtype(j["dtype"].get<std::string>());
  if (!type) return fail(type.message());
  e.type = *type;
  if (j["shape"].size() > 64) return fail("too many dimensions");
  for (const Json& d : j["shape"]) {
    auto v = nonNegativeInt(d, "shape dimension");
    if (!v) return fail(v.message());
    if (*v > static_cast<uint64_t>(INT64_MAX)) return fail("dimension too large");
    e.shape.push_back(static_cast<int64_t>(*v));
  }
  auto begin = nonNegativeInt(j["data_offsets"][0], "data_offsets[0]");
  if (!begin) return fail(begin.message());
  auto end = nonNegativeInt(j["data_offsets"][1], "data_offsets[1]");
  if (!end) return fail(end.message());
  if (*end < *begin)
    return fail("data_offsets [" + std::to_string(*begin) + ", " + std::to_string(*end) +
                "] end before they begin");
  e.begin = *begin;
  e.end = *end;
  uint64_t bytes = 0;
  if (!io::checkedBytes(e.shape, e.type.itemSize, e.numel, bytes))
    return fail("shape " + shapeToString(e.shape) + " is too large");
  if (bytes != e.end - e.begin)
    return fail("shape " + shapeToString(e.shape) + " of " + j["dtype"].get<std::string>() +
                " needs " + std::to_string(bytes) + " bytes but data_offsets [" +
                std::to_string(e.begin) + ", " + std::to_string(e.end) + "] hold " +
                std::to_string(e.end - e.begin));
  return e;
}

}  // namespace

Status saveSafetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::set<std::string> names;
  for (const NamedTensor& t : tensors) {
    if (t.name.empty() || t.name == "__metadata__")
      return Status::error(path + ": invalid tensor name '" + t.name + "'");
    if (!t.tensor.defined()) return Status::error(path + ": tensor '" + t.name + "' is undefined");
    if (!names.insert(t.name).second)
      return Status::error(path + ": duplicate tensor name '" + t.name + "'");
  }
  // Data order: 8-byte types first, then 4-byte ones, each in the caller's order, so every tensor
  // starts on a multiple of its element size. The JSON keys are sorted (nlohmann's object is).
  std::vector<const NamedTensor*> order;
  for (const NamedTensor& t : tensors)
    if (dtypeSize(t.tensor.dtype()) == 8) order.push_back(&t);
  for (const NamedTensor& t : tensors)
    if (dtypeSize(t.tensor.dtype()) != 8) order.push_back(&t);

  Json header = Json::object();
  uint64_t offset = 0;
  for (const NamedTensor* t : order) {
    Json shape = Json::array();
    for (int64_t d : t->tensor.shape()) shape.push_back(d);
    uint64_t bytes = t->tensor.bytes();
    header[t->name] = {{"dtype", safetensorsDtype(t->tensor.dtype())},
                       {"shape", shape},
                       {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  if (!metadata.empty()) {
    Json meta = Json::object();
    for (const auto& [k, v] : metadata) meta[k] = v;
    header["__metadata__"] = meta;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const std::exception& e) {  // invalid UTF-8 in a name or metadata value
    return Status::error(path + ": cannot encode the header: " + e.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  uint64_t headerLen = text.size();

  // Written beside the file and renamed over it when whole: a checkpoint killed mid-save keeps
  // the previous one.
  AtomicFileWriter out(path);
  out.write(&headerLen, 8);
  out.write(text);
  for (const NamedTensor* t : order) {
    // Files are device-independent: a tensor on a GPU is written from a host copy.
    Tensor host;
    try {
      host = t->tensor.to(Device::cpu());
    } catch (const std::exception& e) {
      return Status::error(path + ": cannot copy '" + t->name + "' to the host: " + e.what());
    }
    out.write(host.raw(), host.bytes());
  }
  return out.commit();
}

namespace {

// The reader behind loadSafetensors and parseSafetensors; `path` prefixes messages.
Result<TensorFile> readSafetensors(std::istream& in, const std::string& path) {
  auto err = [&](const std::string& why) { return Result<TensorFile>::error(path + ": " + why); };
  uint64_t fileSize = 0;
  if (!io::streamSize(in, fileSize)) return err("cannot determine the file size");
  if (fileSize < 8) return err("not a safetensors file (shorter than the 8-byte header length)");

  uint64_t headerLen = 0;
  if (!in.read(reinterpret_cast<char*>(&headerLen), 8)) return err("cannot read header length");
  if (headerLen > kMaxHeaderBytes)
    return err("header length " + std::to_string(headerLen) +
               " exceeds the 100 MB limit (not a safetensors file?)");
  if (headerLen > fileSize - 8)
    return err("header length " + std::to_string(headerLen) + " runs past the end of the file (" +
               std::to_string(fileSize) + " bytes)");
  if (headerLen < 2) return err("header too short to hold a JSON object");
  std::string text(headerLen, '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(headerLen)))
    return err("truncated header");
  if (text[0] != '{') return err("header does not start with '{'");

  Json header;
  try {
    header = Json::parse(text);
  } catch (const std::exception& e) {
    return err(std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) return err("header is not a JSON object");

  TensorFile file;
  std::vector<Entry> entries;
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      if (!value.is_object()) return err("__metadata__ must be an object of strings");
      for (const auto& [mk, mv] : value.items()) {
        if (!mv.is_string()) return err("__metadata__ value '" + mk + "' is not a string");
        file.metadata[mk] = mv.get<std::string>();
      }
      continue;
    }
    auto entry = parseEntry(key, value);
    if (!entry) return err(entry.message());
    entries.push_back(std::move(*entry));
  }

  // The byte ranges must tile the data section exactly: no overlap, no gap, nothing past the end.
  uint64_t dataSize = fileSize - 8 - headerLen;
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t cursor = 0;
  const Entry* previous = nullptr;
  for (const Entry& e : entries) {
    if (e.end > dataSize)
      return err("tensor '" + e.name + "': data_offsets end " + std::to_string(e.end) +
                 " is past the end of the data (" + std::to_string(dataSize) + " bytes)");
    if (e.begin < cursor)
      return err("tensor '" + e.name + "': data_offsets [" + std::to_string(e.begin) + ", " +
                 std::to_string(e.end) + "] overlap tensor '" + previous->name + "'");
    if (e.begin > cursor)
      return err("tensor '" + e.name + "': gap of " + std::to_string(e.begin - cursor) +
                 " bytes before its data at offset " + std::to_string(e.begin));
    cursor = e.end;
    previous = &e;
  }
  if (cursor != dataSize)
    return err(std::to_string(dataSize - cursor) + " bytes after the last tensor's data");

  uint64_t dataStart = 8 + headerLen;
  for (const Entry& e : entries) {
    Tensor t = Tensor::empty(e.shape, e.type.dtype);
    uint64_t bytes = e.end - e.begin;
    in.seekg(static_cast<std::streamoff>(dataStart + e.begin), std::ios::beg);
    bool ok = true;
    if (e.type.itemSize == dtypeSize(e.type.dtype)) {
      ok = bytes == 0 || static_cast<bool>(in.read(static_cast<char*>(t.raw()),
                                                   static_cast<std::streamsize>(bytes)));
    } else {
      std::vector<char> buf(bytes);
      ok = bytes == 0 ||
           static_cast<bool>(in.read(buf.data(), static_cast<std::streamsize>(bytes)));
      for (uint64_t i = 0; ok && i < e.numel; ++i) {
        if (e.type.dtype == DType::Float32) {
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
    if (!ok) return err("tensor '" + e.name + "': truncated data (read failed)");
    file.tensors.push_back({e.name, t});
  }
  return file;
}

}  // namespace

Result<TensorFile> loadSafetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Result<TensorFile>::error(path + ": cannot open file");
  return readSafetensors(in, path);
}

Result<TensorFile> parseSafetensors(const std::string& bytes, const std::string& name) {
  std::istringstream in(bytes, std::ios::binary);
  return readSafetensors(in, name);
}

Status assignTensors(const std::vector<NamedTensor>& loaded, std::vector<NamedTensor>& params) {
  std::map<std::string, const Tensor*> byName;
  for (const NamedTensor& t : loaded) byName[t.name] = &t.tensor;
  std::set<std::string> wanted;
  for (const NamedTensor& p : params) {
    wanted.insert(p.name);
    auto it = byName.find(p.name);
    if (it == byName.end()) return Status::error("missing weight '" + p.name + "'");
    const Tensor& src = *it->second;
    if (src.shape() != p.tensor.shape())
      return Status::error("weight '" + p.name + "' has shape " + shapeToString(src.shape()) +
                           " but the model expects " + shapeToString(p.tensor.shape()));
    if (src.dtype() != p.tensor.dtype())
      return Status::error("weight '" + p.name + "' is " + dtypeName(src.dtype()) +
                           " but the model expects " + dtypeName(p.tensor.dtype()));
  }
  for (const NamedTensor& t : loaded)
    if (!wanted.count(t.name)) return Status::error("unexpected weight '" + t.name + "'");
  for (NamedTensor& p : params) p.tensor.copyFrom(*byName[p.name]);
  return Status::ok();
}

}  // namespace strata
