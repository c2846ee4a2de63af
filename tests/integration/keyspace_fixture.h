#pragma once
// KeyspaceFixture<S, O>: the suite-wide world of an RQ or Sidekiq source test: a real
// redis-server, the library's test app with real worker processes that have run a scenario
// (ids_ holds what `ctl scenario` printed), and the source under test (S, built from options O
// of name `name` on db 0) on its own io threads. A suite derives from it and calls SetUpWorld
// from SetUpTestSuite with what differs: the app, and how its workers start and settle.

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "tests/testing/collect.h"
#include "tests/testing/io_context_threads.h"
#include "tests/testing/job_queue_apps.h"
#include "tests/testing/redis_server.h"

namespace queuemon::sources {

template <typename S, typename O>
class KeyspaceFixture : public ::testing::Test {
 protected:
  using MakeApp = testing::JobQueueApp (*)(std::string redis_url, std::string log_dir);

  // `start` starts the workers and waits for them; the scenario then runs and settles.
  static void SetUpWorld(MakeApp make_app, const std::string& logs, const std::string& name,
                         const std::function<void(testing::JobQueueApp&)>& start) {
    redis_ = new testing::RedisServer();
    const std::string dir = ::testing::TempDir() + "/" + logs;
    std::filesystem::create_directories(dir);
    app_ = new testing::JobQueueApp(make_app(redis_->url(0), dir));
    start(*app_);
    ids_ = new nlohmann::json(app_->CtlJson({"scenario"}));
    app_->Ctl({"wait-settled"});
    io_ = new testing::IoContextThreads(2);
    O options;
    options.name = name;
    options.redis.url = redis_->url(0);
    source_ = new S(io_->executor(), options, clock_);
    source_->Start();
  }
  static void TearDownTestSuite() {
    source_->Stop();
    delete source_;
    delete io_;  // after the source: its connection used the io_context
    delete app_;
    delete ids_;
    delete redis_;
  }

  static boost::system::result<Collected> Collect(View view, std::string argument = {}) {
    return testing::Collect(*io_, *source_, view, std::move(argument));
  }
  template <typename T>
  static T CollectAs(View view, std::string argument = {}) {
    return testing::CollectAs<T>(*io_, *source_, view, std::move(argument));
  }
  // The scenario's id under `key` (element `i` of a list).
  static std::string Id(const char* key, std::size_t i = 0) {
    return testing::JobQueueApp::Id(*ids_, key, i);
  }

  static inline base::SteadyClock clock_;
  static inline testing::RedisServer* redis_ = nullptr;
  static inline testing::JobQueueApp* app_ = nullptr;
  static inline nlohmann::json* ids_ = nullptr;
  static inline testing::IoContextThreads* io_ = nullptr;
  static inline S* source_ = nullptr;
};

}  // namespace queuemon::sources
