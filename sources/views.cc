// The small functions over the view table (views.h).
#include "sources/views.h"

namespace queuemon::sources {

const ViewSpec& SpecOf(View view) {
  for (const ViewSpec& spec : kViews) {
    if (spec.view == view) return spec;
  }
  return kViews[0];  // unreachable: every View has a row (views_test checks)
}

std::string ViewKey(View view, std::string_view argument) {
  const ViewSpec& spec = SpecOf(view);
  if (spec.argument != Argument::kNone) return std::string(spec.key) + ":" + std::string(argument);
  return std::string(spec.key);
}

std::string CategoryList() {
  std::string list;
  for (const CategorySpec& category : kCategories) {
    list += (list.empty() ? "" : ", ") + std::string(category.name);
  }
  return list;
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
