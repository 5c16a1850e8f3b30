#include "meshrt/report/perf.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>

#include "meshrt/common/error.hpp"

namespace meshrt::report {

OpFamily op_family(std::string_view name) {
  const catalog::OpInfo* info = catalog::find_op(name);
  return info ? info->cost : OpFamily::kEltwise;
}

PerfTotals perf_totals(const std::vector<OpPerfRow>& rows) {
  PerfTotals t;
  t.rows = rows.size();
  uint32_t last_loop = 0;
  for (const auto& r : rows) last_loop = std::max(last_loop, r.loop);
  std::map<uint32_t, uint64_t> busy;
  for (const auto& r : rows) {
    if (r.loop != last_loop) continue;  // one program run: the last loop's rows
    busy[r.device_id] += r.device_duration_ns();
    if (r.device_end_ns > t.device_duration_ns ||
        (r.device_end_ns == t.device_duration_ns && r.device_id < t.critical_device)) {
      t.device_duration_ns = r.device_end_ns;
      t.critical_device = r.device_id;
    }
  }
  if (!busy.empty()) t.device_busy_ns = busy[t.critical_device];
  return t;
}

namespace {
constexpr size_t kWordsPerRow = 16;
}

std::vector<uint64_t> rows_to_words(const std::vector<OpPerfRow>& rows) {
  std::vector<uint64_t> w;
  w.reserve(rows.size() * kWordsPerRow);
  for (const auto& r : rows) {
    w.insert(w.end(),
             {r.program_index, r.op_index, r.global_call_count, r.loop, r.device_id,
              static_cast<uint64_t>(static_cast<uint32_t>(r.rank)), static_cast<uint64_t>(r.family),
              r.core_count, r.host_start_ns, r.host_end_ns, r.device_start_ns, r.device_end_ns,
              r.op_to_op_ns, r.compute_ns, r.bandwidth_ns,
              (uint64_t{r.ccl_links} << 1) | (r.ccl_ring ? 1u : 0u)});
  }
  return w;
}

std::vector<OpPerfRow> rows_from_words(const std::vector<uint64_t>& w) {
  if (w.size() % kWordsPerRow != 0) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("perf rows: {} words is not a whole number of {}-word rows", w.size(),
                      kWordsPerRow));
  }
  std::vector<OpPerfRow> rows(w.size() / kWordsPerRow);
  for (size_t i = 0; i < rows.size(); ++i) {
    const uint64_t* p = w.data() + i * kWordsPerRow;
    OpPerfRow& r = rows[i];
    r.program_index = static_cast<uint32_t>(p[0]);
    r.op_index = static_cast<uint32_t>(p[1]);
    r.global_call_count = p[2];
    r.loop = static_cast<uint32_t>(p[3]);
    r.device_id = static_cast<uint32_t>(p[4]);
    r.rank = static_cast<int32_t>(static_cast<uint32_t>(p[5]));
    if (p[6] > static_cast<uint64_t>(OpFamily::kHostTransfer)) {
      raise(ErrorCode::kInvalidArgument, fmt::format("perf rows: unknown op family {}", p[6]));
    }
    r.family = static_cast<OpFamily>(p[6]);
    r.core_count = static_cast<uint32_t>(p[7]);
    r.host_start_ns = p[8];
    r.host_end_ns = p[9];
    r.device_start_ns = p[10];
    r.device_end_ns = p[11];
    r.op_to_op_ns = p[12];
    r.compute_ns = p[13];
    r.bandwidth_ns = p[14];
    r.ccl_ring = (p[15] & 1) != 0;
    r.ccl_links = static_cast<uint32_t>(p[15] >> 1);
  }
  return rows;
}

const binary::Op& op_of(const binary::Binary& bin, const OpPerfRow& r) {
  if (r.program_index >= bin.programs.size() ||
      r.op_index >= bin.programs[r.program_index].ops.size()) {
    raise(ErrorCode::kInvalidArgument,
          fmt::format("perf row names op {} of program {}, which the binary does not have",
                      r.op_index, r.program_index));
  }
  return bin.programs[r.program_index].ops[r.op_index];
}

}  // namespace meshrt::report
