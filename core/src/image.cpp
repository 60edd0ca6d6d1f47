#include "fer/image.h"

namespace fer {

int packed_pixel_size(PixelFormat format) {
  switch (format) {
    case PixelFormat::RGB:
    case PixelFormat::BGR:
      return 3;
    case PixelFormat::RGBx:
    case PixelFormat::BGRx:
    case PixelFormat::xRGB:
    case PixelFormat::xBGR:
    case PixelFormat::RGBA:
    case PixelFormat::BGRA:
    case PixelFormat::ARGB:
    case PixelFormat::ABGR:
      return 4;
    case PixelFormat::I420:
    case PixelFormat::NV12:
      return 0;
  }
  return 0;
}

}  // namespace fer
