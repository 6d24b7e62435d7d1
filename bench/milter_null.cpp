// milter_null.cpp — the milter protocol floor of the milter benchmark (bench/milter-null).
//
// Owns the cheapest milter that talks to Postfix the way sendwarden-milter
// does: the same libmilter, the same callbacks registered, the same protocol
// negotiation (no replies for HELO, header, end of header and body chunks; no
// RCPT, DATA or unknown events), and nothing done in any callback. Whatever
// CPU it uses per message is the cost of the milter protocol itself
// (libmilter's threads, polling, reads and writes), which every libmilter
// signer pays on top of its signing work; bench/dkim-floor measures that
// work without the protocol.
//
//   milter-null unix:/path | inet:PORT@127.0.0.1
// Stops on SIGTERM/SIGINT (libmilter's own signal handling).
#include <libmilter/mfapi.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstring>

namespace {

extern "C" {
sfsistat null_connect(SMFICTX*, char*, _SOCK_ADDR*) { return SMFIS_CONTINUE; }
sfsistat null_helo(SMFICTX*, char*) { return SMFIS_NOREPLY; }
sfsistat null_envfrom(SMFICTX*, char**) { return SMFIS_CONTINUE; }
sfsistat null_header(SMFICTX*, char*, char*) { return SMFIS_NOREPLY; }
sfsistat null_eoh(SMFICTX*) { return SMFIS_NOREPLY; }
sfsistat null_body(SMFICTX*, unsigned char*, size_t) { return SMFIS_NOREPLY; }
sfsistat null_eom(SMFICTX*) { return SMFIS_CONTINUE; }
sfsistat null_abort(SMFICTX*) { return SMFIS_CONTINUE; }
sfsistat null_close(SMFICTX*) { return SMFIS_CONTINUE; }
sfsistat null_negotiate(SMFICTX*, unsigned long f0, unsigned long f1, unsigned long, unsigned long, unsigned long* pf0,
                        unsigned long* pf1, unsigned long* pf2, unsigned long* pf3) {
    *pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS);
    *pf1 = SMFIP_NR_HELO | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY |
           (f1 & (SMFIP_NORCPT | SMFIP_NODATA | SMFIP_NOUNKNOWN));
    *pf2 = 0;
    *pf3 = 0;
    return SMFIS_CONTINUE;
}
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: milter-null unix:/path | inet:PORT@127.0.0.1\n");
        return 2;
    }
    smfiDesc d{};
    d.xxfi_name = const_cast<char*>("milter-null");
    d.xxfi_version = SMFI_VERSION;
    d.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS;
    d.xxfi_connect = null_connect;
    d.xxfi_helo = null_helo;
    d.xxfi_envfrom = null_envfrom;
    d.xxfi_header = null_header;
    d.xxfi_eoh = null_eoh;
    d.xxfi_body = null_body;
    d.xxfi_eom = null_eom;
    d.xxfi_abort = null_abort;
    d.xxfi_close = null_close;
    d.xxfi_negotiate = null_negotiate;
    if (smfi_setconn(argv[1]) != MI_SUCCESS || smfi_register(d) != MI_SUCCESS) {
        std::fprintf(stderr, "milter-null: cannot set up %s\n", argv[1]);
        return 1;
    }
    smfi_setbacklog(256);
    if (smfi_opensocket(true) != MI_SUCCESS) {
        std::fprintf(stderr, "milter-null: cannot open %s\n", argv[1]);
        return 1;
    }
    if (std::strncmp(argv[1], "unix:", 5) == 0) chmod(argv[1] + 5, 0666);
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
