/// One row of the help overlay: the keys as written for people, what they do, and the section they belong to.
public struct HelpEntry: Sendable, Hashable {
    /// The keys, e.g. `"j/↓"` (see ``Key/describe(_:separator:)``).
    public var keys: String
    public var description: String
    /// The heading the entry is listed under, e.g. `"Timeline"`; sections keep the order of their first entry.
    public var section: String

    public init(keys: String, description: String, section: String) {
        self.keys = keys
        self.description = description
        self.section = section
    }
}
