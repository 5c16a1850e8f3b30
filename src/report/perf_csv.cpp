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

constexpr int kInputs = 2;  // INPUT_0, INPUT_1 (tt-metal prints as many as the widest op)

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
  cells.emplace_back(d->layout == binary::Layout::kTile ? "TILE" : "ROW_MAJOR");
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

std::vector<std::string> ops_perf_csv_columns() {
  std::vector<std::string> c = {"OP CODE",
                                "OP TYPE",
                                "GLOBAL CALL COUNT",
                                "DEVICE ID",
                                "ATTRIBUTES",
                                "CORE COUNT",
                                "HOST START TS",
                                "HOST END TS",
                                "HOST DURATION [ns]",
                                "DEVICE FW START CYCLE",
                                "DEVICE FW END CYCLE",
                                "DEVICE FW DURATION [ns]",
                                "DEVICE KERNEL DURATION [ns]"};
  for (int i = 0; i < kInputs; ++i)
    for (const char* f : kTensorFields) c.push_back(fmt::format("INPUT_{}_{}", i, f));
  for (const char* f : kTensorFields) c.push_back(fmt::format("OUTPUT_0_{}", f));
  c.emplace_back("LOC");
  c.emplace_back("PROGRAM_METADATA");
  return c;
}

std::vector<std::string> ops_perf_cells(const binary::Binary& bin, const ChipDesc& chip,
                                        const OpPerfRow& r, bool host_only) {
  const binary::Op& op = op_of(bin, r);
  const binary::Program& p = bin.programs[r.program_index];
  std::vector<std::string> cells;
  cells.push_back(op.name);
  cells.push_back(op_type(r.family));
  cells.push_back(std::to_string(r.global_call_count));
  cells.push_back(std::to_string(r.device_id));
  cells.push_back(format_attributes(op));
  cells.push_back(host_only ? "" : std::to_string(r.core_count));
  cells.push_back(std::to_string(r.host_start_ns));
  cells.push_back(std::to_string(r.host_end_ns));
  cells.push_back(std::to_string(r.host_duration_ns()));
  if (host_only) {
    cells.insert(cells.end(), 4, "");
  } else {
    auto cycles = [&](uint64_t ns) {
      return std::to_string(static_cast<uint64_t>(static_cast<double>(ns) * chip.clock_ghz));
    };
    cells.push_back(cycles(r.device_start_ns));
    cells.push_back(cycles(r.device_end_ns));
    cells.push_back(std::to_string(r.device_duration_ns()));
    cells.push_back(std::to_string(r.device_duration_ns()));
  }
  for (int i = 0; i < kInputs; ++i) {
    const binary::TensorDesc* d =
        static_cast<size_t>(i) < op.operands.size() ? &p.values[op.operands[i]] : nullptr;
    tensor_cells(d, r.device_id, cells);
  }
  tensor_cells(op.results.empty() ? nullptr : &p.values[op.results[0]], r.device_id, cells);
  cells.push_back(op.loc);
  cells.push_back(
      fmt::format("{{\"program\": \"{}\", \"program_index\": {}, \"loop\": {}, \"rank\": {}, "
                  "\"family\": \"{}\", \"device_time\": \"{}\", \"host_time\": \"measured\"}}",
                  p.name, r.program_index, r.loop, r.rank, to_string(r.family),
                  host_only ? "not recorded (--host-only)" : "modelled"));
  return cells;
}

std::string ops_perf_csv(const binary::Binary& bin, const ChipDesc& chip,
                         const std::vector<OpPerfRow>& rows, bool host_only) {
  std::string out = fmt::format("{}\n", fmt::join(ops_perf_csv_columns(), ","));
  for (const OpPerfRow& r : rows) {
    std::vector<std::string> cells = ops_perf_cells(bin, chip, r, host_only);
    for (std::string& c : cells) c = quote(c);
    out += fmt::format("{}\n", fmt::join(cells, ","));
  }
  return out;
}

}  // namespace meshrt::report
