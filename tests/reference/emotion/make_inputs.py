#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Make the emotion-model reference inputs: 5 real face crops.

Each still is decoded exactly as tests/reference/decode_images.py does
(cv2.imread(IMREAD_COLOR) + cvtColor(BGR2RGB), Debian python3-opencv 4.6.0).
The crop is a square around the bounds of the 478 committed MediaPipe
landmarks (tests/data/reference/mediapipe_face_mesh/<name>.json):

    centre = middle of [min, max] of x_px and of y_px
    side   = round(1.3 * max(width, height))        (15 % margin each side)
    x0     = round(cx - side/2), y0 = round(cy - side/2)
    then side = min(side, W, H) and x0, y0 are clamped to [0, W-side] x
    [0, H-side], so the square is moved (not cut) to stay inside the image.

From the crop rgb[y0:y0+side, x0:x0+side]:

    <name>_112_rgb.png : cv2.resize(crop, (112,112), interpolation=INTER_AREA)
    <name>_64_gray.png : cv2.resize(cv2.cvtColor(crop, COLOR_RGB2GRAY),
                                    (64,64), interpolation=INTER_AREA)

The PNGs (written to DATA_DIR) define the inputs. Read back with
cv2.imread(IMREAD_COLOR)+BGR2RGB (112) or cv2.imread(IMREAD_GRAYSCALE) (64).

Tensors (float32, little-endian), written to WORKDIR for run_emotion.mjs:

    <name>_64_gray.u8       raw 8-bit grey pixels
    <name>_64_gray.f32      minixception input [64,64,1]:
                            (2p - 255) / 255, correctly rounded to float32
                            (= p/127.5 - 1 = (p/255 - 0.5)*2)
    <name>_112_rgb.u8       raw RGB24 pixels given to face-api
    <name>_112_faceapi.f32  what face-api feeds its net [112,112,3], in float32
                            arithmetic: (float(p) - mean_c) / 255.0f, each op
                            rounded, mean_c = float32(122.782, 117.001, 104.298)

usage: /usr/bin/python3 make_inputs.py DATA_DIR WORKDIR
"""
import hashlib, json, os, sys
import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import decode_images  # noqa: E402  (same IMAGES table and decoder as A/B)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
LANDMARKS = os.path.join(REPO, "tests/data/reference/mediapipe_face_mesh")
NAMES = ["franck_01829", "franck_04117", "franck_03909", "grace_hopper", "astronaut"]
MARGIN = 0.15
FACEAPI_MEAN = np.array([122.782, 117.001, 104.298], dtype=np.float32)


def sha(b):
    return hashlib.sha256(b).hexdigest()


def crop_box(landmarks, width, height):
    pts = np.asarray(landmarks, dtype=np.float64)[:, :2]
    mn, mx = pts.min(axis=0), pts.max(axis=0)
    cx, cy = (mn + mx) / 2
    side = int(round((1 + 2 * MARGIN) * float(max(mx - mn))))
    side = min(side, width, height)
    x0 = min(max(int(round(cx - side / 2)), 0), width - side)
    y0 = min(max(int(round(cy - side / 2)), 0), height - side)
    return x0, y0, side, [float(mn[0]), float(mn[1]), float(mx[0]), float(mx[1])]


def minixception_tensor(gray):
    # numerator and denominator are exact in float32, so the IEEE float32
    # division is the correctly rounded (2p-255)/255
    return ((np.float32(2) * gray.astype(np.float32) - np.float32(255)) / np.float32(255)).astype("<f4")


def faceapi_tensor(rgb):
    # tf.sub(x, mean) then .div(255), both float32 ops (numpy float32 ops are
    # correctly rounded IEEE single, like tfjs-backend-cpu's Float32Array)
    return ((rgb.astype(np.float32) - FACEAPI_MEAN) / np.float32(255)).astype("<f4")


def write_png(path, img):
    cv2.imwrite(path, img, [cv2.IMWRITE_PNG_COMPRESSION, 9])


def main():
    data_dir, work = sys.argv[1], sys.argv[2]
    os.makedirs(data_dir, exist_ok=True)
    os.makedirs(work, exist_ok=True)
    images = []
    for name in NAMES:
        path, source = decode_images.IMAGES[name]
        rgb = decode_images.decode(path)
        h, w = rgb.shape[:2]
        with open(os.path.join(LANDMARKS, name + ".json")) as f:
            lm = json.load(f)
        assert lm["image"]["rgb_sha256"] == sha(rgb.tobytes()), name + ": decoded pixels differ from face_mesh's"
        x0, y0, side, bounds = crop_box(lm["faces"][0]["landmarks"], w, h)
        crop = rgb[y0:y0 + side, x0:x0 + side]

        rgb112 = cv2.resize(crop, (112, 112), interpolation=cv2.INTER_AREA)
        gray64 = cv2.resize(cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY), (64, 64), interpolation=cv2.INTER_AREA)
        png112 = os.path.join(data_dir, name + "_112_rgb.png")
        png64 = os.path.join(data_dir, name + "_64_gray.png")
        write_png(png112, cv2.cvtColor(rgb112, cv2.COLOR_RGB2BGR))
        write_png(png64, gray64)
        back112 = cv2.cvtColor(cv2.imread(png112, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        back64 = cv2.imread(png64, cv2.IMREAD_GRAYSCALE)
        assert np.array_equal(back112, rgb112) and np.array_equal(back64, gray64), "PNG round trip changed pixels"

        t64 = minixception_tensor(back64)
        t112 = faceapi_tensor(back112)
        back112.tofile(os.path.join(work, name + "_112_rgb.u8"))
        back64.tofile(os.path.join(work, name + "_64_gray.u8"))
        t64.tofile(os.path.join(work, name + "_64_gray.f32"))
        t112.tofile(os.path.join(work, name + "_112_faceapi.f32"))
        rel = "tests/data/reference/emotion/"
        images.append({
            "name": name,
            "source": {"file": source, "sha256": lm["image"]["sha256"], "rgb_sha256": lm["image"]["rgb_sha256"],
                       "width": w, "height": h},
            "crop": {"landmarks": "tests/data/reference/mediapipe_face_mesh/%s.json (all 478 points)" % name,
                     "landmark_bounds_xyxy": bounds, "x0": x0, "y0": y0, "side": side},
            "gray64": {"png": rel + name + "_64_gray.png", "png_sha256": sha(open(png64, "rb").read()),
                       "pixels_sha256": sha(back64.tobytes()), "tensor_sha256": sha(t64.tobytes()),
                       "tensor_shape": [64, 64, 1]},
            "rgb112": {"png": rel + name + "_112_rgb.png", "png_sha256": sha(open(png112, "rb").read()),
                       "pixels_sha256": sha(back112.tobytes()), "faceapi_tensor_sha256": sha(t112.tobytes()),
                       "tensor_shape": [112, 112, 3]},
        })
        print("%-13s crop x0=%d y0=%d side=%d" % (name, x0, y0, side))
    meta = {
        "images": images,
        "made_by": {"tool": "tests/reference/emotion/make_inputs.py", "opencv": cv2.__version__, "numpy": np.__version__,
                    "decode": "cv2.imread(IMREAD_COLOR) + cvtColor(BGR2RGB) (tests/reference/decode_images.py)",
                    "crop": "square around the landmark bounds, side = round(1.3*max(w,h)), "
                            "x0 = round(cx - side/2), y0 = round(cy - side/2), moved inside the image",
                    "rgb112": "cv2.resize(crop, (112,112), interpolation=cv2.INTER_AREA)",
                    "gray64": "cv2.resize(cv2.cvtColor(crop, COLOR_RGB2GRAY), (64,64), interpolation=cv2.INTER_AREA)"},
    }
    with open(os.path.join(work, "inputs.json"), "w") as f:
        json.dump(meta, f, indent=1)


if __name__ == "__main__":
    main()
