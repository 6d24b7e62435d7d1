// bench/unique_fd.hpp — a move-only owner of a file descriptor, shared by the
// benchmark programs (they are standalone and do not link libsendwarden).
#pragma once

#include <unistd.h>

class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
    Fd& operator=(Fd&& o) noexcept {
        if (this != &o) { reset(); fd_ = o.fd_; o.fd_ = -1; }
        return *this;
    }
    ~Fd() { reset(); }
    void reset() { if (fd_ >= 0) ::close(fd_); fd_ = -1; }
    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
private:
    int fd_ = -1;
};
