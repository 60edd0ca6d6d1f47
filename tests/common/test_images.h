// SPDX-License-Identifier: LGPL-2.1-or-later
// Real images as the engine sees them.
#pragma once

#include <opencv2/core.hpp>

#include "fer/image.h"

namespace fer::test {

using fer::bgr_view;  // fer/image.h

}  // namespace fer::test
