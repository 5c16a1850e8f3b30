// Tensors made when touched: a generated tensor holds no element memory until read, then holds
// exactly the bytes an eager fill gives; reading a range or reshaping makes nothing; a zero
// tensor's pages are not resident until written.
#include <gtest/gtest.h>

#include <unistd.h>
#include <fstream>
#include <thread>

#include "common/expect_error.hpp"
#include "meshrt/tensor/host_tensor.hpp"

namespace {

using meshrt::DataType;
using meshrt::Fill;
using meshrt::HostTensor;
using meshrt::InitKind;

// Eager: fill_tensor over a zero tensor (the fill a generated tensor must reproduce).
HostTensor eager(const meshrt::Shape& shape, DataType dtype, const Fill& f) {
  HostTensor t(shape, dtype);
  meshrt::fill_tensor(t, f.kind, f.seed, f.stream, f.int_high, f.integers, f.ones_density);
  return t;
}

bool same_bytes(const HostTensor& a, const HostTensor& b) {
  return a.size_bytes() == b.size_bytes() &&
         std::equal(a.data(), a.data() + a.size_bytes(), b.data());
}

uint64_t resident_bytes() {
  std::ifstream in("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  in >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

TEST(GeneratedTensor, MakesTheBytesAnEagerFillGivesOnlyWhenRead) {
  int checked = 0;
  const std::vector<DataType> dtypes{DataType::kBFloat16, DataType::kFloat32, DataType::kInt32,
                                     DataType::kBool};
  const std::vector<Fill> fills{{InitKind::kRandn, 7, 3, 10, false, 1, 0},
                                {InitKind::kRandn, 7, 4, 1000, true, 1, 0},
                                {InitKind::kArange, 1, 1, 10, false, 1, 0},
                                {InitKind::kOnes, 5, 2, 10, false, 4, 0}};
  for (DataType dtype : dtypes) {
    for (const Fill& f : fills) {
      HostTensor g = HostTensor::generated({33, 65}, dtype, f);
      EXPECT_FALSE(g.materialized());
      EXPECT_EQ(g.size_bytes(), 33u * 65u * meshrt::element_size(dtype));
      EXPECT_TRUE(same_bytes(g, eager({33, 65}, dtype, f)));
      EXPECT_TRUE(g.materialized());
      ++checked;
    }
  }
  EXPECT_EQ(checked, 16);
}

TEST(GeneratedTensor, AnOffsetShiftsEveryValue) {
  const Fill f{InitKind::kRandn, 3, 9, 256, true, 1, -128};
  HostTensor g = HostTensor::generated({512}, DataType::kInt32, f);
  HostTensor base = eager({512}, DataType::kInt32, Fill{InitKind::kRandn, 3, 9, 256, true, 1, 0});
  int negative = 0;
  for (int64_t i = 0; i < 512; ++i) {
    ASSERT_EQ(g.at(i), base.at(i) - 128) << i;
    negative += g.at(i) < 0;
  }
  EXPECT_GT(negative, 0);
}

TEST(GeneratedTensor, ReadingARangeOrReshapingMakesNothing) {
  const Fill f{InitKind::kRandn, 11, 1, 10, false, 1, 0};
  HostTensor g = HostTensor::generated({128, 256}, DataType::kBFloat16, f);
  const HostTensor whole = eager({128, 256}, DataType::kBFloat16, f);
  std::vector<std::byte> row(256 * 2);
  for (int64_t r : {0, 17, 127}) {
    g.read(r * 256, 256, row.data());
    EXPECT_TRUE(std::equal(row.begin(), row.end(), whole.data() + r * 256 * 2)) << r;
  }
  HostTensor view = g.reshaped({32, 4, 256});
  EXPECT_FALSE(g.materialized());
  EXPECT_FALSE(view.materialized());
  EXPECT_EQ(view.shape(), (meshrt::Shape{32, 4, 256}));
  EXPECT_TRUE(std::equal(view.data(), view.data() + view.size_bytes(), whole.data()));
  EXPECT_FALSE(g.materialized());  // the view was made, not the tensor it came from
  // A made tensor reads and reshapes from its bytes.
  (void)g.data();
  g.read(17 * 256, 256, row.data());
  EXPECT_TRUE(std::equal(row.begin(), row.end(), whole.data() + 17 * 256 * 2));
  EXPECT_TRUE(same_bytes(g.reshaped({256, 128}), whole));
  EXPECT_NE(meshrt::testing::error_message([&] { g.read(128 * 256 - 1, 2, row.data()); },
                                           meshrt::ErrorCode::kInvalidArgument)
                .find("elements [32767, 32769) of a tensor of 32768"),
            std::string::npos);
  EXPECT_NE(meshrt::testing::error_message(
                [&] {
                  (void)g.reshaped({3, 5});
                },
                meshrt::ErrorCode::kInvalidArgument)
                .find("cannot reshape"),
            std::string::npos);
}

TEST(GeneratedTensor, CopiesAreIndependentAndEqualityNeedsNoMaking) {
  const Fill f{InitKind::kRandn, 2, 2, 10, false, 1, 0};
  HostTensor a = HostTensor::generated({64}, DataType::kFloat32, f);
  HostTensor b = a;
  EXPECT_TRUE(a == b);  // same fill: equal, and neither made
  EXPECT_FALSE(a.materialized());
  EXPECT_FALSE(b.materialized());
  b.set(0, 42.0);  // writing a copy makes the copy only
  EXPECT_TRUE(b.materialized());
  EXPECT_FALSE(a.materialized());
  EXPECT_FALSE(a == b);
  HostTensor c = HostTensor::generated({64}, DataType::kFloat32, Fill{InitKind::kRandn, 2, 3});
  EXPECT_FALSE(a == c);  // another stream: compared element by element
  EXPECT_EQ(a.at(1), eager({64}, DataType::kFloat32, f).at(1));
}

TEST(GeneratedTensor, ConcurrentReadersMakeItOnce) {
  const Fill f{InitKind::kRandn, 5, 5, 10, false, 1, 0};
  HostTensor g = HostTensor::generated({1 << 16}, DataType::kFloat32, f);
  const HostTensor whole = eager({1 << 16}, DataType::kFloat32, f);
  std::vector<const std::byte*> seen(8);
  std::vector<std::thread> readers;
  for (size_t t = 0; t < seen.size(); ++t) {
    readers.emplace_back([&, t] { seen[t] = g.data(); });
  }
  for (auto& r : readers) r.join();
  for (const std::byte* p : seen) EXPECT_EQ(p, seen[0]);
  EXPECT_TRUE(same_bytes(g, whole));
}

TEST(GeneratedTensor, ZeroTensorPagesAreNotResidentUntilWritten) {
  constexpr int64_t kElements = 64ll << 20;  // 256 MiB of f32
  const uint64_t before = resident_bytes();
  HostTensor z({kElements}, DataType::kFloat32);
  const uint64_t allocated = resident_bytes();
  EXPECT_LT(allocated - std::min(allocated, before), 16ull << 20);
  EXPECT_EQ(z.at(kElements - 1), 0.0);
  for (int64_t i = 0; i < kElements; i += 1024) z.set(i, 1.0);  // touch every page
  EXPECT_GT(resident_bytes() - before, 200ull << 20);
}

}  // namespace
