#include "risk_policy.hpp"

#include <algorithm>
#include <stdexcept>

#include "directives.hpp"

namespace pgm::core {
namespace {

bool is_refusable(std::string_view risk) {
    return std::any_of(std::begin(kRefusableRisks), std::end(kRefusableRisks),
                       [&](const char* r) { return risk == r; });
}

constexpr std::string_view kDirective = "migrate:allow";

}  // namespace

std::set<std::string> parse_risk_list(std::string_view list) {
    std::set<std::string> risks;
    while (!list.empty()) {
        const auto comma = list.find(',');
        const std::string_view item = trim_space(list.substr(0, comma));
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        if (item.empty()) continue;
        if (!is_refusable(item))
            throw std::invalid_argument("unknown risk \"" + std::string(item) +
                                        "\" (known: locking, breaking, data_loss)");
        risks.insert(std::string(item));
    }
    return risks;
}

std::set<std::string> allowed_by_directives(std::string_view script,
                                            const std::vector<std::pair<int, int>>& statements) {
    std::set<std::string> allowed;
    for (const auto& list : directive_arguments(script, statements, kDirective)) {
        std::set<std::string> risks = parse_risk_list(list);
        allowed.insert(risks.begin(), risks.end());
    }
    return allowed;
}

}  // namespace pgm::core
