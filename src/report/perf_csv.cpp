// ops_perf_results.csv in tt-metal's column names (see docs/perf-model.md, "Reports").
#include <fmt/format.h>

#include <map>
#include <sstream>

#include "meshrt/common/error.hpp"
#include "meshrt/report/perf_report.hpp"

namespace meshrt::report {

namespace {

std::string quote(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string attr_text(const binary::AttrValue& v) {
  struct Visitor {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return fmt::format("{}", d); }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(const std::vector<int64_t>& v) const {
      return fmt::format("[{}]", fmt::join(v, ", "));
    }
    std::string operator()(const std::vector<double>& v) const {
      return fmt::format("[{}]", fmt::join(v, ", "));
    }
    std::string operator()(const binary::DenseElements& d) const {
      if (d.values.size() > 16) return fmt::format("dense<{} values>", d.values.size());
      return fmt::format("dense<[{}]>", fmt::join(d.values, ", "));
    }
  };
  return std::visit(Visitor{}, v);
}

std::string_view metal_dtype(DataType dt) {
  switch (dt) {
    case DataType::kFloat32:
      return "FLOAT32";
    case DataType::kBFloat16:
      return "BFLOAT16";
    case DataType::kFloat16:
      return "FLOAT16";
    case DataType::kFloat64:
      return "FLOAT64";
    case DataType::kInt32:
      return "INT32";
    case DataType::kUInt32:
      return "UINT32";
    case DataType::kUInt16:
      return "UINT16";
    case DataType::kUInt8:
      return "UINT8";
    case DataType::kInt64:
      return "INT64";
    case DataType::kBool:
      return "BOOL";
    case DataType::kInt16:
      return "INT16";
  }
  return "UNKNOWN";
}

const char* const kTensorFields[] = {"W", "Z", "Y", "X", "LAYOUT", "DATATYPE", "MEMORY"};

// W, Z, Y, X (leading dims folded into W), layout, datatype, memory.
void tensor_cells(const binary::TensorDesc* d, uint32_t device, std::vector<std::string>& cells) {
  if (!d) {
    cells.insert(cells.end(), 7, "");
    return;
  }
  const Shape& s = d->presharded && !d->local_shape.empty() ? d->local_shape : d->shape;
  int64_t dims[4] = {1, 1, 1, 1};  // dims beyond the last four fold into W
  const size_t n = s.size();
  for (size_t i = 0; i < n; ++i) {
    if (n - i > 4) {
      dims[0] *= s[i];
    } else {
      dims[4 - (n - i)] *= s[i];
    }
  }
  for (int64_t x : dims) cells.push_back(std::to_string(x));
  cells.emplace_back(binary::is_tiled(d->layout) ? "TILE" : "ROW_MAJOR");
  cells.emplace_back(metal_dtype(d->dtype));
  cells.push_back(
      fmt::format("DEV_{}_{}_{}", device, d->buffer == binary::BufferType::kL1 ? "L1" : "DRAM",
                  d->memory_layout == binary::MemoryLayout::kSharded ? "SHARDED" : "INTERLEAVED"));
}

std::string op_type(OpFamily f) {
  if (f == OpFamily::kHostTransfer) return "host_transfer";
  return "tt_dnn_device";
}

}  // namespace

std::string format_attributes(const binary::Op& op) {
  std::string s = "{";
  bool first = true;
  for (const auto& [k, v] : op.attrs) {
    s += fmt::format("{}'{}': '{}'", first ? "" : "; ", k, attr_text(v));
    first = false;
  }
  return s + "}";
}

namespace {

// tt-metal's columns in ttrt's order, before the tensor groups and after them.
const char* const kLeadColumns[] = {"OP CODE",
                                    "OP TYPE",
                                    "GLOBAL CALL COUNT",
                                    "DEVICE ID",
                                    "ATTRIBUTES",
                                    "MATH FIDELITY",
                                    "CORE COUNT",
                                    "PARALLELIZATION STRATEGY",
                                    "HOST START TS",
                                    "HOST END TS",
                                    "HOST DURATION [ns]",
                                    "DEVICE FW START CYCLE",
                                    "DEVICE FW END CYCLE",
                                    "OP TO OP LATENCY [ns]",
                                    "OP TO OP LATENCY BR/NRISC START [ns]",
                                    "DEVICE FW DURATION [ns]",
                                    "DEVICE KERNEL DURATION [ns]",
                                    "DEVICE KERNEL DURATION DM START [ns]",
                                    "DEVICE KERNEL DURATION PER CORE MIN [ns]",
                                    "DEVICE KERNEL DURATION PER CORE MAX [ns]",
                                    "DEVICE KERNEL DURATION PER CORE AVG [ns]",
                                    "DEVICE KERNEL FIRST TO LAST START [ns]",
                                    "DEVICE BRISC KERNEL DURATION [ns]",
                                    "DEVICE NCRISC KERNEL DURATION [ns]",
                                    "DEVICE TRISC0 KERNEL DURATION [ns]",
                                    "DEVICE TRISC1 KERNEL DURATION [ns]",
                                    "DEVICE TRISC2 KERNEL DURATION [ns]",
                                    "DEVICE ERISC KERNEL DURATION [ns]",
                                    "DEVICE COMPUTE CB WAIT FRONT [ns]",
                                    "DEVICE COMPUTE CB RESERVE BACK [ns]",
                                    "DISPATCH TOTAL CQ CMD OP TIME [ns]",
                                    "DISPATCH GO SEND WAIT TIME [ns]"};
const char* const kTrailColumns[] = {"METAL TRACE ID",
                                     "METAL TRACE REPLAY SESSION ID",
                                     "COMPUTE KERNEL SOURCE",
                                     "COMPUTE KERNEL HASH",
                                     "DATA MOVEMENT KERNEL SOURCE",
                                     "DATA MOVEMENT KERNEL HASH",
                                     "BRISC MAX KERNEL SIZE [B]",
                                     "NCRISC MAX KERNEL SIZE [B]",
                                     "TRISC 0 MAX KERNEL SIZE [B]",
                                     "TRISC 1 MAX KERNEL SIZE [B]",
                                     "TRISC 2 MAX KERNEL SIZE [B]",
                                     "ERISC MAX KERNEL SIZE [B]",
                                     "PM IDEAL [ns]",
                                     "PM COMPUTE [ns]",
                                     "PM BANDWIDTH [ns]",
                                     "PM REQ I BW",
                                     "PM REQ O BW",
                                     "PM FPU UTIL (%)",
                                     "NOC UTIL (%)",
                                     "DRAM BW UTIL (%)",
                                     "NPE CONG IMPACT (%)",
                                     "LOC",
                                     "CONST_EVAL_OP",
                                     "INPUT_LAYOUT_CONVERSION_OP",
                                     "PROGRAM_METADATA"};

std::string py_bool(bool b) { return b ? "True" : "False"; }

}  // namespace

std::vector<std::string> ops_perf_csv_columns(size_t inputs) {
  std::vector<std::string> c(std::begin(kLeadColumns), std::end(kLeadColumns));
  for (size_t i = 0; i < std::max<size_t>(inputs, 1); ++i)
    for (const char* f : kTensorFields) c.push_back(fmt::format("INPUT_{}_{}", i, f));
  for (const char* f : kTensorFields) c.push_back(fmt::format("OUTPUT_0_{}", f));
  c.insert(c.end(), std::begin(kTrailColumns), std::end(kTrailColumns));
  return c;
}

std::vector<std::string> ops_perf_cells(const binary::Binary& bin, const ChipDesc& chip,
                                        const OpPerfRow& r, bool host_only,
                                        const PerfMetadata& meta, size_t inputs) {
  const binary::Op& op = op_of(bin, r);
  const binary::Program& p = bin.programs[r.program_index];
  std::vector<std::string> cells;
  auto blank = [&](size_t n) { cells.insert(cells.end(), n, ""); };
  auto modelled = [&](uint64_t v) { cells.push_back(host_only ? "" : std::to_string(v)); };
  cells.push_back(op.name);
  cells.push_back(op_type(r.family));
  cells.push_back(std::to_string(r.global_call_count));
  cells.push_back(std::to_string(r.device_id));
  cells.push_back(format_attributes(op));
  blank(1);  // MATH FIDELITY
  cells.push_back(host_only ? "" : std::to_string(r.core_count));
  blank(1);  // PARALLELIZATION STRATEGY
  cells.push_back(std::to_string(r.host_start_ns));
  cells.push_back(std::to_string(r.host_end_ns));
  cells.push_back(std::to_string(r.host_duration_ns()));
  auto cycles = [&](uint64_t ns) {
    return static_cast<uint64_t>(static_cast<double>(ns) * chip.clock_ghz);
  };
  modelled(cycles(r.device_start_ns));  // DEVICE FW START CYCLE
  modelled(cycles(r.device_end_ns));    // DEVICE FW END CYCLE
  modelled(r.op_to_op_ns);              // OP TO OP LATENCY [ns]
  blank(1);                             // OP TO OP LATENCY BR/NRISC START [ns]
  modelled(r.device_duration_ns());     // DEVICE FW DURATION [ns]
  modelled(r.device_duration_ns());     // DEVICE KERNEL DURATION [ns]
  blank(15);                            // per-core and per-RISC-V timers, CB waits, dispatch
  for (size_t i = 0; i < std::max<size_t>(inputs, 1); ++i) {
    const binary::TensorDesc* d = i < op.operands.size() ? &p.values[op.operands[i]] : nullptr;
    tensor_cells(d, r.device_id, cells);
  }
  tensor_cells(op.results.empty() ? nullptr : &p.values[op.results[0]], r.device_id, cells);
  blank(12);                         // trace ids, kernel sources and sizes
  modelled(r.device_duration_ns());  // PM IDEAL [ns]: the cost model's time
  modelled(r.compute_ns);            // PM COMPUTE [ns]
  modelled(r.bandwidth_ns);          // PM BANDWIDTH [ns]
  blank(6);                          // PM requests, utilisations
  cells.push_back(binary::mlir_loc(op.loc));
  cells.emplace_back("false");  // CONST_EVAL_OP
  cells.emplace_back("false");  // INPUT_LAYOUT_CONVERSION_OP
  cells.push_back(fmt::format(
      "{{'loop_number': {}, 'program_index': {}, 'disable_eth_dispatch': {}, "
      "'enable_program_cache': {}, 'dump_device_rate': {}, 'meshrt_program': '{}', "
      "'meshrt_rank': {}, 'meshrt_family': '{}', 'meshrt_fabric_config': '{}', "
      "'meshrt_device_time': '{}', 'meshrt_host_time': 'measured'}}",
      r.loop, r.program_index, py_bool(meta.disable_eth_dispatch),
      py_bool(meta.enable_program_cache), meta.dump_device_rate, p.name, r.rank,
      to_string(r.family), meta.fabric_config, host_only ? "not modelled" : "modelled"));
  return cells;
}

std::string ops_perf_csv(const binary::Binary& bin, const ChipDesc& chip,
                         const std::vector<OpPerfRow>& rows, bool host_only,
                         const PerfMetadata& meta) {
  size_t inputs = 1;
  for (const OpPerfRow& r : rows) inputs = std::max(inputs, op_of(bin, r).operands.size());
  std::string out = fmt::format("{}\n", fmt::join(ops_perf_csv_columns(inputs), ","));
  for (const OpPerfRow& r : rows) {
    std::vector<std::string> cells = ops_perf_cells(bin, chip, r, host_only, meta, inputs);
    for (std::string& c : cells) c = quote(c);
    out += fmt::format("{}\n", fmt::join(cells, ","));
  }
  return out;
}

}  // namespace meshrt::report
