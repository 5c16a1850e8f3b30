#include "meshrt/report/golden.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace meshrt::report {

namespace {
bool all_of(const std::vector<double>& v, bool (*pred)(double)) {
  return std::all_of(v.begin(), v.end(), pred);
}
bool is_nan(double x) { return std::isnan(x); }
bool is_zero(double x) { return x == 0.0; }
bool close(double g, double a, const GoldenOptions& o) {
  if (std::isnan(g) && std::isnan(a)) return true;
  if (std::isinf(g) || std::isinf(a)) return g == a;
  return std::fabs(a - g) <= o.atol + o.rtol * std::fabs(g);
}
}  // namespace

double pcc(const std::vector<double>& g, const std::vector<double>& a, const GoldenOptions& o) {
  if (g.empty() && a.empty()) return 1.0;
  bool g_nan = all_of(g, is_nan), a_nan = all_of(a, is_nan);
  if (g_nan && a_nan) return 1.0;
  if (g_nan || a_nan) return 0.0;
  bool g_zero = all_of(g, is_zero), a_zero = all_of(a, is_zero);
  if (g_zero != a_zero) return 0.0;
  if (g_zero) return 1.0;
  std::vector<double> x, y;
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isfinite(g[i]) && std::isfinite(a[i])) {
      x.push_back(g[i]);
      y.push_back(a[i]);
    }
  }
  if (x.empty()) return 1.0;
  if (x.size() == 1) return close(x[0], y[0], o) ? 1.0 : 0.0;
  double mx = 0, my = 0;
  for (size_t i = 0; i < x.size(); ++i) mx += x[i], my += y[i];
  mx /= static_cast<double>(x.size());
  my /= static_cast<double>(y.size());
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx == 0 || syy == 0) {
    bool all_close = true;
    for (size_t i = 0; i < x.size(); ++i) all_close = all_close && close(x[i], y[i], o);
    return all_close ? 1.0 : 0.0;
  }
  return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

GoldenMetrics compare(const HostTensor& golden, const HostTensor& actual, const GoldenOptions& o) {
  GoldenMetrics m;
  m.expected_pcc = o.pcc;
  m.atol = o.atol;
  m.rtol = o.rtol;
  if (golden.shape() != actual.shape()) {
    m.actual_pcc = 0;
    m.allclose = false;
    m.output_allclose = false;
    m.passed = false;
    m.message = fmt::format("shape mismatch: golden {} vs device {}",
                            shape_to_string(golden.shape()), shape_to_string(actual.shape()));
    return m;
  }
  std::vector<double> g = golden.to_doubles(), a = actual.to_doubles();
  double abs_sum = 0, sq_sum = 0, dot = 0, gg = 0, aa = 0;
  size_t finite = 0;
  const GoldenOptions loose{o.pcc, o.atol_allclose, o.rtol_allclose};
  for (size_t i = 0; i < g.size(); ++i) {
    if (!close(g[i], a[i], o)) m.allclose = false;
    if (!close(g[i], a[i], loose)) m.output_allclose = false;
    double d = a[i] - g[i];
    if (std::isfinite(d)) {
      m.max = std::max(m.max, std::fabs(d));
      abs_sum += std::fabs(d);
      sq_sum += d * d;
      dot += g[i] * a[i];
      gg += g[i] * g[i];
      aa += a[i] * a[i];
      ++finite;
    } else if (!(std::isnan(g[i]) && std::isnan(a[i])) && g[i] != a[i]) {
      m.max = INFINITY;
    }
  }
  if (finite) {
    m.mean_absolute_error = abs_sum / static_cast<double>(finite);
    m.root_mean_square_error = std::sqrt(sq_sum / static_cast<double>(finite));
  }
  m.cosine_similarity = (gg == 0 && aa == 0)   ? 1.0
                        : (gg == 0 || aa == 0) ? 0.0
                                               : dot / std::sqrt(gg * aa);
  m.actual_pcc = pcc(g, a, o);
  m.passed = m.actual_pcc >= o.pcc;
  if (!m.passed) {
    m.message = fmt::format("PCC {:.6f} is below the required {:.6f} (max abs error {:.6g})",
                            m.actual_pcc, o.pcc, m.max);
  }
  return m;
}

}  // namespace meshrt::report
