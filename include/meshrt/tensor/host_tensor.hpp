// Host tensors: a shape, a dtype and densely packed row-major element bytes.
//
// HostTensor owns its bytes (value semantics: copying copies the data). Not thread-safe for
// concurrent mutation; concurrent reads are fine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "meshrt/tensor/dtype.hpp"

namespace meshrt {

using Shape = std::vector<int64_t>;

int64_t volume(const Shape& shape);
// Elements of `shape` when every dim is >= 0 and their product is at most `limit`, else
// nullopt (never overflows): for shapes read from untrusted bytes.
std::optional<uint64_t> checked_volume(const Shape& shape, uint64_t limit);
// Row-major strides in elements.
std::vector<int64_t> row_major_strides(const Shape& shape);
// "1x1x32x128" (empty shape: "scalar").
std::string shape_to_string(const Shape& shape);

// std::allocator whose value-less construct leaves elements default-initialised: a vector of
// bytes resized with it is not zero-filled.
template <class T>
struct DefaultInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  using std::allocator<T>::allocator;
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

class HostTensor {
 public:
  HostTensor() = default;
  // Zero-filled tensor.
  HostTensor(Shape shape, DataType dtype);
  // A tensor whose bytes are left uninitialised, for callers that overwrite every byte at once
  // (a receive, a whole copy): saves a pass over memory. Reading before writing is undefined.
  static HostTensor uninitialized(Shape shape, DataType dtype);

  const Shape& shape() const { return shape_; }
  DataType dtype() const { return dtype_; }
  int64_t volume() const { return meshrt::volume(shape_); }
  size_t size_bytes() const { return bytes_.size(); }

  std::byte* data() { return bytes_.data(); }
  const std::byte* data() const { return bytes_.data(); }

  // Element i (row-major) as double, and store with rounding to the dtype.
  double at(int64_t i) const { return load_element(bytes_.data() + i * elem_, dtype_); }
  void set(int64_t i, double v) { store_element(bytes_.data() + i * elem_, dtype_, v); }

  // All elements as doubles (exact: every supported dtype fits in double, except i64 past 2^53).
  std::vector<double> to_doubles() const;
  static HostTensor from_doubles(Shape shape, DataType dtype, const std::vector<double>& values);

  friend bool operator==(const HostTensor& a, const HostTensor& b) {
    return a.dtype_ == b.dtype_ && a.shape_ == b.shape_ && a.bytes_ == b.bytes_;
  }

 private:
  struct NoFill {};
  HostTensor(Shape shape, DataType dtype, NoFill);

  Shape shape_;
  DataType dtype_ = DataType::kFloat32;
  size_t elem_ = 4;
  std::vector<std::byte, DefaultInitAllocator<std::byte>> bytes_;
};

// How program inputs are filled.
enum class InitKind { kRandn, kArange, kZeros, kOnes };
std::string_view to_string(InitKind kind);
// "randn" | "arange" | "zeros" | "ones"; throws Error(kInvalidArgument) otherwise.
InitKind init_kind_from_string(std::string_view text);

// Fills a tensor deterministically. The value of element i depends only on (seed, stream, i),
// never on thread count or rank, so every rank and the reference interpreter agree.
// randn: standard normal; integers are drawn uniformly from [0, int_high) instead
// (int_high > 0; embedding indices need in-range values), also for float tensors when
// `integers` is set (float-typed indices). bool: 0/1. ones: with `ones_density` N > 1, an
// element is 1 with probability 1/N and 0 otherwise (ttrt's --ones-density).
void fill_tensor(HostTensor& tensor, InitKind kind, uint64_t seed, uint64_t stream,
                 int64_t int_high = 10, bool integers = false, uint32_t ones_density = 1);

}  // namespace meshrt
