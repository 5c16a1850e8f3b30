// ttir.rearrange's pattern resolved into elementary axes and their order (parse_rearrange.hpp).
#include "parse_rearrange.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <string>

#include "meshrt/common/error.hpp"
#include "parse_attrs.hpp"

namespace meshrt::compiler::detail {
namespace {

[[noreturn]] void bad(std::string_view pattern, const std::string& what) {
  throw Error(ErrorCode::kInvalidArgument,
              fmt::format("rearrange pattern \"{}\": {}", pattern, what));
}

// One dim of a side: the elementary axes it merges (empty: a unit dim), or the ellipsis.
struct Dim {
  std::vector<std::string> names;
  bool ellipsis = false;
};

std::vector<Dim> parse_side(std::string_view pattern, std::string_view side) {
  std::vector<Dim> dims;
  bool in_group = false, seen_ellipsis = false;
  size_t i = 0;
  while (i < side.size()) {
    const char c = side[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '(') {
      if (in_group) bad(pattern, "nested parentheses");
      in_group = true;
      dims.emplace_back();
      ++i;
    } else if (c == ')') {
      if (!in_group) bad(pattern, "')' without '('");
      in_group = false;
      ++i;
    } else if (side.substr(i, 3) == "...") {
      if (in_group) bad(pattern, "'...' inside parentheses is not supported");
      if (seen_ellipsis) bad(pattern, "'...' twice on one side");
      seen_ellipsis = true;
      dims.push_back(Dim{{}, true});
      i += 3;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i;
      while (j < side.size() &&
             (std::isalnum(static_cast<unsigned char>(side[j])) || side[j] == '_'))
        ++j;
      std::string name(side.substr(i, j - i));
      i = j;
      if (name == "1") {
        if (!in_group) dims.emplace_back();  // a unit dim; inside a group it changes nothing
        continue;
      }
      if (std::isdigit(static_cast<unsigned char>(name[0])))
        bad(pattern, fmt::format("'{}' is not an axis name (only 1 may be a number)", name));
      if (in_group)
        dims.back().names.push_back(std::move(name));
      else
        dims.push_back(Dim{{std::move(name)}, false});
    } else {
      bad(pattern, fmt::format("unexpected '{}'", c));
    }
  }
  if (in_group) bad(pattern, "'(' without ')'");
  return dims;
}

// The side's dims with the ellipsis replaced by one named dim per dim it covers.
std::vector<Dim> expand(std::string_view pattern, std::vector<Dim> dims, size_t rank,
                        const char* which, size_t ellipsis_dims) {
  std::vector<Dim> out;
  for (Dim& d : dims) {
    if (!d.ellipsis) {
      out.push_back(std::move(d));
      continue;
    }
    for (size_t k = 0; k < ellipsis_dims; ++k) out.push_back(Dim{{fmt::format("...{}", k)}, false});
  }
  if (out.size() != rank)
    bad(pattern, fmt::format("the {} side has {} dims but the {} has rank {}", which, out.size(),
                             which, rank));
  return out;
}

}  // namespace

RearrangePlan plan_rearrange(std::string_view pattern, const Shape& input, const Shape& result) {
  const size_t arrow = pattern.find("->");
  if (arrow == std::string_view::npos || pattern.find("->", arrow + 2) != std::string_view::npos)
    bad(pattern, "needs exactly one '->'");
  std::vector<Dim> left = parse_side(pattern, pattern.substr(0, arrow));
  std::vector<Dim> right = parse_side(pattern, pattern.substr(arrow + 2));
  auto has_ellipsis = [](const std::vector<Dim>& s) {
    return std::any_of(s.begin(), s.end(), [](const Dim& d) { return d.ellipsis; });
  };
  if (has_ellipsis(left) != has_ellipsis(right)) bad(pattern, "'...' on one side only");
  const size_t named_left = left.size() - (has_ellipsis(left) ? 1 : 0);
  if (has_ellipsis(left) && input.size() < named_left)
    bad(pattern, fmt::format("the input side names {} dims but the input has rank {}", named_left,
                             input.size()));
  const size_t ellipsis_dims = has_ellipsis(left) ? input.size() - named_left : 0;
  left = expand(pattern, std::move(left), input.size(), "input", ellipsis_dims);
  right = expand(pattern, std::move(right), result.size(), "result", ellipsis_dims);

  // Elementary axes in input order; each once per side and on both sides.
  std::vector<std::string> axes;
  std::map<std::string, size_t> index;
  for (const Dim& d : left)
    for (const std::string& n : d.names) {
      if (index.count(n)) bad(pattern, fmt::format("axis '{}' appears twice on the input side", n));
      index[n] = axes.size();
      axes.push_back(n);
    }
  std::vector<bool> on_right(axes.size(), false);
  for (const Dim& d : right)
    for (const std::string& n : d.names) {
      auto it = index.find(n);
      if (it == index.end()) bad(pattern, fmt::format("axis '{}' is on the result side only", n));
      if (on_right[it->second])
        bad(pattern, fmt::format("axis '{}' appears twice on the result side", n));
      on_right[it->second] = true;
    }
  for (size_t a = 0; a < axes.size(); ++a)
    if (!on_right[a]) bad(pattern, fmt::format("axis '{}' is on the input side only", axes[a]));

  // Sizes: a dim fixes its one unknown axis once the others are known; repeat until settled.
  std::vector<std::optional<int64_t>> size(axes.size());
  struct Constraint {
    const Dim* dim;
    int64_t extent;
  };
  std::vector<Constraint> constraints;
  for (size_t k = 0; k < left.size(); ++k) constraints.push_back({&left[k], input[k]});
  for (size_t k = 0; k < right.size(); ++k) constraints.push_back({&right[k], result[k]});
  for (bool changed = true; changed;) {
    changed = false;
    for (const Constraint& c : constraints) {
      int64_t known = 1;
      std::optional<size_t> unknown;
      bool several = false;
      for (const std::string& n : c.dim->names) {
        const size_t a = index.at(n);
        if (size[a]) {
          known *= *size[a];
        } else if (unknown) {
          several = true;
        } else {
          unknown = a;
        }
      }
      if (several || !unknown) continue;
      if (known == 0 || c.extent % known != 0)
        bad(pattern, fmt::format("a dim of size {} does not divide by {} (axis '{}')", c.extent,
                                 known, axes[*unknown]));
      size[*unknown] = c.extent / known;
      changed = true;
    }
  }
  RearrangePlan plan;
  for (size_t a = 0; a < axes.size(); ++a) {
    if (!size[a])
      bad(pattern, fmt::format("the size of axis '{}' cannot be told from the shapes", axes[a]));
    plan.axes_shape.push_back(*size[a]);
  }
  for (const Constraint& c : constraints) {
    int64_t product = 1;
    std::string names;
    for (const std::string& n : c.dim->names) {
      product *= *size[index.at(n)];
      names += (names.empty() ? "" : " ") + n;
    }
    if (product != c.extent)
      bad(pattern, fmt::format("({}) has {} elements but its dim has size {}",
                               names.empty() ? "1" : names, product, c.extent));
  }
  for (const Dim& d : right)
    for (const std::string& n : d.names)
      plan.axes_permutation.push_back(static_cast<int64_t>(index.at(n)));
  return plan;
}

void add_rearrange_attrs(const Cursor& cursor, size_t name_offset, binary::Op& op,
                         const std::vector<ParsedType>& operand_types,
                         const std::vector<ParsedType>& result_types) {
  const auto* pattern =
      op.attrs.count("pattern") ? std::get_if<std::string>(&op.attrs["pattern"]) : nullptr;
  if (!pattern)
    cursor.fail_at(name_offset, ErrorCode::kInvalidArgument,
                   "'ttir.rearrange' needs a string attribute 'pattern'");
  if (operand_types.size() != 1 || result_types.size() != 1 || !operand_types[0].is_tensor ||
      !result_types[0].is_tensor)
    cursor.fail_at(name_offset, ErrorCode::kInvalidArgument,
                   "'ttir.rearrange' takes one tensor and returns one tensor");
  try {
    RearrangePlan plan = plan_rearrange(*pattern, operand_types[0].shape, result_types[0].shape);
    op.attrs["axes_shape"] = std::move(plan.axes_shape);
    op.attrs["axes_permutation"] = std::move(plan.axes_permutation);
  } catch (const Error& e) {
    cursor.fail_at(name_offset, e.code(), fmt::format("'ttir.rearrange': {}", e.what()));
  }
}

}  // namespace meshrt::compiler::detail
