// SPDX-License-Identifier: LGPL-2.1-or-later
#include "face/face_geometry.h"

#include <algorithm>
#include <cmath>

#include <Eigen/Dense>

#include "fer/error.h"
#include "fer/face.h"
#include "fer/model_registry.h"

namespace fer {
namespace {

constexpr const char* kModelFile = "geometry_pipeline_metadata_landmarks.binarypb";
constexpr double kPi = 3.14159265358979323846;
constexpr double kEps = 1e-9;  // MediaPipe's bound on degenerate sums
// MediaPipe drops faces whose points all lie this close (normalised frame
// units) to their mean: the fit would be numerically meaningless.
constexpr double kTooCompact = 1e-3;

using Points = Eigen::Matrix3Xd;

// The near plane's window in metric units: the vertical field of view spans
// the frame's height, the width follows the frame's aspect ratio.
struct NearPlane {
  double left, bottom, width, height, near;
};

NearPlane near_plane(const FaceGeometryOptions& o, int frame_width, int frame_height) {
  const double height = 2.0 * o.near * std::tan(0.5 * o.vertical_fov_degrees * kPi / 180.0);
  const double width = height * frame_width / frame_height;
  return {-0.5 * width, -0.5 * height, width, height, o.near};
}

// target ~= scale * rotation * source + translation.
struct Similarity {
  Eigen::Matrix3d rotation;
  double scale;
  Eigen::Vector3d translation;
};

// Weighted orthogonal Procrustes with uniform scale: minimises
// sum_i w_i |s R a_i + t - b_i|^2 over rotations R (no reflection), s > 0
// and t. Only the weighted points count, so only those are visited.
Similarity fit(const Points& source, const Points& target,
               const std::vector<std::pair<int, float>>& weights) {
  double total = 0;
  Eigen::Vector3d source_mean = Eigen::Vector3d::Zero();
  for (const auto& [i, w] : weights) {
    total += w;
    source_mean += w * source.col(i);
  }
  source_mean /= total;

  // Cross-covariance of the targets with the centred sources.
  Eigen::Matrix3d cross = Eigen::Matrix3d::Zero();
  double spread = 0;
  for (const auto& [i, w] : weights) {
    const Eigen::Vector3d a = source.col(i) - source_mean;
    cross += w * target.col(i) * a.transpose();
    spread += w * a.squaredNorm();
  }
  if (!(cross.norm() > kEps) || !(spread > kEps))
    throw Error("face geometry: landmarks too degenerate to fit the canonical face");

  const Eigen::JacobiSVD<Eigen::Matrix3d> svd(cross, Eigen::ComputeFullU | Eigen::ComputeFullV);
  Eigen::Matrix3d u = svd.matrixU();
  // A reflection fits a mirrored face better, but is no head pose: flip the
  // axis of the least singular value instead.
  if (u.determinant() * svd.matrixV().determinant() < 0) u.col(2) *= -1;
  const Eigen::Matrix3d rotation = u * svd.matrixV().transpose();

  double along = 0;
  for (const auto& [i, w] : weights)
    along += w * (rotation * (source.col(i) - source_mean)).dot(target.col(i));
  const double scale = along / spread;
  if (!(scale > kEps)) throw Error("face geometry: the fitted face scale is not positive");

  Eigen::Vector3d translation = Eigen::Vector3d::Zero();
  for (const auto& [i, w] : weights)
    translation += w * (target.col(i) - scale * rotation * source.col(i));
  return {rotation, scale, translation / total};
}

// Screen points on the near plane: x, y at their place in the window, z
// (relative depth, on x's scale) scaled like x. Still left-handed (z grows
// away from the camera).
Points on_near_plane(const std::vector<cv::Point3f>& landmarks, int frame_width,
                     int frame_height, const NearPlane& plane) {
  Points p(3, static_cast<Eigen::Index>(landmarks.size()));
  for (size_t i = 0; i < landmarks.size(); ++i) {
    const double x = double(landmarks[i].x) / frame_width;
    const double y = double(landmarks[i].y) / frame_height;
    const double z = double(landmarks[i].z) / frame_width;
    // The frame's origin is its top-left corner; the metric y axis points up.
    p.col(i) << plane.left + x * plane.width, plane.bottom + (1.0 - y) * plane.height,
        z * plane.width;
  }
  return p;
}

// Puts near-plane points at the depth that a face `scale` times the
// canonical size (in near-plane units per cm) has, keeping their relative
// depths (divided by the same scale), and turns them right-handed.
Points unproject(const Points& screen, double depth_offset, double scale,
                 const NearPlane& plane) {
  Points p(3, screen.cols());
  for (Eigen::Index i = 0; i < screen.cols(); ++i) {
    const double depth = (screen(2, i) - depth_offset + plane.near) / scale;
    p.col(i) << screen(0, i) * depth / plane.near, screen(1, i) * depth / plane.near, -depth;
  }
  return p;
}

Points to_eigen(const std::vector<cv::Point3f>& points) {
  Points p(3, static_cast<Eigen::Index>(points.size()));
  for (size_t i = 0; i < points.size(); ++i) p.col(i) << points[i].x, points[i].y, points[i].z;
  return p;
}

void check_landmarks(const std::vector<cv::Point3f>& landmarks, int frame_width,
                     int frame_height) {
  if (landmarks.size() != static_cast<size_t>(kMeshLandmarks) &&
      landmarks.size() != static_cast<size_t>(kFaceLandmarks))
    throw Error("face geometry: " + std::to_string(landmarks.size()) + " landmarks, expected " +
                std::to_string(kMeshLandmarks) + " or " + std::to_string(kFaceLandmarks));
  if (frame_width <= 0 || frame_height <= 0)
    throw Error("face geometry: invalid frame size " + std::to_string(frame_width) + "x" +
                std::to_string(frame_height));
  for (const auto& p : landmarks)
    if (!std::isfinite(p.x) || !std::isfinite(p.y) || !std::isfinite(p.z))
      throw Error("face geometry: non-finite landmark coordinate");

  double mean_x = 0, mean_y = 0;
  for (int i = 0; i < kMeshLandmarks; ++i) {
    mean_x += double(landmarks[i].x) / frame_width;
    mean_y += double(landmarks[i].y) / frame_height;
  }
  mean_x /= kMeshLandmarks;
  mean_y /= kMeshLandmarks;
  double max_sq = 0;
  for (int i = 0; i < kMeshLandmarks; ++i) {
    const double dx = double(landmarks[i].x) / frame_width - mean_x;
    const double dy = double(landmarks[i].y) / frame_height - mean_y;
    max_sq = std::max(max_sq, dx * dx + dy * dy);
  }
  if (std::sqrt(max_sq) <= kTooCompact)
    throw Error("face geometry: landmarks too compact to fit (all within " +
                std::to_string(kTooCompact) + " of the frame size of their mean)");
}

}  // namespace

std::unique_ptr<FaceGeometry> FaceGeometry::Create(const FaceGeometryOptions& options) {
  return Create(options, CanonicalFaceModel::Create(ModelRegistry(options.model_dir).Locate(kModelFile)));
}

std::unique_ptr<FaceGeometry> FaceGeometry::Create(const FaceGeometryOptions& options,
                                                   CanonicalFaceModel model) {
  // MediaPipe's ValidatePerspectiveCamera bounds.
  if (!(options.near > kEps) || !(options.far > options.near + kEps))
    throw Error("face geometry: camera near and far must satisfy 0 < near < far (near " +
                std::to_string(options.near) + ", far " + std::to_string(options.far) + ")");
  if (!(options.vertical_fov_degrees > kEps) || !(options.vertical_fov_degrees + kEps < 180.0))
    throw Error("face geometry: vertical_fov_degrees must be in (0, 180), got " +
                std::to_string(options.vertical_fov_degrees));
  if (model.vertices.size() != static_cast<size_t>(kMeshLandmarks) ||
      model.procrustes_weights.empty())
    throw Error("face geometry: the canonical face model needs " + std::to_string(kMeshLandmarks) +
                " vertices and a Procrustes basis");
  return std::unique_ptr<FaceGeometry>(new FaceGeometry(options, std::move(model)));
}

FaceGeometry::FaceGeometry(const FaceGeometryOptions& options, CanonicalFaceModel model)
    : options_(options), model_(std::move(model)) {}

FacePose FaceGeometry::Estimate(const std::vector<cv::Point3f>& landmarks, int frame_width,
                                int frame_height) const {
  check_landmarks(landmarks, frame_width, frame_height);
  const NearPlane plane = near_plane(options_, frame_width, frame_height);
  const Points canonical = to_eigen(model_.vertices);
  const auto& weights = model_.procrustes_weights;

  // Only the mesh is fitted; the iris points ride along in the last step.
  const Points screen = on_near_plane(landmarks, frame_width, frame_height, plane);
  const auto mesh = screen.leftCols(kMeshLandmarks);
  const double depth_offset = mesh.row(2).mean();

  // 1st estimate of the face's scale on the near plane, with no unprojection:
  // the landmarks' z is relative, so their depth is not known yet.
  Points flat = mesh;
  flat.row(2) *= -1.0;  // right-handed
  const double first_scale = fit(canonical, flat, weights).scale;

  // 2nd: unproject at the depth the first scale implies and fit again; the
  // remaining scale corrects that depth.
  const double second_scale =
      fit(canonical, unproject(mesh, depth_offset, first_scale, plane), weights).scale;

  const Points metric = unproject(screen, depth_offset, first_scale * second_scale, plane);
  const Similarity pose = fit(canonical, metric.leftCols(kMeshLandmarks), weights);

  FacePose result;
  const Eigen::Matrix3d rs = pose.scale * pose.rotation;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) result.transform(r, c) = static_cast<float>(rs(r, c));
    result.transform(r, 3) = static_cast<float>(pose.translation(r));
  }
  cv::Matx33f rotation;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) rotation(r, c) = static_cast<float>(pose.rotation(r, c));
  const cv::Vec3f angles = head_angles(rotation);
  result.yaw = angles[0];
  result.pitch = angles[1];
  result.roll = angles[2];
  result.metric_landmarks.reserve(landmarks.size());
  for (Eigen::Index i = 0; i < metric.cols(); ++i)
    result.metric_landmarks.emplace_back(metric(0, i), metric(1, i), metric(2, i));
  return result;
}

std::vector<cv::Point3f> FaceGeometry::AlignToCanonical(const std::vector<cv::Point3f>& landmarks) const {
  check_landmarks(landmarks, 1, 1);
  // Right-handed like the canonical face: y up, z towards the camera.
  Points points(3, static_cast<Eigen::Index>(landmarks.size()));
  for (size_t i = 0; i < landmarks.size(); ++i)
    points.col(i) << landmarks[i].x, -landmarks[i].y, -landmarks[i].z;
  const Similarity onto = fit(points.leftCols(kMeshLandmarks), to_eigen(model_.vertices),
                              model_.procrustes_weights);
  std::vector<cv::Point3f> out;
  out.reserve(landmarks.size());
  for (Eigen::Index i = 0; i < points.cols(); ++i) {
    const Eigen::Vector3d q = onto.scale * onto.rotation * points.col(i) + onto.translation;
    out.emplace_back(static_cast<float>(q.x()), static_cast<float>(q.y()), static_cast<float>(q.z()));
  }
  return out;
}

std::vector<cv::Point3f> FaceGeometry::ToCanonicalSpace(const FacePose& pose) {
  const cv::Matx44d inverse = cv::Matx44d(pose.transform).inv();
  std::vector<cv::Point3f> out;
  out.reserve(pose.metric_landmarks.size());
  for (const auto& p : pose.metric_landmarks) {
    const cv::Vec4d q = inverse * cv::Vec4d(p.x, p.y, p.z, 1.0);
    out.emplace_back(static_cast<float>(q[0]), static_cast<float>(q[1]), static_cast<float>(q[2]));
  }
  return out;
}

cv::Vec3f head_angles(const cv::Matx33f& r) {
  // R = Ry(a) Rx(b) Rz(c) has R(1,2) = -sin b, R(0,2) / R(2,2) = tan a and
  // R(1,0) / R(1,1) = tan c; yaw, pitch, roll are -a, -b, -c.
  const double rad = 180.0 / kPi;
  const double pitch = std::asin(std::clamp(double(r(1, 2)), -1.0, 1.0));
  const double yaw = std::atan2(-double(r(0, 2)), double(r(2, 2)));
  const double roll = std::atan2(-double(r(1, 0)), double(r(1, 1)));
  return {float(yaw * rad), float(pitch * rad), float(roll * rad)};
}

cv::Matx33f rotation_from_head_angles(float yaw, float pitch, float roll) {
  const double a = -yaw * kPi / 180.0, b = -pitch * kPi / 180.0, c = -roll * kPi / 180.0;
  const cv::Matx33d ry(std::cos(a), 0, std::sin(a), 0, 1, 0, -std::sin(a), 0, std::cos(a));
  const cv::Matx33d rx(1, 0, 0, 0, std::cos(b), -std::sin(b), 0, std::sin(b), std::cos(b));
  const cv::Matx33d rz(std::cos(c), -std::sin(c), 0, std::sin(c), std::cos(c), 0, 0, 0, 1);
  return cv::Matx33f(ry * rx * rz);
}

}  // namespace fer
