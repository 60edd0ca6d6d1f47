// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::MqttPublisher without a broker: option validation, the {source}
// topic, and the bounded queue's counts while nothing listens on the port
// (the element tests run it against a real mosquitto).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "fer/error.h"
#include "fer/io/mqtt_publisher.h"
#include "loopback.h"

namespace {

using std::chrono::milliseconds;

fer::MqttPublisherOptions valid() {
  fer::MqttPublisherOptions o;
  o.host = "127.0.0.1";
  o.port = fer::test::free_loopback_port();  // nothing listens
  o.topic = "t";
  return o;
}

// The message of the fer::Error Create throws ("" if none).
std::string create_error(const fer::MqttPublisherOptions& o) {
  try {
    fer::MqttPublisher::Create(o);
  } catch (const fer::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(MqttTopic, SourceReplacesEveryPlaceholder) {
  EXPECT_EQ(fer::expand_mqtt_topic("gst-fer/{source}/faces", "cam1"), "gst-fer/cam1/faces");
  EXPECT_EQ(fer::expand_mqtt_topic("{source}/{source}", "a/b"), "a/b/a/b");
  EXPECT_EQ(fer::expand_mqtt_topic("plain", "x"), "plain");
  EXPECT_EQ(fer::expand_mqtt_topic("{sourc}{source", "x"), "{sourc}{source");
}

TEST(MqttTopic, WildcardInSource_n) {
  for (const char* bad : {"a+b", "#", "x/+"}) {
    try {
      fer::expand_mqtt_topic("t/{source}", bad);
      ADD_FAILURE() << bad;
    } catch (const fer::Error& e) {
      EXPECT_NE(std::string(e.what()).find("source"), std::string::npos) << e.what();
    }
  }
}

// Each bad option is refused with an error naming it.
TEST(MqttPublisher, BadOptions_n) {
  struct Case {
    void (*change)(fer::MqttPublisherOptions&);
    const char* named;
  };
  const Case cases[] = {
      {[](fer::MqttPublisherOptions& o) { o.host = ""; }, "host"},
      {[](fer::MqttPublisherOptions& o) { o.port = 0; }, "port"},
      {[](fer::MqttPublisherOptions& o) { o.port = 65536; }, "port"},
      {[](fer::MqttPublisherOptions& o) { o.topic = ""; }, "topic"},
      {[](fer::MqttPublisherOptions& o) { o.topic = "a/+/b"; }, "topic"},
      {[](fer::MqttPublisherOptions& o) { o.topic = std::string("a\0b", 3); }, "topic"},
      {[](fer::MqttPublisherOptions& o) { o.qos = 2; }, "qos"},
      {[](fer::MqttPublisherOptions& o) { o.password = "x"; }, "username"},
      {[](fer::MqttPublisherOptions& o) { o.tls_ca_file = "/nonexistent/ca.pem"; }, "tls-ca-file \"/nonexistent/ca.pem\""},
      {[](fer::MqttPublisherOptions& o) { o.tls_key_file = "/etc/hostname"; }, "tls-cert-file"},
      {[](fer::MqttPublisherOptions& o) { o.max_queued = 0; }, "max-queued"},
      {[](fer::MqttPublisherOptions& o) { o.keepalive_s = 1; }, "keepalive"},
  };
  for (const Case& c : cases) {
    fer::MqttPublisherOptions o = valid();
    c.change(o);
    const std::string error = create_error(o);
    EXPECT_NE(error.find(c.named), std::string::npos) << "expected \"" << c.named << "\" in: " << error;
  }
}

// Nothing listens: the publisher keeps max_queued messages, refuses and
// counts the rest, reports the failed connection once, and Close() counts
// what is left as dropped; submitted == acknowledged + queued + dropped.
// A server that accepts TCP connections and never answers (not a broker, or
// a hung one): the attempt fails once the CONNACK timeout passes, saying so,
// instead of an "Unknown error" half a minute later.
TEST(MqttPublisher, SilentServerIsReportedAfterTheConnackTimeout_n) {
  const int server = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(server, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(server, 8), 0);  // the kernel completes handshakes; nobody answers
  ASSERT_EQ(getsockname(server, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);

  fer::MqttPublisherOptions o = valid();
  o.port = port;
  o.connack_timeout_ms = 1000;
  std::mutex mutex;
  std::vector<std::pair<fer::MqttEvent, std::string>> events;
  const auto start = std::chrono::steady_clock::now();
  auto publisher = fer::MqttPublisher::Create(o, [&](fer::MqttEvent e, const std::string& detail) {
    std::lock_guard<std::mutex> lock(mutex);
    events.emplace_back(e, detail);
  });
  double seconds = 0;
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (!events.empty()) break;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  publisher->Close(milliseconds(100));
  close(server);
  std::lock_guard<std::mutex> lock(mutex);
  ASSERT_FALSE(events.empty()) << "no event within 5 s";
  EXPECT_EQ(events[0].first, fer::MqttEvent::kConnectFailed);
  EXPECT_NE(events[0].second.find("no CONNACK from 127.0.0.1:" + std::to_string(port) + " within 1000 ms"),
            std::string::npos)
      << events[0].second;
  EXPECT_GE(seconds, 0.9);
  EXPECT_LT(seconds, 4.0);
}

TEST(MqttPublisher, QueueBoundWithoutBroker) {
  fer::MqttPublisherOptions o = valid();
  o.max_queued = 5;
  std::atomic<int> failed{0}, other{0};
  auto publisher = fer::MqttPublisher::Create(o, [&](fer::MqttEvent e, const std::string&) {
    (e == fer::MqttEvent::kConnectFailed ? failed : other)++;
  });
  EXPECT_EQ(publisher->client_id().rfind("gst-fer-", 0), 0u);
  EXPECT_EQ(publisher->client_id().size(), 23u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(publisher->Send("m" + std::to_string(i)), i < 5) << i;
  fer::MqttPublisherStats s = publisher->stats();
  EXPECT_EQ(s.submitted, 8u);
  EXPECT_EQ(s.queued, 5u);
  EXPECT_EQ(s.dropped, 3u);
  EXPECT_EQ(s.published, 0u);
  EXPECT_FALSE(s.connected);
  EXPECT_FALSE(publisher->Flush(milliseconds(50)));
  // Several attempts (250 ms, 500 ms backoff) are made; one report.
  for (int i = 0; i < 100 && failed == 0; ++i) std::this_thread::sleep_for(milliseconds(10));
  std::this_thread::sleep_for(milliseconds(600));
  EXPECT_EQ(failed.load(), 1);
  EXPECT_EQ(other.load(), 0);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(publisher->Close(milliseconds(100)), 5u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  s = publisher->stats();
  EXPECT_EQ(s.queued, 0u);
  EXPECT_EQ(s.dropped, 8u);
  EXPECT_EQ(s.submitted, s.acknowledged + s.queued + s.dropped);
  EXPECT_FALSE(publisher->Send("after close"));
  EXPECT_EQ(publisher->Close(milliseconds(0)), 0u);
}
