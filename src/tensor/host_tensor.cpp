#include "meshrt/tensor/host_tensor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "meshrt/common/error.hpp"

namespace meshrt {

int64_t volume(const Shape& shape) {
  int64_t v = 1;
  for (int64_t d : shape) v *= d;
  return v;
}

std::optional<uint64_t> checked_volume(const Shape& shape, uint64_t limit) {
  uint64_t v = 1;
  for (int64_t d : shape) {
    if (d < 0) return std::nullopt;
    if (d != 0 && v > limit / static_cast<uint64_t>(d)) return std::nullopt;
    v *= static_cast<uint64_t>(d);
  }
  if (v > limit) return std::nullopt;
  return v;
}

std::vector<int64_t> row_major_strides(const Shape& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) s[i - 1] = s[i] * shape[i];
  return s;
}

std::string shape_to_string(const Shape& shape) {
  if (shape.empty()) return "scalar";
  return fmt::format("{}", fmt::join(shape, "x"));
}

// The allocator zeroes (calloc), so a zero tensor needs no pass over its memory.
HostTensor::HostTensor(Shape shape, DataType dtype)
    : HostTensor(std::move(shape), dtype, NoFill{}) {}

HostTensor::HostTensor(const HostTensor& other)
    : shape_(other.shape_), dtype_(other.dtype_), elem_(other.elem_) {
  if (other.materialized()) {
    bytes_ = other.bytes_;
  } else {
    lazy_ = std::make_shared<Lazy>(other.lazy_->fill);
  }
}

HostTensor& HostTensor::operator=(const HostTensor& other) {
  if (this != &other) {
    HostTensor copy(other);
    *this = std::move(copy);
  }
  return *this;
}

HostTensor HostTensor::generated(Shape shape, DataType dtype, const Fill& fill) {
  HostTensor t;
  t.shape_ = std::move(shape);
  for (int64_t d : t.shape_) {
    if (d < 0) raise(ErrorCode::kInvalidArgument, "negative dimension in tensor shape");
  }
  t.dtype_ = dtype;
  t.elem_ = element_size(dtype);
  t.lazy_ = std::make_shared<Lazy>(fill);
  return t;
}

void HostTensor::materialize() const {
  if (!lazy_) return;
  std::call_once(lazy_->once, [&] {
    bytes_.resize(size_bytes());
    fill_range(bytes_.data(), dtype_, lazy_->fill, 0, volume());
    lazy_->done.store(true, std::memory_order_release);
  });
}

void HostTensor::read(int64_t first, int64_t count, std::byte* dst) const {
  if (first < 0 || count < 0 || first + count > volume()) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("elements [{}, {}) of a tensor of {} elements", first, first + count,
                      volume()));
  }
  if (materialized()) {
    std::copy_n(bytes_.data() + first * elem_, count * elem_, dst);
  } else {
    fill_range(dst, dtype_, lazy_->fill, first, count);
  }
}

HostTensor HostTensor::reshaped(Shape shape) const {
  if (meshrt::volume(shape) != volume()) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("cannot reshape {} to {}", shape_to_string(shape_), shape_to_string(shape)));
  }
  HostTensor t(*this);
  t.shape_ = std::move(shape);
  return t;
}

bool operator==(const HostTensor& a, const HostTensor& b) {
  if (a.dtype_ != b.dtype_ || a.shape_ != b.shape_) return false;
  if (!a.materialized() && !b.materialized() && a.lazy_->fill == b.lazy_->fill) return true;
  return std::equal(a.data(), a.data() + a.size_bytes(), b.data());
}

HostTensor::HostTensor(Shape shape, DataType dtype, NoFill)
    : shape_(std::move(shape)), dtype_(dtype), elem_(element_size(dtype)) {
  for (int64_t d : shape_) {
    if (d < 0) raise(ErrorCode::kInvalidArgument, "negative dimension in tensor shape");
  }
  bytes_.resize(static_cast<size_t>(meshrt::volume(shape_)) * elem_);
}

HostTensor HostTensor::uninitialized(Shape shape, DataType dtype) {
  return HostTensor(std::move(shape), dtype, NoFill{});
}

std::vector<double> HostTensor::to_doubles() const {
  std::vector<double> out(static_cast<size_t>(volume()));
  const std::byte* p = data();
  for (size_t i = 0; i < out.size(); ++i) out[i] = load_element(p + i * elem_, dtype_);
  return out;
}

HostTensor HostTensor::from_doubles(Shape shape, DataType dtype, const std::vector<double>& v) {
  HostTensor t(std::move(shape), dtype);
  if (static_cast<int64_t>(v.size()) != t.volume()) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("{} values given for a tensor of {} elements", v.size(), t.volume()));
  }
  for (size_t i = 0; i < v.size(); ++i) t.set(static_cast<int64_t>(i), v[i]);
  return t;
}

std::string_view to_string(InitKind kind) {
  switch (kind) {
    case InitKind::kRandn:
      return "randn";
    case InitKind::kArange:
      return "arange";
    case InitKind::kZeros:
      return "zeros";
    case InitKind::kOnes:
      return "ones";
  }
  return "randn";
}

InitKind init_kind_from_string(std::string_view t) {
  if (t == "randn") return InitKind::kRandn;
  if (t == "arange") return InitKind::kArange;
  if (t == "zeros") return InitKind::kZeros;
  if (t == "ones") return InitKind::kOnes;
  raise(ErrorCode::kInvalidArgument,
        fmt::format("unknown init '{}': expected randn, arange, zeros or ones", t));
}

namespace {
// SplitMix64: a counter-based generator, so element i is independent of traversal order.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
double unit(uint64_t bits) { return (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53; }
}  // namespace

void fill_range(std::byte* dst, DataType dtype, const Fill& fill, int64_t first, int64_t count) {
  const uint64_t key = mix(fill.seed ^ mix(fill.stream + 0x51ed27ull));
  const size_t esz = element_size(dtype);
  // Integers in a float dtype stay below the first integer it cannot represent exactly.
  int64_t high = fill.int_high > 0 ? fill.int_high : 1;
  if (dtype == DataType::kBFloat16) high = std::min<int64_t>(high, 256);
  if (dtype == DataType::kFloat16) high = std::min<int64_t>(high, 2048);
  if (dtype == DataType::kFloat32) high = std::min<int64_t>(high, int64_t{1} << 24);
  const bool as_integers = fill.integers || !is_float(dtype);
  for (int64_t k = 0; k < count; ++k) {
    const auto i = static_cast<uint64_t>(first + k);
    double v = 0;
    switch (fill.kind) {
      case InitKind::kZeros:
        v = 0;
        break;
      case InitKind::kOnes:
        v = fill.ones_density <= 1 || mix(key + 2 * i) % fill.ones_density == 0;
        break;
      case InitKind::kArange:
        v = static_cast<double>(i);
        break;
      case InitKind::kRandn: {
        uint64_t a = mix(key + 2 * i);
        if (dtype == DataType::kBool) {
          v = static_cast<double>(a & 1u);
        } else if (as_integers) {
          v = static_cast<double>(a % static_cast<uint64_t>(high));
        } else {
          uint64_t b = mix(key + 2 * i + 1);
          v = std::sqrt(-2.0 * std::log(unit(a))) * std::cos(2.0 * M_PI * unit(b));  // Box-Muller
        }
        break;
      }
    }
    if (fill.offset != 0) v += static_cast<double>(fill.offset);
    store_element(dst + k * esz, dtype, v);
  }
}

void fill_tensor(HostTensor& t, InitKind kind, uint64_t seed, uint64_t stream, int64_t int_high,
                 bool integers, uint32_t ones_density) {
  fill_range(t.data(), t.dtype(), Fill{kind, seed, stream, int_high, integers, ones_density, 0}, 0,
             t.volume());
}

}  // namespace meshrt
