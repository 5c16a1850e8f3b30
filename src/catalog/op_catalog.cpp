// The catalogue: built once from the family files, sorted by name, looked up by name.
#include "meshrt/catalog/op_catalog.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "families.hpp"
#include "meshrt/common/error.hpp"

namespace meshrt::catalog {

namespace {

// One op's signature in ttir_schema.inc: comma-separated names, `?` optional, `*` variadic,
// an attribute's storage kind after a `:`.
struct SchemaText {
  std::string_view name, operands, attributes, results;
};
constexpr SchemaText kSchema[] = {
#include "ttir_schema.inc"
};

std::vector<SchemaEntry> entries(std::string_view list) {
  std::vector<SchemaEntry> out;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    SchemaEntry e;
    if (const size_t colon = item.find(':'); colon != std::string_view::npos) {
      e.kind = item.substr(colon + 1);
      item = item.substr(0, colon);
    }
    if (!item.empty() && (item.back() == '?' || item.back() == '*')) {
      (item.back() == '?' ? e.optional : e.variadic) = true;
      item.remove_suffix(1);
    }
    e.name = item;
    out.push_back(e);
  }
  return out;
}

struct Catalogue {
  std::vector<OpInfo> ops;
  std::unordered_map<std::string_view, OpId> by_name;
};

const Catalogue& catalogue() {
  static const Catalogue c = [] {
    Catalogue out;
    detail::add_eltwise_ops(out.ops);
    detail::add_compute_ops(out.ops);
    detail::add_data_movement_ops(out.ops);
    detail::add_creation_ops(out.ops);
    detail::add_collective_ops(out.ops);
    detail::add_transformer_ops(out.ops);
    detail::add_quantization_ops(out.ops);
    detail::add_moe_ops(out.ops);
    detail::add_program_ops(out.ops);
    for (OpInfo& op : out.ops) {
      for (const SchemaText& t : kSchema) {
        if (t.name != op.name) continue;
        op.schema = {entries(t.operands), entries(t.attributes), entries(t.results)};
        break;
      }
    }
    std::sort(out.ops.begin(), out.ops.end(),
              [](const OpInfo& a, const OpInfo& b) { return a.name < b.name; });
    for (size_t i = 0; i < out.ops.size(); ++i) {
      auto [it, fresh] = out.by_name.emplace(out.ops[i].name, static_cast<OpId>(i));
      if (!fresh)
        raise(ErrorCode::kInternal,
              fmt::format("op catalogue: '{}' is described twice", out.ops[i].name));
    }
    return out;
  }();
  return c;
}

}  // namespace

std::span<const OpInfo> all_ops() { return catalogue().ops; }

const OpInfo* find_op(std::string_view name) {
  const Catalogue& c = catalogue();
  auto it = c.by_name.find(name);
  return it == c.by_name.end() ? nullptr : &c.ops[it->second];
}

OpId op_id(std::string_view name) {
  const Catalogue& c = catalogue();
  auto it = c.by_name.find(name);
  if (it == c.by_name.end())
    raise(ErrorCode::kInternal,
          fmt::format("op '{}' is implemented but not in the op catalogue", name));
  return it->second;
}

std::string_view to_string(CostFamily family) {
  switch (family) {
    case CostFamily::kMatmul:
      return "matmul";
    case CostFamily::kEltwise:
      return "eltwise";
    case CostFamily::kReduction:
      return "reduction";
    case CostFamily::kDataMovement:
      return "data_movement";
    case CostFamily::kCreation:
      return "creation";
    case CostFamily::kCollective:
      return "collective";
    case CostFamily::kHostTransfer:
      return "host_transfer";
  }
  return "eltwise";
}

std::string_view to_string(Execution execution) {
  switch (execution) {
    case Execution::kKernel:
      return "kernel";
    case Execution::kCollective:
      return "collective";
    case Execution::kMeshShard:
      return "mesh_shard";
    case Execution::kCall:
      return "call";
    case Execution::kPipelineOnly:
      return "pipeline_only";
  }
  return "kernel";
}

}  // namespace meshrt::catalog
