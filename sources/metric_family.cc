// Formatting helpers of the Prometheus text format (0.0.4).
#include "sources/metric_family.h"

#include <charconv>
#include <cmath>

namespace queuemon::sources {

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Label(std::string_view name, std::string_view value) {
  std::string out(name);
  out += "=\"";
  out += EscapeLabelValue(value);
  out += '"';
  return out;
}

void AppendSample(std::string& out, std::string_view name, std::string_view labels, double value) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  AppendSampleValue(out, value);
  out += '\n';
}

MetricFamily ViewGauge(std::string name, std::string_view help) {
  return MetricFamily{std::move(name), "gauge", std::string(help) + std::string(kViewFreshness), {}};
}

std::string FormatStaticLabels(const std::vector<std::pair<std::string, std::string>>& labels) {
  std::string out;
  for (const auto& [name, value] : labels) {
    out += ',';
    out += name;
    out += "=\"";
    out += EscapeLabelValue(value);
    out += '"';
  }
  return out;
}

void AppendSampleValue(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    const auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
    out.append(buf, end);
  }
}

std::string_view HostOf(std::string_view node) {
  const auto at = node.find('@');
  return at == std::string_view::npos ? node : node.substr(at + 1);
}

std::string BucketBound(double bound) {
  std::string out;
  AppendSampleValue(out, bound);
  if (std::isfinite(bound) && out.find_first_of(".e") == std::string::npos) out += ".0";
  return out;
}

}  // namespace queuemon::sources
