#include "api/source_views.h"

#include <utility>

namespace queuemon::api {

using sources::View;

boost::asio::awaitable<std::vector<SourceViews>> ReadSourceViews(
    std::vector<ViewService*> services, cache::Reader reader) {
  for (ViewService* source : services) {
    source->PrefetchUnlessFresh(View::kWorkers);
    source->PrefetchUnlessFresh(View::kQueues);
  }
  std::vector<SourceViews> views;
  views.reserve(services.size());
  for (ViewService* source : services) {
    SourceViews read;
    read.source = source;
    // Get joins the loads started above (or, for a fresh entry, answers at once).
    read.workers = co_await source->Get(View::kWorkers, {}, /*use_cache=*/true, reader);
    read.queues = co_await source->Get(View::kQueues, {}, /*use_cache=*/true, reader);
    views.push_back(std::move(read));
  }
  co_return views;
}

}  // namespace queuemon::api
