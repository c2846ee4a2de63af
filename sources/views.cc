// The small functions over the view table (views.h).
#include "sources/views.h"

namespace queuemon::sources {

namespace {

// The rows are in enum order, so a view's row is found by index: SpecOf runs on every read.
constexpr bool RowsInEnumOrder() {
  for (std::size_t i = 0; i < std::size(kViews); ++i) {
    if (static_cast<std::size_t>(kViews[i].view) != i) return false;
  }
  return true;
}
static_assert(RowsInEnumOrder(), "kViews rows must follow the order of enum View");

}  // namespace

const ViewSpec& SpecOf(View view) { return kViews[static_cast<std::size_t>(view)]; }

std::string ViewKey(View view, std::string_view argument) {
  const ViewSpec& spec = SpecOf(view);
  const bool plain = spec.argument == Argument::kNone ||
                     (spec.argument == Argument::kViewFilter && argument.empty());
  if (plain) return std::string(spec.key);
  return std::string(spec.key) + ":" + std::string(argument);
}

std::optional<KeyedView> ParseViewKey(std::string_view key) {
  for (const ViewSpec& spec : kViews) {
    if (spec.argument == Argument::kNone || spec.argument == Argument::kViewFilter) {
      if (key == spec.key) return KeyedView{spec.view, {}};
    }
    if (spec.argument != Argument::kNone && key.size() > spec.key.size() &&
        key.starts_with(spec.key) && key[spec.key.size()] == ':') {
      return KeyedView{spec.view, std::string(key.substr(spec.key.size() + 1))};
    }
  }
  return std::nullopt;
}

std::string CategoryList() {
  std::string list;
  for (const CategorySpec& category : kCategories) {
    list += (list.empty() ? "" : ", ") + std::string(category.name);
  }
  return list;
}

bool ValidCategory(std::string_view name) {
  for (const CategorySpec& category : kCategories) {
    if (category.name == name) return true;
  }
  return false;
}

bool ValidTaskId(std::string_view id) {
  if (id.empty() || id.size() > 155) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == ':' || c == '@' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace queuemon::sources
