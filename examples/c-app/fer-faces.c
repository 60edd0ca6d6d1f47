/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fer-faces — a C application reading gst-fer's faces meta from an appsink,
 * the way DL Streamer and DeepStream applications read their metas: the
 * installed header <gst/fer/fermeta.h> and libgstfer-meta.
 *
 *   fer-faces VIDEO [MAX_FRAMES]
 *
 * Prints one line per face and frame; exits 1 on an error (said on stderr)
 * or when no frame had a face, 2 on bad usage. */
#include <stdio.h>
#include <stdlib.h>

#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/fer/fermeta.h>

static void
print_faces (GstBuffer * buffer, guint * frames_with_faces)
{
  GstFerFacesMeta *meta = gst_buffer_get_fer_faces_meta (buffer);
  GstFerFace face;
  guint i;

  if (!meta)
    return;
  for (i = 0; gst_fer_faces_meta_get_face (meta, i, &face); i++) {
    printf ("frame %" G_GINT64_FORMAT " face %d box [%.1f %.1f %.1f %.1f]"
        " landmarks %u", gst_fer_faces_meta_get_frame (meta), face.id,
        face.x, face.y, face.width, face.height, face.n_landmarks);
    if (face.has_pose)
      printf (" yaw %.1f pitch %.1f roll %.1f", face.yaw, face.pitch,
          face.roll);
    if (face.emotion)
      printf (" %s %.2f", face.emotion, face.emotion_confidence);
    printf ("\n");
  }
  if (gst_fer_faces_meta_get_n_faces (meta) > 0)
    (*frames_with_faces)++;
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  GstElement *pipeline, *sink;
  GstSample *sample;
  GstBus *bus;
  GstMessage *message = NULL;
  gchar *description;
  guint frames = 0, frames_with_faces = 0;
  long max_frames;
  int status = 0;

  gst_init (&argc, &argv);
  if (argc < 2 || argc > 3) {
    fprintf (stderr, "usage: fer-faces VIDEO [MAX_FRAMES]\n");
    return 2;
  }
  max_frames = argc == 3 ? atol (argv[2]) : -1;

  description = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! "
      "videoconvert ! facelandmarks ! emotionclassify ! "
      "appsink name=sink sync=false", argv[1]);
  pipeline = gst_parse_launch (description, &error);
  g_free (description);
  if (!pipeline) {
    fprintf (stderr, "fer-faces: %s\n", error->message);
    g_clear_error (&error);
    return 1;
  }
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  /* Pull with a timeout, so an error (which never ends the appsink's
   * stream) is seen on the bus. */
  while (max_frames < 0 || frames < (guint) max_frames) {
    message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    if (message)
      break;
    sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
        100 * GST_MSECOND);
    if (!sample) {
      if (gst_app_sink_is_eos (GST_APP_SINK (sink)))
        break;
      continue;
    }
    print_faces (gst_sample_get_buffer (sample), &frames_with_faces);
    gst_sample_unref (sample);
    frames++;
  }

  if (!message)
    message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  if (message) {
    gchar *debug = NULL;
    gst_message_parse_error (message, &error, &debug);
    fprintf (stderr, "fer-faces: %s (%s)\n", error->message,
        debug ? debug : "no details");
    g_free (debug);
    g_clear_error (&error);
    gst_message_unref (message);
    status = 1;
  } else if (frames_with_faces == 0) {
    fprintf (stderr, "fer-faces: no face in %u frames\n", frames);
    status = 1;
  }
  printf ("%u frames, %u with faces\n", frames, frames_with_faces);

  gst_object_unref (bus);
  gst_object_unref (sink);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  return status;
}
