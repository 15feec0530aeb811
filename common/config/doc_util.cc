// SPDX-License-Identifier: Apache-2.0
// doc_util.cc — implementation of doc_util.h.
#include "config/doc_util.h"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cstring>
#include <sstream>
#include <vector>

namespace dirbind::doc {

namespace {
std::string position(const std::string& name, const YAML::Mark& m) {
    // yaml-cpp counts from 0; editors and our messages count from 1.
    return name + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

// Optimal string alignment distance: a swapped pair of letters ("cahce") counts as one edit,
// the commonest typo in hand-written keys.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}
}  // namespace

namespace {
// Counts documents and remembers where each starts; builds nothing.
class DocumentCounter : public YAML::EventHandler {
public:
    std::vector<YAML::Mark> starts;
    void OnDocumentStart(const YAML::Mark& m) override { starts.push_back(m); }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
};
}  // namespace

YAML::Node load_yaml(const std::string& text, const std::string& name, Err code) {
    try {
        // yaml-cpp 0.7's LoadAll() loops forever, allocating, on a document that begins with ','
        // (upstream issue 1040, fixed in 0.8.0 by PR 1319): the parser reports an empty document
        // without consuming the token, again and again. So count documents with our own loop,
        // which stops at two, then build the one document with Load(), which parses only one.
        std::istringstream in(text);
        YAML::Parser parser(in);
        DocumentCounter counter;
        while (counter.starts.size() < 2 && parser.HandleNextDocument(counter)) {
        }
        if (counter.starts.empty()) return YAML::Node(YAML::NodeType::Null);
        if (counter.starts.size() > 1) {
            // A real second document starts with "---"; anything else is the bug above.
            const YAML::Mark& m = counter.starts[1];
            bool marker = m.pos >= 0 && text.compare(static_cast<std::size_t>(m.pos), 3, "---") == 0;
            throw Error(code, position(name, m) + ": YAML syntax error: " +
                                  (marker ? "more than one document" : "unexpected character"));
        }
        return YAML::Load(text);
    } catch (const YAML::Exception& e) {
        // DeepRecursion (nesting beyond yaml-cpp's guard) is a ParserException too.
        throw Error(code, position(name, e.mark) + ": YAML syntax error: " + e.msg);
    }
}

int line_of(const YAML::Node& n, int fallback) noexcept {
    try {
        int line = n.Mark().line;
        return line >= 0 ? line + 1 : fallback;
    } catch (...) {
        return fallback;
    }
}

bool is_plain(const YAML::Node& n) {
    // yaml-cpp tags plain scalars "?" and quoted ones "!"; anything else is an explicit tag.
    return n.IsScalar() && n.Tag() == "?";
}

std::string did_you_mean(std::string_view key, const char* const* known, std::size_t n) {
    std::size_t limit = std::max<std::size_t>(1, std::min<std::size_t>(2, key.size() / 3));
    std::size_t best = limit + 1;
    const char* pick = nullptr;
    for (std::size_t i = 0; i < n; ++i) {
        const char* k = known[i];
        std::size_t klen = std::strlen(k);
        // The distance is at least the difference in length: long junk keys cost nothing.
        if ((key.size() > klen ? key.size() - klen : klen - key.size()) > limit) continue;
        std::size_t d = edit_distance(key, k);
        if (d < best) best = d, pick = k;
    }
    return pick ? std::string(" (did you mean '") + pick + "'?)" : std::string();
}

}  // namespace dirbind::doc
