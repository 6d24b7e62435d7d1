// read_xml: the one way sendwarden reads a report's XML with libxml2. A
// document with a DOCTYPE is refused (so no entity can be declared, expanded
// or fetched: billion laughs, XXE), the network is never used, and the
// broken files real reporters send are repaired in a fixed order: strict
// UTF-8, then Windows-1252, then libxml2's recovery mode.
// Knows nothing of DMARC; report_xml.cpp reads the tree.
#pragma once

#include <libxml/tree.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/util/result.hpp"

namespace sw::dmarc {

struct XmlDocFree {
    void operator()(xmlDoc* d) const noexcept { xmlFreeDoc(d); }
};
using XmlDocPtr = std::unique_ptr<xmlDoc, XmlDocFree>;

struct XmlRead {
    XmlDocPtr doc;       // never null in a successful result; has a root element
    std::string repair;  // "" when read strictly; else what was done, one line
};

// Errors are one line: "XML error at line 12: ...", "DOCTYPE refused (...)".
Result<XmlRead> read_xml(std::string_view xml);

}  // namespace sw::dmarc
