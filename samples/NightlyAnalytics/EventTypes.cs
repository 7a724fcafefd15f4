namespace NightlyAnalytics;

/// <summary>Maps the handful of known event type names to one-byte codes and back.</summary>
public static class EventTypes
{
    /// <summary>The code of a null <c>event_type</c>.</summary>
    public const byte NullCode = 255;

    /// <summary>The code of an <c>event_type</c> that is not one of <see cref="Names"/>.</summary>
    public const byte UnknownCode = 254;

    private static readonly string[] KnownNames = ["page_view", "click", "search", "add_to_cart", "purchase", "login", "logout"];

    /// <summary>Gets the known event type names; a name's index is its code.</summary>
    public static IReadOnlyList<string> Names => KnownNames;

    /// <summary>Returns the code of an event type name.</summary>
    /// <param name="name">The name, or <see langword="null"/>.</param>
    /// <returns>The code: an index of <see cref="Names"/>, <see cref="NullCode"/> or <see cref="UnknownCode"/>.</returns>
    public static byte CodeOf(string? name) => name switch
    {
        null => NullCode,
        "page_view" => 0,
        "click" => 1,
        "search" => 2,
        "add_to_cart" => 3,
        "purchase" => 4,
        "login" => 5,
        "logout" => 6,
        _ => UnknownCode,
    };

    /// <summary>Returns the name of a code.</summary>
    /// <param name="code">The code.</param>
    /// <returns>The name; <see langword="null"/> for <see cref="NullCode"/>; <c>"unknown"</c> for <see cref="UnknownCode"/>.</returns>
    public static string? NameOf(byte code) => code < KnownNames.Length ? KnownNames[code] : code == NullCode ? null : "unknown";
}
