// SPDX-License-Identifier: LGPL-2.1-or-later
// Geometric blendshapes: each coefficient is one measurement of the
// pose-free landmarks, compared with the typical value of that measurement
// on neutral faces. docs/blendshapes.md is the reference for every number
// below (and says how they were calibrated); keep the two in step.
#include "fer/blendshapes.h"

#include <algorithm>
#include <cmath>

#include "fer/error.h"
#include "fer/face.h"

namespace fer {
namespace {

// MediaPipe face mesh indices. "R" is the subject's right (x < 0 in the
// canonical face, the image's left), "L" the subject's left.
namespace lm {
constexpr int kNoseTip = 1, kSubnasale = 2, kChin = 152;
constexpr int kUpperLipTop = 0, kUpperLipInner = 13, kLowerLipInner = 14, kLowerLipBottom = 17;
constexpr int kMouthCornerR = 61, kMouthCornerL = 291;
constexpr int kUpperLipSideR = 37, kUpperLipSideL = 267;   // below each nostril
constexpr int kLowerLipSideR = 84, kLowerLipSideL = 314;
constexpr int kUpperLipNearCornerR = 40, kUpperLipNearCornerL = 270;
constexpr int kLowerLipNearCornerR = 181, kLowerLipNearCornerL = 405;
constexpr int kNoseAlaR = 129, kNoseAlaL = 358;
constexpr int kCheekR = 50, kCheekL = 280;
constexpr int kBrowInnerR = 55, kBrowInnerL = 285;              // lower edge, inner end
constexpr int kBrowInnerTopR = 107, kBrowInnerTopL = 336;       // upper edge, inner end
constexpr int kBrowOuterR = 46, kBrowOuterL = 276;              // lower edge, outer end
constexpr int kIrisR = 468, kIrisL = 473;                       // iris centres
}  // namespace lm

struct EyeIndices {
  int outer, inner;
  int upper[3], lower[3];  // lid points, paired top to bottom
  int iris;
};
constexpr EyeIndices kEyeR{33, 133, {159, 158, 160}, {145, 153, 144}, lm::kIrisR};
constexpr EyeIndices kEyeL{263, 362, {386, 385, 387}, {374, 380, 373}, lm::kIrisL};

// The measurements. Lengths are in the canonical face's units (cm, y up,
// z towards the camera) unless marked "eye widths".
enum Measure {
  kEyeOpenR, kEyeOpenL,          // mean lid gap, eye widths
  kLowerLidR, kLowerLidL,        // lower lid centre above the corners' midpoint, eye widths
  kIrisOutR, kIrisOutL,          // iris towards the outer corner, eye widths
  kIrisUpR, kIrisUpL,            // iris above the corners' midpoint, eye widths
  kBrowInnerR, kBrowInnerL,      // inner brow above the inner eye corner
  kBrowInnerTop,                 // both inner brow tops above the inner corners (mean)
  kBrowOuterR, kBrowOuterL,      // outer brow above the outer eye corner
  kCheekR, kCheekL,              // cheek above the nose tip
  kNoseAlaR, kNoseAlaL,          // nostril wing above the nose tip
  kLipGap,                       // inner lips apart
  kChinDrop,                     // subnasale above the chin
  kChinX, kChinZ,                // chin sideways (+ = subject's left) and forward
  kMouthX,                       // lip centre sideways
  kMouthWidth,                   // corner to corner
  kCornerRiseR, kCornerRiseL,    // corner above the inner lips' midpoint
  kSmileR, kSmileL,              // corner rise + half its distance from the midline
  kCornerOutR, kCornerOutL,      // corner away from the midline
  kCornerZR, kCornerZL,          // corner forward
  kUpperLipThickness,            // upper lip top to its inner edge
  kLowerLipThickness,            // lower lip inner edge to its bottom
  kUpperLipCentre,               // upper lip top below the subnasale
  kUpperLipSideR, kUpperLipSideL,  // upper lip below each nostril, below the subnasale
  kLowerLipToChinR, kLowerLipToChinL,
  kLowerLipToNose,               // lower lip bottom below the subnasale
  kLipsNearCornerR, kLipsNearCornerL,  // upper to lower lip next to each corner
  kMeasureCount
};

using Measures = std::array<float, kMeasureCount>;

float eye_width(const std::vector<cv::Point3f>& p, const EyeIndices& e) {
  return static_cast<float>(cv::norm(p[e.outer] - p[e.inner]));
}

void measure_eye(const std::vector<cv::Point3f>& p, const EyeIndices& e, float& open, float& lower_lid,
                 float& iris_out, float& iris_up) {
  float width = eye_width(p, e);
  float gap = 0;
  for (int i = 0; i < 3; ++i) gap += p[e.upper[i]].y - p[e.lower[i]].y;
  open = gap / 3 / width;
  cv::Point3f corners = (p[e.outer] + p[e.inner]) * 0.5f;
  lower_lid = (p[e.lower[0]].y - corners.y) / width;
  const cv::Point3f& iris = p[e.iris];
  cv::Point3f outward = (p[e.outer] - p[e.inner]) * (1.0f / width);
  iris_out = (iris - corners).dot(outward) / width;
  iris_up = (iris.y - corners.y) / width;
}

Measures measure(const std::vector<cv::Point3f>& p) {
  Measures v{};
  measure_eye(p, kEyeR, v[kEyeOpenR], v[kLowerLidR], v[kIrisOutR], v[kIrisUpR]);
  measure_eye(p, kEyeL, v[kEyeOpenL], v[kLowerLidL], v[kIrisOutL], v[kIrisUpL]);
  v[kBrowInnerR] = p[lm::kBrowInnerR].y - p[kEyeR.inner].y;
  v[kBrowInnerL] = p[lm::kBrowInnerL].y - p[kEyeL.inner].y;
  v[kBrowInnerTop] = (p[lm::kBrowInnerTopR].y - p[kEyeR.inner].y + p[lm::kBrowInnerTopL].y -
                      p[kEyeL.inner].y) * 0.5f;
  v[kBrowOuterR] = p[lm::kBrowOuterR].y - p[kEyeR.outer].y;
  v[kBrowOuterL] = p[lm::kBrowOuterL].y - p[kEyeL.outer].y;
  v[kCheekR] = p[lm::kCheekR].y - p[lm::kNoseTip].y;
  v[kCheekL] = p[lm::kCheekL].y - p[lm::kNoseTip].y;
  v[kNoseAlaR] = p[lm::kNoseAlaR].y - p[lm::kNoseTip].y;
  v[kNoseAlaL] = p[lm::kNoseAlaL].y - p[lm::kNoseTip].y;

  const cv::Point3f& subnasale = p[lm::kSubnasale];
  const cv::Point3f& chin = p[lm::kChin];
  const cv::Point3f& corner_r = p[lm::kMouthCornerR];
  const cv::Point3f& corner_l = p[lm::kMouthCornerL];
  float inner_lips_mid = (p[lm::kUpperLipInner].y + p[lm::kLowerLipInner].y) * 0.5f;
  v[kLipGap] = p[lm::kUpperLipInner].y - p[lm::kLowerLipInner].y;
  v[kChinDrop] = subnasale.y - chin.y;
  v[kChinX] = chin.x;
  v[kChinZ] = chin.z;
  v[kMouthX] = (p[lm::kUpperLipTop].x + p[lm::kUpperLipInner].x + p[lm::kLowerLipInner].x +
                p[lm::kLowerLipBottom].x) * 0.25f;
  v[kMouthWidth] = static_cast<float>(cv::norm(corner_l - corner_r));
  v[kCornerRiseR] = corner_r.y - inner_lips_mid;
  v[kCornerRiseL] = corner_l.y - inner_lips_mid;
  v[kCornerOutR] = -corner_r.x;
  v[kCornerOutL] = corner_l.x;
  // A smile lifts the corners and pulls them apart; either alone is weak
  // (a closed-mouth smile barely lifts them, a stretch does not lift).
  v[kSmileR] = v[kCornerRiseR] + 0.5f * v[kCornerOutR];
  v[kSmileL] = v[kCornerRiseL] + 0.5f * v[kCornerOutL];
  v[kCornerZR] = corner_r.z;
  v[kCornerZL] = corner_l.z;
  v[kUpperLipThickness] = p[lm::kUpperLipTop].y - p[lm::kUpperLipInner].y;
  v[kLowerLipThickness] = p[lm::kLowerLipInner].y - p[lm::kLowerLipBottom].y;
  v[kUpperLipCentre] = subnasale.y - p[lm::kUpperLipTop].y;
  v[kUpperLipSideR] = subnasale.y - p[lm::kUpperLipSideR].y;
  v[kUpperLipSideL] = subnasale.y - p[lm::kUpperLipSideL].y;
  v[kLowerLipToChinR] = p[lm::kLowerLipSideR].y - chin.y;
  v[kLowerLipToChinL] = p[lm::kLowerLipSideL].y - chin.y;
  v[kLowerLipToNose] = subnasale.y - p[lm::kLowerLipBottom].y;
  v[kLipsNearCornerR] = p[lm::kUpperLipNearCornerR].y - p[lm::kLowerLipNearCornerR].y;
  v[kLipsNearCornerL] = p[lm::kUpperLipNearCornerL].y - p[lm::kLowerLipNearCornerL].y;
  return v;
}

// Coefficient indices, MediaPipe's order.
enum Shape {
  kNeutral, kBrowDownLeft, kBrowDownRight, kBrowInnerUp, kBrowOuterUpLeft, kBrowOuterUpRight,
  kCheekPuff, kCheekSquintLeft, kCheekSquintRight, kEyeBlinkLeft, kEyeBlinkRight,
  kEyeLookDownLeft, kEyeLookDownRight, kEyeLookInLeft, kEyeLookInRight, kEyeLookOutLeft,
  kEyeLookOutRight, kEyeLookUpLeft, kEyeLookUpRight, kEyeSquintLeft, kEyeSquintRight,
  kEyeWideLeft, kEyeWideRight, kJawForward, kJawLeft, kJawOpen, kJawRight, kMouthClose,
  kMouthDimpleLeft, kMouthDimpleRight, kMouthFrownLeft, kMouthFrownRight, kMouthFunnel,
  kMouthLeft, kMouthLowerDownLeft, kMouthLowerDownRight, kMouthPressLeft, kMouthPressRight,
  kMouthPucker, kMouthRight, kMouthRollLower, kMouthRollUpper, kMouthShrugLower,
  kMouthShrugUpper, kMouthSmileLeft, kMouthSmileRight, kMouthStretchLeft, kMouthStretchRight,
  kMouthUpperUpLeft, kMouthUpperUpRight, kNoseSneerLeft, kNoseSneerRight
};

// A coefficient that follows one measurement: its change from `neutral`
// in `direction` (+1 an increase, -1 a decrease) is 0 up to `dead` (the
// spread between people's neutral faces, and landmark noise) and 1 at
// `full`. Neutral values are the medians over 21 real neutral-to-smiling
// faces (docs/blendshapes.md).
struct Rule {
  Shape shape;
  Measure measure;
  float neutral;
  float direction;
  float dead;
  float full;
};

constexpr Rule kRules[] = {
    {kBrowDownLeft, kBrowInnerL, 1.41f, -1, 0.2f, 0.7f},
    {kBrowDownRight, kBrowInnerR, 1.41f, -1, 0.2f, 0.7f},
    {kBrowInnerUp, kBrowInnerTop, 2.29f, +1, 0.2f, 0.9f},
    {kBrowOuterUpLeft, kBrowOuterL, 1.075f, +1, 0.2f, 0.8f},
    {kBrowOuterUpRight, kBrowOuterR, 1.075f, +1, 0.2f, 0.8f},
    {kCheekSquintLeft, kCheekL, 0.565f, +1, 0.15f, 0.6f},
    {kCheekSquintRight, kCheekR, 0.565f, +1, 0.15f, 0.6f},
    {kEyeBlinkLeft, kEyeOpenL, 0.262f, -1, 0.05f, 0.23f},
    {kEyeBlinkRight, kEyeOpenR, 0.262f, -1, 0.05f, 0.23f},
    {kEyeLookDownLeft, kIrisUpL, 0.006f, -1, 0.07f, 0.3f},
    {kEyeLookDownRight, kIrisUpR, 0.006f, -1, 0.07f, 0.3f},
    {kEyeLookInLeft, kIrisOutL, 0.026f, -1, 0.06f, 0.25f},
    {kEyeLookInRight, kIrisOutR, 0.026f, -1, 0.06f, 0.25f},
    {kEyeLookOutLeft, kIrisOutL, 0.026f, +1, 0.06f, 0.25f},
    {kEyeLookOutRight, kIrisOutR, 0.026f, +1, 0.06f, 0.25f},
    {kEyeLookUpLeft, kIrisUpL, 0.006f, +1, 0.07f, 0.3f},
    {kEyeLookUpRight, kIrisUpR, 0.006f, +1, 0.07f, 0.3f},
    {kEyeSquintLeft, kLowerLidL, -0.069f, +1, 0.03f, 0.08f},
    {kEyeSquintRight, kLowerLidR, -0.069f, +1, 0.03f, 0.08f},
    {kEyeWideLeft, kEyeOpenL, 0.262f, +1, 0.05f, 0.15f},
    {kEyeWideRight, kEyeOpenR, 0.262f, +1, 0.05f, 0.15f},
    {kJawForward, kChinZ, 4.02f, +1, 0.35f, 1.2f},
    {kJawLeft, kChinX, -0.067f, +1, 0.2f, 0.8f},
    {kJawOpen, kLipGap, 0.0f, +1, 0.1f, 2.0f},
    {kJawRight, kChinX, -0.067f, -1, 0.2f, 0.8f},
    {kMouthDimpleLeft, kCornerZL, 3.99f, -1, 0.35f, 1.2f},
    {kMouthDimpleRight, kCornerZR, 3.99f, -1, 0.35f, 1.2f},
    {kMouthFrownLeft, kCornerRiseL, 0.01f, -1, 0.3f, 0.8f},
    {kMouthFrownRight, kCornerRiseR, 0.01f, -1, 0.3f, 0.8f},
    {kMouthLeft, kMouthX, -0.044f, +1, 0.35f, 1.0f},
    {kMouthLowerDownLeft, kLowerLipToChinL, 3.85f, -1, 0.4f, 1.1f},
    {kMouthLowerDownRight, kLowerLipToChinR, 3.85f, -1, 0.4f, 1.1f},
    {kMouthPucker, kMouthWidth, 5.44f, -1, 0.7f, 1.8f},
    {kMouthRight, kMouthX, -0.044f, -1, 0.35f, 1.0f},
    {kMouthRollLower, kLowerLipThickness, 0.99f, -1, 0.3f, 0.8f},
    {kMouthRollUpper, kUpperLipThickness, 0.584f, -1, 0.2f, 0.5f},
    {kMouthShrugLower, kLowerLipToNose, 3.39f, -1, 0.4f, 1.0f},
    {kMouthShrugUpper, kUpperLipCentre, 1.50f, -1, 0.3f, 0.8f},
    {kMouthSmileLeft, kSmileL, 1.34f, +1, 0.15f, 1.2f},
    {kMouthSmileRight, kSmileR, 1.34f, +1, 0.15f, 1.2f},
    {kMouthUpperUpLeft, kUpperLipSideL, 1.36f, -1, 0.3f, 0.8f},
    {kMouthUpperUpRight, kUpperLipSideR, 1.36f, -1, 0.3f, 0.8f},
    {kNoseSneerLeft, kNoseAlaL, 0.183f, +1, 0.15f, 0.5f},
    {kNoseSneerRight, kNoseAlaR, 0.183f, +1, 0.15f, 0.5f},
};

// Neutral values of the measurements the combined coefficients use.
constexpr float kNeutralChinDrop = 7.34f;
constexpr float kNeutralMouthWidth = 5.44f;
constexpr float kNeutralCornerOut = 2.72f;
constexpr float kNeutralLipsNearCorner = 1.32f;

float activation(float change, float dead, float full) {
  return std::clamp((change - dead) / (full - dead), 0.0f, 1.0f);
}

}  // namespace

const std::array<const char*, kBlendshapeCount>& blendshape_names() {
  static const std::array<const char*, kBlendshapeCount> names = {
      "_neutral",         "browDownLeft",       "browDownRight",     "browInnerUp",
      "browOuterUpLeft",  "browOuterUpRight",   "cheekPuff",         "cheekSquintLeft",
      "cheekSquintRight", "eyeBlinkLeft",       "eyeBlinkRight",     "eyeLookDownLeft",
      "eyeLookDownRight", "eyeLookInLeft",      "eyeLookInRight",    "eyeLookOutLeft",
      "eyeLookOutRight",  "eyeLookUpLeft",      "eyeLookUpRight",    "eyeSquintLeft",
      "eyeSquintRight",   "eyeWideLeft",        "eyeWideRight",      "jawForward",
      "jawLeft",          "jawOpen",            "jawRight",          "mouthClose",
      "mouthDimpleLeft",  "mouthDimpleRight",   "mouthFrownLeft",    "mouthFrownRight",
      "mouthFunnel",      "mouthLeft",          "mouthLowerDownLeft", "mouthLowerDownRight",
      "mouthPressLeft",   "mouthPressRight",    "mouthPucker",       "mouthRight",
      "mouthRollLower",   "mouthRollUpper",     "mouthShrugLower",   "mouthShrugUpper",
      "mouthSmileLeft",   "mouthSmileRight",    "mouthStretchLeft",  "mouthStretchRight",
      "mouthUpperUpLeft", "mouthUpperUpRight",  "noseSneerLeft",     "noseSneerRight"};
  return names;
}

std::vector<float> estimate_blendshapes(const std::vector<cv::Point3f>& canonical_landmarks) {
  if (static_cast<int>(canonical_landmarks.size()) < kFaceLandmarks)
    throw Error("blendshapes: " + std::to_string(canonical_landmarks.size()) + " landmarks, " +
                std::to_string(kFaceLandmarks) + " needed");
  const Measures m = measure(canonical_landmarks);
  auto change = [&](Measure which, float neutral, float direction) {
    return direction * (m[which] - neutral);
  };

  std::vector<float> out(kBlendshapeCount, 0.0f);
  for (const Rule& rule : kRules)
    out[rule.shape] = activation(change(rule.measure, rule.neutral, rule.direction), rule.dead, rule.full);

  // The coefficients that combine several measurements.
  // Lips together while the chin dropped.
  float chin_drop = activation(change(kChinDrop, kNeutralChinDrop, +1), 0.5f, 1.5f);
  out[kMouthClose] = std::max(0.0f, chin_drop - out[kJawOpen]);
  // Lips parted and the mouth narrowed: the "O" of a funnel.
  out[kMouthFunnel] = std::min(activation(change(kMouthWidth, kNeutralMouthWidth, -1), 0.4f, 1.2f),
                               activation(change(kLipGap, 0.0f, +1), 0.2f, 1.0f));
  // Corners pulled sideways without rising (a rise is a smile).
  out[kMouthStretchLeft] =
      activation(change(kCornerOutL, kNeutralCornerOut, +1), 0.3f, 1.0f) * (1 - out[kMouthSmileLeft]);
  out[kMouthStretchRight] =
      activation(change(kCornerOutR, kNeutralCornerOut, +1), 0.3f, 1.0f) * (1 - out[kMouthSmileRight]);
  // Lips thinned next to the corners while closed.
  float closed = 1 - out[kJawOpen];
  out[kMouthPressLeft] = activation(change(kLipsNearCornerL, kNeutralLipsNearCorner, -1), 0.5f, 1.0f) * closed;
  out[kMouthPressRight] = activation(change(kLipsNearCornerR, kNeutralLipsNearCorner, -1), 0.5f, 1.0f) * closed;
  // cheekPuff: the mesh does not follow an inflated cheek; always 0.
  out[kCheekPuff] = 0.0f;
  out[kNeutral] = 1 - *std::max_element(out.begin() + 1, out.end());
  return out;
}

}  // namespace fer
