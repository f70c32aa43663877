// Import-time evaluation of ONNX ops over constants (see constant_folding.h). Float32 and int64
// tensors; float arithmetic goes through the engine's own ops (the values a layer would compute),
// integer arithmetic and the index ops are plain loops over row-major elements.
#include "io/onnx/constant_folding.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <set>

#include "io/onnx/import_detail.h"
#include "ops/ops.h"
#include "tensor/autograd.h"

namespace strata::onnx_import {

const onnx::AttributeProto* attr(const onnx::NodeProto& n, const std::string& name) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}
int64_t intAttr(const onnx::NodeProto& n, const std::string& name, int64_t def) {
  const auto* a = attr(n, name);
  return a ? a->i() : def;
}
float floatAttr(const onnx::NodeProto& n, const std::string& name, float def) {
  const auto* a = attr(n, name);
  return a ? a->f() : def;
}
std::string strAttr(const onnx::NodeProto& n, const std::string& name, const std::string& def) {
  const auto* a = attr(n, name);
  return a ? a->s() : def;
}
std::optional<std::vector<int64_t>> intsAttr(const onnx::NodeProto& n, const std::string& name) {
  const auto* a = attr(n, name);
  if (!a) return std::nullopt;
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

int normAxis(int64_t axis, size_t rank) {
  const int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r)
    throw NodeError("axis " + std::to_string(axis) + " is out of range for rank " +
                    std::to_string(r));
  return static_cast<int>(axis < 0 ? axis + r : axis);
}

std::vector<int64_t> intsOf(const Tensor& t) {
  if (t.dtype() == DType::Int64) return {t.i64(), t.i64() + t.numel()};
  std::vector<int64_t> v;
  for (int64_t i = 0; i < t.numel(); ++i) v.push_back(std::llround(t.f32()[i]));
  return v;
}

Shape reshapeTarget(const onnx::NodeProto& n, const Shape& s, const Tensor* operand,
                    std::vector<int>* origin) {
  const std::string& op = n.op_type();
  auto axesOf = [&] {
    if (operand) return intsOf(*operand);
    return intsAttr(n, "axes").value_or(std::vector<int64_t>{});
  };
  Shape t;
  std::vector<int> org;
  if (op == "Reshape") {
    if (!operand) throw NodeError("the target shape must be a constant (an initializer or "
                                  "Constant, or shape arithmetic on known shapes)");
    const auto shape = intsOf(*operand);
    if (intAttr(n, "allowzero", 0) != 0 &&
        std::find(shape.begin(), shape.end(), 0) != shape.end())
      throw NodeError("allowzero=1 with a zero in the shape is not supported");
    int inferAt = -1;
    int64_t prod = 1;
    for (size_t i = 0; i < shape.size(); ++i) {
      int64_t d = shape[i];
      if (d == 0) {
        if (i >= s.size()) throw NodeError("shape copies a dim the input does not have");
        d = s[i];
        org.push_back(static_cast<int>(i));
      } else {
        org.push_back(-1);
      }
      if (d < -1) throw NodeError("the target shape holds a size of " + std::to_string(d));
      if (d == -1 && shape[i] == -1) {
        if (inferAt >= 0) throw NodeError("the target shape holds more than one -1");
        inferAt = static_cast<int>(i);
      }
      t.push_back(d);
      if (shape[i] != -1) prod = d >= 0 ? prod * d : prod;
    }
    if (inferAt >= 0) {
      const bool sKnown = std::all_of(s.begin(), s.end(), [](int64_t d) { return d >= 0; });
      if (!sKnown || prod <= 0) {
        t[inferAt] = -1;
      } else {
        const int64_t total = numel(s);
        if (total % prod) throw NodeError("cannot reshape " + shapeToString(s));
        t[inferAt] = total / prod;
      }
    }
    // A dim equal to the input's at the same place (the batch, typically) stays free.
    for (size_t i = 0; i < t.size() && i < s.size(); ++i)
      if (org[i] < 0 && t[i] == s[i] && s[i] >= 0 && i == 0) org[i] = 0;
  } else if (op == "Flatten") {
    const int64_t r = static_cast<int64_t>(s.size());
    int64_t axis = intAttr(n, "axis", 1);
    if (axis < 0) axis += r;
    if (axis < 0 || axis > r) throw NodeError("axis out of range");
    int64_t a = 1, b = 1;
    bool ka = true, kb = true;
    for (int64_t i = 0; i < r; ++i) {
      if (i < axis) { if (s[i] < 0) ka = false; else a *= s[i]; }
      else { if (s[i] < 0) kb = false; else b *= s[i]; }
    }
    t = {ka ? a : -1, kb ? b : -1};
    org = {axis == 1 ? 0 : -1, -1};
  } else if (op == "Squeeze") {
    const std::vector<int64_t> axes = axesOf();
    std::set<int> drop;
    for (int64_t a : axes) drop.insert(normAxis(a, s.size()));
    for (size_t i = 0; i < s.size(); ++i) {
      const bool d = axes.empty() ? s[i] == 1 : drop.count(int(i)) > 0;
      if (d && s[i] != 1 && s[i] >= 0)
        throw NodeError("cannot squeeze a dim of size " + std::to_string(s[i]));
      if (!d) {
        t.push_back(s[i]);
        org.push_back(static_cast<int>(i));
      }
    }
  } else {  // Unsqueeze
    const std::vector<int64_t> axes = axesOf();
    const size_t r = s.size() + axes.size();
    std::set<int> add;
    for (int64_t a : axes) add.insert(normAxis(a, r));
    size_t k = 0;
    for (size_t i = 0; i < r; ++i) {
      if (add.count(int(i))) {
        t.push_back(1);
        org.push_back(-1);
      } else {
        if (k >= s.size()) throw NodeError("the axes repeat");
        t.push_back(s[k]);
        org.push_back(static_cast<int>(k));
        ++k;
      }
    }
  }
  if (origin) *origin = org;
  return t;
}

namespace {

using Outputs = std::optional<std::vector<Tensor>>;

size_t elementSize(const Tensor& t) { return t.dtype() == DType::Int64 ? 8 : 4; }

void checkSize(const Shape& s) {
  int64_t total = 1;
  for (int64_t d : s) {
    if (d < 0) throw NodeError("a negative size " + std::to_string(d));
    total = d && total > kMaxElements / d ? kMaxElements + 1 : total * d;
  }
  if (total > kMaxElements) throw NodeError("the folded constant would be implausibly large");
}

// x broadcast (numpy rules) to `shape`, either element type.
Tensor broadcastTo(const Tensor& x, const Shape& shape) {
  const Shape& xs = x.shape();
  const size_t r = shape.size(), lead = r - xs.size();
  std::vector<int64_t> stride(r, 0);  // x's stride per output dim; 0 where x repeats
  for (int64_t i = static_cast<int64_t>(r) - 1, s = 1; i >= static_cast<int64_t>(lead); --i) {
    const int64_t d = xs[i - lead];
    stride[i] = d == 1 ? 0 : s;
    s *= d;
  }
  Tensor y = Tensor::empty(shape, x.dtype());
  const size_t esz = elementSize(x);
  const char* src = static_cast<const char*>(x.raw());
  char* dst = static_cast<char*>(y.raw());
  std::vector<int64_t> idx(r, 0);
  for (int64_t o = 0; o < y.numel(); ++o) {
    int64_t from = 0;
    for (size_t i = 0; i < r; ++i) from += idx[i] * stride[i];
    std::memcpy(dst + o * esz, src + from * esz, esz);
    for (int64_t i = static_cast<int64_t>(r) - 1; i >= 0 && ++idx[i] == shape[i]; --i)
      idx[i] = 0;
  }
  return y;
}

Shape broadcastShapes(const Shape& a, const Shape& b) {
  try {
    return ops::broadcastShape(a, b);
  } catch (const std::invalid_argument&) {
    throw NodeError("shapes " + shapeToString(a) + " and " + shapeToString(b) +
                    " do not broadcast");
  }
}

// The elements of x whose index along `axis` is in `picks` (other dims whole), as `outShape`.
Tensor pick(const Tensor& x, int axis, const std::vector<int64_t>& picks, const Shape& outShape) {
  const Shape& s = x.shape();
  Tensor y = Tensor::empty(outShape, x.dtype());
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= s[d];
  for (size_t d = axis + 1; d < s.size(); ++d) inner *= s[d];
  const size_t esz = elementSize(x);
  const char* src = static_cast<const char*>(x.raw());
  char* dst = static_cast<char*>(y.raw());
  int64_t o = 0;
  for (int64_t a = 0; a < outer; ++a)
    for (int64_t p : picks) {
      std::memcpy(dst + o * esz, src + ((a * s[axis] + p) * inner) * esz, inner * esz);
      o += inner;
    }
  return y;
}

Tensor cast(const onnx::NodeProto& n, const Tensor& x) {
  const int64_t to = intAttr(n, "to", 1);
  if (to == onnx::TensorProto::FLOAT && x.dtype() == DType::Int64) {
    Tensor f = Tensor::empty(x.shape());
    for (int64_t i = 0; i < x.numel(); ++i) f.f32()[i] = static_cast<float>(x.i64()[i]);
    return f;
  }
  if (to == onnx::TensorProto::INT64 && x.dtype() == DType::Float32) {
    Tensor f = Tensor::empty(x.shape(), DType::Int64);
    for (int64_t i = 0; i < x.numel(); ++i) {  // toward zero, as ONNX casts
      const float v = x.f32()[i];
      if (!std::isfinite(v) || std::fabs(v) > 9.2e18f)
        throw NodeError("the value " + std::to_string(v) + " does not fit an int64");
      f.i64()[i] = static_cast<int64_t>(v);
    }
    return f;
  }
  if (to != onnx::TensorProto::FLOAT && to != onnx::TensorProto::INT64)
    throw NodeError("casts to element type " + std::to_string(to) + " are not supported");
  return x;
}

Outputs arithmetic(const std::string& op, const Tensor& a, const Tensor& b) {
  const Shape shape = broadcastShapes(a.shape(), b.shape());
  checkSize(shape);
  if (a.dtype() == DType::Float32 && b.dtype() == DType::Float32) {
    const auto kind = op == "Add" ? ops::BinaryKind::Add : op == "Sub" ? ops::BinaryKind::Sub
                      : op == "Mul" ? ops::BinaryKind::Mul : ops::BinaryKind::Div;
    return std::vector<Tensor>{ops::binaryOp(kind, a, b)};
  }
  if (a.dtype() != DType::Int64 || b.dtype() != DType::Int64) return std::nullopt;
  const Tensor x = broadcastTo(a, shape), z = broadcastTo(b, shape);
  Tensor y = Tensor::empty(shape, DType::Int64);
  for (int64_t i = 0; i < y.numel(); ++i) {
    const int64_t p = x.i64()[i], q = z.i64()[i];
    int64_t r = 0;
    bool overflow = false;
    if (op == "Add") overflow = __builtin_add_overflow(p, q, &r);
    else if (op == "Sub") overflow = __builtin_sub_overflow(p, q, &r);
    else if (op == "Mul") overflow = __builtin_mul_overflow(p, q, &r);
    else if (q == 0) throw NodeError("integer division by zero");
    else if (p == INT64_MIN && q == -1) overflow = true;
    else r = p / q;  // truncates toward zero, as ONNX's integer Div does
    if (overflow) throw NodeError("the int64 result overflows");
    y.i64()[i] = r;
  }
  return std::vector<Tensor>{y};
}

Tensor concat(const onnx::NodeProto& n, const std::vector<Tensor>& xs) {
  if (xs.empty()) throw NodeError("no inputs");
  const Shape& s0 = xs[0].shape();
  const int axis = normAxis(intAttr(n, "axis", 0), s0.size());
  Shape o = s0;
  o[axis] = 0;
  for (const Tensor& t : xs) {
    if (t.dtype() != xs[0].dtype()) throw NodeError("inputs differ in element type");
    bool fits = t.ndim() == static_cast<int>(s0.size());
    for (size_t d = 0; fits && d < s0.size(); ++d)
      fits = int(d) == axis || t.shape()[d] == s0[d];
    if (!fits) throw NodeError("shapes " + shapeToString(s0) + " and " +
                               shapeToString(t.shape()) + " do not join along axis " +
                               std::to_string(axis));
    o[axis] += t.shape()[axis];
  }
  Tensor y = Tensor::empty(o, xs[0].dtype());
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= s0[d];
  for (size_t d = axis + 1; d < s0.size(); ++d) inner *= s0[d];
  const size_t esz = elementSize(y);
  char* dst = static_cast<char*>(y.raw());
  for (int64_t a = 0; a < outer; ++a)
    for (const Tensor& t : xs) {
      const size_t chunk = static_cast<size_t>(t.shape()[axis] * inner) * esz;
      if (!chunk) continue;
      std::memcpy(dst, static_cast<const char*>(t.raw()) + a * chunk, chunk);
      dst += chunk;
    }
  return y;
}

Tensor gather(const onnx::NodeProto& n, const Tensor& x, const Tensor& idx) {
  const Shape& s = x.shape();
  const int axis = normAxis(intAttr(n, "axis", 0), s.size());
  std::vector<int64_t> picks = intsOf(idx);
  for (int64_t& p : picks) {
    if (p < -s[axis] || p >= s[axis])
      throw NodeError("index " + std::to_string(p) + " out of range");
    if (p < 0) p += s[axis];
  }
  Shape outShape(s.begin(), s.begin() + axis);
  outShape.insert(outShape.end(), idx.shape().begin(), idx.shape().end());
  outShape.insert(outShape.end(), s.begin() + axis + 1, s.end());
  Shape flat = s;
  flat[axis] = static_cast<int64_t>(picks.size());
  return pick(x, axis, picks, flat).reshape(outShape);
}

std::vector<Tensor> split(const onnx::NodeProto& n, const Tensor& x, const Tensor* sizesIn) {
  const Shape& s = x.shape();
  const int axis = normAxis(intAttr(n, "axis", 0), s.size());
  std::vector<int64_t> sizes;
  if (sizesIn) sizes = intsOf(*sizesIn);
  else if (auto a = intsAttr(n, "split")) sizes = *a;
  else {
    const int64_t parts = n.output_size();
    if (parts < 1 || s[axis] % parts) throw NodeError("cannot split evenly");
    sizes.assign(static_cast<size_t>(parts), s[axis] / parts);
  }
  std::vector<Tensor> out;
  int64_t start = 0;
  for (size_t k = 0; k < sizes.size() && k < size_t(n.output_size()); ++k) {
    if (sizes[k] < 0 || sizes[k] > s[axis] - start)
      throw NodeError("split sizes exceed the axis");
    std::vector<int64_t> picks(static_cast<size_t>(sizes[k]));
    std::iota(picks.begin(), picks.end(), start);
    start += sizes[k];
    Shape o = s;
    o[axis] = sizes[k];
    out.push_back(pick(x, axis, picks, o));
  }
  return out;
}

// Slice (opset >= 10: starts, ends, axes, steps as inputs), any step.
Tensor slice(const Tensor& x, const std::vector<const Tensor*>& in) {
  auto ints = [&](size_t i) {
    return i < in.size() && in[i] ? std::optional(intsOf(*in[i])) : std::nullopt;
  };
  if (!ints(1) || !ints(2)) throw NodeError("starts and ends are required");
  const auto starts = *ints(1), ends = *ints(2);
  std::vector<int64_t> axes, steps;
  if (auto a = ints(3)) axes = *a;
  else for (size_t i = 0; i < starts.size(); ++i) axes.push_back(int64_t(i));
  if (auto s = ints(4)) steps = *s;
  else steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    throw NodeError("starts, ends, axes and steps differ in length");
  Tensor y = x;
  for (size_t k = 0; k < starts.size(); ++k) {
    const int axis = normAxis(axes[k], y.shape().size());
    const int64_t dim = y.shape()[axis], step = steps[k];
    if (step == 0) throw NodeError("a step of 0");
    auto clampIdx = [&](int64_t v, bool isEnd) {
      if (v < 0) v += dim;
      if (step > 0) return std::clamp<int64_t>(v, 0, dim);
      return std::clamp<int64_t>(v, isEnd ? -1 : 0, dim - 1);
    };
    const int64_t b = clampIdx(starts[k], false), e = clampIdx(ends[k], true);
    std::vector<int64_t> picks;
    for (int64_t i = b; step > 0 ? i < e : i > e; i += step) picks.push_back(i);
    Shape o = y.shape();
    o[axis] = static_cast<int64_t>(picks.size());
    y = pick(y, axis, picks, o);
  }
  return y;
}

// ConstantOfShape: `value` (one element, float32 by default 0) repeated over the given shape.
Tensor constantOfShape(const onnx::NodeProto& n, const Tensor& shapeIn) {
  if (shapeIn.ndim() != 1) throw NodeError("the shape input must be 1-D");
  const std::vector<int64_t> dims = intsOf(shapeIn);
  const Shape shape(dims.begin(), dims.end());
  checkSize(shape);
  Tensor fill = Tensor::zeros({1});
  if (const auto* a = attr(n, "value")) {
    auto t = readTensor(a->t());
    if (!t) throw NodeError(t.message());
    if (t->numel() != 1) throw NodeError("value must hold one element");
    fill = *t;
  }
  Tensor y = Tensor::empty(shape, fill.dtype());
  const size_t esz = elementSize(y);
  for (int64_t i = 0; i < y.numel(); ++i)
    std::memcpy(static_cast<char*>(y.raw()) + i * esz, fill.raw(), esz);
  return y;
}

// Range: start, start + delta, ... up to (not including) limit; scalars of one element type.
Tensor range(const Tensor& start, const Tensor& limit, const Tensor& delta) {
  if (start.numel() != 1 || limit.numel() != 1 || delta.numel() != 1)
    throw NodeError("start, limit and delta must be scalars");
  if (start.dtype() != limit.dtype() || start.dtype() != delta.dtype())
    throw NodeError("start, limit and delta differ in element type");
  const bool isInt = start.dtype() == DType::Int64;
  const double s = isInt ? double(start.i64()[0]) : start.f32()[0];
  const double l = isInt ? double(limit.i64()[0]) : limit.f32()[0];
  const double d = isInt ? double(delta.i64()[0]) : delta.f32()[0];
  if (d == 0 || !std::isfinite(s) || !std::isfinite(l) || !std::isfinite(d))
    throw NodeError("delta must be non-zero and the bounds finite");
  const double count = std::max(std::ceil((l - s) / d), 0.0);
  if (count > double(kMaxElements)) throw NodeError("the range would be implausibly long");
  const int64_t len = static_cast<int64_t>(count);
  Tensor y = Tensor::empty({len}, start.dtype());
  for (int64_t i = 0; i < len; ++i) {
    if (isInt) y.i64()[i] = start.i64()[0] + i * delta.i64()[0];
    else y.f32()[i] = start.f32()[0] + static_cast<float>(i) * delta.f32()[0];
  }
  return y;
}

}  // namespace

Outputs foldNode(const onnx::NodeProto& n, const std::vector<const Tensor*>& inputs) {
  NoGradGuard noGrad;
  const std::string& op = n.op_type();
  auto in = [&](size_t i) -> const Tensor& {
    if (i >= inputs.size() || !inputs[i])
      throw NodeError("input " + std::to_string(i) + " is missing");
    return *inputs[i];
  };
  auto optional = [&](size_t i) { return i < inputs.size() ? inputs[i] : nullptr; };
  auto one = [](Tensor t) { return Outputs(std::vector<Tensor>{std::move(t)}); };
  if (op == "Identity" || op == "Dropout") return one(in(0));
  if (op == "Cast") return one(cast(n, in(0)));
  if (op == "Neg" || op == "Abs") {  // on shapes and axes: LayerNorm's _expanded negative axes
    Tensor y = in(0).clone();
    const bool neg = op == "Neg";
    for (int64_t i = 0; i < y.numel(); ++i) {
      if (y.dtype() == DType::Int64) y.i64()[i] = neg ? -y.i64()[i] : std::llabs(y.i64()[i]);
      else y.f32()[i] = neg ? -y.f32()[i] : std::fabs(y.f32()[i]);
    }
    return one(y);
  }
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div")
    return arithmetic(op, in(0), in(1));
  if (op == "Transpose") {
    const Tensor& x = in(0);
    if (x.dtype() != DType::Float32) return std::nullopt;
    std::vector<int> perm;
    if (auto p = intsAttr(n, "perm")) perm.assign(p->begin(), p->end());
    else for (int i = x.ndim() - 1; i >= 0; --i) perm.push_back(i);
    return one(ops::permute(x, perm));
  }
  if (op == "Reshape" || op == "Flatten" || op == "Squeeze" || op == "Unsqueeze") {
    const Shape target = reshapeTarget(n, in(0).shape(), optional(1));
    return one(in(0).clone().reshape(target));
  }
  if (op == "Concat") {
    std::vector<Tensor> xs;
    for (size_t i = 0; i < inputs.size(); ++i) xs.push_back(in(i));
    return one(concat(n, xs));
  }
  if (op == "Gather") return one(gather(n, in(0), in(1)));
  if (op == "Split") return split(n, in(0), optional(1));
  if (op == "Slice") return one(slice(in(0), inputs));
  if (op == "ConstantOfShape") return one(constantOfShape(n, in(0)));
  if (op == "Range") return one(range(in(0), in(1), in(2)));
  if (op == "Expand") {
    const std::vector<int64_t> dims = intsOf(in(1));
    const Shape shape = broadcastShapes(in(0).shape(), Shape(dims.begin(), dims.end()));
    checkSize(shape);
    return one(broadcastTo(in(0), shape));
  }
  return std::nullopt;
}

}  // namespace strata::onnx_import
