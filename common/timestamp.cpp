#include "common/timestamp.hpp"

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
        const auto y = static_cast<unsigned>(static_cast<int>(ymd.year()));
        char* p = text_.data();
        put2(p, y / 100 % 100);
        put2(p + 2, y % 100);
        p[4] = '-';
        put2(p + 5, static_cast<unsigned>(ymd.month()));
        p[7] = '-';
        put2(p + 8, static_cast<unsigned>(ymd.day()));
        p[10] = 'T';
        put2(p + 11, static_cast<unsigned>(hms.hours().count()));
        p[13] = ':';
        put2(p + 14, static_cast<unsigned>(hms.minutes().count()));
        p[16] = ':';
        put2(p + 17, static_cast<unsigned>(hms.seconds().count()));
        p[19] = '.';
        p[23] = 'Z';
    }
    const auto m = static_cast<unsigned>(ms);
    text_[20] = static_cast<char>('0' + m / 100);
    put2(text_.data() + 21, m % 100);
    return {text_.data(), 24};
}

}  // namespace chat
