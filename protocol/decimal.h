// Decimal numbers as the client side of every dialect writes them into requests and reads them
// from replies. Reading is strict (digits only, no blanks, no '+'): servers write numbers exactly
// so, and anything else means the reply stream is garbage. The server side reads request numbers
// with each dialect's own lenient rules instead (memcached's safe_strto*, Redis's string2ll).
//
// Plain functions: any thread.
#ifndef MEMKV_PROTOCOL_DECIMAL_H_
#define MEMKV_PROTOCOL_DECIMAL_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace memkv::protocol {

// Appends `number` in decimal (absl::StrCat would need absl::string_view arguments around it).
void AppendDecimal(int64_t number, std::string* out);

// Unsigned decimal: digits only, fits in 64 bits.
bool ParseDecimal(std::string_view text, uint64_t* value);

// Signed decimal as Redis writes it: an optional '-', then digits; fits in 64 bits.
bool ParseSignedDecimal(std::string_view text, int64_t* value);

}  // namespace memkv::protocol

#endif  // MEMKV_PROTOCOL_DECIMAL_H_
