// gdb remote protocol framing: `$payload#cs` packets, `+`/`-` acknowledgements and the ^C
// interrupt byte, read incrementally from an untrusted byte stream.
// Contract:
// - PacketReader never allocates more than kMaxPacketBytes for one packet: a longer packet is
//   consumed up to its end and reported as an Oversized item, so the connection survives.
// - A bad checksum is a BadChecksum item (the caller answers `-`); bytes outside packets are
//   skipped. Escapes (`}` + byte ^ 0x20) are undone; run-length encoding is not used by clients.
// - frame_packet() escapes `$ # } *` in the payload and appends the checksum.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace krdb::serve {

// The largest packet krdb accepts and advertises (qSupported PacketSize, hex 0x4000).
constexpr size_t kMaxPacketBytes = 0x4000;

struct PacketItem {
  enum class Kind { Packet, Ack, Nack, Interrupt, BadChecksum, Oversized };
  Kind kind = Kind::Packet;
  std::string payload;  // Packet: the unescaped payload
};

class PacketReader {
 public:
  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // The next complete item, or nullopt until more bytes arrive.
  std::optional<PacketItem> next();
  // Bytes held while waiting for the end of a packet (bounded by kMaxPacketBytes + 3).
  size_t pending() const { return buffer_.size() - pos_; }

 private:
  std::string buffer_;
  size_t pos_ = 0;
  bool skipping_ = false;  // inside an oversized packet: drop bytes until its '#'
  void compact();
};

std::string frame_packet(std::string_view payload);
std::string to_hex(std::string_view bytes);
// Hex text to bytes; nullopt on an odd length or a non-hex digit.
std::optional<std::string> from_hex(std::string_view hex);

}  // namespace krdb::serve
