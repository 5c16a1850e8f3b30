// Host tensors: a shape, a dtype and densely packed row-major element bytes.
//
// HostTensor owns its bytes (value semantics: copying copies the data). Not thread-safe for
// concurrent mutation; concurrent reads are fine (a generated tensor is made once, by the first
// reader).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <cstdint>
#include <memory>
#include <mutex>
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

// Allocates zeroed memory with calloc: the pages of a large zero tensor come fresh from the
// kernel and are not resident until written. Elements are not constructed (see above).
template <class T>
struct ZeroedAllocator : DefaultInitAllocator<T> {
  using value_type = T;
  template <class U>
  struct rebind {
    using other = ZeroedAllocator<U>;
  };
  ZeroedAllocator() = default;
  template <class U>
  ZeroedAllocator(const ZeroedAllocator<U>&) noexcept {}
  T* allocate(size_t n) {
    void* p = std::calloc(n == 0 ? 1 : n, sizeof(T));
    if (!p) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t) noexcept { std::free(p); }
  template <class U>
  bool operator==(const ZeroedAllocator<U>&) const noexcept {
    return true;
  }
};

// How program inputs are filled.
enum class InitKind { kRandn, kArange, kZeros, kOnes };
std::string_view to_string(InitKind kind);
// "randn" | "arange" | "zeros" | "ones"; throws Error(kInvalidArgument) otherwise.
InitKind init_kind_from_string(std::string_view text);

// A deterministic fill: the value of element i depends only on (seed, stream, i), never on
// thread count, rank or which elements are made first, so every rank and the reference
// interpreter agree, and a tensor can be made piece by piece.
// randn: standard normal; integers are drawn uniformly from [0, int_high) instead
// (int_high > 0; embedding indices need in-range values), also for float tensors when
// `integers` is set (float-typed indices). bool: 0/1. ones: with `ones_density` N > 1, an
// element is 1 with probability 1/N and 0 otherwise (ttrt's --ones-density). `offset` is added
// to every value (quantized integers are drawn from [0, 256) and shifted).
struct Fill {
  InitKind kind = InitKind::kRandn;
  uint64_t seed = 0;
  uint64_t stream = 0;
  int64_t int_high = 10;
  bool integers = false;
  uint32_t ones_density = 1;
  int64_t offset = 0;
  friend bool operator==(const Fill&, const Fill&) = default;
};
// Writes elements [first, first + count) of a `dtype` tensor filled by `fill` to `dst`.
void fill_range(std::byte* dst, DataType dtype, const Fill& fill, int64_t first, int64_t count);

class HostTensor {
 public:
  HostTensor() = default;
  HostTensor(const HostTensor& other);
  HostTensor(HostTensor&&) noexcept = default;
  HostTensor& operator=(const HostTensor& other);
  HostTensor& operator=(HostTensor&&) noexcept = default;
  // Zero-filled tensor (its pages are not resident until written).
  HostTensor(Shape shape, DataType dtype);
  // A tensor whose bytes are left uninitialised, for callers that overwrite every byte at once
  // (a receive, a whole copy): saves a pass over memory. Reading before writing is undefined.
  static HostTensor uninitialized(Shape shape, DataType dtype);
  // A tensor whose elements are made by `fill` when first read: data() (or at(), a copy's
  // data(), ...) makes them all, once; read() makes only the ones asked for; reshaped() keeps
  // them unmade. The values are those fill_range gives, whenever they are made.
  static HostTensor generated(Shape shape, DataType dtype, const Fill& fill);

  const Shape& shape() const { return shape_; }
  DataType dtype() const { return dtype_; }
  int64_t volume() const { return meshrt::volume(shape_); }
  size_t size_bytes() const { return static_cast<size_t>(volume()) * elem_; }
  // False while a generated tensor's elements have not been made (no memory held for them).
  bool materialized() const { return !lazy_ || lazy_->done.load(std::memory_order_acquire); }

  std::byte* data() {
    materialize();
    return bytes_.data();
  }
  const std::byte* data() const {
    materialize();
    return bytes_.data();
  }
  // Copies elements [first, first + count) to `dst`, making only those of a generated tensor.
  void read(int64_t first, int64_t count, std::byte* dst) const;
  // The same elements under another shape of the same volume (a generated tensor stays unmade).
  HostTensor reshaped(Shape shape) const;

  // Element i (row-major) as double, and store with rounding to the dtype.
  double at(int64_t i) const { return load_element(data() + i * elem_, dtype_); }
  void set(int64_t i, double v) { store_element(data() + i * elem_, dtype_, v); }

  // All elements as doubles (exact: every supported dtype fits in double, except i64 past 2^53).
  std::vector<double> to_doubles() const;
  static HostTensor from_doubles(Shape shape, DataType dtype, const std::vector<double>& values);

  // Two generated tensors with the same fill are equal without making either.
  friend bool operator==(const HostTensor& a, const HostTensor& b);

 private:
  struct NoFill {};
  HostTensor(Shape shape, DataType dtype, NoFill);
  void materialize() const;

  // A generated tensor's fill, made at most once.
  struct Lazy {
    explicit Lazy(const Fill& f) : fill(f) {}
    Fill fill;
    std::once_flag once;
    std::atomic<bool> done{false};
  };

  Shape shape_;
  DataType dtype_ = DataType::kFloat32;
  size_t elem_ = 4;
  std::shared_ptr<Lazy> lazy_;  // null: bytes_ hold the tensor
  mutable std::vector<std::byte, ZeroedAllocator<std::byte>> bytes_;
};

// Fills a whole tensor with fill_range (see Fill).
void fill_tensor(HostTensor& tensor, InitKind kind, uint64_t seed, uint64_t stream,
                 int64_t int_high = 10, bool integers = false, uint32_t ones_density = 1);

}  // namespace meshrt
