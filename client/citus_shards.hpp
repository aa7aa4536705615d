// On a Citus coordinator, where a failed CREATE INDEX CONCURRENTLY of a
// distributed table left each shard: Citus builds the index shard by shard,
// so a build that fails on one shard leaves it valid on some, INVALID on
// that one and not built on the rest.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "connection.hpp"

namespace pgm::client {

// For each of `indexes` (as regclass prints them) that belongs to a Citus
// table: "32 shards: 20 valid, 1 INVALID (102009 on worker2:5432), 11 not
// built".  Empty when Citus is not installed or none does; when the nodes
// cannot be asked, says so (it is asked while reporting a failure, which it
// must not replace).
std::map<std::string, std::string> invalid_index_shards(Connection& db, const std::vector<std::string>& indexes);

}  // namespace pgm::client
