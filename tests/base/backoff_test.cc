#include <gtest/gtest.h>

#include "base/backoff.h"

namespace queuemon::base {
namespace {

using std::chrono::milliseconds;

TEST(BackoffTest, DoublesPerFailureUpToTheCap) {
  Backoff backoff(milliseconds(100), milliseconds(1000), [] { return 0.5; });  // no jitter
  EXPECT_EQ(backoff.Next(), milliseconds(100));
  EXPECT_EQ(backoff.Next(), milliseconds(200));
  EXPECT_EQ(backoff.Next(), milliseconds(400));
  EXPECT_EQ(backoff.Next(), milliseconds(800));
  EXPECT_EQ(backoff.Next(), milliseconds(1000));
  EXPECT_EQ(backoff.Next(), milliseconds(1000));
  EXPECT_EQ(backoff.failures(), 6);
}

TEST(BackoffTest, ResetStartsOver) {
  Backoff backoff(milliseconds(100), milliseconds(1000), [] { return 0.5; });
  backoff.Next();
  backoff.Next();
  backoff.Reset();
  EXPECT_EQ(backoff.failures(), 0);
  EXPECT_EQ(backoff.Next(), milliseconds(100));
}

TEST(BackoffTest, JitterSpansHalfToOneAndAHalfOfTheBase) {
  Backoff low(milliseconds(100), milliseconds(10000), [] { return 0.0; });
  Backoff high(milliseconds(100), milliseconds(10000), [] { return 0.999; });
  EXPECT_EQ(low.Next(), milliseconds(50));
  EXPECT_EQ(low.Next(), milliseconds(100));
  EXPECT_EQ(high.Next(), milliseconds(149));
  EXPECT_EQ(high.Next(), milliseconds(299));
}

TEST(BackoffTest, SeededJitterStaysInBoundsAndTheBaseGrows) {
  Backoff backoff(milliseconds(100), milliseconds(5000), std::uint64_t{42});
  milliseconds previous_base(0);
  for (int i = 0; i < 12; ++i) {
    const milliseconds base = backoff.base();
    const milliseconds wait = backoff.Next();
    EXPECT_GE(wait, base / 2) << i;
    EXPECT_LE(wait, std::min(base * 3 / 2, milliseconds(5000))) << i;
    EXPECT_GE(base, previous_base) << i;
    previous_base = base;
  }
  EXPECT_EQ(backoff.base(), milliseconds(5000));
}

TEST(BackoffTest, SameSeedSameWaits) {
  Backoff a(milliseconds(100), milliseconds(5000), std::uint64_t{7});
  Backoff b(milliseconds(100), milliseconds(5000), std::uint64_t{7});
  for (int i = 0; i < 8; ++i) EXPECT_EQ(a.Next(), b.Next());
}

TEST(BackoffTest, ConsecutiveFailuresWaitLongerOnAverage) {
  // With +-50% jitter single waits may dip, but the mean over seeds must double per failure.
  double means[4] = {};
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    Backoff backoff(milliseconds(100), milliseconds(100000), seed);
    for (double& mean : means) mean += static_cast<double>(backoff.Next().count()) / 200.0;
  }
  for (int i = 1; i < 4; ++i) EXPECT_GT(means[i], means[i - 1] * 1.5) << i;
}

TEST(BackoffTest, MisbehavingJitterIsClamped) {
  Backoff backoff(milliseconds(100), milliseconds(1000), [] { return -5.0; });
  EXPECT_EQ(backoff.Next(), milliseconds(50));
  Backoff wild(milliseconds(100), milliseconds(1000), [] { return 1e9; });
  EXPECT_EQ(wild.Next(), milliseconds(150));
}

}  // namespace
}  // namespace queuemon::base
