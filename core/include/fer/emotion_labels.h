// SPDX-License-Identifier: LGPL-2.1-or-later
// Emotion label names shared by every model, so that models with different
// label sets (FER2013's 7, FER+'s and AffectNet's 8 with contempt) can be
// fused class by class.
//
// canonical_emotion_label() lower-cases a model's label and maps the usual
// synonyms onto one name: anger -> angry, happiness -> happy, sadness -> sad,
// surprised -> surprise, fearful -> fear, disgusted -> disgust,
// neutrality -> neutral. Other names pass through lower-cased, so a model
// may carry labels of its own.
#pragma once

#include <string>
#include <string_view>

namespace fer {

// The label of a face whose best probability is below the confidence floor.
inline constexpr std::string_view kUnknownEmotion = "unknown";

std::string canonical_emotion_label(std::string_view label);

}  // namespace fer
