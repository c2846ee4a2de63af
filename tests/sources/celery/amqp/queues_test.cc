// Which queues of a vhost are Celery's or queuemon's own (never listed as the app's queues).
#include "sources/celery/amqp/queues.h"

#include <gtest/gtest.h>

namespace queuemon::sources::celery::over_amqp {
namespace {

TEST(AmqpQueuesTest, InternalQueuesAreThePidboxAndEventQueues) {
  for (const char* internal : {"w1@host.celery.pidbox", "0b8e.reply.celery.pidbox",
                               "celeryev.4f2c-11aa"}) {
    EXPECT_TRUE(IsInternalQueue(internal, "celery.pidbox", "celeryev")) << internal;
  }
  for (const char* app : {"celery", "reports", "celeryev", "pidbox", "celery.pidbox.x"}) {
    EXPECT_FALSE(IsInternalQueue(app, "celery.pidbox", "celeryev")) << app;
  }
  EXPECT_TRUE(IsInternalQueue("n.app.pidbox", "app.pidbox", "appev"));
  EXPECT_FALSE(IsInternalQueue("n.celery.pidbox", "app.pidbox", "appev"));
}

}  // namespace
}  // namespace queuemon::sources::celery::over_amqp
