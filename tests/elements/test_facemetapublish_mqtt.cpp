// SPDX-License-Identifier: LGPL-2.1-or-later
// facemetapublish method=mqtt against a real broker: Debian's mosquitto,
// started by each test on a free loopback port with a generated config and
// stopped by PID, and a subscriber written with libmosquitto (persistent
// session, QoS 1, fixed client id) collecting what arrives. Every wait is
// bounded (deadlines, no sleeps on success paths).
#include <fcntl.h>
#include <mosquitto.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "gst_test_support.h"
#include "loopback.h"
#include "process.h"

using namespace fer::test;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

constexpr const char* kMosquitto = "/usr/sbin/mosquitto";

// One mosquitto process listening on 127.0.0.1:port(), config and log in
// `dir`. With persistence the broker saves its sessions when stopped
// (SIGTERM) and loads them when started again, as a restarted production
// broker does. `extra` is appended to the config (more listeners: list
// their ports in `extra_ports` so start() waits for them too).
class Broker {
 public:
  struct Options {
    bool persistence = false;
    bool anonymous = true;
    std::string extra;
    std::vector<int> extra_ports;
  };

  Broker(const TempDir& dir, const Options& options)
      : port_(free_loopback_port()), log_(dir.file("mosquitto.log")), conf_(dir.file("mosquitto.conf")),
        ports_(options.extra_ports) {
    ports_.push_back(port_);
    const passwd* pw = getpwuid(geteuid());
    std::string conf = "per_listener_settings false\n"
                       "allow_anonymous " + std::string(options.anonymous ? "true" : "false") + "\n" +
                       "max_queued_messages 100000\nlog_type all\n" +
                       "user " + (pw ? pw->pw_name : "root") + "\n" +
                       "listener " + std::to_string(port_) + " 127.0.0.1\n";
    if (options.persistence) {
      const std::string data = dir.file("data");
      std::filesystem::create_directories(data);
      conf += "persistence true\npersistence_location " + data + "/\n";
    }
    write_file(conf_, conf + options.extra);
  }
  ~Broker() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  int port() const { return port_; }
  std::string log() const { return read_file(log_); }

  // Starts the broker and waits (5 s at most) until it accepts connections.
  bool start() {
    pid_ = spawn({kMosquitto, "-c", conf_}, log_);
    if (pid_ < 0) return false;
    return wait_until(
        [this] {
          if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
            pid_ = -1;
            return true;  // exited: reported below
          }
          return std::all_of(ports_.begin(), ports_.end(), loopback_port_accepts);
        },
        seconds(5)) && pid_ > 0;
  }

  // SIGTERM (the broker saves its database), waiting 5 s at most, then
  // SIGKILL.
  bool stop() {
    if (pid_ <= 0) return false;
    kill(pid_, SIGTERM);
    const bool exited = wait_exit(pid_, seconds(5)) == 0;
    pid_ = -1;
    return exited;
  }

 private:
  int port_;
  std::string log_, conf_;
  std::vector<int> ports_;
  pid_t pid_ = -1;
};

struct Received {
  std::string topic, payload;
};

// A libmosquitto subscriber with a persistent session (clean_session false,
// fixed id): after a broker restart it gets what was queued for it.
class Subscriber {
 public:
  Subscriber(int port, const std::string& filter) : filter_(filter) {
    mosquitto_lib_init();
    mosq_ = mosquitto_new("fer-test-subscriber", false, this);
    mosquitto_connect_callback_set(mosq_, [](mosquitto* m, void* self, int rc) {
      if (rc == 0) mosquitto_subscribe(m, nullptr, static_cast<Subscriber*>(self)->filter_.c_str(), 1);
    });
    mosquitto_subscribe_callback_set(mosq_, [](mosquitto*, void* self, int, int, const int*) {
      auto* s = static_cast<Subscriber*>(self);
      std::lock_guard<std::mutex> lock(s->mutex_);
      s->subscribed_ = true;
    });
    mosquitto_message_callback_set(mosq_, [](mosquitto*, void* self, const mosquitto_message* msg) {
      auto* s = static_cast<Subscriber*>(self);
      std::lock_guard<std::mutex> lock(s->mutex_);
      s->received_.push_back(
          {msg->topic, std::string(static_cast<const char*>(msg->payload), static_cast<size_t>(msg->payloadlen))});
    });
    mosquitto_reconnect_delay_set(mosq_, 1, 1, false);
    connected_ = mosquitto_connect(mosq_, "127.0.0.1", port, 5) == MOSQ_ERR_SUCCESS &&
                 mosquitto_loop_start(mosq_) == MOSQ_ERR_SUCCESS;
  }
  ~Subscriber() {
    mosquitto_disconnect(mosq_);
    if (connected_) mosquitto_loop_stop(mosq_, false);
    mosquitto_destroy(mosq_);
  }
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  bool wait_subscribed() {
    return connected_ && wait_until([this] {
             std::lock_guard<std::mutex> lock(mutex_);
             return subscribed_;
           }, seconds(5));
  }
  std::vector<Received> received() {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_;
  }
  // Waits until `n` distinct frames arrived.
  bool wait_frames(size_t n, milliseconds timeout = seconds(15));

 private:
  std::string filter_;
  mosquitto* mosq_ = nullptr;
  bool connected_ = false;
  std::mutex mutex_;
  bool subscribed_ = false;
  std::vector<Received> received_;
};

// The frames of the messages in arrival order, first arrivals only, and the
// frames that came again. QoS 1 is "at least once": the broker redelivers to
// the subscriber's persistent session what it had sent but not yet seen
// acknowledged when it was stopped, so frames delivered just before a broker
// stop may come twice; the tests accept that for those frames only.
struct Frames {
  std::vector<int64_t> order;
  std::vector<int64_t> duplicates;
};

// Duplicates only among the frames [0, before) the subscriber had received
// before the broker stopped: the publisher itself sent nothing twice.
void expect_duplicates_only_before(const Frames& f, int64_t before) {
  for (int64_t frame : f.duplicates) EXPECT_LT(frame, before) << "frame " << frame << " arrived twice";
  std::cout << "[ info     ] QoS 1 redeliveries of frames sent before the broker stopped: "
            << f.duplicates.size() << "\n";
}

Frames frames_of(const std::vector<Received>& messages) {
  Frames f;
  std::set<int64_t> seen;
  for (const Received& m : messages) {
    const int64_t frame = json::parse(m.payload).at("frame").get<int64_t>();
    if (seen.insert(frame).second)
      f.order.push_back(frame);
    else
      f.duplicates.push_back(frame);
  }
  return f;
}

bool Subscriber::wait_frames(size_t n, milliseconds timeout) {
  return wait_until([&] { return frames_of(received()).order.size() >= n; }, timeout);
}

// ------------------------------------------------------------- bus messages

std::string message_text(GstMessage* m) {
  GError* err = nullptr;
  gchar* debug = nullptr;
  switch (GST_MESSAGE_TYPE(m)) {
    case GST_MESSAGE_ERROR:
      gst_message_parse_error(m, &err, &debug);
      break;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning(m, &err, &debug);
      break;
    case GST_MESSAGE_INFO:
      gst_message_parse_info(m, &err, &debug);
      break;
    default:
      return {};
  }
  std::string out = std::string(err ? err->message : "") + " | " + (debug ? debug : "");
  g_clear_error(&err);
  g_free(debug);
  return out;
}

// Every message of a harness's bus, kept in order.
struct BusLog {
  Messages all;

  void pump(GstBus* bus) {
    while (GstMessage* m = gst_bus_pop(bus)) all.list.push_back(m);
  }
  size_t count(GstMessageType type, const std::string& text) const {
    size_t n = 0;
    for (GstMessage* m : all.list)
      n += GST_MESSAGE_TYPE(m) == type && message_text(m).find(text) != std::string::npos;
    return n;
  }
  // Pumps `bus` until `count(type, text) >= n` (true) or `timeout`.
  bool wait(GstBus* bus, GstMessageType type, const std::string& text, size_t n = 1,
            milliseconds timeout = seconds(10)) {
    return wait_until([&] {
      pump(bus);
      return count(type, text) >= n;
    }, timeout);
  }
  // The facemetapublish-stats messages of method=mqtt (they name a topic)
  // with this reason.
  std::vector<const GstStructure*> stats(const std::string& reason) const {
    std::vector<const GstStructure*> out;
    for (GstMessage* m : all.list) {
      const GstStructure* s = gst_message_get_structure(m);
      if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ELEMENT && gst_structure_has_name(s, "facemetapublish-stats") &&
          gst_structure_has_field(s, "topic") && reason == gst_structure_get_string(s, "reason"))
        out.push_back(s);
    }
    return out;
  }
  std::string describe() const {
    std::string out;
    for (GstMessage* m : all.list)
      if (GST_MESSAGE_TYPE(m) & (GST_MESSAGE_ERROR | GST_MESSAGE_WARNING | GST_MESSAGE_INFO))
        out += std::string(GST_MESSAGE_TYPE_NAME(m)) + ": " + message_text(m) + "\n";
    return out;
  }
};

uint64_t field(const GstStructure* s, const char* name) {
  guint64 v = G_MAXUINT64;
  gst_structure_get_uint64(s, name, &v);
  return v;
}

// The facemetapublish named `name` inside a harness's bin (a new reference).
GstElement* element(Harness& t, const char* name) { return gst_bin_get_by_name(GST_BIN(t.h->element), name); }

const cv::Mat& grey() {
  static const cv::Mat image(48, 64, CV_8UC3, cv::Scalar(128, 128, 128));
  return image;
}

// Pushes frames [from, to) of the grey image (no faces meta: the element
// numbers them itself) and drops the output buffers.
void push_frames(Harness& t, int from, int to) {
  for (int i = from; i < to; ++i) {
    ASSERT_EQ(t.push(rgb_buffer(grey(), i)), GST_FLOW_OK);
    gst_buffer_unref(t.pull());
  }
}

std::string mqtt_launch(int port, const std::string& extra = "") {
  return "facemetapublish name=mqtt method=mqtt host=127.0.0.1 port=" + std::to_string(port) + " " + extra;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

// Each test starts what it needs: a broker (in `dir`) and a subscriber.
class FaceMetaPublishMqtt : public ::testing::Test {
 protected:
  // Starts a broker with `options` and, unless `filter` is empty, a
  // subscriber to `filter` on it.
  void start_broker(const Broker::Options& options = {}, const std::string& filter = "gst-fer/#") {
    broker = std::make_unique<Broker>(dir, options);
    ASSERT_TRUE(broker->start()) << broker->log();
    if (filter.empty()) return;
    sub = std::make_unique<Subscriber>(broker->port(), filter);
    ASSERT_TRUE(sub->wait_subscribed());
  }

  // Frames [0, n) published and received, then the broker stopped and the
  // element's warning about it seen: what is pushed next must wait in the
  // queue.
  void deliver_then_stop_broker(Harness& t, BusLog& log, int n) {
    push_frames(t, 0, n);
    ASSERT_TRUE(sub->wait_frames(n));
    ASSERT_TRUE(broker->stop());
    ASSERT_TRUE(log.wait(t.bus, GST_MESSAGE_WARNING, "Lost the connection to MQTT broker")) << log.describe();
  }

  // Runs `launch` (an element that cannot connect) on n frames: one "Could
  // not connect" warning whose text has `reason`, the frames queued; after
  // stop (flush-timeout=200) all n count as dropped, with a warning and the
  // "stop" stats saying so.
  void expect_never_connects(const std::string& launch, int n, const std::string& reason) {
    BusLog log;
    GstElement* e = nullptr;
    GstBus* bus = nullptr;
    {
      Harness t(launch + " flush-timeout=200", rgb_caps(64, 48));
      e = element(t, "mqtt");
      bus = GST_BUS(gst_object_ref(t.bus));
      push_frames(t, 0, n);
      EXPECT_TRUE(log.wait(t.bus, GST_MESSAGE_WARNING, "Could not connect to MQTT broker 127.0.0.1:"));
      EXPECT_EQ(log.count(GST_MESSAGE_WARNING, reason), 1u) << log.describe();
      EXPECT_EQ(uint64_property(e, "queued"), uint64_t(n));
      EXPECT_EQ(uint64_property(e, "dropped"), 0u);
    }
    log.pump(bus);
    EXPECT_EQ(log.count(GST_MESSAGE_WARNING, "Could not connect"), 1u) << log.describe();
    EXPECT_EQ(uint64_property(e, "queued"), 0u);
    EXPECT_EQ(uint64_property(e, "dropped"), uint64_t(n));
    EXPECT_EQ(log.count(GST_MESSAGE_WARNING, std::to_string(n) + " MQTT messages were not acknowledged"), 1u)
        << log.describe();
    const auto stop = log.stats("stop");
    EXPECT_EQ(stop.size(), 1u);
    if (!stop.empty()) EXPECT_EQ(field(stop[0], "dropped"), uint64_t(n));
    gst_object_unref(bus);
    gst_object_unref(e);
  }

  TempDir dir;
  std::unique_ptr<Broker> broker;
  std::unique_ptr<Subscriber> sub;
};

// Every frame's message arrives at QoS 1, in order, and is byte for byte the
// line the file method writes for the same frame (both elements in one
// pipeline read the same meta). EOS waits for the acknowledgements and
// posts the final counts.
TEST_F(FaceMetaPublishMqtt, EveryFrameArrivesAsTheFileLine) {
  const cv::Mat rgb = load_rgb(media_path("franck_02159.jpg"));
  ASSERT_FALSE(rgb.empty());
  ASSERT_NO_FATAL_FAILURE(start_broker());
  const std::string path = dir.file("faces.jsonl");
  constexpr int kFrames = 6;
  BusLog log;
  {
    Harness t("facelandmarks ! facemetapublish location=\"" + path + "\" ! " + mqtt_launch(broker->port()),
              rgb_caps(rgb.cols, rgb.rows));
    for (int i = 0; i < kFrames; ++i) {
      ASSERT_EQ(t.push(rgb_buffer(rgb, i)), GST_FLOW_OK);
      gst_buffer_unref(t.pull());
    }
    ASSERT_TRUE(gst_harness_push_event(t.h, gst_event_new_eos()));
    log.pump(t.bus);
    GstElement* e = element(t, "mqtt");
    EXPECT_EQ(uint64_property(e, "queued"), 0u);
    EXPECT_EQ(uint64_property(e, "dropped"), 0u);
    gst_object_unref(e);
  }
  EXPECT_EQ(log.count(GST_MESSAGE_WARNING, "") + log.count(GST_MESSAGE_ERROR, ""), 0u) << log.describe();
  const auto eos = log.stats("eos");
  ASSERT_EQ(eos.size(), 1u);
  EXPECT_EQ(field(eos[0], "published"), uint64_t{kFrames});
  EXPECT_EQ(field(eos[0], "acknowledged"), uint64_t{kFrames});
  EXPECT_EQ(field(eos[0], "queued"), 0u);
  EXPECT_EQ(field(eos[0], "dropped"), 0u);
  gboolean connected = FALSE;
  EXPECT_TRUE(gst_structure_get_boolean(eos[0], "connected", &connected) && connected);
  EXPECT_STREQ(gst_structure_get_string(eos[0], "topic"), "gst-fer/default/faces");

  // Acknowledged by the broker means on its way to the subscriber.
  ASSERT_TRUE(sub->wait_frames(kFrames));
  const std::vector<Received> got = sub->received();
  const std::vector<std::string> file = lines_of(read_file(path));
  ASSERT_EQ(file.size(), size_t{kFrames});
  ASSERT_EQ(got.size(), size_t{kFrames});
  for (int i = 0; i < kFrames; ++i) {
    EXPECT_EQ(got[i].topic, "gst-fer/default/faces");
    EXPECT_EQ(got[i].payload, file[i]) << "frame " << i;
    EXPECT_EQ(json::parse(got[i].payload).at("faces").size(), 1u);
  }
}

// The broker goes away (SIGTERM; it saves the subscriber's session) and
// comes back on the same port: the frames published meanwhile waited in the
// queue and all arrive, in order, none lost.
TEST_F(FaceMetaPublishMqtt, BrokerRestartWithinQueueLosesNothing) {
  ASSERT_NO_FATAL_FAILURE(start_broker({/*persistence=*/true}));
  constexpr int kBefore = 5, kDuring = 30, kAfter = 5;
  BusLog log;
  Harness t(mqtt_launch(broker->port(), "max-queued=50"), rgb_caps(64, 48));
  GstElement* e = element(t, "mqtt");

  ASSERT_NO_FATAL_FAILURE(deliver_then_stop_broker(t, log, kBefore));
  push_frames(t, kBefore, kBefore + kDuring);
  EXPECT_EQ(uint64_property(e, "queued"), uint64_t{kDuring});
  EXPECT_EQ(uint64_property(e, "dropped"), 0u);

  // (The first "Connected" may precede the harness's bus.)
  const size_t connections = log.count(GST_MESSAGE_INFO, "Connected to MQTT broker");
  ASSERT_TRUE(broker->start()) << broker->log();
  ASSERT_TRUE(log.wait(t.bus, GST_MESSAGE_INFO, "Connected to MQTT broker", connections + 1)) << log.describe();
  push_frames(t, kBefore + kDuring, kBefore + kDuring + kAfter);
  ASSERT_TRUE(gst_harness_push_event(t.h, gst_event_new_eos()));
  log.pump(t.bus);

  constexpr int kTotal = kBefore + kDuring + kAfter;
  ASSERT_TRUE(sub->wait_frames(kTotal)) << frames_of(sub->received()).order.size() << " frames arrived";
  const Frames f = frames_of(sub->received());
  std::vector<int64_t> expected(kTotal);
  for (int i = 0; i < kTotal; ++i) expected[i] = i;
  EXPECT_EQ(f.order, expected);  // all, in order
  expect_duplicates_only_before(f, kBefore);
  EXPECT_EQ(uint64_property(e, "dropped"), 0u);
  const auto eos = log.stats("eos");
  ASSERT_EQ(eos.size(), 1u);
  EXPECT_EQ(field(eos[0], "acknowledged"), uint64_t{kTotal});
  EXPECT_EQ(field(eos[0], "dropped"), 0u);
  EXPECT_EQ(log.count(GST_MESSAGE_WARNING, "Lost the connection"), 1u) << log.describe();
  EXPECT_EQ(log.count(GST_MESSAGE_WARNING, "queue full"), 0u) << log.describe();
  gst_object_unref(e);
}

// Beyond max-queued while the broker is away: the newest frames are dropped,
// exactly as many as the dropped property, the warning and the stats
// message say, and those are exactly the frames that never arrive.
TEST_F(FaceMetaPublishMqtt, OverflowIsCountedExactly) {
  ASSERT_NO_FATAL_FAILURE(start_broker({/*persistence=*/true}));
  constexpr int kBefore = 3, kQueue = 10, kOver = 7, kAfter = 2;
  BusLog log;
  Harness t(mqtt_launch(broker->port(), "max-queued=" + std::to_string(kQueue)), rgb_caps(64, 48));
  GstElement* e = element(t, "mqtt");

  ASSERT_NO_FATAL_FAILURE(deliver_then_stop_broker(t, log, kBefore));
  push_frames(t, kBefore, kBefore + kQueue + kOver);
  EXPECT_EQ(uint64_property(e, "queued"), uint64_t{kQueue});
  EXPECT_EQ(uint64_property(e, "dropped"), uint64_t{kOver});
  log.pump(t.bus);
  EXPECT_EQ(log.count(GST_MESSAGE_WARNING, "MQTT queue full (max-queued=10)"), 1u) << log.describe();

  ASSERT_TRUE(broker->start()) << broker->log();
  ASSERT_TRUE(wait_until([e] { return uint64_property(e, "queued") == 0; }, seconds(10)));
  push_frames(t, kBefore + kQueue + kOver, kBefore + kQueue + kOver + kAfter);
  ASSERT_TRUE(gst_harness_push_event(t.h, gst_event_new_eos()));
  log.pump(t.bus);
  // The episode ends with the first message queued again, naming its count.
  EXPECT_EQ(log.count(GST_MESSAGE_INFO, "MQTT queue has room again: 7 messages were dropped"), 1u)
      << log.describe();

  constexpr int kPushed = kBefore + kQueue + kOver + kAfter;
  ASSERT_TRUE(sub->wait_frames(kPushed - kOver));
  const Frames f = frames_of(sub->received());
  std::vector<int64_t> expected;
  for (int i = 0; i < kPushed; ++i)
    if (i < kBefore + kQueue || i >= kBefore + kQueue + kOver) expected.push_back(i);
  EXPECT_EQ(f.order, expected);  // what is missing is the overflow, nothing else
  expect_duplicates_only_before(f, kBefore);
  EXPECT_EQ(uint64_property(e, "dropped"), uint64_t{kOver});
  const auto eos = log.stats("eos");
  ASSERT_EQ(eos.size(), 1u);
  EXPECT_EQ(field(eos[0], "dropped"), uint64_t{kOver});
  EXPECT_EQ(field(eos[0], "submitted"), uint64_t{kPushed});
  EXPECT_EQ(field(eos[0], "acknowledged"), uint64_t{kPushed - kOver});
  EXPECT_EQ(field(eos[0], "queued"), 0u);
  gst_object_unref(e);
}

// No broker at all: the element starts anyway (warning), queues, and at
// stop waits flush-timeout, then counts what is left as dropped.
TEST_F(FaceMetaPublishMqtt, UndeliveredAtStopCountAsDropped) {
  const RefusingPort port;
  expect_never_connects(mqtt_launch(port.port()), 4, "Connection refused");
}

// Settings that cannot work fail the start with a RESOURCE/SETTINGS error
// naming the property (and the file).
TEST_F(FaceMetaPublishMqtt, BadSettingsFailTheStart_n) {
  const std::string pem = dir.file("ca.pem");
  write_file(pem, "-----BEGIN CERTIFICATE-----\n");
  const std::string missing = dir.file("no-such-ca.pem");
  struct Case {
    std::vector<std::pair<const char*, std::string>> set;
    std::vector<std::string> named;
  };
  const std::vector<Case> cases = {
      {{{"host", ""}}, {"host"}},
      {{{"topic", ""}}, {"topic"}},
      {{{"topic", "gst-fer/#"}}, {"topic", "gst-fer/#"}},
      {{{"source", "cam+1"}}, {"source", "cam+1"}},
      {{{"password", "secret"}}, {"password", "username"}},
      {{{"tls-ca-file", missing}}, {"tls-ca-file", missing}},
      {{{"tls-ca-file", pem}, {"tls-cert-file", pem}}, {"tls-key-file"}},
      {{{"tls-ca-file", pem}, {"tls-cert-file", pem}, {"tls-key-file", missing}}, {"tls-key-file", missing}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.set[0].first + std::string("=") + c.set[0].second);
    GstElement* e = gst_element_factory_make("facemetapublish", nullptr);
    ASSERT_NE(e, nullptr);
    gst_util_set_object_arg(G_OBJECT(e), "method", "mqtt");
    for (const auto& [name, value] : c.set) g_object_set(e, name, value.c_str(), nullptr);
    const StartError error = expect_start_fails(e);
    gst_object_unref(e);
    EXPECT_EQ(error.domain, GST_RESOURCE_ERROR);
    for (const std::string& word : c.named)
      EXPECT_NE((error.message + error.debug).find(word), std::string::npos) << error.message;
  }
}

// The topic's {source} placeholder takes the source property (every
// occurrence), the default source is "default", and a topic without the
// placeholder is used as is.
TEST_F(FaceMetaPublishMqtt, TopicTakesTheSource) {
  ASSERT_NO_FATAL_FAILURE(start_broker({}, "#"));
  const std::vector<std::pair<std::string, std::string>> runs = {
      {"source=door-7", "gst-fer/door-7/faces"},
      {"", "gst-fer/default/faces"},
      {"topic=site/{source}/x/{source} source=cam/left", "site/cam/left/x/cam/left"},
      {"topic=fixed/topic source=ignored", "fixed/topic"},
  };
  for (size_t r = 0; r < runs.size(); ++r) {
    Harness t(mqtt_launch(broker->port(), runs[r].first), rgb_caps(64, 48));
    push_frames(t, 0, 1);
    ASSERT_TRUE(gst_harness_push_event(t.h, gst_event_new_eos()));
    ASSERT_TRUE(wait_until([&] { return sub->received().size() == r + 1; }, seconds(10)));
    EXPECT_EQ(sub->received()[r].topic, runs[r].second) << runs[r].first;
  }
}

// mqtt-qos=0: every message leaves the queue once written to the socket; on a
// healthy loopback connection all of them arrive.
TEST_F(FaceMetaPublishMqtt, Qos0Delivers) {
  ASSERT_NO_FATAL_FAILURE(start_broker());
  BusLog log;
  {
    Harness t(mqtt_launch(broker->port(), "mqtt-qos=0"), rgb_caps(64, 48));
    push_frames(t, 0, 20);
    ASSERT_TRUE(gst_harness_push_event(t.h, gst_event_new_eos()));
    log.pump(t.bus);
  }
  const auto eos = log.stats("eos");
  ASSERT_EQ(eos.size(), 1u);
  EXPECT_EQ(field(eos[0], "acknowledged"), 20u);
  ASSERT_TRUE(sub->wait_frames(20));
  std::vector<int64_t> expected(20);
  for (int i = 0; i < 20; ++i) expected[i] = i;
  EXPECT_EQ(frames_of(sub->received()).order, expected);
}

// A broker that refuses the client (no anonymous access, no password file):
// one warning with the broker's reason, the element keeps running and
// queueing, and at stop the queue counts as dropped.
TEST_F(FaceMetaPublishMqtt, RefusedConnectionIsReported) {
  ASSERT_NO_FATAL_FAILURE(start_broker({/*persistence=*/false, /*anonymous=*/false}, ""));
  expect_never_connects(mqtt_launch(broker->port(), "username=someone password=wrong"), 3,
                        "Connection Refused: not authorised.");
}

namespace {

// A CA and a server certificate for 127.0.0.1 signed by it (EC P-256, one
// day), made with the openssl command; "" on success, else the output.
std::string make_certificates(const TempDir& dir, const std::string& ca) {
  const std::string log = dir.file("openssl.log"), ext = dir.file("san.cnf");
  write_file(ext, "subjectAltName=IP:127.0.0.1\n");
  const std::vector<std::vector<std::string>> commands = {
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
       "-nodes", "-keyout", dir.file(ca + ".key"), "-out", dir.file(ca + ".pem"), "-days", "1", "-subj",
       "/CN=" + ca},
      {"/usr/bin/openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
       "-keyout", dir.file("server.key"), "-out", dir.file("server.csr"), "-subj", "/CN=127.0.0.1"},
      {"/usr/bin/openssl", "x509", "-req", "-in", dir.file("server.csr"), "-CA", dir.file(ca + ".pem"),
       "-CAkey", dir.file(ca + ".key"), "-CAcreateserial", "-out", dir.file("server.pem"), "-days", "1",
       "-extfile", ext},
  };
  for (const auto& argv : commands)
    if (wait_exit(spawn(argv, log), seconds(20)) != 0) return read_file(log);
  return "";
}

}  // namespace

// TLS: with the CA that signed the broker's certificate the frames arrive
// over the TLS listener; with another CA the handshake fails, which is
// reported (and retried) without bringing the element down.
TEST_F(FaceMetaPublishMqtt, TlsWithTheBrokersCa) {
  ASSERT_EQ(make_certificates(dir, "ca"), "");
  TempDir other;
  ASSERT_EQ(make_certificates(other, "other-ca"), "");
  const int tls_port = free_loopback_port();
  Broker::Options options;
  options.extra = "listener " + std::to_string(tls_port) + " 127.0.0.1\n" + "cafile " + dir.file("ca.pem") +
                  "\ncertfile " + dir.file("server.pem") + "\nkeyfile " + dir.file("server.key") + "\n";
  options.extra_ports = {tls_port};
  ASSERT_NO_FATAL_FAILURE(start_broker(options));  // the subscriber on the plain listener

  BusLog log;
  {
    Harness t(mqtt_launch(tls_port, "tls-ca-file=\"" + dir.file("ca.pem") + "\""), rgb_caps(64, 48));
    push_frames(t, 0, 5);
    ASSERT_TRUE(gst_harness_push_event(t.h, gst_event_new_eos()));
    log.pump(t.bus);
  }
  ASSERT_TRUE(sub->wait_frames(5)) << log.describe();
  EXPECT_EQ(log.count(GST_MESSAGE_WARNING, "MQTT"), 0u) << log.describe();

  expect_never_connects(mqtt_launch(tls_port, "tls-ca-file=\"" + other.file("other-ca.pem") + "\""), 2,
                        "A TLS error occurred.");
  EXPECT_EQ(sub->received().size(), 5u);
}
