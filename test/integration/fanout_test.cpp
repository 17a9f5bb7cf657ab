#include <poll.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "test/support/line_client.hpp"
#include "test/support/test_server.hpp"

using namespace chat::test;

TEST_CASE("200 clients each receive every message of a burst once and in order", "[fanout]") {
    constexpr int client_count = 200;
    constexpr int senders = 4;
    constexpr int per_sender = 250;
    // 200 connections from one address at once.
    test_server server({"--rate", "0", "--max-per-ip", "0", "--connect-rate", "0"});
    std::vector<line_client> clients;
    clients.reserve(client_count);
    for (int i = 0; i < client_count; ++i) {
        clients.emplace_back(server.port());
        clients.back().register_as("c" + std::to_string(i));
    }
    // The last JOIN reaching the first client means everyone is in the room.
    REQUIRE(clients[0].read_until("JOIN #lobby c" + std::to_string(client_count - 1), 10s));

    for (int s = 0; s < senders; ++s) {
        std::string burst;
        for (int m = 0; m < per_sender; ++m) {
            burst += "m " + std::to_string(s) + " " + std::to_string(m) + "\n";
        }
        REQUIRE(clients[static_cast<std::size_t>(s)].send_raw(burst));
    }

    for (int i = 0; i < client_count; ++i) {
        auto& c = clients[static_cast<std::size_t>(i)];
        const int expected = i < senders ? (senders - 1) * per_sender : senders * per_sender;
        // A sender is told of each of its own lines by a SENT, in place of a copy.
        const int expected_sent = i < senders ? per_sender : 0;
        std::map<std::string, int> next;  // per sender: the next sequence number wanted
        int received = 0;
        int sent = 0;
        while (received < expected || sent < expected_sent) {
            const auto line = c.read_line(10s);
            INFO("client " << i << " after " << received << " messages and " << sent << " SENT");
            REQUIRE(line);
            INFO(*line);
            if (line->rfind("SENT ", 0) == 0) {
                REQUIRE(sent < expected_sent);
                ++sent;
                continue;
            }
            if (line->rfind("JOIN #lobby ", 0) == 0) {
                continue;  // those who registered after this client
            }
            // MSG #lobby <id> <time> <from> m <sender> <seq>
            std::istringstream in(*line);
            std::string tag, room, id, time, from, m;
            int sender = -1;
            int seq = -1;
            in >> tag >> room >> id >> time >> from >> m >> sender >> seq;
            REQUIRE(tag == "MSG");
            REQUIRE(room == "#lobby");
            REQUIRE(from == "c" + std::to_string(sender));
            REQUIRE(sender != i);
            REQUIRE(seq == next[from]);
            next[from] = seq + 1;
            ++received;
        }
        CHECK(c.silent_for(0ms));
    }
}
