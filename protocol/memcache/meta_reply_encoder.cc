#include "protocol/memcache/meta_reply_encoder.h"

#include <charconv>

#include "protocol/memcache/base64.h"
#include "protocol/reply_buffer.h"

namespace memkv::protocol {
namespace {

template <typename Number>
void AppendNumber(Number number, std::string* out) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), number);
  out->append(buffer, result.ptr);
}

}  // namespace

void AppendMetaValueHeader(size_t size, std::string* out) {
  out->append("VA ");
  AppendNumber(size, out);
}

void AppendMetaNumberFlag(char letter, int64_t number, std::string* out) {
  out->push_back(' ');
  out->push_back(letter);
  AppendNumber(number, out);
}

void AppendMetaUnsignedFlag(char letter, uint64_t number, std::string* out) {
  out->push_back(' ');
  out->push_back(letter);
  AppendNumber(number, out);
}

void AppendMetaToken(std::string_view token, std::string* out) {
  out->push_back(' ');
  out->append(token);
}

void AppendMetaKeyFlag(std::string_view key, bool base64, std::string* out) {
  out->append(" k");
  if (!base64) {
    out->append(key);
    return;
  }
  AppendBase64(key, out);
  out->append(" b");
}

void AppendMetaLineEnd(std::string* out) { out->append("\r\n"); }

void AppendMetaLineEndAndData(std::string_view data, std::string* out) {
  ReserveForValue(data.size() + 2, out);
  out->append("\r\n");
  out->append(data);
  out->append("\r\n");
}

void AppendMetaDebug(std::string_view key, bool base64, const MetaDebugFields& fields,
                     std::string* out) {
  out->append("ME ");
  if (base64) {
    AppendBase64(key, out);
  } else {
    out->append(key);
  }
  out->append(" exp=");
  AppendNumber(fields.exp, out);
  out->append(" la=");
  AppendNumber(fields.last_access, out);
  out->append(" cas=");
  AppendNumber(fields.cas, out);
  out->append(fields.fetched ? " fetch=yes" : " fetch=no");
  out->append(" cls=");
  AppendNumber(fields.slab_class, out);
  out->append(" size=");
  AppendNumber(fields.size, out);
  out->append("\r\n");
}

}  // namespace memkv::protocol
