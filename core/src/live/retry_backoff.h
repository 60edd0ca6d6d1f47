// SPDX-License-Identifier: LGPL-2.1-or-later
// Delays between attempts to reach something that went away (a camera):
// the first retry after `initial`, each next one twice as long, never more
// than `max`; Reset() once it is back. Internal: fer::LiveSourcePolicy
// (fer/live_source_policy.h) holds one per source.
#pragma once

#include <algorithm>
#include <chrono>

namespace fer {

class RetryBackoff {
 public:
  using Duration = std::chrono::milliseconds;

  RetryBackoff(Duration initial, Duration max) : initial_(initial), max_(std::max(initial, max)) {}

  // The wait before the next attempt; doubles the one after.
  Duration Next() {
    const Duration delay = std::min(next_ > Duration::zero() ? next_ : initial_, max_);
    next_ = std::min(delay * 2, max_);
    ++attempts_;
    return delay;
  }

  void Reset() {
    next_ = Duration::zero();
    attempts_ = 0;
  }

  // Attempts since the last Reset().
  int attempts() const { return attempts_; }

 private:
  Duration initial_;
  Duration max_;
  Duration next_ = Duration::zero();
  int attempts_ = 0;
};

}  // namespace fer
