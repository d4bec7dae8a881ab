/// An RFC 6902 JSON Patch: a sequence of operations applied in order.
///
/// Build one from operations, read one with ``init(json:)`` or ``init(parsing:)``, write it with
/// ``json``, and run it with ``apply(to:)`` (or ``apply(toRecord:)`` for records that may not exist).
public struct JSONPatch: Sendable, Hashable {
    /// The operations, in the order they run.
    public var operations: [JSONPatchOperation]

    /// A patch of `operations`.
    public init(_ operations: [JSONPatchOperation] = []) {
        self.operations = operations
    }

    /// Reads a patch from its JSON form: an array of operation objects.
    ///
    /// - Throws: `HindsightError(.badInput)` naming the index of the first bad operation and what is wrong with it.
    public init(json: JSON) throws {
        guard case .array(let elements) = json else {
            throw HindsightError(.badInput, "a JSON Patch must be an array of operations, found a \(json.kindName)",
                                 hint: "write [{\"op\": \"replace\", \"path\": \"/a\", \"value\": 1}]")
        }
        var operations: [JSONPatchOperation] = []
        operations.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            operations.append(try JSONPatchOperation(json: element, index: index))
        }
        self.operations = operations
    }

    /// Parses patch text. An operation with a repeated member (two `"op"`s) is rejected, not guessed at.
    ///
    /// - Throws: `HindsightError(.badInput)` for text that is not JSON or not a valid patch.
    public init(parsing text: String) throws {
        let json: JSON
        do {
            json = try JSONParser.parse(text, options: JSONReadOptions(rejectDuplicateKeys: true))
        } catch {
            throw HindsightError(.badInput, "JSON Patch is not valid JSON: \(error.description)")
        }
        try self.init(json: json)
    }

    /// The patch as a JSON array of operation objects.
    public var json: JSON { .array(operations.map(\.json)) }
}

extension JSONPatch: RandomAccessCollection, MutableCollection, RangeReplaceableCollection {
    public init() { self.operations = [] }
    public var startIndex: Int { operations.startIndex }
    public var endIndex: Int { operations.endIndex }
    public subscript(position: Int) -> JSONPatchOperation {
        get { operations[position] }
        set { operations[position] = newValue }
    }
    public mutating func replaceSubrange<C: Collection>(_ subrange: Range<Int>, with newElements: C)
    where C.Element == JSONPatchOperation {
        operations.replaceSubrange(subrange, with: newElements)
    }
}

extension JSONPatch: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: JSONPatchOperation...) { self.operations = elements }
}

extension JSONPatch: CustomStringConvertible {
    /// Compact JSON text of the patch.
    public var description: String { JSONSerializer.compact(json) }
}
