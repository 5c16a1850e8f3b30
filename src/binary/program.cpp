#include "meshrt/binary/program.hpp"
#include <algorithm>

#include <fmt/format.h>

#include "meshrt/common/error.hpp"

namespace meshrt::binary {

namespace {
[[noreturn]] void attr_error(const Op& op, const std::string& key, const char* what) {
  raise(ErrorCode::kInvalidArgument,
        fmt::format("op '{}' at {}: attribute '{}' {}", op.name, op.loc, key, what));
}
const AttrValue& get(const Op& op, const std::string& key) {
  auto it = op.attrs.find(key);
  if (it == op.attrs.end()) attr_error(op, key, "is missing");
  return it->second;
}
}  // namespace

int64_t Op::int_attr(const std::string& key) const {
  const AttrValue& v = get(*this, key);
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  if (auto* b = std::get_if<bool>(&v)) return *b ? 1 : 0;
  attr_error(*this, key, "is not an integer");
}

int64_t Op::int_attr_or(const std::string& key, int64_t fallback) const {
  return has_attr(key) ? int_attr(key) : fallback;
}

double Op::float_attr(const std::string& key) const {
  const AttrValue& v = get(*this, key);
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  if (auto* e = std::get_if<DenseElements>(&v); e && e->values.size() == 1) return e->values[0];
  attr_error(*this, key, "is not a number");
}

double Op::float_attr_or(const std::string& key, double fallback) const {
  return has_attr(key) ? float_attr(key) : fallback;
}

bool Op::bool_attr_or(const std::string& key, bool fallback) const {
  if (!has_attr(key)) return fallback;
  const AttrValue& v = get(*this, key);
  if (auto* b = std::get_if<bool>(&v)) return *b;
  if (auto* i = std::get_if<int64_t>(&v)) return *i != 0;
  attr_error(*this, key, "is not a boolean");
}

const std::string& Op::string_attr(const std::string& key) const {
  const AttrValue& v = get(*this, key);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  attr_error(*this, key, "is not a string or enum");
}

Shape storage_shape(const Shape& shape, Layout layout) {
  if (layout != Layout::kConvWeight || shape.size() < 3) return shape;
  int64_t rows = 1;
  for (size_t d = 1; d < shape.size(); ++d) rows *= shape[d];
  return {1, 1, rows, shape[0]};
}

std::vector<std::vector<uint32_t>> Op::replica_groups() const {
  const DenseElements& d = dense_attr("replica_groups");
  if (d.shape.size() != 2 || d.shape[1] <= 0)
    raise(ErrorCode::kInvalidArgument,
          fmt::format("op '{}' at loc '{}': replica_groups must be a 2-D array of device ids, got "
                      "shape {}",
                      name, loc, shape_to_string(d.shape)));
  std::vector<std::vector<uint32_t>> groups(static_cast<size_t>(d.shape[0]));
  std::vector<int64_t> seen;
  for (int64_t g = 0; g < d.shape[0]; ++g) {
    for (int64_t k = 0; k < d.shape[1]; ++k) {
      const auto id = static_cast<int64_t>(d.at(g * d.shape[1] + k));
      if (id < 0 || std::count(seen.begin(), seen.end(), id) != 0)
        raise(ErrorCode::kInvalidArgument,
              fmt::format("op '{}' at loc '{}': replica_groups names device {} {}", name, loc, id,
                          id < 0 ? "(negative)" : "twice"));
      seen.push_back(id);
      groups[g].push_back(static_cast<uint32_t>(id));
    }
  }
  return groups;
}

std::vector<int> Op::segment_operands(size_t segments) const {
  std::vector<int> first(segments, -1);
  if (!has_attr("operandSegmentSizes")) {
    for (size_t k = 0; k < segments && k < operands.size(); ++k) first[k] = static_cast<int>(k);
    return first;
  }
  const std::vector<int64_t> sizes = ints_attr("operandSegmentSizes");
  int64_t next = 0;
  for (int64_t size : sizes) next += size;
  if (sizes.size() != segments || next != static_cast<int64_t>(operands.size())) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("op '{}' at loc '{}': operandSegmentSizes has {} segments of {} operands, "
                      "expected {} segments of the {} operands",
                      name, loc, sizes.size(), next, segments, operands.size()));
  }
  next = 0;
  for (size_t k = 0; k < segments; ++k) {
    if (sizes[k] > 0) first[k] = static_cast<int>(next);
    next += sizes[k];
  }
  return first;
}

std::vector<int64_t> Op::ints_attr(const std::string& key) const {
  const AttrValue& v = get(*this, key);
  if (auto* a = std::get_if<std::vector<int64_t>>(&v)) return *a;
  if (auto* i = std::get_if<int64_t>(&v)) return {*i};
  if (auto* e = std::get_if<DenseElements>(&v)) {
    std::vector<int64_t> out;
    for (int64_t i = 0; i < volume(e->shape); ++i) out.push_back(static_cast<int64_t>(e->at(i)));
    return out;
  }
  attr_error(*this, key, "is not an integer array");
}

const DenseElements& Op::dense_attr(const std::string& key) const {
  const AttrValue& v = get(*this, key);
  if (auto* e = std::get_if<DenseElements>(&v)) return *e;
  attr_error(*this, key, "is not a dense elements attribute");
}

std::string mlir_loc(const std::string& key) {
  std::string name = key, suffix;
  size_t hash = key.rfind('#');
  if (hash != std::string::npos && hash + 1 < key.size() &&
      key.find_first_not_of("0123456789", hash + 1) == std::string::npos) {
    name = key.substr(0, hash);
    suffix = key.substr(hash);
  }
  std::string out = "loc(\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\")" + suffix;
}

std::string Version::to_string() const { return fmt::format("{}.{}.{}", major, minor, patch); }

std::string golden_key(const std::string& loc, size_t result_index) {
  return result_index == 0 ? loc : loc + "#" + std::to_string(result_index);
}

}  // namespace meshrt::binary
