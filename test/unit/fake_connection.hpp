#pragma once

// A connection core over a fake transport, with the shared state the daemon builds around it:
// what the core unit tests drive, line by line, with explicit times.

#include <chrono>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>

#include "common/frame_arena.hpp"
#include "common/server_line.hpp"
#include "server/config.hpp"
#include "server/connection.hpp"
#include "server/hub.hpp"

namespace chat::test {

using clock_type = connection::clock;
inline const clock_type::time_point t0{};

/// Records what the core queues, line by line, and plays the transport's part in closing.
class fake_transport final : public transport {
  public:
    void deliver(const frame& f, urgency) override {
        auto bytes = f.bytes();
        REQUIRE(bytes.ends_with('\n'));
        bytes.remove_suffix(1);
        lines_.emplace_back(bytes);
    }
    void close(close_reason reason, std::string_view text) override {
        closed = reason;
        core->on_close(reason, text);
    }
    std::string describe_peer() const override { return "test-peer"; }
    std::size_t queued_bytes() const override { return queued; }
    bool logged() const override { return true; }
    void continue_later() override { ++continuations; }

    /// Everything queued since the last call.
    std::vector<std::string> take() { return std::exchange(lines_, {}); }

    connection* core = nullptr;
    std::optional<close_reason> closed;
    std::size_t queued = 0;  // what the test says the peer has not read yet
    int continuations = 0;   // replay parts asked for

  private:
    std::vector<std::string> lines_;
};

/// One server's shared state, as the daemon builds it.
struct world {
    explicit world(server_config c = {}, std::unique_ptr<history_store> store = nullptr)
        : config(std::move(c)),
          h{config, broadcasts, directs, 7, std::pmr::get_default_resource(), std::move(store)} {
        spdlog::set_level(spdlog::level::off);
        h.hello_limits = "max-line=4096";
    }
    server_config config;
    frame_arena broadcasts{4096};
    frame_arena directs{4096};
    hub h;
};

/// A connected client: a core over a fake transport.
class client {
  public:
    explicit client(world& w) : core_(transport_, w.h, t0) {
        transport_.core = &core_;
        core_.start();
    }
    /// Connects and registers as `name`, and forgets the greeting lines.
    client(world& w, std::string_view name) : client(w) {
        send(name);
        REQUIRE(core_.registered());
        take();
    }
    void send(std::string_view line, clock_type::time_point at = t0) { core_.on_line(line, at); }
    std::vector<std::string> take() { return transport_.take(); }
    connection& core() { return core_; }
    fake_transport& transport() { return transport_; }

  private:
    fake_transport transport_;
    connection core_;
};

using lines = std::vector<std::string>;

/// `line` with its id and time fields (MSG, ME, PRIV, SENT, TOPIC) replaced by `ID` and `T`,
/// and WELCOME's resume token by `TOKEN`.
inline std::string masked(const std::string& line) {
    const auto parsed = parse_server_line(line);
    REQUIRE(parsed);
    std::string out = line;
    const auto replace = [&](std::string_view field, std::string_view with) {
        if (!field.empty()) {
            out.replace(static_cast<std::size_t>(field.data() - line.data()), field.size(), with);
        }
    };
    // Replace from the right so earlier offsets stay valid: time comes after id on every line.
    replace(parsed->time, "T");
    replace(parsed->id, "ID");
    replace(parsed->token, "TOKEN");
    return out;
}

inline lines masked(const lines& ls) {
    lines out;
    for (const auto& l : ls) {
        out.push_back(masked(l));
    }
    return out;
}

inline std::string field(const std::string& line, std::string_view server_line::*member) {
    const auto parsed = parse_server_line(line);
    REQUIRE(parsed);
    return std::string((*parsed).*member);
}

}  // namespace chat::test
