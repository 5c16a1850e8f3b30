#include "parse_cursor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace meshrt::compiler::detail {

namespace {
constexpr int kMaxDepth = 200;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex_digit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

char closer_of(char open) {
  switch (open) {
    case '(':
      return ')';
    case '[':
      return ']';
    case '{':
      return '}';
    case '<':
      return '>';
    default:
      return '\0';
  }
}
}  // namespace

bool is_id_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool is_id_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '$' || c == '.' ||
         c == '-';
}

Cursor::Cursor(std::string_view text, std::string path) : text_(text), path_(std::move(path)) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }
}

void Cursor::skip_ws() {
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (is_space(c)) {
      ++pos_;
    } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
      while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
    } else {
      break;
    }
  }
}

bool Cursor::at_end() {
  skip_ws();
  return pos_ >= text_.size();
}

char Cursor::peek() {
  skip_ws();
  return pos_ < text_.size() ? text_[pos_] : '\0';
}

char Cursor::peek_raw(size_t ahead) const {
  return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
}

bool Cursor::try_consume(std::string_view token) {
  skip_ws();
  if (text_.substr(pos_, token.size()) != token) return false;
  pos_ += token.size();
  return true;
}

bool Cursor::try_keyword(std::string_view keyword) {
  skip_ws();
  if (text_.substr(pos_, keyword.size()) != keyword) return false;
  size_t end = pos_ + keyword.size();
  if (end < text_.size() && is_id_char(text_[end])) return false;
  pos_ = end;
  return true;
}

void Cursor::expect(std::string_view token) {
  if (!try_consume(token)) {
    if (pos_ >= text_.size()) fail(fmt::format("expected '{}' but the text ended", token));
    fail(fmt::format("expected '{}'", token));
  }
}

void Cursor::expect_keyword(std::string_view keyword) {
  if (!try_keyword(keyword)) fail(fmt::format("expected '{}'", keyword));
}

std::string Cursor::parse_bare_id() {
  skip_ws();
  if (pos_ >= text_.size() || !is_id_start(text_[pos_])) fail("expected an identifier");
  size_t start = pos_;
  while (pos_ < text_.size() && is_id_char(text_[pos_])) {
    // Stop before "->" so that `x->y` is not one identifier.
    if (text_[pos_] == '-' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '>') break;
    ++pos_;
  }
  return std::string(text_.substr(start, pos_ - start));
}

std::string Cursor::parse_string() {
  skip_ws();
  if (peek_raw() != '"') fail("expected a string literal");
  size_t start = pos_;
  ++pos_;
  std::string out;
  while (true) {
    if (pos_ >= text_.size())
      fail_at(start, ErrorCode::kInvalidArgument, "unterminated string literal");
    char c = text_[pos_++];
    if (c == '"') break;
    if (c == '\n') fail_at(start, ErrorCode::kInvalidArgument, "unterminated string literal");
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (pos_ >= text_.size())
      fail_at(start, ErrorCode::kInvalidArgument, "unterminated string literal");
    char e = text_[pos_++];
    switch (e) {
      case 'n':
        out.push_back('\n');
        break;
      case 't':
        out.push_back('\t');
        break;
      case '"':
        out.push_back('"');
        break;
      case '\\':
        out.push_back('\\');
        break;
      default:
        if (is_hex_digit(e) && pos_ < text_.size() && is_hex_digit(text_[pos_])) {
          out.push_back(static_cast<char>(std::stoi(std::string{e, text_[pos_]}, nullptr, 16)));
          ++pos_;
        } else {
          out.push_back(e);
        }
    }
  }
  return out;
}

std::string Cursor::parse_ssa_name() {
  skip_ws();
  if (peek_raw() != '%') fail("expected an SSA value name like %0");
  size_t start = pos_++;
  while (pos_ < text_.size() && is_id_char(text_[pos_])) {
    if (text_[pos_] == '-' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '>') break;
    ++pos_;
  }
  if (pos_ == start + 1) fail("expected an SSA value name after '%'");
  return std::string(text_.substr(start, pos_ - start));
}

std::string Cursor::parse_symbol() {
  skip_ws();
  if (peek_raw() != '@') fail("expected a symbol name like @main");
  ++pos_;
  if (peek_raw() == '"') return parse_string();
  size_t start = pos_;
  while (pos_ < text_.size() && is_id_char(text_[pos_])) ++pos_;
  if (pos_ == start) fail("expected a symbol name after '@'");
  return std::string(text_.substr(start, pos_ - start));
}

std::string Cursor::parse_number_text() {
  skip_ws();
  size_t start = pos_;
  if (peek_raw() == '-' || peek_raw() == '+') ++pos_;
  if (peek_raw() == '0' && (peek_raw(1) == 'x' || peek_raw(1) == 'X')) {
    pos_ += 2;
    size_t digits = pos_;
    while (pos_ < text_.size() && is_hex_digit(text_[pos_])) ++pos_;
    if (pos_ == digits)
      fail_at(start, ErrorCode::kInvalidArgument, "malformed hexadecimal literal");
    return std::string(text_.substr(start, pos_ - start));
  }
  if (text_.substr(pos_, 3) == "inf" || text_.substr(pos_, 3) == "nan") {
    pos_ += 3;
    return std::string(text_.substr(start, pos_ - start));
  }
  size_t digits = pos_;
  while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
  if (pos_ == digits) fail_at(start, ErrorCode::kInvalidArgument, "expected a number");
  if (peek_raw() == '.') {
    ++pos_;
    while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
  }
  if (peek_raw() == 'e' || peek_raw() == 'E') {
    size_t save = pos_;
    ++pos_;
    if (peek_raw() == '-' || peek_raw() == '+') ++pos_;
    size_t exp_digits = pos_;
    while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    if (pos_ == exp_digits) pos_ = save;
  }
  return std::string(text_.substr(start, pos_ - start));
}

int64_t Cursor::parse_integer() {
  skip_ws();
  size_t start = pos_;
  std::string t = parse_number_text();
  int64_t value = 0;
  const char* b = t.data();
  const char* e = t.data() + t.size();
  bool negative = false;
  if (b != e && (*b == '-' || *b == '+')) negative = *b++ == '-';
  auto [ptr, ec] = std::from_chars(b, e, value);
  if (ec != std::errc() || ptr != e)
    fail_at(start, ErrorCode::kInvalidArgument, fmt::format("expected an integer, got '{}'", t));
  return negative ? -value : value;
}

std::string_view Cursor::skip_balanced() {
  skip_ws();
  size_t start = pos_;
  std::vector<char> closers;
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (c == '"') {
      parse_string();
      continue;
    }
    if (c == '-' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '>') {
      pos_ += 2;
      continue;
    }
    if (closers.empty() && (is_space(c) || c == ',' || c == ':' || c == '=')) break;
    if (char close = closer_of(c); close != '\0') {
      if (closers.size() >= static_cast<size_t>(kMaxDepth)) fail("nesting too deep");
      closers.push_back(close);
      ++pos_;
      continue;
    }
    if (c == ')' || c == ']' || c == '}' || c == '>') {
      if (closers.empty()) break;
      if (c != closers.back())
        fail(fmt::format("unbalanced '{}', expected '{}'", c, closers.back()));
      closers.pop_back();
      ++pos_;
      continue;
    }
    ++pos_;
  }
  if (!closers.empty())
    fail_at(start, ErrorCode::kInvalidArgument,
            fmt::format("unterminated group, missing '{}'", closers.back()));
  if (pos_ == start) fail("expected a value");
  return text_.substr(start, pos_ - start);
}

SourcePos Cursor::position_of(size_t offset) const {
  offset = std::min(offset, text_.size());
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  size_t line_index = static_cast<size_t>(it - line_starts_.begin()) - 1;
  return SourcePos{static_cast<uint32_t>(line_index + 1),
                   static_cast<uint32_t>(offset - line_starts_[line_index] + 1)};
}

void Cursor::fail(const std::string& message) const {
  fail_at(pos_, ErrorCode::kInvalidArgument, message);
}

void Cursor::fail_at(size_t offset, ErrorCode code, const std::string& message) const {
  SourcePos p = position_of(offset);
  raise(code, fmt::format("{}:{}:{}: {}", path_, p.line, p.col, message));
}

void Cursor::enter(size_t offset) {
  if (++depth_ > kMaxDepth) {
    depth_ = 0;
    fail_at(offset, ErrorCode::kInvalidArgument, "nesting too deep");
  }
}

}  // namespace meshrt::compiler::detail
