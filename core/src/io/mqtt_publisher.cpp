// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::MqttPublisher over libmosquitto (contract in mqtt_publisher.h).
//
// Threads and locks. The network thread (run()) owns the connection: it
// connects and reconnects with mosquitto_{connect,reconnect}_async (never
// blocking on a remote host) and services the socket with mosquitto_loop().
// libmosquitto calls on_connect/on_disconnect/on_publish from inside
// mosquitto_loop(), on that thread. Any thread may call Send(), which
// queues the payload and hands it to libmosquitto at once when the window
// allows. `mutex` guards everything below it in Impl; it is held while
// calling mosquitto_publish() (from Send() and from the callbacks), so
// the packet id of a message is recorded before its acknowledgement can be
// processed. Lock order: libmosquitto's callback lock -> mutex ->
// libmosquitto's message and packet locks (mosquitto_publish); libmosquitto
// never holds the latter while calling a callback. Events for the user are
// collected under `mutex` and delivered by run() between two loop calls,
// with no lock held.
//
// QoS 1 and reconnections. A handed message stays in libmosquitto's own
// outgoing list until its PUBACK; on a reconnection libmosquitto sends the
// unacknowledged ones again (same packet id, DUP) right after the CONNACK,
// in order. New messages are handed only after the first acknowledgement
// following the reconnection, so they never overtake the resent ones.
#include "fer/io/mqtt_publisher.h"

#include <mosquitto.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "fer/error.h"

namespace fer {
namespace {

// MQTT's largest remaining length (268435455) less the topic length field
// and the packet id.
constexpr std::size_t kMaxPacket = 268435455;

bool has_wildcard_or_nul(const std::string& s) {
  return s.find_first_of(std::string("+#\0", 3)) != std::string::npos;
}

void check_readable_file(const std::string& path, const char* name) {
  if (path.empty()) return;
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  char byte;
  if (!in || !in.read(&byte, 1))
    throw Error(std::string("MQTT ") + name + " \"" + path + "\" cannot be read: " +
                (errno ? std::strerror(errno) : "empty file"));
}

void validate(const MqttPublisherOptions& o) {
  if (o.host.empty()) throw Error("MQTT host is empty");
  if (o.port < 1 || o.port > 65535)
    throw Error("MQTT port " + std::to_string(o.port) + " is out of range (1..65535)");
  if (o.topic.empty()) throw Error("MQTT topic is empty");
  if (has_wildcard_or_nul(o.topic))
    throw Error("MQTT topic \"" + o.topic + "\" must not contain the wildcards + or #");
  if (o.topic.size() > 65535 ||
      mosquitto_validate_utf8(o.topic.c_str(), static_cast<int>(o.topic.size())) != MOSQ_ERR_SUCCESS ||
      mosquitto_pub_topic_check(o.topic.c_str()) != MOSQ_ERR_SUCCESS)
    throw Error("MQTT topic \"" + o.topic + "\" is not a valid topic name");
  if (o.qos != 0 && o.qos != 1)
    throw Error("MQTT qos " + std::to_string(o.qos) + " is not supported (0 or 1)");
  if (!o.password.empty() && o.username.empty())
    throw Error("MQTT password is set but username is empty (MQTT needs a username with a password)");
  if (o.tls_cert_file.empty() != o.tls_key_file.empty())
    throw Error("MQTT tls-cert-file and tls-key-file go together: set both or neither");
  if (!o.tls_cert_file.empty() && o.tls_ca_file.empty())
    throw Error("MQTT tls-cert-file needs tls-ca-file (the CA that signed the broker's certificate)");
  check_readable_file(o.tls_ca_file, "tls-ca-file");
  check_readable_file(o.tls_cert_file, "tls-cert-file");
  check_readable_file(o.tls_key_file, "tls-key-file");
  if (o.max_queued < 1) throw Error("MQTT max-queued must be at least 1");
  if (o.keepalive_s < 5 || o.keepalive_s > 65535)
    throw Error("MQTT keepalive " + std::to_string(o.keepalive_s) + " s is out of range (5..65535)");
  if (o.connack_timeout_ms < 1)
    throw Error("MQTT CONNACK timeout must be at least 1 ms");
  if (o.reconnect_delay_min_ms < 1 || o.reconnect_delay_max_ms < o.reconnect_delay_min_ms)
    throw Error("MQTT reconnect delays must satisfy 1 <= min <= max");
}

std::string generate_client_id() {
  static const char kAlnum[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::random_device device;
  std::uniform_int_distribution<int> pick(0, sizeof(kAlnum) - 2);
  std::string id = "gst-fer-";  // 8 + 15 = 23 characters, MQTT 3.1.1's guaranteed maximum
  for (int i = 0; i < 15; ++i) id += kAlnum[pick(device)];
  return id;
}

// libmosquitto's text for rc; errno must still be the call's.
std::string describe(int rc) {
  return rc == MOSQ_ERR_ERRNO ? std::strerror(errno) : mosquitto_strerror(rc);
}

void library_init() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

}  // namespace

std::string expand_mqtt_topic(const std::string& pattern, const std::string& source) {
  if (has_wildcard_or_nul(source))
    throw Error("MQTT source \"" + source + "\" must not contain the wildcards + or #");
  static const std::string kPlaceholder = "{source}";
  std::string out;
  std::size_t from = 0;
  for (std::size_t at; (at = pattern.find(kPlaceholder, from)) != std::string::npos;
       from = at + kPlaceholder.size())
    out.append(pattern, from, at - from).append(source);
  return out.append(pattern, from, std::string::npos);
}

struct MqttPublisher::Impl {
  struct Entry {
    std::string payload;
    int mid = 0;             // packet id once handed to libmosquitto
    bool published = false;  // counted in `published` (a qos 0 resend is not)
  };

  MqttPublisherOptions options;
  EventCallback on_event;
  mosquitto* mosq = nullptr;
  std::thread thread;
  std::atomic<bool> closing{false};  // close() started: no reconnection
  std::atomic<bool> stop{false};     // leave the loop now
  bool closed = false;               // Close() finished (Close()'s thread only)

  mutable std::mutex mutex;
  std::condition_variable drained;  // the queue became empty
  std::condition_variable wake;     // run()'s backoff wait: closing
  std::condition_variable done;     // run() returned
  std::deque<Entry> queue;          // oldest first; the first `handed` are in flight
  std::size_t handed = 0;
  bool connected = false;
  bool connected_this_attempt = false;
  bool resend_pending = false;   // qos 1: reconnected, resent messages not yet acknowledged
  bool outage_reported = false;  // kConnectionLost / kConnectFailed sent for this outage
  bool thread_done = false;
  std::vector<std::pair<MqttEvent, std::string>> events;
  MqttPublisherStats counts;

  // Hands queued messages to libmosquitto while the window has room.
  void feed_locked() {
    while (connected && !resend_pending && !closing && handed < queue.size() &&
           handed < kMaxInFlight) {
      Entry& e = queue[handed];
      int mid = 0;
      const int rc = mosquitto_publish(mosq, &mid, options.topic.c_str(),
                                       static_cast<int>(e.payload.size()), e.payload.data(),
                                       options.qos, false);
      // At qos 1 libmosquitto keeps the message even when the connection
      // just broke (MOSQ_ERR_NO_CONN) and sends it after the reconnection.
      if (rc == MOSQ_ERR_SUCCESS || (rc == MOSQ_ERR_NO_CONN && options.qos == 1)) {
        e.mid = mid;
        if (!e.published) ++counts.published;
        e.published = true;
        ++handed;
      } else if (rc == MOSQ_ERR_NO_CONN) {
        break;  // qos 0: not queued by libmosquitto; sent after the reconnection
      } else {
        // Can never be sent (out of memory...): counted, never silent.
        queue.erase(queue.begin() + static_cast<std::ptrdiff_t>(handed));
        ++counts.dropped;
        if (queue.empty()) drained.notify_all();
      }
    }
  }

  void note_connected() {
    std::lock_guard<std::mutex> lock(mutex);
    connected = true;
    connected_this_attempt = true;
    outage_reported = false;
    resend_pending = handed > 0;  // libmosquitto resends them after this callback
    if (!closing) events.emplace_back(MqttEvent::kConnected, options.host + ":" + std::to_string(options.port));
    feed_locked();
  }

  bool has_connected() {
    std::lock_guard<std::mutex> lock(mutex);
    return connected_this_attempt;
  }

  void note_disconnected(const std::string& why) {
    std::lock_guard<std::mutex> lock(mutex);
    const bool was = connected;
    connected = false;
    if (options.qos == 0) {
      // Not written yet: libmosquitto drops them with the connection.
      for (std::size_t i = 0; i < handed; ++i) queue[i].mid = 0;
      handed = 0;
    }
    if (closing || outage_reported) return;
    outage_reported = true;
    events.emplace_back(was ? MqttEvent::kConnectionLost : MqttEvent::kConnectFailed, why);
  }

  void note_refused(int connack) {
    std::lock_guard<std::mutex> lock(mutex);
    if (closing || outage_reported) return;
    outage_reported = true;
    events.emplace_back(MqttEvent::kConnectFailed, mosquitto_connack_string(connack));
  }

  void note_acknowledged(int mid) {
    std::lock_guard<std::mutex> lock(mutex);
    const auto end = queue.begin() + static_cast<std::ptrdiff_t>(handed);
    const auto it = std::find_if(queue.begin(), end, [mid](const Entry& e) { return e.mid == mid; });
    if (it == end) return;  // e.g. a qos 0 message handed before a disconnection
    queue.erase(it);
    --handed;
    ++counts.acknowledged;
    resend_pending = false;
    feed_locked();
    if (queue.empty()) drained.notify_all();
  }

  void deliver_events() {
    std::vector<std::pair<MqttEvent, std::string>> now;
    {
      std::lock_guard<std::mutex> lock(mutex);
      now.swap(events);
    }
    if (on_event)
      for (const auto& [event, detail] : now) on_event(event, detail);
  }

  void run() {
    int delay_ms = options.reconnect_delay_min_ms;
    for (bool first = true; !closing && !stop; first = false) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        connected_this_attempt = false;
      }
      int rc = first ? mosquitto_connect_async(mosq, options.host.c_str(), options.port,
                                               options.keepalive_s)
                     : mosquitto_reconnect_async(mosq);
      if (rc != MOSQ_ERR_SUCCESS) {
        std::string why = describe(rc);
        if (rc == MOSQ_ERR_EAI) why += " (host \"" + options.host + "\")";
        note_disconnected(why);
      } else {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.connack_timeout_ms);
        bool unanswered = false;
        do {
          rc = mosquitto_loop(mosq, 100, 1);
          deliver_events();
          unanswered = !has_connected() && std::chrono::steady_clock::now() > deadline;
        } while (rc == MOSQ_ERR_SUCCESS && !stop && !unanswered);
        // Usually on_disconnect said it already; this covers loop errors
        // that close nothing (select failing), stop, and a silent server
        // (the next attempt's reconnect closes its socket).
        note_disconnected(unanswered ? "no CONNACK from " + options.host + ":" + std::to_string(options.port) +
                                           " within " + std::to_string(options.connack_timeout_ms) +
                                           " ms: it accepts connections but does not answer as an MQTT broker"
                                     : describe(rc));
      }
      deliver_events();
      std::unique_lock<std::mutex> lock(mutex);
      if (connected_this_attempt) delay_ms = options.reconnect_delay_min_ms;
      wake.wait_for(lock, std::chrono::milliseconds(delay_ms), [this] { return closing || stop; });
      if (!connected_this_attempt) delay_ms = std::min(delay_ms * 2, options.reconnect_delay_max_ms);
    }
    std::lock_guard<std::mutex> lock(mutex);
    thread_done = true;
    done.notify_all();
  }

  static Impl* self(void* userdata) { return static_cast<Impl*>(userdata); }
  static void on_connect(mosquitto*, void* userdata, int rc) {
    if (rc == 0)
      self(userdata)->note_connected();
    else
      self(userdata)->note_refused(rc);
  }
  static void on_disconnect(mosquitto*, void* userdata, int rc) {
    self(userdata)->note_disconnected(describe(rc));
  }
  static void on_publish(mosquitto*, void* userdata, int mid) {
    self(userdata)->note_acknowledged(mid);
  }
};

std::unique_ptr<MqttPublisher> MqttPublisher::Create(const MqttPublisherOptions& options,
                                                     EventCallback on_event) {
  validate(options);
  library_init();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (impl->options.client_id.empty()) impl->options.client_id = generate_client_id();
  impl->on_event = std::move(on_event);
  const MqttPublisherOptions& o = impl->options;
  impl->mosq = mosquitto_new(o.client_id.c_str(), true, impl.get());
  if (!impl->mosq) throw Error(std::string("MQTT client could not be created: ") + std::strerror(errno));
  auto fail = [&](const std::string& what, int rc) {
    const std::string why = describe(rc);
    mosquitto_destroy(impl->mosq);
    throw Error("MQTT " + what + ": " + why);
  };
  int rc = mosquitto_threaded_set(impl->mosq, true);
  if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_max_inflight_messages_set(impl->mosq, kMaxInFlight);
  if (rc != MOSQ_ERR_SUCCESS) fail("client setup failed", rc);
  if (!o.username.empty()) {
    rc = mosquitto_username_pw_set(impl->mosq, o.username.c_str(),
                                   o.password.empty() ? nullptr : o.password.c_str());
    if (rc != MOSQ_ERR_SUCCESS) fail("username/password refused", rc);
  }
  if (!o.tls_ca_file.empty()) {
    rc = mosquitto_tls_set(impl->mosq, o.tls_ca_file.c_str(), nullptr,
                           o.tls_cert_file.empty() ? nullptr : o.tls_cert_file.c_str(),
                           o.tls_key_file.empty() ? nullptr : o.tls_key_file.c_str(), nullptr);
    if (rc != MOSQ_ERR_SUCCESS) fail("TLS files refused (tls-ca-file, tls-cert-file, tls-key-file)", rc);
  }
  mosquitto_connect_callback_set(impl->mosq, &Impl::on_connect);
  mosquitto_disconnect_callback_set(impl->mosq, &Impl::on_disconnect);
  mosquitto_publish_callback_set(impl->mosq, &Impl::on_publish);
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->run(); });
  return std::unique_ptr<MqttPublisher>(new MqttPublisher(std::move(impl)));
}

MqttPublisher::MqttPublisher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MqttPublisher::~MqttPublisher() { Close(std::chrono::milliseconds(0)); }

bool MqttPublisher::Send(std::string payload) {
  if (payload.size() > kMaxPacket - 4 - impl_->options.topic.size())
    throw Error("MQTT payload of " + std::to_string(payload.size()) +
                " bytes is larger than an MQTT message can be");
  std::lock_guard<std::mutex> lock(impl_->mutex);
  ++impl_->counts.submitted;
  if (impl_->closing || impl_->queue.size() >= impl_->options.max_queued) {
    ++impl_->counts.dropped;
    return false;
  }
  impl_->queue.push_back({std::move(payload)});
  impl_->feed_locked();
  return true;
}

bool MqttPublisher::Flush(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(impl_->mutex);
  return impl_->drained.wait_for(lock, timeout, [this] { return impl_->queue.empty(); });
}

std::size_t MqttPublisher::Close(std::chrono::milliseconds timeout) {
  Impl& d = *impl_;
  if (d.closed) return 0;
  Flush(timeout);
  std::size_t abandoned;
  {
    std::lock_guard<std::mutex> lock(d.mutex);
    d.closing = true;
    abandoned = d.queue.size();
    d.counts.dropped += abandoned;
    d.queue.clear();
    d.handed = 0;
    d.drained.notify_all();
    d.wake.notify_all();
  }
  // A connected loop sends DISCONNECT and then ends by itself; give it a
  // moment before making it stop.
  mosquitto_disconnect(d.mosq);
  {
    std::unique_lock<std::mutex> lock(d.mutex);
    if (!d.done.wait_for(lock, std::chrono::seconds(1), [&d] { return d.thread_done; })) d.stop = true;
    d.wake.notify_all();
  }
  d.thread.join();
  mosquitto_destroy(d.mosq);
  d.mosq = nullptr;
  {
    std::lock_guard<std::mutex> lock(d.mutex);
    d.connected = false;
  }
  d.closed = true;
  return abandoned;
}

MqttPublisherStats MqttPublisher::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  MqttPublisherStats s = impl_->counts;
  s.queued = impl_->queue.size();
  s.connected = impl_->connected;
  return s;
}

const std::string& MqttPublisher::client_id() const { return impl_->options.client_id; }

const MqttPublisherOptions& MqttPublisher::options() const { return impl_->options; }

}  // namespace fer
