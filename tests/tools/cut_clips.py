#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Cuts short labelled clips out of the evaluation set's labelled frame
ranges, for the training loop's end-to-end test (tests/tools/test_fer_train.cpp).

  cut_clips.py RANGES.csv OUT_DIR FRAMES PER_RANGE

Every range of RANGES.csv (path,start_frame,end_frame,label; paths relative
to its folder) long enough gives up to PER_RANGE clips of FRAMES frames,
spread evenly over it, written as Motion-JPEG AVI (OpenCV's own writer, read
back by GStreamer's avidemux + jpegdec). Writes OUT_DIR/clips.csv in the
cleaned DFEW form fer-extract reads: file_path, label (DFEW number), actual,
video_id (the range the clip came from: clips of one range stay on one side
of a split), source (the video).
"""
import csv
import os
import sys

import cv2

DFEW_NUMBERS = {"happy": 1, "sad": 2, "neutral": 3, "angry": 4, "surprise": 5, "disgust": 6, "fear": 7}


def main():
    ranges_csv, out_dir, frames, per_range = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    base = os.path.dirname(os.path.abspath(ranges_csv))
    with open(ranges_csv, newline="") as f:
        ranges = [r for r in csv.DictReader(f) if r["label"] in DFEW_NUMBERS]
    wanted = {}  # video -> [(start, range index, label)]
    for i, r in enumerate(ranges):
        start, end = int(r["start_frame"]), int(r["end_frame"])
        count = min(per_range, (end - start + 1) // frames)
        if count == 0:
            continue
        step = (end - start + 1 - frames) // max(count - 1, 1) if count > 1 else 0
        for k in range(count):
            wanted.setdefault(r["path"], []).append((start + k * step, i, r["label"]))
    rows = []
    for video, clips in sorted(wanted.items()):
        starts = {s: (i, label) for s, i, label in clips}
        cap = cv2.VideoCapture(os.path.join(base, video))
        index, writers = 0, {}
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            if index in starts:
                i, label = starts[index]
                name = f"{os.path.splitext(os.path.basename(video))[0]}_{index:05d}_{label}.avi"
                h, w = frame.shape[:2]
                writers[index] = cv2.VideoWriter(os.path.join(out_dir, name), cv2.VideoWriter_fourcc(*"MJPG"),
                                                 24, (w, h))
                rows.append({"file_path": name, "label": DFEW_NUMBERS[label], "actual": label,
                             "video_id": f"range{i}", "source": os.path.basename(video)})
            for start, writer in list(writers.items()):
                writer.write(frame)
                if index - start + 1 == frames:
                    writer.release()
                    del writers[start]
            index += 1
        for writer in writers.values():
            writer.release()
    with open(os.path.join(out_dir, "clips.csv"), "w", newline="") as f:
        out = csv.DictWriter(f, fieldnames=["file_path", "label", "actual", "video_id", "source"])
        out.writeheader()
        out.writerows(rows)
    print(f"{len(rows)} clips")


if __name__ == "__main__":
    main()
