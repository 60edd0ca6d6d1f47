// SPDX-License-Identifier: LGPL-2.1-or-later
// fer::ProtobufWire — a bounded reader of protobuf wire-format bytes, for the
// few small messages the core reads without libprotobuf (MediaPipe's face
// geometry metadata, the graph inputs of an ONNX model).
//
// Every read checks its bounds; a malformed message throws fer::Error
// "<what>: <problem>", where `what` names the file being read.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "fer/error.h"

namespace fer {

class ProtobufWire {
 public:
  enum Type { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

  ProtobufWire(const std::uint8_t* begin, const std::uint8_t* end, const std::string& what)
      : p_(begin), end_(end), what_(what) {}

  bool done() const { return p_ == end_; }

  [[noreturn]] void fail(const std::string& problem) const { throw Error(what_ + ": " + problem); }

  // The next field's key: number and wire type.
  void key(std::uint64_t& field, int& type) {
    const std::uint64_t k = varint();
    field = k >> 3;
    type = static_cast<int>(k & 7);
  }

  std::uint64_t varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) fail("truncated varint");
      const std::uint8_t byte = *p_++;
      value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return value;
    }
    fail("varint longer than 10 bytes");
  }

  float fixed32_float() {
    if (end_ - p_ < 4) fail("truncated 32-bit value");
    // Wire format is little-endian, as is every platform we build for.
    std::uint32_t bits = std::uint32_t(p_[0]) | std::uint32_t(p_[1]) << 8 |
                         std::uint32_t(p_[2]) << 16 | std::uint32_t(p_[3]) << 24;
    p_ += 4;
    float value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
  }

  // The payload of a length-delimited field, as its own bounded view.
  ProtobufWire sub() {
    const std::uint64_t size = varint();
    if (size > static_cast<std::uint64_t>(end_ - p_)) fail("length-delimited field past the end");
    ProtobufWire inner(p_, p_ + size, what_);
    p_ += size;
    return inner;
  }

  std::string string() {
    const ProtobufWire s = sub();
    return {reinterpret_cast<const char*>(s.p_), static_cast<size_t>(s.end_ - s.p_)};
  }

  void skip(int wire_type) {
    switch (wire_type) {
      case kVarint: varint(); return;
      case kFixed64: advance(8); return;
      case kLengthDelimited: sub(); return;
      case kFixed32: advance(4); return;
      default: fail("unsupported wire type " + std::to_string(wire_type));
    }
  }

  // Appends a repeated float field, unpacked (fixed32) or packed.
  void floats(int wire_type, std::vector<float>& out) {
    if (wire_type == kFixed32) {
      out.push_back(fixed32_float());
    } else if (wire_type == kLengthDelimited) {
      for (ProtobufWire packed = sub(); !packed.done();) out.push_back(packed.fixed32_float());
    } else {
      fail("float field with wire type " + std::to_string(wire_type));
    }
  }

  // Appends a repeated varint field, unpacked or packed.
  void varints(int wire_type, std::vector<std::uint64_t>& out) {
    if (wire_type == kVarint) {
      out.push_back(varint());
    } else if (wire_type == kLengthDelimited) {
      for (ProtobufWire packed = sub(); !packed.done();) out.push_back(packed.varint());
    } else {
      fail("integer field with wire type " + std::to_string(wire_type));
    }
  }

  void expect(int wire_type, int expected, const char* field) {
    if (wire_type != expected)
      fail(std::string(field) + " has wire type " + std::to_string(wire_type) + ", expected " +
           std::to_string(expected));
  }

 private:
  void advance(std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n) fail("truncated fixed-size field");
    p_ += n;
  }

  const std::uint8_t* p_;
  const std::uint8_t* end_;
  std::string what_;
};

}  // namespace fer
