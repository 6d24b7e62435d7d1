// parse_flat_json; see flat_json.hpp.
#include "support/flat_json.hpp"

#include <cstdlib>

namespace sw::test {
namespace {

void put_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

class Reader {
public:
    explicit Reader(std::string_view s) : s_(s) {}

    bool string(std::string& out) {
        ws();
        if (i_ >= s_.size() || s_[i_] != '"') return false;
        ++i_;
        while (i_ < s_.size() && s_[i_] != '"') {
            char c = s_[i_++];
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i_ >= s_.size()) return false;
            char e = s_[i_++];
            switch (e) {
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case 'r': out += '\r'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'u': {
                if (i_ + 4 > s_.size()) return false;
                unsigned cp = static_cast<unsigned>(std::strtoul(std::string(s_.substr(i_, 4)).c_str(), nullptr, 16));
                i_ += 4;
                put_utf8(out, cp);
                break;
            }
            default: out += e;
            }
        }
        if (i_ >= s_.size()) return false;
        ++i_;
        return true;
    }

    bool value(std::string& out) {
        ws();
        if (i_ < s_.size() && s_[i_] == '"') return string(out);
        if (i_ < s_.size() && (s_[i_] == '{' || s_[i_] == '[')) return skip_nested();
        std::size_t b = i_;
        while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '}') ++i_;
        out.assign(s_.substr(b, i_ - b));
        while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
        if (out == "null") out.clear();
        return true;
    }

    bool expect(char c) {
        ws();
        if (i_ < s_.size() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }

private:
    void ws() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r' || s_[i_] == '\n')) ++i_;
    }
    bool skip_nested() {
        int depth = 0;
        bool in_str = false;
        for (; i_ < s_.size(); ++i_) {
            char c = s_[i_];
            if (in_str) {
                if (c == '\\') ++i_;
                else if (c == '"') in_str = false;
            } else if (c == '"') {
                in_str = true;
            } else if (c == '{' || c == '[') {
                ++depth;
            } else if ((c == '}' || c == ']') && --depth == 0) {
                ++i_;
                return true;
            }
        }
        return false;
    }

    std::string_view s_;
    std::size_t i_ = 0;
};

}  // namespace

std::map<std::string, std::string> parse_flat_json(std::string_view line) {
    std::map<std::string, std::string> out;
    Reader r(line);
    if (!r.expect('{')) return out;
    if (r.expect('}')) return out;
    for (;;) {
        std::string key, value;
        if (!r.string(key) || !r.expect(':') || !r.value(value)) return {};
        out[key] = value;
        if (r.expect(',')) continue;
        if (r.expect('}')) return out;
        return {};
    }
}

}  // namespace sw::test
