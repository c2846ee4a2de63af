#pragma once
// Reading a view's body back into its typed form. Cache entries that arrive as bytes (the state
// file at a warm restart, another replica through Redis) carry the body only, and the filtered
// answers and the renderers read the typed form.
//
// Thread-safety: a pure function.

#include <string_view>

#include "sources/typed_views.h"
#include "sources/views.h"

namespace queuemon::sources {

// The typed form of a view's body (the inverse of Serialize's body for these views), for
// entries that arrive as bytes: the state file, another replica. Supports kWorkers, kQueues,
// kTasks, kSummary and kHealth; every other view, and any body that is not that view's JSON
// (wrong types, missing required fields, not JSON), gives std::monostate — never throws.
//
// Strict, so that Serialize of what it reads writes the body back (byte for byte when the body
// is Serialize's): a body is read only if it has exactly the members Serialize writes for some
// value, with the JSON types Serialize writes there. An unknown member, an integer written as
// 1.0, a page member without the others, current_jobs without state, or a member written only
// when non-empty that is empty all give std::monostate. Serialize writes a NaN or an infinity
// as null: null in a double's place (even one written only when set) reads as NaN, which
// Serialize writes as null again.
ViewData ReadViewBody(View view, std::string_view body);

}  // namespace queuemon::sources
