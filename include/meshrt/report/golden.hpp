// Comparing a device result with its golden: PCC (with ttrt's rules for empty, constant, NaN
// and single-element tensors), allclose, max abs error, MAE, RMSE and cosine similarity.
// Pure functions, thread-safe.
#pragma once

#include <string>

#include "meshrt/tensor/host_tensor.hpp"

namespace meshrt::report {

struct GoldenOptions {
  double pcc = 0.99;   // pass threshold
  double atol = 1e-8;  // for allclose: |a - g| <= atol + rtol * |g|
  double rtol = 1e-5;
  // ttrt's --atol-allclose / --rtol-allclose: a second, looser allclose for program outputs.
  double atol_allclose = 1e-3;
  double rtol_allclose = 5e-2;
};

struct GoldenMetrics {
  double expected_pcc = 0.99;
  double actual_pcc = 1.0;
  double atol = 0;  // tolerances used
  double rtol = 0;
  bool allclose = true;
  double max = 0;  // max absolute error
  double mean_absolute_error = 0;
  double root_mean_square_error = 0;
  double cosine_similarity = 1.0;
  bool output_allclose = true;  // allclose with atol_allclose / rtol_allclose
  bool passed = true;           // actual_pcc >= expected_pcc and shapes agree
  std::string message;          // why it failed (shape mismatch, PCC below threshold)
};

// Compares element by element as doubles. A shape mismatch fails with PCC 0 and a message.
GoldenMetrics compare(const HostTensor& golden, const HostTensor& actual,
                      const GoldenOptions& options);

// PCC alone, with the special cases:
//  empty -> 1; both all-NaN -> 1; one all-NaN -> 0; exactly one all-zero -> 0; both all-zero -> 1;
//  otherwise non-finite positions are dropped, then one element -> 1 if equal else 0, a
//  constant tensor -> 1 if allclose else 0, else Pearson's correlation coefficient.
double pcc(const std::vector<double>& golden, const std::vector<double>& actual,
           const GoldenOptions& options);

}  // namespace meshrt::report
