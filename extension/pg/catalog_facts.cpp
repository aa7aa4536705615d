// PG zone: see catalog_facts.hpp.
#include "catalog_facts.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_attribute.h"
#include "access/genam.h"
#include "access/table.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "parser/parse_coerce.h"
#include "parser/parse_type.h"
#include "utils/array.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
}

namespace pgm::pg {
namespace {

// 1 MB: rewriting or scanning it takes milliseconds.
constexpr double kSmallTablePages = 128;

void add_class_size(Oid relid, RelationFacts* facts) {
    HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
    if (!HeapTupleIsValid(tuple)) return;
    Form_pg_class form = (Form_pg_class)GETSTRUCT(tuple);
    if (form->relkind != RELKIND_PARTITIONED_TABLE) {
        // reltuples = -1: never vacuumed or analyzed, size unknown.
        if (form->reltuples < 0) facts->size_known = false;
        else facts->rows += form->reltuples;
        facts->pages += form->relpages;
    }
    ReleaseSysCache(tuple);
}

}  // namespace

char* with_thousands(double value) {
    char digits[64];
    snprintf(digits, sizeof(digits), "%.0f", value);
    int length = static_cast<int>(strlen(digits));
    char* out = static_cast<char*>(palloc(length + length / 3 + 1));
    int o = 0;
    for (int i = 0; i < length; i++) {
        if (i > 0 && (length - i) % 3 == 0) out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    return out;
}

Oid lookup_relation(const RangeVar* relation) {
    if (relation->catalogname != nullptr && strcmp(relation->catalogname, get_database_name(MyDatabaseId)) != 0)
        return InvalidOid;
    return RangeVarGetRelid(relation, NoLock, true);
}

RelationFacts relation_facts(const RangeVar* relation) {
    RelationFacts facts{};
    facts.relid = lookup_relation(relation);
    if (!OidIsValid(facts.relid)) return facts;
    facts.exists = true;
    facts.relkind = get_rel_relkind(facts.relid);
    facts.size_known = true;
    if (facts.relkind == RELKIND_PARTITIONED_TABLE) {
        ListCell* lc;
        foreach (lc, find_all_inheritors(facts.relid, NoLock, nullptr))
            add_class_size(lfirst_oid(lc), &facts);
    } else {
        add_class_size(facts.relid, &facts);
    }
    return facts;
}

RangeVar* table_of_index(const RangeVar* index) {
    const Oid index_oid = lookup_relation(index);
    if (!OidIsValid(index_oid)) return nullptr;
    const char relkind = get_rel_relkind(index_oid);
    if (relkind != RELKIND_INDEX && relkind != RELKIND_PARTITIONED_INDEX) return nullptr;
    const Oid table = IndexGetRelation(index_oid, true);
    if (!OidIsValid(table)) return nullptr;
    return makeRangeVar(get_namespace_name(get_rel_namespace(table)), get_rel_name(table), -1);
}

bool relation_is_small(const RelationFacts& facts) {
    return facts.exists && facts.size_known && facts.pages <= kSmallTablePages;
}

const char* describe_size(const RelationFacts& facts) {
    if (!facts.exists) return "not in this database: assumed to exist and to be large";
    if (!facts.size_known) return "never analyzed: size unknown, assumed large";
    if (facts.rows < 0.5) return "no rows by its statistics";
    return psprintf("about %s rows", with_thousands(facts.rows));
}

ColumnType column_type(Oid relid, const char* column) {
    ColumnType result{};
    if (!OidIsValid(relid) || column == nullptr) return result;
    AttrNumber attnum = get_attnum(relid, column);
    if (attnum == InvalidAttrNumber) return result;
    Oid collation;
    get_atttypetypmodcoll(relid, attnum, &result.type, &result.typmod, &collation);
    result.found = true;
    return result;
}

char column_generated(Oid relid, const char* column) {
    if (!OidIsValid(relid) || column == nullptr) return '\0';
    HeapTuple tuple = SearchSysCacheAttName(relid, column);  // NULL for a dropped column
    if (!HeapTupleIsValid(tuple)) return '\0';
    const char generated = ((Form_pg_attribute)GETSTRUCT(tuple))->attgenerated;
    ReleaseSysCache(tuple);
    return generated;
}

namespace {

// Whether the constraint's conkey holds `attnum`.
bool constraint_uses_column(HeapTuple tuple, Relation pg_constraint, AttrNumber attnum) {
    bool isnull;
    Datum keys = heap_getattr(tuple, Anum_pg_constraint_conkey, RelationGetDescr(pg_constraint), &isnull);
    if (isnull) return false;
    ArrayType* array = DatumGetArrayTypeP(keys);
    const int16* attnums = reinterpret_cast<const int16*>(ARR_DATA_PTR(array));
    for (int i = 0; i < ARR_DIMS(array)[0]; i++)
        if (attnums[i] == attnum) return true;
    return false;
}

}  // namespace

bool column_has_check(Oid relid, const char* column) {
    if (!OidIsValid(relid) || column == nullptr) return false;
    const AttrNumber attnum = get_attnum(relid, column);
    if (attnum == InvalidAttrNumber) return false;
    Relation pg_constraint = table_open(ConstraintRelationId, AccessShareLock);
    ScanKeyData key;
    ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
    SysScanDesc scan = systable_beginscan(pg_constraint, ConstraintRelidTypidNameIndexId, true, nullptr, 1, &key);
    bool found = false;
    HeapTuple tuple;
    while (!found && HeapTupleIsValid(tuple = systable_getnext(scan))) {
        const Form_pg_constraint form = (Form_pg_constraint)GETSTRUCT(tuple);
        found = form->contype == CONSTRAINT_CHECK && constraint_uses_column(tuple, pg_constraint, attnum);
    }
    systable_endscan(scan);
    table_close(pg_constraint, AccessShareLock);
    return found;
}

int extension_member_tables(const char* name) {
    const Oid extension = get_extension_oid(name, true);
    if (!OidIsValid(extension)) return 0;
    Relation pg_depend = table_open(DependRelationId, AccessShareLock);
    ScanKeyData keys[2];
    ScanKeyInit(&keys[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
                ObjectIdGetDatum(ExtensionRelationId));
    ScanKeyInit(&keys[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(extension));
    SysScanDesc scan = systable_beginscan(pg_depend, DependReferenceIndexId, true, nullptr, 2, keys);
    int tables = 0;
    HeapTuple tuple;
    while (HeapTupleIsValid(tuple = systable_getnext(scan))) {
        const Form_pg_depend form = (Form_pg_depend)GETSTRUCT(tuple);
        if (form->classid == RelationRelationId && form->deptype == DEPENDENCY_EXTENSION &&
            get_rel_relkind(form->objid) == RELKIND_RELATION)
            ++tables;
    }
    systable_endscan(scan);
    table_close(pg_depend, AccessShareLock);
    return tables;
}

char constraint_type(Oid relid, const char* name) {
    if (!OidIsValid(relid) || name == nullptr) return '\0';
    const Oid constraint = get_relation_constraint_oid(relid, name, true);
    if (!OidIsValid(constraint)) return '\0';
    HeapTuple tuple = SearchSysCache1(CONSTROID, ObjectIdGetDatum(constraint));
    if (!HeapTupleIsValid(tuple)) return '\0';
    const char type = ((Form_pg_constraint)GETSTRUCT(tuple))->contype;
    ReleaseSysCache(tuple);
    return type;
}

ColumnType resolve_type(const TypeName* type_name) {
    ColumnType result{};
    if (type_name == nullptr || is_serial_type(type_name)) return result;
    int32 typmod = -1;
    Type type = LookupTypeName(nullptr, type_name, &typmod, true);
    if (type == nullptr) return result;
    result.found = true;
    result.type = typeTypeId(type);
    result.typmod = typmod;
    ReleaseSysCache(type);
    return result;
}

namespace {

// Types whose typmod is a length or precision that PostgreSQL can widen in
// place (their length coercions have a planner support function).
bool widening_is_free(Oid type, int32 from, int32 to) {
    switch (type) {
        case VARCHAROID:
        case VARBITOID:
        case TIMESTAMPOID:
        case TIMESTAMPTZOID:
        case TIMEOID:
        case TIMETZOID:
            return to == -1 || (from != -1 && to >= from);
        case NUMERICOID:
            if (to == -1) return true;
            if (from == -1) return false;
            // typmod = ((precision << 16) | scale) + VARHDRSZ: same scale,
            // no smaller precision.
            return ((from - VARHDRSZ) & 0xffff) == ((to - VARHDRSZ) & 0xffff) &&
                   ((to - VARHDRSZ) >> 16) >= ((from - VARHDRSZ) >> 16);
        default:
            return false;
    }
}

}  // namespace

TypeChange type_change(ColumnType from, ColumnType to) {
    if (!from.found || !to.found) return TypeChange::kRewrite;
    if (from.type == to.type) {
        if (from.typmod == to.typmod) return TypeChange::kSame;
        return widening_is_free(from.type, from.typmod, to.typmod) ? TypeChange::kNoRewrite
                                                                   : TypeChange::kRewrite;
    }
    // varchar(n) -> text, text -> varchar, cidr -> inet: a catalog update,
    // unless a length or precision has to be checked on the way.
    if (IsBinaryCoercible(from.type, to.type) && to.typmod == -1) return TypeChange::kNoRewrite;
    return TypeChange::kRewrite;
}

bool conversion_may_lose(ColumnType from, ColumnType to) {
    if (!from.found || !to.found) return true;
    if (type_change(from, to) != TypeChange::kRewrite) return false;
    if (to.typmod == -1 && (to.type == TEXTOID || to.type == VARCHAROID)) return false;
    // A length limit on character strings is checked, not cut, by the
    // assignment cast ALTER TABLE uses: too long a value makes it fail.
    const bool from_string = from.type == TEXTOID || from.type == VARCHAROID || from.type == BPCHAROID;
    if (from_string && (to.type == VARCHAROID || to.type == TEXTOID)) return false;
    const bool unconstrained_numeric = to.type == NUMERICOID && to.typmod == -1;
    switch (from.type) {
        case INT2OID:
            return !(to.type == INT4OID || to.type == INT8OID || unconstrained_numeric);
        case INT4OID:
            return !(to.type == INT8OID || unconstrained_numeric);
        case INT8OID:
            return !unconstrained_numeric;
        case FLOAT4OID:
            return to.type != FLOAT8OID;
        case BPCHAROID:
        case VARCHAROID:
            return !(to.type == TEXTOID && to.typmod == -1);
        default:
            return true;
    }
}

namespace {

// A function name the search_path resolves to candidates that are all
// non-volatile.  Unknown names (created later in the script, or in another
// database) count as volatile.
bool call_is_volatile(FuncCall* call) {
    FuncCandidateList candidates = FuncnameGetCandidates(call->funcname, list_length(call->args),
                                                         NIL, true, true, false, true);
    if (candidates == nullptr) return true;
    for (FuncCandidateList c = candidates; c != nullptr; c = c->next)
        if (func_volatile(c->oid) == PROVOLATILE_VOLATILE) return true;
    return false;
}

bool volatile_walker(Node* node, void* context) {
    if (node == nullptr) return false;
    if (IsA(node, FuncCall) && call_is_volatile(castNode(FuncCall, node))) return true;
    if (IsA(node, SubLink)) return true;  // a subquery: whatever it reads may change per row
    // PostgreSQL's walkers take an unprototyped function; going through
    // void (*)() says the cast is meant.
    return raw_expression_tree_walker(node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(volatile_walker)),
                                      context);
}

}  // namespace

bool expression_is_volatile(Node* raw_expression) {
    return volatile_walker(raw_expression, nullptr);
}

const char* type_base_name(const TypeName* type_name) {
    if (type_name == nullptr || type_name->names == NIL) return "";
    return strVal(llast(type_name->names));
}

bool is_serial_type(const TypeName* type_name) {
    if (type_name == nullptr || list_length(type_name->names) != 1) return false;
    const char* name = type_base_name(type_name);
    return strcmp(name, "serial") == 0 || strcmp(name, "serial4") == 0 ||
           strcmp(name, "bigserial") == 0 || strcmp(name, "serial8") == 0 ||
           strcmp(name, "smallserial") == 0 || strcmp(name, "serial2") == 0;
}

}  // namespace pgm::pg
