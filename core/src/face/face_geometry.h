// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::FaceGeometry — head pose against MediaPipe's canonical face.
//
// WHAT THIS REPRESENTS
//   MediaPipe's face geometry pipeline (modules/face_geometry, the
//   "FACE_LANDMARK_PIPELINE" input source), which turns screen landmarks
//   into a metric 3D face and a pose transform:
//     * A virtual perspective camera sits at the origin of a right-handed
//       metric space (cm): x to the image's right, y to the image's top, the
//       camera looking down -z. Its vertical field of view spans the frame's
//       height; near and far bound the frustum (only near matters here).
//     * The landmarks (frame pixels, origin at the frame's top-left corner,
//       z relative depth on x's scale, smaller = closer) are put on the near
//       plane; the canonical face (CanonicalFaceModel) is fitted to them with
//       a weighted orthogonal Procrustes solve (rotation, uniform scale,
//       translation; weights from the model's Procrustes basis, which favours
//       points that move with the head and not with expressions). The scale
//       of that fit gives the face's depth, the landmarks are unprojected to
//       that depth, fitted again and unprojected with the refined scale.
//     * A last fit gives `transform`, which maps the canonical face (cm) onto
//       the metric landmarks: a rotation, a uniform scale (close to 1, since
//       depth was chosen to make it so) and a translation (cm).
//   As in any single-camera estimate, depth rests on the assumption that the
//   face has the canonical face's size.
//
// HEAD ANGLES (FacePose::yaw, pitch, roll; degrees)
//   The rotation R of `transform` (scale removed) is decomposed as
//       R = Ry(-yaw) * Rx(-pitch) * Rz(-roll)
//   with Rx, Ry, Rz the right-handed rotations about the camera's x, y, z
//   axes (intrinsic Y-X'-Z'': yaw about the camera's vertical axis, then
//   pitch about the head's turned left-right axis, then roll about its
//   nose axis). The canonical face looks at the camera with R = I. Then
//     yaw   > 0  the subject turns to their right: the nose points to the
//                image's left (as the unmirrored frame shows it);
//     pitch > 0  the subject looks up: the nose points to the image's top;
//     roll  > 0  the head tilts clockwise in the image.
//   The nose direction is R * (0, 0, 1) = (-sin yaw cos pitch, sin pitch,
//   cos yaw cos pitch). The angles are relative to the camera's axis, not to
//   the line of sight: a face off the image centre that looks straight into
//   the camera has a small yaw or pitch. yaw and roll are in (-180, 180],
//   pitch in [-90, 90].
//
// THREAD SAFETY
//   FaceGeometry and CanonicalFaceModel are immutable after construction;
//   Estimate() may be called concurrently.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>

namespace fer {

// MediaPipe's canonical face: geometry_pipeline_metadata_landmarks.binarypb,
// a GeometryPipelineMetadata protobuf (canonical mesh, Procrustes basis).
struct CanonicalFaceModel {
  std::vector<cv::Point3f> vertices;                      // 468, cm, ids = landmark ids
  std::vector<cv::Point2f> uvs;                           // 468 texture coordinates
  std::vector<std::pair<int, float>> procrustes_weights;  // landmark id, weight >= 0
  std::vector<std::array<int, 3>> triangles;              // vertex ids

  // REQUIRES: path names a GeometryPipelineMetadata in protobuf wire format.
  // ENSURES:  468 vertices (VERTEX_PT: x, y, z, u, v each), a non-empty
  //           basis with ids below 468 and non-negative weights whose sum is
  //           positive, triangle ids below 468; otherwise throws fer::Error
  //           naming the file and what is wrong with it.
  static CanonicalFaceModel Create(const std::string& path);
};

struct FaceGeometryOptions {
  std::string model_dir;               // first directory searched (see ModelRegistry)
  float vertical_fov_degrees = 63.0f;  // MediaPipe's defaults (face_mesh solution)
  float near = 1.0f;
  float far = 10000.0f;
};

struct FacePose {
  // Canonical face space -> camera space (MediaPipe's pose_transform_mat):
  // camera = transform * (canonical, 1); row-major, last row (0, 0, 0, 1).
  cv::Matx44f transform = cv::Matx44f::eye();
  float yaw = 0.0f;  // degrees, see HEAD ANGLES above
  float pitch = 0.0f;
  float roll = 0.0f;
  // The input landmarks in camera space (cm), same count and order as the
  // input (MediaPipe's metric landmarks before its final alignment).
  std::vector<cv::Point3f> metric_landmarks;
};

class FaceGeometry {
 public:
  // Loads geometry_pipeline_metadata_landmarks.binarypb through ModelRegistry.
  // ENSURES: throws fer::ModelNotFound if the file is nowhere on the search
  //          path, fer::Error if it is corrupt or invalid (naming the file),
  //          or if the camera is invalid (0 < near < far, 0 < fov < 180).
  static std::unique_ptr<FaceGeometry> Create(const FaceGeometryOptions& options);

  // Like Create, with an already loaded model (tests, other metadata files).
  static std::unique_ptr<FaceGeometry> Create(const FaceGeometryOptions& options,
                                              CanonicalFaceModel model);

  // REQUIRES: landmarks: 468 or 478 points (fer::Face::landmarks) in frame
  //           pixels of a frame_width x frame_height frame; only the first
  //           468 (the mesh) take part in the fit, as in MediaPipe Tasks'
  //           face landmarker; the others (irises) are carried along into
  //           metric_landmarks.
  // ENSURES:  the pose as above; throws fer::Error for another point count, a
  //           frame size that is not positive, non-finite coordinates, or
  //           points too close together to fit (MediaPipe drops faces whose
  //           points all lie within 1e-3 of the frame size of their mean).
  FacePose Estimate(const std::vector<cv::Point3f>& landmarks, int frame_width,
                    int frame_height) const;

  // The points with head pose and scale removed: inverse(pose.transform)
  // applied to pose.metric_landmarks, i.e. in the canonical face's space and
  // units (cm), comparable point for point with canonical().vertices. This
  // is what MediaPipe returns as the face geometry's mesh.
  static std::vector<cv::Point3f> ToCanonicalSpace(const FacePose& pose);

  // The points with head pose and scale removed without a camera model: the
  // landmarks (frame pixels, z on x's scale) fitted onto the canonical face
  // as they are, by the same weighted Procrustes fit (rotation, uniform
  // scale, translation), in the canonical face's space and units. Unlike
  // ToCanonicalSpace it does not depend on where the face is in the frame
  // or on the frame's size, only on the face's shape: what blendshapes
  // measure (fer/blendshapes.h).
  // REQUIRES: 468 or 478 points; throws fer::Error as Estimate() does.
  std::vector<cv::Point3f> AlignToCanonical(const std::vector<cv::Point3f>& landmarks) const;

  const CanonicalFaceModel& canonical() const { return model_; }
  const FaceGeometryOptions& options() const { return options_; }

 private:
  FaceGeometry(const FaceGeometryOptions& options, CanonicalFaceModel model);

  FaceGeometryOptions options_;
  CanonicalFaceModel model_;
};

// Yaw, pitch, roll (degrees, in that order) of a rotation matrix, in the
// convention above. REQUIRES: r is a rotation (orthonormal, det +1).
cv::Vec3f head_angles(const cv::Matx33f& r);

// The rotation with those angles: Ry(-yaw) * Rx(-pitch) * Rz(-roll).
cv::Matx33f rotation_from_head_angles(float yaw, float pitch, float roll);

}  // namespace fer
