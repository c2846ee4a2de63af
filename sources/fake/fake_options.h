#pragma once
// FakeOptions: the options of a FakeSource, through the same SourceOptions interface a
// configured kind uses, so tests build a fake the way the daemon builds any source (Clone,
// MakeSource) without naming its kind. There is no config reader: only tests build one.
//
// Thread-safety: plain data.

#include <memory>
#include <string>
#include <string_view>

#include "sources/source_options.h"

namespace queuemon::sources::fake {

struct FakeOptions final : SourceOptions {
  FakeOptions() : SourceOptions("fake") {}

  // The kind the fake stands in for (the prefix of its metric families).
  std::string stands_in_for = "celery";

  std::string_view Kind() const override { return "fake"; }
  std::unique_ptr<SourceOptions> Clone() const override;
  std::unique_ptr<Source> MakeSource(boost::asio::any_io_executor executor,
                                     const base::Clock& clock) const override;
  std::string Describe() const override { return "canned views"; }
};

}  // namespace queuemon::sources::fake
