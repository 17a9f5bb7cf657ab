#include <poll.h>

#include <map>
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
    test_server server({"--rate", "0", "--max-per-ip", "0"});
    std::vector<line_client> clients;
    clients.reserve(client_count);
    for (int i = 0; i < client_count; ++i) {
        clients.emplace_back(server.port());
        clients.back().register_as("c" + std::to_string(i));
    }
    // The last JOIN reaching the first client means everyone is in the room.
    REQUIRE(clients[0].read_until("JOIN c" + std::to_string(client_count - 1), 10s));

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
        std::map<std::string, int> next;  // per sender: the next sequence number wanted
        int received = 0;
        while (received < expected) {
            const auto line = c.read_until("MSG ", 10s);
            INFO("client " << i << " after " << received << " messages");
            REQUIRE(line);
            // MSG <id> <time> <from> m <sender> <seq>
            std::istringstream in(*line);
            std::string tag, id, time, from, m;
            int sender = -1;
            int seq = -1;
            in >> tag >> id >> time >> from >> m >> sender >> seq;
            REQUIRE(from == "c" + std::to_string(sender));
            REQUIRE(sender != i);
            REQUIRE(seq == next[from]);
            next[from] = seq + 1;
            ++received;
        }
        CHECK(c.silent_for(0ms));
    }
}
