import GRDB

#if canImport(GRDBSQLite)
    import GRDBSQLite
#elseif canImport(SQLite3)
    import SQLite3
#endif

/// A statement GRDB prepared (and caches), bound and stepped through the SQLite C API: the store's
/// writer runs three per alert, and binding through `StatementArguments` (an array of existentials
/// per row) took as long as SQLite's own work.
///
/// Used inside a GRDB write transaction only, on its connection.
struct RawStatement {
    private let statement: SQLiteStatement
    private let connection: SQLiteConnection?
    private var index: Int32 = 0

    init(_ statement: Statement, db: Database) {
        self.statement = statement.sqliteStatement
        connection = db.sqliteConnection
    }

    /// SQLite copies the bytes while binding, so a Swift string's storage can be handed over as it is.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    mutating func bind(_ text: String) {
        index += 1
        var text = text
        text.withUTF8 { utf8 in
            if let base = utf8.baseAddress {
                _ = sqlite3_bind_text(statement, index, base, Int32(utf8.count), Self.transient)
            } else {
                _ = sqlite3_bind_text(statement, index, "", 0, Self.transient)
            }
        }
    }

    mutating func bind(_ text: String?) {
        if let text {
            bind(text)
        } else {
            index += 1
            _ = sqlite3_bind_null(statement, index)
        }
    }

    mutating func bind(_ value: Int64) {
        index += 1
        _ = sqlite3_bind_int64(statement, index, value)
    }

    mutating func bind(_ value: Int) { bind(Int64(value)) }

    /// Runs the statement; returns the first column of its first row as text (a `RETURNING` clause),
    /// nil when it returns none. Resets it for the next binding.
    @discardableResult
    mutating func run() throws -> String? {
        defer {
            sqlite3_reset(statement)
            index = 0
        }
        var code = sqlite3_step(statement)
        var first: String?
        if code == SQLITE_ROW {
            if let text = sqlite3_column_text(statement, 0) { first = String(cString: text) }
            while code == SQLITE_ROW { code = sqlite3_step(statement) }
        }
        guard code == SQLITE_DONE else {
            let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "SQLite error \(code)"
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: String(cString: sqlite3_sql(statement)))
        }
        return first
    }
}
