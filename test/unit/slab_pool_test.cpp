#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include "server/memory_policy.hpp"
#include "server/slab_pool.hpp"

namespace {

using chat::slab_pool;

/// Whether the page holding `p` is mapped into this process at all.
bool is_mapped(const void* p) {
    const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    auto* start = reinterpret_cast<void*>(reinterpret_cast<std::uintptr_t>(p) & ~(page - 1));
    unsigned char resident = 0;
    return ::mincore(start, page, &resident) == 0 || errno != ENOMEM;
}

constexpr std::size_t session_sized = 400;

}  // namespace

TEST_CASE("slab_pool: blocks are distinct, aligned and as large as asked", "[slab_pool]") {
    slab_pool pool;
    std::vector<std::pair<char*, std::size_t>> blocks;
    for (std::size_t bytes = 0; bytes <= slab_pool::max_block; bytes += 7) {
        auto* p = static_cast<char*>(pool.allocate(bytes));
        REQUIRE(reinterpret_cast<std::uintptr_t>(p) % slab_pool::granule == 0);
        std::memset(p, static_cast<int>(bytes & 0xff), bytes);
        blocks.emplace_back(p, bytes);
    }
    for (const auto& [p, bytes] : blocks) {
        CHECK(std::all_of(p, p + bytes, [b = bytes](char c) {
            return static_cast<unsigned char>(c) == (b & 0xff);
        }));
    }
    std::set<char*> starts;
    for (const auto& [p, bytes] : blocks) {
        starts.insert(p);
    }
    CHECK(starts.size() == blocks.size());
    for (const auto& [p, bytes] : blocks) {
        pool.deallocate(p, bytes);
    }
}

TEST_CASE("slab_pool: when a crowd leaves, its slabs go back to the system", "[slab_pool]") {
    slab_pool pool;
    const std::size_t per_slab = (slab_pool::slab_bytes - 64) / session_sized;
    std::vector<void*> crowd;
    for (int i = 0; i < 10000; ++i) {
        crowd.push_back(pool.allocate(session_sized));
    }
    CHECK(pool.slabs_mapped() == (crowd.size() + per_slab - 1) / per_slab);

    // Leave in random order, as connections do.
    std::mt19937 shuffle_rng(7);
    std::shuffle(crowd.begin(), crowd.end(), shuffle_rng);
    const void* first = crowd.front();
    for (void* p : crowd) {
        pool.deallocate(p, session_sized);
    }
    CHECK(pool.slabs_mapped() == 1);  // the one spare kept for the next arrival

    // The next crowd reuses the spare before mapping more.
    void* again = pool.allocate(session_sized);
    CHECK(pool.slabs_mapped() == 1);
    pool.deallocate(again, session_sized);
    (void)first;
}

TEST_CASE("slab_pool: an emptied slab is really unmapped", "[slab_pool]") {
    slab_pool pool;
    std::vector<void*> blocks;
    // Three slabs' worth of 1 KiB blocks: emptying them leaves one spare and unmaps two.
    const std::size_t per_slab = (slab_pool::slab_bytes - 64) / 1024;
    for (std::size_t i = 0; i < 3 * per_slab; ++i) {
        blocks.push_back(pool.allocate(1024));
    }
    REQUIRE(pool.slabs_mapped() == 3);
    for (void* p : blocks) {
        REQUIRE(is_mapped(p));
    }
    for (void* p : blocks) {
        pool.deallocate(p, 1024);
    }
    CHECK(pool.slabs_mapped() == 1);
    const auto unmapped =
        std::count_if(blocks.begin(), blocks.end(), [](void* p) { return !is_mapped(p); });
    CHECK(static_cast<std::size_t>(unmapped) == 2 * per_slab);
}

TEST_CASE("slab_pool: sizes never share a slab, so one size's crowd leaves alone", "[slab_pool]") {
    slab_pool pool;
    std::vector<void*> small;
    std::vector<void*> large;
    for (int i = 0; i < 2000; ++i) {
        small.push_back(pool.allocate(96));
        large.push_back(pool.allocate(session_sized));
    }
    const std::size_t both = pool.slabs_mapped();
    for (void* p : large) {
        pool.deallocate(p, session_sized);
    }
    const std::size_t small_slabs = (small.size() + (slab_pool::slab_bytes - 64) / 96 - 1) /
                                    ((slab_pool::slab_bytes - 64) / 96);
    CHECK(pool.slabs_mapped() == small_slabs + 1);
    CHECK(pool.slabs_mapped() < both);
    for (void* p : small) {
        pool.deallocate(p, 96);
    }
    CHECK(pool.slabs_mapped() == 2);
}

TEST_CASE("slab_pool: freed blocks are reused before new slabs are mapped", "[slab_pool]") {
    slab_pool pool;
    std::vector<void*> blocks;
    for (int i = 0; i < 1000; ++i) {
        blocks.push_back(pool.allocate(64));
    }
    const std::size_t mapped = pool.slabs_mapped();
    for (std::size_t i = 0; i < blocks.size(); i += 2) {
        pool.deallocate(blocks[i], 64);
        blocks[i] = nullptr;
    }
    for (auto& p : blocks) {
        if (p == nullptr) {
            p = pool.allocate(64);
        }
    }
    CHECK(pool.slabs_mapped() == mapped);
    for (void* p : blocks) {
        pool.deallocate(p, 64);
    }
}

TEST_CASE("slab_pool: big or over-aligned requests go to operator new", "[slab_pool]") {
    slab_pool pool;
    void* big = pool.allocate(slab_pool::max_block + 1);
    std::memset(big, 1, slab_pool::max_block + 1);
    void* aligned = pool.allocate(64, 64);
    CHECK(reinterpret_cast<std::uintptr_t>(aligned) % 64 == 0);
    CHECK(pool.slabs_mapped() == 0);
    pool.deallocate(big, slab_pool::max_block + 1);
    pool.deallocate(aligned, 64, 64);
}

TEST_CASE("slab_pool: allocate_shared puts object and count in the pool", "[slab_pool]") {
    slab_pool pool;
    struct tracked {
        explicit tracked(int& live) : live_(live) { ++live_; }
        ~tracked() { --live_; }
        tracked(const tracked&) = delete;
        tracked& operator=(const tracked&) = delete;
        int& live_;
        std::array<char, 300> payload{};
    };
    int live = 0;
    {
        std::vector<std::shared_ptr<tracked>> objects;
        for (int i = 0; i < 500; ++i) {
            objects.push_back(std::allocate_shared<tracked>(
                std::pmr::polymorphic_allocator<tracked>(&pool), live));
        }
        CHECK(live == 500);
        CHECK(pool.slabs_mapped() >= 2);
    }
    CHECK(live == 0);
    CHECK(pool.slabs_mapped() == 1);
}

TEST_CASE("give_back_spare_capacity: a vector shrinks once a crowd has mostly gone", "[memory]") {
    std::vector<int> members(10000);
    const std::size_t grown = members.capacity();
    members.resize(5000);
    chat::give_back_spare_capacity(members);
    CHECK(members.capacity() == grown);  // half in use: kept
    members.resize(2000);
    chat::give_back_spare_capacity(members);
    CHECK(members.capacity() < grown / 4);
    CHECK(members.size() == 2000);

    std::vector<int> small(1000);
    small.clear();
    chat::give_back_spare_capacity(small);
    CHECK(small.capacity() >= 1000);  // small vectors are not worth a copy
}

TEST_CASE("slab_pool: a full slab takes blocks again once one is freed", "[slab_pool]") {
    slab_pool pool;
    const std::size_t per_slab = (slab_pool::slab_bytes - 64) / 256;
    std::vector<void*> blocks;
    for (std::size_t i = 0; i < 2 * per_slab; ++i) {  // exactly two full slabs
        blocks.push_back(pool.allocate(256));
    }
    REQUIRE(pool.slabs_mapped() == 2);
    pool.deallocate(blocks[3], 256);  // a block of the first, full slab
    blocks[3] = pool.allocate(256);
    CHECK(pool.slabs_mapped() == 2);  // reused the freed block, mapped nothing new
    for (void* p : blocks) {
        pool.deallocate(p, 256);
    }
    CHECK(pool.slabs_mapped() == 1);
}
