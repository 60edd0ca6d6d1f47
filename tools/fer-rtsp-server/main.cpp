// SPDX-License-Identifier: LGPL-2.1-or-later
// fer-rtsp-server — serves one or more GStreamer launch lines over RTSP on a
// chosen address and port, each at its own mount point, until SIGINT/SIGTERM.
// Every client of a mount shares one running media (a camera-like feed).
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <glib-unix.h>

#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace {

const char* kDescription =
    "fer-rtsp-server: serve GStreamer launch lines over RTSP.\n"
    "\n"
    "Each --mount PATH=LAUNCH serves LAUNCH at rtsp://ADDRESS:PORT/PATH. LAUNCH is a\n"
    "bin description whose payloaders are named pay0, pay1, ..., for example\n"
    "  --mount 'cam=( filesrc location=franck.mp4 ! qtdemux ! h264parse !\n"
    "           rtph264pay name=pay0 pt=96 config-interval=1 )'\n"
    "All clients of a mount share one media; when it ends (end of file) the next\n"
    "client starts it again. Prints one line 'serving rtsp://...' per mount once\n"
    "the port is bound, then runs until SIGINT or SIGTERM.\n";

struct Mount {
  std::string path;
  std::string launch;
};

gboolean quit_loop(gpointer loop) {
  g_main_loop_quit(static_cast<GMainLoop*>(loop));
  return G_SOURCE_REMOVE;
}

// Why `launch` cannot be served ("" if it can): it must parse (every element
// known, every link possible) and hold the payloader the media factory looks
// for, named pay0. Nothing is started: parsing only creates the elements.
std::string launch_problem(const std::string& launch) {
  GError* error = nullptr;
  GstElement* bin = gst_parse_launch_full(("( " + launch + " )").c_str(), nullptr, GST_PARSE_FLAG_FATAL_ERRORS,
                                          &error);
  std::string problem;
  if (!bin || error) {
    problem = std::string("the launch line does not parse: ") + (error ? error->message : "unknown error");
  } else if (GstElement* pay = gst_bin_get_by_name(GST_BIN(bin), "pay0")) {
    gst_object_unref(pay);
  } else {
    problem = "no payloader named pay0 in the launch line (e.g. ... ! rtph264pay name=pay0 pt=96)";
  }
  g_clear_error(&error);
  if (bin) gst_object_unref(bin);
  return problem;
}

}  // namespace

int main(int argc, char** argv) {
  std::string address = "127.0.0.1";
  int port = 8554;
  std::vector<std::string> mount_args;

  CLI::App app{kDescription, "fer-rtsp-server"};
  app.add_option("-a,--address", address, "address to listen on")->capture_default_str();
  app.add_option("-p,--port", port, "TCP port to listen on")->check(CLI::Range(1, 65535))
      ->capture_default_str();
  app.add_option("-m,--mount", mount_args, "PATH=LAUNCH: serve LAUNCH at /PATH")->required();
  app.set_version_flag("--version", FER_VERSION);
  CLI11_PARSE(app, argc, argv);

  std::vector<Mount> mounts;
  for (const std::string& arg : mount_args) {
    const auto eq = arg.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size()) {
      std::fprintf(stderr, "fer-rtsp-server: --mount %s: expected PATH=LAUNCH\n", arg.c_str());
      return 2;
    }
    std::string path = arg.substr(0, eq);
    if (path[0] != '/') path.insert(0, "/");
    mounts.push_back({path, arg.substr(eq + 1)});
  }

  gst_init(&argc, &argv);
  // A launch line that cannot work is said now, not by clients hanging at
  // "Retrieving media info" later.
  for (const Mount& m : mounts) {
    const std::string problem = launch_problem(m.launch);
    if (!problem.empty()) {
      std::fprintf(stderr, "fer-rtsp-server: --mount %s: %s\n", m.path.c_str(), problem.c_str());
      return 2;
    }
  }
  GstRTSPServer* server = gst_rtsp_server_new();
  gst_rtsp_server_set_address(server, address.c_str());
  gst_rtsp_server_set_service(server, std::to_string(port).c_str());
  GstRTSPMountPoints* points = gst_rtsp_server_get_mount_points(server);
  for (const Mount& m : mounts) {
    GstRTSPMediaFactory* factory = gst_rtsp_media_factory_new();
    gst_rtsp_media_factory_set_launch(factory, m.launch.c_str());
    gst_rtsp_media_factory_set_shared(factory, TRUE);
    gst_rtsp_mount_points_add_factory(points, m.path.c_str(), factory);
  }
  g_object_unref(points);

  GError* error = nullptr;
  GSource* listener = gst_rtsp_server_create_source(server, nullptr, &error);
  if (!listener) {
    std::fprintf(stderr, "fer-rtsp-server: cannot listen on %s:%d: %s\n", address.c_str(), port,
                 error ? error->message : "unknown error");
    g_clear_error(&error);
    return 1;
  }
  g_source_attach(listener, nullptr);

  GMainLoop* loop = g_main_loop_new(nullptr, FALSE);
  g_unix_signal_add(SIGINT, quit_loop, loop);
  g_unix_signal_add(SIGTERM, quit_loop, loop);
  for (const Mount& m : mounts)
    std::printf("serving rtsp://%s:%d%s\n", address.c_str(), port, m.path.c_str());
  std::fflush(stdout);
  g_main_loop_run(loop);

  g_source_destroy(listener);
  g_source_unref(listener);
  g_main_loop_unref(loop);
  g_object_unref(server);
  return 0;
}
