#pragma once
// TableErrorCategory: a boost::system error category defined by a table, one row per code with
// its message and the portable errc condition it stands for (so callers that know none of a
// library's enums can still ask `ec == boost::system::errc::timed_out`). Each library that
// returns error codes (redis/, sources/) declares its enum and its rows, and nothing else.
//
// Thread-safety: immutable after construction; a category is a function-local static.

#include <span>
#include <string>

#include <boost/system/error_category.hpp>
#include <boost/system/error_condition.hpp>
#include <boost/system/errc.hpp>

namespace queuemon::base {

struct ErrorRow {
  int code;
  const char* message;
  // The portable meaning (a boost::system::errc value), or 0 when there is none.
  int condition;
};

// A row for enum value `code`.
template <class Enum>
constexpr ErrorRow Row(Enum code, const char* message, int condition = 0) {
  return {static_cast<int>(code), message, condition};
}

class TableErrorCategory final : public boost::system::error_category {
 public:
  // REQUIRES: `name` and `rows` outlive the category (string literal, static array).
  TableErrorCategory(const char* name, std::span<const ErrorRow> rows) : name_(name), rows_(rows) {}

  const char* name() const noexcept override { return name_; }

  std::string message(int ev) const override {
    const ErrorRow* row = Find(ev);
    if (row == nullptr) return std::string("unknown ") + name_ + " error " + std::to_string(ev);
    return row->message;
  }

  boost::system::error_condition default_error_condition(int ev) const noexcept override {
    const ErrorRow* row = Find(ev);
    if (row == nullptr || row->condition == 0) return {ev, *this};
    return boost::system::errc::make_error_condition(
        static_cast<boost::system::errc::errc_t>(row->condition));
  }

 private:
  const ErrorRow* Find(int ev) const {
    for (const ErrorRow& row : rows_) {
      if (row.code == ev) return &row;
    }
    return nullptr;
  }

  const char* name_;
  std::span<const ErrorRow> rows_;
};

}  // namespace queuemon::base
