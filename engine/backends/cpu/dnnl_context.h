// The CPU backend's oneDNN engine, stream and primitive cache. Primitives are created once per
// (kind, shapes, attributes) key and reused across steps; the cache is per thread, so the trainer
// thread and a GUI inference thread never share a primitive or its scratchpad.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include <oneapi/dnnl/dnnl.hpp>

#include "tensor/tensor.h"

namespace strata::cpu {

dnnl::engine& engine();
dnnl::stream& stream();

dnnl::memory::dims toDims(const Shape& s);
// A plain row-major memory descriptor for a tensor of this shape and type.
dnnl::memory::desc plainDesc(const Shape& s, DType t = DType::Float32);
// Wraps a tensor's buffer (no copy).
dnnl::memory wrap(const Tensor& t, const dnnl::memory::desc& md);
dnnl::memory wrap(const Tensor& t);

namespace detail {
void noteCacheInsert();  // counts cached-object creations on this thread (primitiveCacheSize)
}

// Returns the cached object for `key`, building it with `make` on first use. T is usually a
// struct holding a primitive (and its primitive_desc when reorders or workspaces are needed).
template <class T>
T& cached(const std::string& key, const std::function<T()>& make) {
  thread_local std::unordered_map<std::string, std::shared_ptr<void>> cache;
  auto it = cache.find(key);
  if (it == cache.end()) {
    it = cache.emplace(key, std::make_shared<T>(make())).first;
    detail::noteCacheInsert();
  }
  return *static_cast<T*>(it->second.get());
}

// How many objects `cached` has created on this thread so far (all types). Lets tests check that
// an op run twice on the same shapes builds its primitives only once.
size_t primitiveCacheSize();

// "3x4x5": a compact key fragment for a shape.
std::string dimsKey(const Shape& s);

}  // namespace strata::cpu
