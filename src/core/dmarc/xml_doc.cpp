// read_xml; see xml_doc.hpp. libxml2's own entity handling is never
// trusted alone: the bytes are searched for a DOCTYPE first, the SAX
// internalSubset/externalSubset callbacks stop the parser (covers
// encodings the byte search cannot see, such as UTF-16), and the tree is
// checked for a DTD afterwards. XML_PARSE_NOENT and XML_PARSE_DTDLOAD are
// never set.
#include "core/dmarc/xml_doc.hpp"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <climits>
#include <mutex>

#include "core/util/strings.hpp"

namespace sw::dmarc {
namespace {

constexpr const char* doctype_refused = "DOCTYPE refused (entity declarations are not allowed in a report)";

// No network, no error printing (errors are collected below), CDATA as
// plain text. Not XML_PARSE_HUGE: libxml2's default depth and text limits stay.
constexpr int base_options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;

struct CtxtFree {
    void operator()(xmlParserCtxt* c) const noexcept { xmlFreeParserCtxt(c); }
};

// What one parse attempt saw; reached from the callbacks through ctxt->_private.
struct Attempt {
    bool doctype = false;
    int errors = 0;
    int first_code = 0;
    std::string first;  // "line N: message"
};

Attempt& attempt_of(void* ctx) {
    // libxml2 passes ctxt->userData, which is the context itself.
    return *static_cast<Attempt*>(static_cast<xmlParserCtxt*>(ctx)->_private);
}

void on_error(void* ctx, xmlErrorPtr e) {
    Attempt& a = attempt_of(ctx);
    if (a.errors++ > 0 || !e) return;
    std::string_view msg = e->message ? e->message : "unknown error";
    msg = trim(msg.substr(0, msg.find('\n')));
    a.first_code = e->code;
    a.first = "line " + std::to_string(e->line) + ": " + printable(msg, 200);
}

void on_subset(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
    attempt_of(ctx).doctype = true;
    xmlStopParser(static_cast<xmlParserCtxt*>(ctx));
}

// "<!DOCTYPE" or "<!ENTITY" anywhere, in any case (libxml2's recovery mode
// is lenient about what it accepts as markup).
bool has_declaration(std::string_view xml) {
    for (std::size_t p = xml.find("<!"); p != std::string_view::npos; p = xml.find("<!", p + 2)) {
        std::string_view rest = xml.substr(p + 2);
        if (iequals(rest.substr(0, 7), "doctype") || iequals(rest.substr(0, 6), "entity")) return true;
    }
    return false;
}

XmlDocPtr parse(std::string_view xml, const char* encoding, int options, Attempt& a) {
    std::unique_ptr<xmlParserCtxt, CtxtFree> ctxt(xmlNewParserCtxt());
    if (!ctxt) {
        a.first = "out of memory";
        return nullptr;
    }
    ctxt->_private = &a;
    ctxt->sax->serror = on_error;
    ctxt->sax->internalSubset = on_subset;
    ctxt->sax->externalSubset = on_subset;
    XmlDocPtr doc(xmlCtxtReadMemory(ctxt.get(), xml.data(), static_cast<int>(xml.size()), nullptr, encoding,
                                    base_options | options));
    if (a.doctype || (doc && (doc->intSubset || doc->extSubset))) {
        a.doctype = true;
        return nullptr;
    }
    bool recovering = (options & XML_PARSE_RECOVER) != 0;
    if (!doc || (!recovering && !ctxt->wellFormed) || !xmlDocGetRootElement(doc.get())) return nullptr;
    return doc;
}

// libxml2 reports some errors without a parser context (iconv failures of
// the Windows-1252 retry, I/O errors) to its per-thread generic handler,
// which prints to stderr. The parse's own errors come through on_error;
// these are silenced while read_xml runs, and the thread's handler restored.
void ignore_error(void*, const char*, ...) {}

class QuietGenericErrors {
public:
    QuietGenericErrors() : old_(xmlGenericError), old_ctx_(xmlGenericErrorContext) {
        xmlSetGenericErrorFunc(nullptr, ignore_error);
    }
    ~QuietGenericErrors() { xmlSetGenericErrorFunc(old_ctx_, old_); }
    QuietGenericErrors(const QuietGenericErrors&) = delete;
    QuietGenericErrors& operator=(const QuietGenericErrors&) = delete;

private:
    xmlGenericErrorFunc old_;
    void* old_ctx_;
};

void init_once() {
    static std::once_flag once;
    std::call_once(once, [] { xmlInitParser(); });
}

}  // namespace

Result<XmlRead> read_xml(std::string_view xml) {
    init_once();
    QuietGenericErrors quiet;
    if (has_declaration(xml)) return fail(doctype_refused);
    if (xml.size() > INT_MAX) return fail("XML too large for the parser");

    Attempt strict;
    if (XmlDocPtr doc = parse(xml, nullptr, 0, strict)) return XmlRead{std::move(doc), ""};
    if (strict.doctype) return fail(doctype_refused);

    // A Windows text byte (0x91 quote) in a document declared UTF-8 is the
    // commonest breakage; read as Windows-1252 the text stays right.
    if (strict.first_code == XML_ERR_INVALID_CHAR || strict.first_code == XML_ERR_INVALID_ENCODING) {
        Attempt cp;
        if (XmlDocPtr doc = parse(xml, "windows-1252", 0, cp))
            return XmlRead{std::move(doc), "read as Windows-1252, not UTF-8 (" + strict.first + ")"};
        if (cp.doctype) return fail(doctype_refused);
    }

    Attempt rec;
    if (XmlDocPtr doc = parse(xml, nullptr, XML_PARSE_RECOVER, rec))
        return XmlRead{std::move(doc), "malformed XML repaired (" + strict.first + ")"};
    if (rec.doctype) return fail(doctype_refused);
    return fail("XML error at " + (strict.first.empty() ? std::string("line 1: no document") : strict.first));
}

}  // namespace sw::dmarc
