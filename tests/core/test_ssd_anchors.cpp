// SPDX-License-Identifier: LGPL-2.1-or-later
#include <gtest/gtest.h>

#include "face/ssd_anchors.h"

TEST(SsdAnchors, ShortRangeLayout) {
  const auto anchors = fer::ssd_anchor_centers(fer::SsdAnchorOptions{});
  ASSERT_EQ(anchors.size(), 896u);
  // Stride 8: a 16x16 grid, 2 anchors per cell (aspect 1 + interpolated).
  EXPECT_FLOAT_EQ(anchors[0].x, 0.5f / 16);
  EXPECT_FLOAT_EQ(anchors[1].x, 0.5f / 16);
  EXPECT_FLOAT_EQ(anchors[2].x, 1.5f / 16);
  EXPECT_FLOAT_EQ(anchors[511].y, 15.5f / 16);
  // Three stride-16 layers share an 8x8 grid: 6 anchors per cell.
  EXPECT_FLOAT_EQ(anchors[512].x, 0.5f / 8);
  EXPECT_FLOAT_EQ(anchors[517].x, 0.5f / 8);
  EXPECT_FLOAT_EQ(anchors[518].x, 1.5f / 8);
  EXPECT_FLOAT_EQ(anchors[895].x, 7.5f / 8);
  EXPECT_FLOAT_EQ(anchors[895].y, 7.5f / 8);
}

TEST(SsdAnchors, FullRangeLayout) {
  fer::SsdAnchorOptions o;
  o.input_width = o.input_height = 192;
  o.strides = {4};
  o.interpolated_scale = false;
  const auto anchors = fer::ssd_anchor_centers(o);
  ASSERT_EQ(anchors.size(), 2304u);
  EXPECT_FLOAT_EQ(anchors[0].x, 0.5f / 48);
  EXPECT_FLOAT_EQ(anchors[1].x, 1.5f / 48);
  EXPECT_FLOAT_EQ(anchors[48].y, 1.5f / 48);
}
