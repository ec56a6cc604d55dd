#include "krdb/serve/packet.h"

namespace krdb::serve {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr char kHex[] = "0123456789abcdef";

}  // namespace

void PacketReader::compact() {
  if (pos_ > 4096 && pos_ * 2 > buffer_.size()) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
}

std::optional<PacketItem> PacketReader::next() {
  while (pos_ < buffer_.size()) {
    if (skipping_) {
      // An oversized packet: drop its bytes up to '#' and the two checksum digits.
      size_t hash = buffer_.find('#', pos_);
      if (hash == std::string::npos) { pos_ = buffer_.size(); compact(); return std::nullopt; }
      if (buffer_.size() - hash < 3) { pos_ = hash; compact(); return std::nullopt; }
      pos_ = hash + 3;
      skipping_ = false;
      compact();
      return PacketItem{PacketItem::Kind::Oversized, {}};
    }
    char c = buffer_[pos_];
    if (c == '+') { ++pos_; return PacketItem{PacketItem::Kind::Ack, {}}; }
    if (c == '-') { ++pos_; return PacketItem{PacketItem::Kind::Nack, {}}; }
    if (c == '\x03') { ++pos_; return PacketItem{PacketItem::Kind::Interrupt, {}}; }
    if (c != '$') { ++pos_; continue; }  // noise between packets
    size_t hash = buffer_.find('#', pos_ + 1);
    if (hash == std::string::npos) {
      if (buffer_.size() - pos_ > kMaxPacketBytes + 1) { skipping_ = true; continue; }
      compact();
      return std::nullopt;
    }
    if (hash - pos_ - 1 > kMaxPacketBytes) { skipping_ = true; continue; }
    if (buffer_.size() - hash < 3) { compact(); return std::nullopt; }
    std::string_view raw(buffer_.data() + pos_ + 1, hash - pos_ - 1);
    int hi = hex_digit(buffer_[hash + 1]), lo = hex_digit(buffer_[hash + 2]);
    pos_ = hash + 3;
    compact();
    uint8_t sum = 0;
    for (char b : raw) sum = uint8_t(sum + uint8_t(b));
    if (hi < 0 || lo < 0 || uint8_t(hi * 16 + lo) != sum) return PacketItem{PacketItem::Kind::BadChecksum, {}};
    PacketItem item;
    item.payload.reserve(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '}' && i + 1 < raw.size()) item.payload += char(raw[++i] ^ 0x20);
      else item.payload += raw[i];
    }
    return item;
  }
  compact();
  return std::nullopt;
}

std::string frame_packet(std::string_view payload) {
  std::string out = "$";
  uint8_t sum = 0;
  auto put = [&](char c) { out += c; sum = uint8_t(sum + uint8_t(c)); };
  for (char c : payload) {
    if (c == '$' || c == '#' || c == '}' || c == '*') {
      put('}');
      put(char(c ^ 0x20));
    } else {
      put(c);
    }
  }
  out += '#';
  out += kHex[sum >> 4];
  out += kHex[sum & 0xf];
  return out;
}

std::string to_hex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += char(hi * 16 + lo);
  }
  return out;
}

}  // namespace krdb::serve
