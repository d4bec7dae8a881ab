/// Whether styles are drawn with colours or mapped to ``Style/monochrome``.
public enum ColorMode: Sendable, Hashable {
    case color
    case monochrome

    /// The mode the environment asks for: ``monochrome`` when `NO_COLOR` is set to a non-empty value
    /// (see https://no-color.org), else ``color``. The terminal may still downgrade to monochrome
    /// when it has no colours.
    public static func fromEnvironment(_ environment: [String: String]) -> ColorMode {
        if let value = environment["NO_COLOR"], !value.isEmpty { return .monochrome }
        return .color
    }

    /// `style` as drawn in this mode.
    public func apply(_ style: Style) -> Style {
        switch self {
        case .color: return style
        case .monochrome: return style.monochrome
        }
    }
}
