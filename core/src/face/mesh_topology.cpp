// SPDX-License-Identifier: LGPL-2.1-or-later
// Contours of the 478-point face mesh as edges between landmark indices.
// The edge sets are MediaPipe's face mesh topology (face oval, lips, eyes,
// eyebrows, irises); "left" is the subject's left, as in MediaPipe.
#include "face/mesh_topology.h"

namespace fer {
namespace {

constexpr MeshEdge kFaceOval[] = {
    {10, 338}, {21, 54}, {54, 103}, {58, 132}, {67, 109}, {93, 234}, {103, 67},
    {109, 10}, {127, 162}, {132, 93}, {136, 172}, {148, 176}, {149, 150}, {150,
    136}, {152, 148}, {162, 21}, {172, 58}, {176, 149}, {234, 127}, {251, 389},
    {284, 251}, {288, 397}, {297, 332}, {323, 361}, {332, 284}, {338, 297},
    {356, 454}, {361, 288}, {365, 379}, {377, 152}, {378, 400}, {379, 378},
    {389, 356}, {397, 365}, {400, 377}, {454, 323}
};
constexpr MeshEdge kLips[] = {
    {0, 267}, {13, 312}, {14, 317}, {17, 314}, {37, 0}, {39, 37}, {40, 39}, {61,
    146}, {61, 185}, {78, 95}, {78, 191}, {80, 81}, {81, 82}, {82, 13}, {84,
    17}, {87, 14}, {88, 178}, {91, 181}, {95, 88}, {146, 91}, {178, 87}, {181,
    84}, {185, 40}, {191, 80}, {267, 269}, {269, 270}, {270, 409}, {310, 415},
    {311, 310}, {312, 311}, {314, 405}, {317, 402}, {318, 324}, {321, 375},
    {324, 308}, {375, 291}, {402, 318}, {405, 321}, {409, 291}, {415, 308}
};
constexpr MeshEdge kLeftEye[] = {
    {249, 390}, {263, 249}, {263, 466}, {373, 374}, {374, 380}, {380, 381},
    {381, 382}, {382, 362}, {384, 398}, {385, 384}, {386, 385}, {387, 386},
    {388, 387}, {390, 373}, {398, 362}, {466, 388}
};
constexpr MeshEdge kLeftEyebrow[] = {
    {276, 283}, {282, 295}, {283, 282}, {293, 334}, {295, 285}, {296, 336},
    {300, 293}, {334, 296}
};
constexpr MeshEdge kRightEye[] = {
    {7, 163}, {33, 7}, {33, 246}, {144, 145}, {145, 153}, {153, 154}, {154,
    155}, {155, 133}, {157, 173}, {158, 157}, {159, 158}, {160, 159}, {161,
    160}, {163, 144}, {173, 133}, {246, 161}
};
constexpr MeshEdge kRightEyebrow[] = {
    {46, 53}, {52, 65}, {53, 52}, {63, 105}, {65, 55}, {66, 107}, {70, 63},
    {105, 66}
};
constexpr MeshEdge kLeftIris[] = {
    {474, 475}, {475, 476}, {476, 477}, {477, 474}
};
constexpr MeshEdge kRightIris[] = {
    {469, 470}, {470, 471}, {471, 472}, {472, 469}
};

template <std::size_t N>
MeshContour contour(const char* name, const MeshEdge (&edges)[N]) {
  return {name, edges, N};
}

}  // namespace

const std::vector<MeshContour>& mesh_contours() {
  static const std::vector<MeshContour> contours = {
      contour("face-oval", kFaceOval),
      contour("lips", kLips),
      contour("left-eye", kLeftEye),
      contour("left-eyebrow", kLeftEyebrow),
      contour("right-eye", kRightEye),
      contour("right-eyebrow", kRightEyebrow),
      contour("left-iris", kLeftIris),
      contour("right-iris", kRightIris),
  };
  return contours;
}

}  // namespace fer
