#pragma once
// PromtoolProblems: `promtool check metrics` (Debian package prometheus) over an exposition.

#include <string>

namespace queuemon::testing {

// "" when `text` is clean, else what promtool printed. Two lint remarks are expected and
// ignored: celery-exporter's gauges celery_active_worker_count and celery_active_process_count
// end in "_count", which promtool's naming lint reserves for histograms and summaries, but
// dashboards built for celery-exporter query them by these names (issue 13 keeps them). Any
// other remark, or a parse error, is returned; so is "promtool missing" without the package.
std::string PromtoolProblems(const std::string& text);

}  // namespace queuemon::testing
