#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include "server/flush_target.hpp"
#include "server/write_scheduler.hpp"

namespace {

namespace asio = boost::asio;
using chat::write_scheduler;

/// Records the order of flushes; the first one may run an action (to play input arriving).
struct recording_target final : chat::flush_target {
    recording_target(int id_, std::vector<int>& log_) : id(id_), log(log_) {}
    void flush() override {
        log.push_back(id);
        if (on_flush) {
            on_flush();
        }
    }
    int id;
    std::vector<int>& log;
    std::function<void()> on_flush;
};

}  // namespace

TEST_CASE("write_scheduler: flushes every target once, in the order scheduled", "[scheduler]") {
    asio::io_context io(1);
    write_scheduler writes(io);
    std::vector<int> log;
    std::vector<std::shared_ptr<recording_target>> targets;
    for (int i = 0; i < 100; ++i) {
        targets.push_back(std::make_shared<recording_target>(i, log));
        writes.schedule(targets.back());
    }
    io.run();
    REQUIRE(log.size() == 100);
    for (int i = 0; i < 100; ++i) {
        CHECK(log[static_cast<std::size_t>(i)] == i);
    }
}

TEST_CASE("write_scheduler: input that arrives during a big batch is read between slices",
          "[scheduler]") {
    // A fan-out to 48 receivers; while the first is written, a sender's next line arrives. The
    // line must be read after one slice, not after the whole batch, so that it can still join
    // the queues of the receivers not yet written to.
    asio::io_context io(1);
    write_scheduler writes(io);
    asio::local::stream_protocol::socket sender(io);
    asio::local::stream_protocol::socket server_end(io);
    asio::local::connect_pair(sender, server_end);

    std::vector<int> log;
    std::size_t flushed_before_input = 0;
    const auto late = std::make_shared<recording_target>(1000, log);
    server_end.async_wait(asio::socket_base::wait_read, [&](const boost::system::error_code& ec) {
        REQUIRE_FALSE(ec);
        flushed_before_input = log.size();
        writes.schedule(late);  // what the new line fans out to a receiver already written
    });

    std::vector<std::shared_ptr<recording_target>> receivers;
    for (int i = 0; i < 48; ++i) {
        receivers.push_back(std::make_shared<recording_target>(i, log));
        writes.schedule(receivers.back());
    }
    receivers.front()->on_flush = [&] { asio::write(sender, asio::buffer("hello\n", 6)); };
    io.run();

    CHECK(flushed_before_input == write_scheduler::flushes_per_slice);
    REQUIRE(log.size() == 49);
    CHECK(log.back() == 1000);  // flushed after the batch it missed, not dropped
}

TEST_CASE("write_scheduler: a target scheduled after a batch has run is flushed too",
          "[scheduler]") {
    asio::io_context io(1);
    write_scheduler writes(io);
    std::vector<int> log;
    auto target = std::make_shared<recording_target>(1, log);
    writes.schedule(target);
    io.run();
    REQUIRE(log.size() == 1);
    writes.schedule(target);
    io.restart();
    io.run();
    CHECK(log.size() == 2);
}
