// The op catalogue: every TTIR op meshrt knows, described once.
//
// An entry holds what any layer needs to know about an op without running it: its name (as in
// tt-mlir's TTIROps.td, without "ttir."), the family it belongs to (one catalogue file per
// family), how it is costed, how the runtime executes it, which of its operands hold indices
// or quantized integers (so generated inputs are valid), which ttnn lays out other than in
// tiles, whether it writes its first operand in place, and its TTIR signature (operands,
// attributes and results by name; the verifier refuses an op that lacks a required attribute,
// and each op's verifier function checks shapes and values). The layers that implement ops (verifier,
// reference interpreter, device kernels) keep their functions in an OpTable keyed by this
// catalogue, so no layer holds an op-name list of its own and a conformance test can ask every
// layer whether it implements every catalogued op.
//
// All functions are thread-safe (the catalogue is immutable once built, on first use).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace meshrt::catalog {

// How an op is costed and coloured in the timeline.
enum class CostFamily : uint8_t {
  kMatmul,        // matmul, linear, dot_general, convolutions, attention: compute vs DRAM roofline
  kEltwise,       // unary/binary/ternary elementwise ops: DRAM bound
  kReduction,     // reductions, softmax, norms, sort: DRAM bound
  kDataMovement,  // reshape, permute, concat, slice, gather, caches ...: DRAM bound
  kCreation,      // constant, full, zeros, arange, ...: output writes only
  kCollective,    // all_gather, reduce_scatter, all_reduce, ...: links between chips
  kHostTransfer,  // mesh_shard: host <-> device over PCIe
};

// How the runtime executes an op.
enum class Execution : uint8_t {
  kKernel,        // a device kernel per chip (ops/kernels.hpp)
  kCollective,    // a collective step across the mesh's chips (ops/ccl.hpp)
  kMeshShard,     // host <-> mesh distribution (the executor itself)
  kCall,          // a call of another program of the binary
  kPipelineOnly,  // exists only inside tt-mlir's own pipelines: not a TTIR program op
};

// An operand whose generated values must be valid indices or quantized integers.
struct OperandRole {
  enum class Kind : uint8_t {
    kIndex,      // values in [0, bound): bound = dim `bound_dim` of operand `bound_operand`
    kQuantized,  // integers of a quantized tensor, drawn from the int8-like range
  };
  Kind kind = Kind::kIndex;
  uint8_t operand = 0;
  uint8_t bound_operand = 0;
  int8_t bound_dim = 0;        // a dim of bound_operand's shape (negative: from the back)
  bool dim_from_attr = false;  // the dim is the op's "dim" attribute instead (default 0)
  int64_t cap = 0;             // when > 0, the bound is at most this (cache positions)
};

// An operand, attribute or result of an op's TTIR signature.
struct SchemaEntry {
  std::string_view name;
  bool optional = false;  // may be absent (an attribute: optional or defaulted)
  bool variadic = false;  // any number (operands and results)
  // An attribute's storage kind as TTIROps.td declares it, wrappers removed: "SI32Attr",
  // "DenseI64ArrayAttr", "I32Attr|DenseI32ArrayAttr" (either), "TTCore_ReduceTypeAttr"...
  std::string_view kind;
};

// An op's signature as tt-mlir's TTIROps.td declares it (src/catalog/ttir_schema.inc, written
// by scripts/ttir_schema.py); empty for meshrt's own `call`. In-place TTIR ops declare no
// result (meshrt's parser gives them the written operand as one).
struct OpSchema {
  std::vector<SchemaEntry> operands, attributes, results;
};

struct OpInfo {
  std::string_view name;    // TTIR name without "ttir."
  std::string_view family;  // catalogue family (the file that describes it)
  CostFamily cost = CostFamily::kEltwise;
  Execution execution = Execution::kKernel;
  std::vector<OperandRole> operand_roles;
  bool writes_first_operand = false;  // in place: the op updates operand 0 (a cache)
  // Whether the result holds operand 0's elements in the same row-major order (a reshape; a
  // permute by the identity only): of a generated operand not yet made, it is a view.
  enum class ElementOrder : uint8_t { kChanged, kKept, kKeptByIdentityPermutation };
  ElementOrder element_order = ElementOrder::kChanged;
  // The operand the op reads only rows of, those its indices select (an embedding's table):
  // of a generated table, only those rows are made.
  int8_t rows_read_operand = -1;
  // Operands ttnn lays out other than in 32x32 tiles: a convolution's weight (as the tiled
  // matrix it prepares) and its bias (row-major).
  int8_t conv_weight_operand = -1;
  std::vector<uint8_t> row_major_operands;
  std::string_view why_not = {};  // for kPipelineOnly: what the op is for instead
  OpSchema schema;
};

using OpId = uint16_t;

// Every catalogued op, sorted by name; an OpId indexes this span.
std::span<const OpInfo> all_ops();

// The entry of a TTIR op name (without "ttir."), or nullptr when the catalogue has none.
const OpInfo* find_op(std::string_view name);

// The id of a catalogued name; throws Error(kInternal) naming it when it is not catalogued
// (a layer registering an implementation for an op the catalogue lacks is a defect).
OpId op_id(std::string_view name);

std::string_view to_string(CostFamily family);
std::string_view to_string(Execution execution);

// One implementation per catalogued op (a verifier, a reference function, a kernel), keyed by
// OpId. Filled once by the owning layer through operator[] with the op's name (which must be
// catalogued), read concurrently afterwards.
template <class Fn>
class OpTable {
 public:
  OpTable() : fns_(all_ops().size(), nullptr) {}
  Fn& operator[](std::string_view name) { return fns_[op_id(name)]; }
  // The implementation of `name`, or nullptr when this layer has none (or the op is unknown).
  Fn find(std::string_view name) const {
    const OpInfo* info = find_op(name);
    return info ? fns_[static_cast<size_t>(info - all_ops().data())] : nullptr;
  }
  // Names (catalogue order) of the ops this table implements.
  std::vector<std::string_view> names() const {
    std::vector<std::string_view> out;
    for (size_t i = 0; i < fns_.size(); ++i)
      if (fns_[i]) out.push_back(all_ops()[i].name);
    return out;
  }

 private:
  std::vector<Fn> fns_;
};

}  // namespace meshrt::catalog
