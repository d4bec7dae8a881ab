/// Something the app loop reacts to.
public enum InputEvent: Hashable, Sendable {
    case key(Key)
    case mouse(MouseEvent)
    /// The terminal now has this size; redraw with a buffer of this size.
    case resize(Size)
    /// Time passed without input (the app loop makes these when ``Terminal/nextEvent(timeout:)``
    /// returns nil, e.g. to advance playback).
    case tick
}
