#include "common/timestamp.hpp"

#include <cstdio>

namespace chat {

namespace {

void put2(char* p, unsigned v) {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
}

}  // namespace

std::string_view timestamp_formatter::format(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    const auto ms_total = duration_cast<milliseconds>(t.time_since_epoch()).count();
    auto second = ms_total / 1000;
    auto ms = ms_total % 1000;
    if (ms < 0) {
        ms += 1000;
        --second;
    }
    if (second != cached_second_) {
        cached_second_ = second;
        const sys_seconds s{seconds{second}};
        const auto day = floor<days>(s);
        const year_month_day ymd{day};
        const hh_mm_ss hms{s - day};
        std::snprintf(text_.data(), text_.size(), "%04d-%02u-%02uT%02d:%02d:%02d.000Z",
                      static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                      static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                      static_cast<int>(hms.minutes().count()),
                      static_cast<int>(hms.seconds().count()));
    }
    const auto m = static_cast<unsigned>(ms);
    text_[20] = static_cast<char>('0' + m / 100);
    put2(text_.data() + 21, m % 100);
    return {text_.data(), 24};
}

}  // namespace chat
