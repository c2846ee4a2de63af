#pragma once
// Collecting one view of a Source under test, synchronously: the source's work runs on `io`'s
// threads, the test thread waits (bounded). CollectAs also throws when the view is of another
// type than asked, so a wrong dispatch fails loudly.
//
//   const auto workers = testing::CollectAs<sources::WorkersView>(io, source, View::kWorkers);

#include <chrono>
#include <stdexcept>
#include <string>
#include <variant>

#include "sources/source.h"
#include "tests/testing/io_context_threads.h"

namespace queuemon::testing {

inline boost::system::result<sources::Collected> Collect(IoContextThreads& io, sources::Source& source,
                                                         sources::View view, std::string argument = {}) {
  return io.Await(source.Collect(sources::ViewRequest{view, std::move(argument)}),
                  std::chrono::seconds(10));
}

template <typename T>
T CollectAs(IoContextThreads& io, sources::Source& source, sources::View view,
            std::string argument = {}) {
  auto collected = Collect(io, source, view, std::move(argument));
  if (!collected) throw std::runtime_error("collect failed: " + collected.error().message());
  if (!std::holds_alternative<T>(collected->data)) throw std::runtime_error("view of another type");
  return std::get<T>(collected->data);
}

}  // namespace queuemon::testing
