// The server side's encoder of memcached text-protocol replies: each function appends one reply
// element, with its CRLF, to a string that collects a connection's pending output.
//
// A get's reply is one AppendTextValue per hit, then AppendTextEnd. Numbers are formatted with
// absl's fast integer conversion, no printf. The client direction is text_request_encoder.h and
// text_reply_parser.h. Plain functions: any thread.
#ifndef MEMKV_PROTOCOL_MEMCACHE_TEXT_REPLY_ENCODER_H_
#define MEMKV_PROTOCOL_MEMCACHE_TEXT_REPLY_ENCODER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace memkv::protocol {

// Appends "VALUE <key> <flags> <bytes>[ <cas>]\r\n<value>\r\n".
void AppendTextValue(std::string_view key, uint32_t flags, std::string_view value,
                     std::optional<uint64_t> cas, std::string* out);

// Appends "VALUE <key> <flags> <bytes>[ <cas>]\r\n" only: the value and its "\r\n" follow, for a
// caller that sends the value from elsewhere (a pinned stored value, spliced into the reply).
void AppendTextValueHeader(std::string_view key, uint32_t flags, size_t bytes,
                           std::optional<uint64_t> cas, std::string* out);

// Appends `line` + "\r\n": for replies with no fields.
void AppendTextLine(std::string_view line, std::string* out);

// The fixed replies.
inline void AppendTextEnd(std::string* out) { out->append("END\r\n"); }
inline void AppendTextStored(std::string* out) { out->append("STORED\r\n"); }
inline void AppendTextNotStored(std::string* out) { out->append("NOT_STORED\r\n"); }
inline void AppendTextExists(std::string* out) { out->append("EXISTS\r\n"); }
inline void AppendTextNotFound(std::string* out) { out->append("NOT_FOUND\r\n"); }
inline void AppendTextDeleted(std::string* out) { out->append("DELETED\r\n"); }
inline void AppendTextTouched(std::string* out) { out->append("TOUCHED\r\n"); }
inline void AppendTextOk(std::string* out) { out->append("OK\r\n"); }
inline void AppendTextError(std::string* out) { out->append("ERROR\r\n"); }

// Appends "CLIENT_ERROR <message>\r\n" / "SERVER_ERROR <message>\r\n".
void AppendTextClientError(std::string_view message, std::string* out);
void AppendTextServerError(std::string_view message, std::string* out);

// Appends "VERSION <version>\r\n".
void AppendTextVersion(std::string_view version, std::string* out);

// Appends "<number>\r\n" (the reply to incr and decr).
void AppendTextNumber(uint64_t number, std::string* out);

// Appends "STAT <name> <value>\r\n".
void AppendTextStat(std::string_view name, std::string_view value, std::string* out);
void AppendTextStat(std::string_view name, uint64_t value, std::string* out);
void AppendTextStat(std::string_view name, int64_t value, std::string* out);
// Without these, int arguments would be ambiguous between the two overloads above.
inline void AppendTextStat(std::string_view name, int value, std::string* out) {
  AppendTextStat(name, static_cast<int64_t>(value), out);
}
inline void AppendTextStat(std::string_view name, unsigned value, std::string* out) {
  AppendTextStat(name, static_cast<uint64_t>(value), out);
}

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_MEMCACHE_TEXT_REPLY_ENCODER_H_
