/// RFC 7396 JSON Merge Patch: applying a patch to a value, and computing a patch between two values.
///
/// A merge patch is a JSON value that looks like the result: an object patch merges member by
/// member (a `null` member deletes), any other patch replaces the target outright.
public enum MergePatch {
    /// Applies `patch` to `target` exactly as RFC 7396 section 2 specifies.
    ///
    /// `target` nil means "absent" (a record that does not exist yet): an object patch then
    /// merges into an empty object, so its `null` members are dropped.
    ///
    /// - Complexity: O(size of `patch` + size of the target objects the patch descends into).
    public static func apply(_ patch: JSON, to target: JSON?) -> JSON {
        guard case .object(let members) = patch else { return patch }
        var result: JSONObject
        if case .object(let object)? = target {
            result = object
        } else {
            result = [:]
        }
        for (name, value) in members {
            if value.isNull {
                result.removeValue(forKey: name)
            } else {
                // Updating in place keeps the member's position in the ordered object.
                result[name] = apply(value, to: result[name])
            }
        }
        return .object(result)
    }

    /// A merge patch that turns `source` into `target` when applied: `apply(diff(a, b), a) == b`.
    ///
    /// That holds whenever `target` is expressible as a merge result, that is, no object inside
    /// `target` has a `null` member (RFC 7396 section 5: a `null` member means "delete"). A `null`
    /// at the root or inside an array is fine. Unchanged members are left out of the patch, and
    /// `source` nil (absent) is treated like a non-object.
    ///
    /// - Complexity: O(size of `source` + size of `target`).
    public static func diff(from source: JSON?, to target: JSON) -> JSON {
        guard case .object(let new) = target, case .object(let old)? = source else {
            // Any non-object patch replaces; an object patch merges into `{}` when the source is no object.
            return target
        }
        var patch = JSONObject()
        for (name, _) in old where new[name] == nil {
            patch[name] = .null
        }
        for (name, value) in new {
            let before = old[name]
            if before == value { continue }
            patch[name] = diff(from: before, to: value)
        }
        return .object(patch)
    }
}
