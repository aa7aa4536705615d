// PG zone: see grammar_tokens.hpp.
#include "grammar_tokens.hpp"

extern "C" {
#include "common/keywords.h"
#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "parser/scanner.h"
}

namespace pgm::pg {
namespace {

// One token of each kind that is not a keyword, in this order.
struct ProbeToken {
    const char* text;
    TokenKind kind;
    const char* fixed_text;
};

constexpr ProbeToken kProbe[] = {
    {"x", TokenKind::Identifier, nullptr},
    {"U&\"x\"", TokenKind::Identifier, nullptr},
    {"'s'", TokenKind::String, nullptr},
    {"U&'s'", TokenKind::String, nullptr},
    {"b'1'", TokenKind::String, nullptr},
    {"x'1f'", TokenKind::String, nullptr},
    {"1.5", TokenKind::Float, nullptr},
    {"1", TokenKind::Integer, nullptr},
    {"$1", TokenKind::Param, nullptr},
    {"||", TokenKind::Operator, nullptr},
    {"::", TokenKind::FixedOperator, "::"},
    {"..", TokenKind::FixedOperator, ".."},
    {":=", TokenKind::FixedOperator, ":="},
    {"=>", TokenKind::FixedOperator, "=>"},
    {"<=", TokenKind::FixedOperator, "<="},
    {">=", TokenKind::FixedOperator, ">="},
    {"<>", TokenKind::FixedOperator, "<>"},
};
constexpr int kProbeTokens = sizeof(kProbe) / sizeof(kProbe[0]);

GrammarTokens tokens;
bool tokens_found = false;

void check_token(int token, const char* what) {
    if (token < 256 || token >= GrammarTokens::kTableSize)
        elog(ERROR, "pg_migrate: the lexer returned token %d for %s", token, what);
}

int keyword_token(const char* keyword) {
    const int index = ScanKeywordLookup(keyword, &ScanKeywords);
    if (index < 0) elog(ERROR, "pg_migrate: \"%s\" is not a keyword of this server", keyword);
    check_token(ScanKeywordTokens[index], keyword);
    return ScanKeywordTokens[index];
}

void lex_probe() {
    StringInfoData probe;
    initStringInfo(&probe);
    for (const ProbeToken& t : kProbe) appendStringInfo(&probe, "%s ", t.text);

    core_yy_extra_type extra;
    core_YYSTYPE value;
    YYLTYPE location = 0;
    core_yyscan_t scanner = scanner_init(probe.data, &extra, &ScanKeywords, ScanKeywordTokens);
    // U&'...' lexes only with standard strings, whatever the session says.
    extra.standard_conforming_strings = true;
    int n = 0;
    for (int token; (token = core_yylex(&value, &location, scanner)) != 0; n++) {
        if (n >= kProbeTokens) break;
        check_token(token, kProbe[n].text);
        tokens.kinds[token] = kProbe[n].kind;
        tokens.fixed_text[token] = kProbe[n].fixed_text;
    }
    scanner_finish(scanner);
    pfree(probe.data);
    if (n != kProbeTokens) elog(ERROR, "pg_migrate: the lexer read %d tokens of its probe, not %d", n, kProbeTokens);
}

}  // namespace

const GrammarTokens& grammar_tokens() {
    if (tokens_found) return tokens;
    tokens = GrammarTokens{};
    lex_probe();
    tokens.copy = keyword_token("copy");
    tokens.begin = keyword_token("begin");
    tokens.atomic = keyword_token("atomic");
    tokens.case_ = keyword_token("case");
    tokens.end = keyword_token("end");
    tokens_found = true;
    return tokens;
}

}  // namespace pgm::pg
