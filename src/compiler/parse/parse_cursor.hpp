// Character-level scanning of MLIR text for the TTIR parser: whitespace and `//` comments,
// identifiers, string and number literals, balanced skipping, and "path:line:col" errors.
//
// A Cursor borrows the text (which must outlive it) and is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "meshrt/common/error.hpp"

namespace meshrt::compiler::detail {

struct SourcePos {
  uint32_t line = 0;  // 1-based
  uint32_t col = 0;   // 1-based
};

class Cursor {
 public:
  Cursor(std::string_view text, std::string path);

  std::string_view text() const { return text_; }
  const std::string& path() const { return path_; }
  size_t pos() const { return pos_; }
  void set_pos(size_t pos) { pos_ = pos; }

  // Skips whitespace and `//` comments.
  void skip_ws();
  bool at_end();
  // Next significant character ('\0' at end of text).
  char peek();
  // Character `ahead` positions from the current one, no skipping ('\0' past the end).
  char peek_raw(size_t ahead = 0) const;
  // Consumes `token` (punctuation) if it comes next.
  bool try_consume(std::string_view token);
  // Consumes the keyword if it comes next and is not followed by an identifier character.
  bool try_keyword(std::string_view keyword);
  void expect(std::string_view token);
  void expect_keyword(std::string_view keyword);

  // [A-Za-z_][A-Za-z0-9_$.-]* (bare identifier, keyword, dialect-qualified op name).
  std::string parse_bare_id();
  // "..." with MLIR escapes; returns the decoded content.
  std::string parse_string();
  // %name or %name#k; returns the text including '%' and without the #k suffix.
  std::string parse_ssa_name();
  // @name or @"name"; returns the name without '@'.
  std::string parse_symbol();
  // Text of a numeric literal ([+-]digits[.digits][e[+-]digits], 0x..., inf, nan).
  std::string parse_number_text();
  int64_t parse_integer();

  // Skips one balanced chunk starting at the current position: a bracketed group
  // ((), [], {}, <>) with strings and `->` handled, or a run of non-delimiter characters.
  // Returns the raw text.
  std::string_view skip_balanced();

  SourcePos position_of(size_t offset) const;
  [[noreturn]] void fail(const std::string& message) const;  // at the current position
  [[noreturn]] void fail_at(size_t offset, ErrorCode code, const std::string& message) const;

  // Recursion guard for nested attributes and locations.
  void enter(size_t offset);
  void leave() { --depth_; }

 private:
  std::string_view text_;
  std::string path_;
  size_t pos_ = 0;
  int depth_ = 0;
  std::vector<size_t> line_starts_;
};

// RAII helper for Cursor::enter/leave.
class DepthGuard {
 public:
  explicit DepthGuard(Cursor& cursor) : cursor_(cursor) { cursor_.enter(cursor_.pos()); }
  ~DepthGuard() { cursor_.leave(); }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;

 private:
  Cursor& cursor_;
};

bool is_id_start(char c);
bool is_id_char(char c);

}  // namespace meshrt::compiler::detail
