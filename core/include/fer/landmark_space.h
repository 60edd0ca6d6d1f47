// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::LandmarkSpace — which coordinates of a face's landmarks the wavelet
// features encode (waveletencode's landmark-space, fer-extract's
// --landmark-space, a feature model sidecar's input.space).
#pragma once

#include <string>

namespace fer {

// Which coordinates of a face's landmarks the features encode.
//   Image      x / width, y / height, z / width: where the face is in the
//              frame, as MediaPipe's normalised landmarks (the DFEW wavelet
//              recipe of docs/features.md);
//   Canonical  Face::canonical_landmarks: the points with head pose and scale
//              removed, in the canonical face's space (cm), so that the same
//              expression gives the same trajectory wherever the head is,
//              however large and however turned; zeros in a frame whose fit
//              failed.
enum class LandmarkSpace { Image, Canonical };

// "image" / "canonical".
const char* landmark_space_name(LandmarkSpace space);
// The space named `name` (case-sensitive, as above); throws fer::Error
// naming `what` and the accepted names otherwise.
LandmarkSpace parse_landmark_space(const std::string& name, const std::string& what);

}  // namespace fer
