// Chrome trace and SVG timeline (see perf_report.hpp).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "meshrt/common/error.hpp"
#include "meshrt/report/perf_report.hpp"

namespace meshrt::report {

namespace {

using nlohmann::json;

std::string_view colour(OpFamily f) {
  switch (f) {
    case OpFamily::kMatmul:
      return "#4e79a7";
    case OpFamily::kEltwise:
      return "#59a14f";
    case OpFamily::kReduction:
      return "#edc948";
    case OpFamily::kDataMovement:
      return "#b07aa1";
    case OpFamily::kCreation:
      return "#9c755f";
    case OpFamily::kCollective:
      return "#e15759";
    case OpFamily::kHostTransfer:
      return "#bab0ac";
  }
  return "#888888";
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string chrome_trace_json(const binary::Binary& bin, const std::vector<OpPerfRow>& rows,
                              bool host_only) {
  constexpr int kChipsPid = 1, kRanksPid = 2;
  json events = json::array();
  auto meta = [&](int pid, int tid, const char* what, const std::string& name) {
    json e = {{"ph", "M"}, {"pid", pid}, {"name", what}, {"args", {{"name", name}}}};
    if (tid >= 0) e["tid"] = tid;
    events.push_back(e);
  };
  if (!host_only) meta(kChipsPid, -1, "process_name", "chips (modelled device time)");
  meta(kRanksPid, -1, "process_name", "ranks (measured host time)");
  // Loops follow each other on the modelled time line.
  std::map<uint32_t, uint64_t> loop_end;
  uint64_t host_origin = UINT64_MAX;
  std::set<uint32_t> chips;
  std::set<int32_t> ranks;
  for (const auto& r : rows) {
    loop_end[r.loop] = std::max(loop_end[r.loop], r.device_end_ns);
    host_origin = std::min(host_origin, r.host_start_ns);
    chips.insert(r.device_id);
    ranks.insert(r.rank);
  }
  std::map<uint32_t, uint64_t> loop_offset;
  uint64_t at = 0;
  for (const auto& [loop, end] : loop_end) {
    loop_offset[loop] = at;
    at += end;
  }
  if (!host_only) {
    for (uint32_t d : chips) {
      meta(kChipsPid, static_cast<int>(d), "thread_name", fmt::format("chip {}", d));
      events.push_back({{"ph", "M"},
                        {"pid", kChipsPid},
                        {"tid", d},
                        {"name", "thread_sort_index"},
                        {"args", {{"sort_index", d}}}});
    }
  }
  for (int32_t r : ranks) meta(kRanksPid, r, "thread_name", fmt::format("rank {}", r));
  std::set<std::tuple<int32_t, uint32_t, uint64_t>> host_seen;
  for (const auto& r : rows) {
    const binary::Op& op = op_of(bin, r);
    json args = {{"loc", op.loc},
                 {"program_index", r.program_index},
                 {"loop", r.loop},
                 {"global_call_count", r.global_call_count}};
    if (!host_only) {
      json a = args;
      a["device_id"] = r.device_id;
      a["family"] = std::string(to_string(r.family));
      a["core_count"] = r.core_count;
      a["time"] = "modelled";
      events.push_back({{"ph", "X"},
                        {"pid", kChipsPid},
                        {"tid", r.device_id},
                        {"name", op.name},
                        {"cat", std::string(to_string(r.family))},
                        {"ts", static_cast<double>(loop_offset[r.loop] + r.device_start_ns) / 1e3},
                        {"dur", static_cast<double>(r.device_duration_ns()) / 1e3},
                        {"args", a}});
    }
    if (host_seen.insert({r.rank, r.loop, r.global_call_count}).second) {
      json a = args;
      a["time"] = "measured";
      events.push_back({{"ph", "X"},
                        {"pid", kRanksPid},
                        {"tid", r.rank},
                        {"name", op.name},
                        {"cat", "host"},
                        {"ts", static_cast<double>(r.host_start_ns - host_origin) / 1e3},
                        {"dur", static_cast<double>(r.host_duration_ns()) / 1e3},
                        {"args", a}});
    }
  }
  json trace = {{"traceEvents", events},
                {"displayTimeUnit", "ns"},
                {"otherData",
                 {{"device_time", "modelled by the meshrt cost model"},
                  {"host_time", "measured with steady_clock"}}}};
  return trace.dump() + "\n";
}

std::string timeline_svg(const binary::Binary& bin, size_t program_index,
                         const std::vector<OpPerfRow>& rows) {
  uint32_t last_loop = 0;
  for (const auto& r : rows) last_loop = std::max(last_loop, r.loop);
  std::set<uint32_t> chip_set;
  uint64_t end = 1;
  for (const auto& r : rows) {
    if (r.loop != last_loop) continue;
    chip_set.insert(r.device_id);
    end = std::max(end, r.device_end_ns);
  }
  std::vector<uint32_t> chips(chip_set.begin(), chip_set.end());
  std::map<uint32_t, size_t> lane;
  for (size_t i = 0; i < chips.size(); ++i) lane[chips[i]] = i;
  const double left = 80, top = 40, lane_h = 16, width = 1000;
  const double height = top + lane_h * static_cast<double>(chips.size()) + 60;
  auto x_of = [&](uint64_t ns) {
    return left + width * static_cast<double>(ns) / static_cast<double>(end);
  };
  const std::string name =
      program_index < bin.programs.size() ? bin.programs[program_index].name : "?";
  std::string s = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" "
      "font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{}\" y=\"18\" font-size=\"14\">program {} '{}': modelled device time {:.3f} us "
      "(lane per chip)</text>\n",
      left + width + 20, height, left, program_index, xml_escape(name),
      static_cast<double>(end) / 1e3);
  for (size_t i = 0; i < chips.size(); ++i) {
    const double y = top + lane_h * static_cast<double>(i);
    s += fmt::format("<text x=\"4\" y=\"{}\">chip {}</text>\n", y + lane_h - 4, chips[i]);
    s += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"#eee\"/>\n", left,
                     left + width, y + lane_h, y + lane_h);
  }
  std::set<uint64_t> collective_marks;
  for (const auto& r : rows) {
    if (r.loop != last_loop) continue;
    const binary::Op& op = op_of(bin, r);
    const double x = x_of(r.device_start_ns);
    const double w = std::max(0.5, x_of(r.device_end_ns) - x);
    const double y = top + lane_h * static_cast<double>(lane[r.device_id]) + 1;
    const bool coll = r.family == OpFamily::kCollective;
    s += fmt::format(
        "<rect x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{}\" fill=\"{}\"{}><title>{} "
        "({}) chip {}: {} ns modelled</title></rect>\n",
        x, y, w, lane_h - 2, colour(r.family), coll ? " stroke=\"black\" stroke-width=\"1\"" : "",
        xml_escape(op.name), xml_escape(op.loc), r.device_id, r.device_duration_ns());
    if (coll && collective_marks.insert(r.global_call_count).second) {
      s += fmt::format(
          "<line x1=\"{0:.2f}\" x2=\"{0:.2f}\" y1=\"{1}\" y2=\"{2}\" stroke=\"black\" "
          "stroke-dasharray=\"3,2\"/><text x=\"{0:.2f}\" y=\"{3}\">{4}</text>\n",
          x, top - 4, top + lane_h * static_cast<double>(chips.size()), top - 6,
          xml_escape(op.name));
    }
  }
  double lx = left;
  const double ly = top + lane_h * static_cast<double>(chips.size()) + 30;
  for (OpFamily f :
       {OpFamily::kMatmul, OpFamily::kEltwise, OpFamily::kReduction, OpFamily::kDataMovement,
        OpFamily::kCreation, OpFamily::kCollective, OpFamily::kHostTransfer}) {
    s += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>"
        "<text x=\"{}\" y=\"{}\">{}</text>\n",
        lx, ly, colour(f), lx + 16, ly + 10, to_string(f));
    lx += 120;
  }
  s += fmt::format(
      "<text x=\"{}\" y=\"{}\">0 ns</text><text x=\"{}\" y=\"{}\" "
      "text-anchor=\"end\">{} ns</text>\n</svg>\n",
      left, ly - 8, left + width, ly - 8, end);
  return s;
}

}  // namespace meshrt::report
