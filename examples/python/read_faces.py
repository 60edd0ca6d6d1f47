#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Reads gst-fer's faces and emotions from the standard region-of-interest metas.

    GST_PLUGIN_PATH=build/gst-plugin /usr/bin/python3 \\
        examples/python/read_faces.py VIDEO [--max-frames N]

Runs filesrc ! decodebin ! videoconvert ! facelandmarks ! emotionclassify !
appsink and prints, for every frame, each GstVideoRegionOfInterestMeta of type
"face": its id (the track id), its box, and the "emotion" parameter structure
(label, confidence) that emotionclassify adds to it. Nothing here knows gst-fer's
own meta: any app that reads ROI metas gets the same data.

Exit status: 0 when at least one face was seen, 1 on an error (missing file or
element, pipeline error), 2 on bad arguments, 3 when no frame had a face,
130 on Ctrl-C.
"""

import argparse
import ctypes
import os
import sys
from collections import Counter

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstApp", "1.0")
gi.require_version("GstVideo", "1.0")
# GstApp's typelib must be loaded for the appsink to be a GstApp.AppSink with
# try_pull_sample() and is_eos(): else PyGObject sees a plain GstBaseSink.
from gi.repository import GLib, Gst, GstApp, GstVideo  # noqa: E402

ELEMENTS = ("filesrc", "decodebin", "videoconvert", "facelandmarks",
            "emotionclassify", "appsink")


class Failure(Exception):
    """An error to report on stderr, exit status 1."""


# The head of the C structs, as in gst/gstmeta.h and gst/video/gstvideometa.h;
# ctypes computes the offsets (id is at 20 with 8-byte pointers).
class _GstMeta(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_int),  # GstMetaFlags, an enum
                ("info", ctypes.c_void_p)]  # const GstMetaInfo *


class _RoiMetaHead(ctypes.Structure):  # GstVideoRegionOfInterestMeta, up to id
    _fields_ = [("meta", _GstMeta),
                ("roi_type", ctypes.c_uint32),  # GQuark
                ("id", ctypes.c_int)]


class FaceRegions:
    """Lists a buffer's face ROI metas.

    PyGObject cannot walk a buffer's metas: gst_buffer_iterate_meta() and
    _iterate_meta_filtered() are not introspectable, and foreach_meta()'s
    callback never receives the meta (its argument is annotated "out"). So
    gst_buffer_iterate_meta_filtered() is called through ctypes, which reads
    each ROI meta's id from its C struct; the meta itself is then taken from
    GstVideo.buffer_get_video_region_of_interest_meta_id(), whose result
    PyGObject wraps (roi_type, box, get_param()).
    """

    def __init__(self):
        # The libraries PyGObject already loaded: dlopen returns the same ones.
        gst = ctypes.CDLL("libgstreamer-1.0.so.0")
        video = ctypes.CDLL("libgstvideo-1.0.so.0")
        self.iterate = gst.gst_buffer_iterate_meta_filtered
        self.iterate.argtypes = [ctypes.c_void_p,  # GstBuffer *
                                 ctypes.POINTER(ctypes.c_void_p),  # gpointer *state
                                 ctypes.c_size_t]  # GType, a gsize
        self.iterate.restype = ctypes.POINTER(_RoiMetaHead)
        api_type = video.gst_video_region_of_interest_meta_api_get_type
        api_type.restype = ctypes.c_size_t
        self.api = api_type()
        self.face = GLib.quark_from_string("face")

    @staticmethod
    def pointer(buf):
        """The GstBuffer * that the Gst.Buffer wraps.

        PyGObject offers no API for it, but hash() of a boxed wrapper is the
        pointer it holds (gboxed_hash() in PyGObject's gi/pygboxed.c), and
        repr() prints that pointer: they are checked to agree before any use.
        """
        ptr = hash(buf)
        if ptr <= 0 or f"(GstBuffer at {ptr:#x})" not in repr(buf):
            raise Failure("cannot get the GstBuffer pointer from this PyGObject "
                          f"(hash {ptr:#x}, repr {buf!r})")
        return ptr

    def read(self, buf):
        state = ctypes.c_void_p()  # NULL: start from the first meta
        ptr = self.pointer(buf)
        ids = []
        while meta := self.iterate(ptr, ctypes.byref(state), self.api):
            ids.append(meta.contents.id)
        # A lookup by id returns the first ROI meta with that id: a later one
        # with the same id (from another element) cannot be reached.
        unique = list(dict.fromkeys(ids))
        faces = []
        for roi_id in unique:
            roi = GstVideo.buffer_get_video_region_of_interest_meta_id(buf, roi_id)
            if roi.roi_type == self.face:
                faces.append(roi)
        return faces, len(ids) - len(unique)  # the faces, and shadowed metas


def emotion_of(roi):
    """(label, confidence) from the ROI's "emotion" parameter, or None."""
    params = roi.get_param("emotion")  # a Gst.Structure, owned by the meta
    if params is None:
        return None
    label = params.get_string("label")
    ok, confidence = params.get_double("confidence")
    return (label, confidence) if label is not None and ok else None


def build_pipeline(video):
    if not os.path.isfile(video):
        raise Failure(f"no such file: {video}")
    for name in ELEMENTS:
        if Gst.ElementFactory.find(name) is None:
            hint = (" (gst-fer's plugin: set GST_PLUGIN_PATH=build/gst-plugin)"
                    if name in ("facelandmarks", "emotionclassify") else "")
            raise Failure(f"missing GStreamer element: {name}{hint}")
    pipeline = Gst.parse_launch(
        "filesrc name=src ! decodebin ! videoconvert ! facelandmarks ! "
        # sync=false: as fast as the analytics go; max-buffers: pulled
        # frames are held back instead of queued without bound (drop=false).
        "emotionclassify ! appsink name=sink sync=false max-buffers=4")
    pipeline.get_by_name("src").set_property("location", video)
    sink: GstApp.AppSink = pipeline.get_by_name("sink")
    return pipeline, sink


def check_bus(bus):
    """Raises Failure for an ERROR message; True once EOS is posted."""
    while True:
        msg = bus.pop_filtered(Gst.MessageType.ERROR | Gst.MessageType.EOS
                               | Gst.MessageType.WARNING)
        if msg is None:
            return False
        if msg.type == Gst.MessageType.EOS:
            return True
        if msg.type == Gst.MessageType.WARNING:
            err, debug = msg.parse_warning()
            print(f"warning from {msg.src.get_name()}: {err.message}", file=sys.stderr)
            continue
        err, debug = msg.parse_error()
        raise Failure(f"error from {msg.src.get_name()}: {err.message}"
                      + (f"\n  {debug}" if debug else ""))


def run(video, max_frames):
    pipeline, sink = build_pipeline(video)
    bus = pipeline.get_bus()
    regions = FaceRegions()
    frames = face_frames = 0
    ids, labels, unfound = set(), Counter(), 0
    try:
        if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            check_bus(bus)  # the element posted why (e.g. models not found)
            raise Failure("the pipeline did not start")
        while max_frames is None or frames < max_frames:
            # Pulled in this thread, no main loop: the bus is polled between
            # samples so an error never leaves us waiting for a sample.
            sample = sink.try_pull_sample(Gst.SECOND // 2)
            if sample is None:
                if check_bus(bus) or sink.is_eos():
                    break
                continue
            buf = sample.get_buffer()
            faces, missing = regions.read(buf)
            unfound += missing
            pts = ("?" if buf.pts == Gst.CLOCK_TIME_NONE
                   else f"{buf.pts / Gst.SECOND:.3f}")
            parts = []
            for roi in faces:
                emotion = emotion_of(roi)
                ids.add(roi.id)
                labels[emotion[0] if emotion else "(none)"] += 1
                what = f"{emotion[0]} {emotion[1]:.2f}" if emotion else "no emotion"
                parts.append(f"face {roi.id} [{roi.x} {roi.y} {roi.w} {roi.h}] {what}")
            print(f"frame {frames} pts {pts} s: " + ("; ".join(parts) or "no face"),
                  flush=True)
            face_frames += bool(faces)
            frames += 1
        check_bus(bus)  # an error posted after the last sample still fails the run
    finally:
        # Stopping: NULL state ends the streaming threads; with --max-frames
        # this is how the run ends early, with no EOS needed.
        pipeline.set_state(Gst.State.NULL)

    print(f"summary: {frames} frames, {face_frames} with a face, "
          f"{len(ids)} face id(s) {sorted(ids)}, emotions "
          + (", ".join(f"{k} {v}" for k, v in labels.most_common()) or "none"))
    if unfound:
        print(f"note: {unfound} ROI meta(s) skipped, their id repeating an "
              "earlier one's (see FaceRegions)", file=sys.stderr)
    if face_frames == 0:
        print("error: no face found in any frame", file=sys.stderr)
        return 3
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", help="video file to analyse")
    parser.add_argument("--max-frames", type=int, metavar="N",
                        help="stop after N frames")
    args = parser.parse_args()
    if args.max_frames is not None and args.max_frames < 1:
        parser.error("--max-frames must be at least 1")
    Gst.init(None)
    try:
        return run(args.video, args.max_frames)
    except Failure as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except GLib.Error as e:  # e.g. parse_launch failing
        print(f"error: {e.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
