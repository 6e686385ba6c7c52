#include "server/exec/resp/glob_match.h"

#include <algorithm>
#include <utility>

namespace memkv::server::resp {
namespace {

// The byte compared: lower-cased when case is ignored.
char Fold(char c, bool ignore_case) {
  return (ignore_case && c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

enum class Match {
  kYes,
  kNo,
  // No match, and none for any later start of this text either: the caller's '*' stops trying.
  kNoneLater,
};

// Whether the bracket expression at the start of *pattern ("[...]") matches c, and removes it
// from *pattern but for its last byte (the caller removes one byte per token).
bool BracketMatches(std::string_view* pattern, char c, bool ignore_case) {
  std::string_view p = *pattern;
  size_t i = 1;
  const bool negate = i < p.size() && p[i] == '^';
  if (negate) ++i;
  bool match = false;
  const char lower = Fold(c, ignore_case);
  for (; i < p.size() && p[i] != ']'; ++i) {
    if (p[i] == '\\' && i + 1 < p.size()) {
      match |= p[++i] == c;
    } else if (i + 2 < p.size() && p[i + 1] == '-') {
      char lo = Fold(p[i], ignore_case), hi = Fold(p[i + 2], ignore_case);
      if (lo > hi) std::swap(lo, hi);
      match |= lower >= lo && lower <= hi;
      i += 2;
    } else {
      match |= Fold(p[i], ignore_case) == lower;
    }
  }
  pattern->remove_prefix(std::min(i, p.size() - 1));
  return match != negate;
}

Match MatchFrom(std::string_view pattern, std::string_view text, bool ignore_case, int nesting) {
  if (nesting > kMaxGlobStarNesting) return Match::kNo;
  while (!pattern.empty()) {
    char p = pattern[0];
    if (p == '*') {
      while (pattern.size() > 1 && pattern[1] == '*') pattern.remove_prefix(1);
      if (pattern.size() == 1) return Match::kYes;
      for (size_t i = 0; i <= text.size(); ++i) {
        Match rest = MatchFrom(pattern.substr(1), text.substr(i), ignore_case, nesting + 1);
        if (rest != Match::kNo) return rest;
      }
      // The rest of the pattern matches at no position of this text: a longer match for an
      // earlier '*' would leave it a shorter text, which cannot match either.
      return Match::kNoneLater;
    }
    if (text.empty()) return Match::kNo;
    if (p == '[') {
      if (!BracketMatches(&pattern, text[0], ignore_case)) return Match::kNo;
    } else if (p != '?') {
      if (p == '\\' && pattern.size() >= 2) {
        pattern.remove_prefix(1);
        p = pattern[0];
      }
      if (Fold(p, ignore_case) != Fold(text[0], ignore_case)) return Match::kNo;
    }
    pattern.remove_prefix(1);
    text.remove_prefix(1);
  }
  return text.empty() ? Match::kYes : Match::kNo;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text, bool ignore_case) {
  return MatchFrom(pattern, text, ignore_case, 0) == Match::kYes;
}

}  // namespace memkv::server::resp
