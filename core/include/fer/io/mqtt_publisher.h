// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::MqttPublisher — payloads published to an MQTT broker, in order, with
// a bounded queue that survives the broker going away.
//
// WHAT THIS REPRESENTS
//   One MQTT client (Eclipse libmosquitto, MQTT 3.1.1, clean session) that
//   publishes every payload handed to Send() to one topic, in the order
//   given. The client has its own network thread: it connects, and whenever
//   the connection is lost or cannot be made it reconnects by itself, waiting
//   reconnect_delay_min_ms, then twice as long after every failed attempt, up
//   to reconnect_delay_max_ms (back to the minimum after a success).
//
//   Payloads wait in a FIFO of at most max_queued messages. A payload stays
//   in the queue until the broker has it:
//     qos 1  until the broker acknowledged it (PUBACK). A message sent when
//            the connection broke is sent again after the reconnection (same
//            packet id, DUP flag), before any newer one; so nothing is lost
//            across a broker restart and the order is kept, but a message
//            whose acknowledgement was lost can reach subscribers twice
//            (MQTT's "at least once").
//     qos 0  until it was written to the socket (no acknowledgement exists);
//            one not written when the connection broke is sent again after
//            the reconnection. A message written but lost with the
//            connection is gone ("at most once").
//   At most kMaxInFlight messages are handed to libmosquitto at a time; the
//   others wait in the queue, so the queue is the only place where memory
//   grows, and max_queued bounds it.
//
//   When the queue is full, Send() refuses the new payload and counts it
//   as dropped (the queue keeps the oldest messages: those already sent
//   cannot be taken back, and a subscriber then sees one gap rather than
//   many).
//
// OPTIONS (defaults in brackets; the names in quotes are the ones error
// messages use, the facemetapublish property names)
//   host            ["localhost"] broker host name or address ("host"), not empty
//   port            [1883]  1..65535 ("port")
//   topic           [""]    topic of every message ("topic"): not empty, no
//                           wildcard (+ #), valid UTF-8 without NUL; see
//                           expand_mqtt_topic() for the {source} placeholder
//   client_id       [""]    "client-id"; empty: a unique "gst-fer-" + 15
//                           random letters and digits
//   qos             [1]     0 or 1 ("qos")
//   username        [""]    "username"; empty: none
//   password        [""]    "password"; needs a username
//   tls_ca_file     [""]    PEM CA certificates ("tls-ca-file"); non-empty
//                           switches TLS on
//   tls_cert_file   [""]    client certificate ("tls-cert-file"), with key
//   tls_key_file    [""]    its private key, unencrypted ("tls-key-file")
//   max_queued      [1000]  >= 1 ("max-queued")
//   keepalive_s     [30]    MQTT keep-alive, 5..65535 s
//   reconnect_delay_min_ms [250], reconnect_delay_max_ms [5000]: the backoff
//
// ENSURES
//   Create() validates every option and throws fer::Error naming the option
//   (and the file for the TLS ones: missing or unreadable), then starts the
//   network thread; it does not wait for the connection: a broker that is
//   not there yet is the same as one that went away (on_event reports it).
//   Counters (stats()) always satisfy
//     submitted == acknowledged + queued + dropped.
//   Close(timeout) waits up to timeout for the queue to drain, disconnects,
//   stops the network thread and counts what is still queued as dropped.
//   The destructor is Close(0).
//
// EVENTS
//   on_event (optional) is called from the network thread, never with an
//   internal lock held, on connection changes only: kConnected on every
//   successful connection (first and after a loss), kConnectionLost when an
//   established connection breaks, kConnectFailed when the first attempt
//   after start fails. One report per outage: the failed attempts that
//   follow, until a connection succeeds, are not reported. `detail` says
//   why (e.g. "Connection refused", "Connection Refused: not authorised.",
//   "A TLS error occurred."). It must not call Close() or destroy the
//   publisher.
//
// THREAD SAFETY
//   Send(), Flush(), stats() may be called from any thread, concurrently.
//   Close() once, from one thread (later calls return 0).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "fer/io/line_sink.h"

namespace fer {

struct MqttPublisherOptions {
  std::string host = "localhost";
  int port = 1883;
  std::string topic;
  std::string client_id;
  int qos = 1;
  std::string username;
  std::string password;
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::size_t max_queued = 1000;
  int keepalive_s = 30;
  // A server that accepts the TCP connection but sends no CONNACK within
  // this time is not taken for a broker: the attempt fails, saying so, and
  // is retried with the backoff.
  int connack_timeout_ms = 5000;
  int reconnect_delay_min_ms = 250;
  int reconnect_delay_max_ms = 5000;
};

struct MqttPublisherStats {
  std::uint64_t submitted = 0;     // payloads given to Send()
  std::uint64_t published = 0;     // handed to the network (each counted once)
  std::uint64_t acknowledged = 0;  // left the queue: PUBACK (qos 1), written (qos 0)
  std::uint64_t queued = 0;        // in the queue now, in flight included
  std::uint64_t dropped = 0;       // refused for a full queue, or queued at Close()
  bool connected = false;
};

enum class MqttEvent { kConnected, kConnectionLost, kConnectFailed };

// `pattern` with every "{source}" replaced by `source`. Throws fer::Error if
// `source` contains an MQTT wildcard (+ #) or NUL (names "source").
std::string expand_mqtt_topic(const std::string& pattern, const std::string& source);

class MqttPublisher final : public LineSink {
 public:
  static constexpr std::size_t kMaxInFlight = 16;

  using EventCallback = std::function<void(MqttEvent event, const std::string& detail)>;

  static std::unique_ptr<MqttPublisher> Create(const MqttPublisherOptions& options,
                                               EventCallback on_event = {});
  ~MqttPublisher() override;
  MqttPublisher(const MqttPublisher&) = delete;
  MqttPublisher& operator=(const MqttPublisher&) = delete;

  // Queues `payload` for the topic. False (and counted as dropped) if the
  // queue already holds max_queued messages or the publisher is closed.
  bool Send(std::string payload) override;

  // Waits until the queue is empty or `timeout` passed; true if empty.
  bool Flush(std::chrono::milliseconds timeout) override;

  // See ENSURES; returns how many messages were still queued (now dropped).
  std::size_t Close(std::chrono::milliseconds timeout) override;

  MqttPublisherStats stats() const;

  // The client id in use (the generated one if options.client_id was empty).
  const std::string& client_id() const;
  // The validated options, client_id filled in.
  const MqttPublisherOptions& options() const;

 private:
  struct Impl;
  explicit MqttPublisher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fer
