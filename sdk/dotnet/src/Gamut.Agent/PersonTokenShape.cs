using System.Text.RegularExpressions;

namespace Gamut.Agent;

/// <summary>
/// The shape of a person's identity token (<see cref="AgentSignature.PersonHeader"/>), checked before anything is signed or
/// sent: a compact JWS, three base64url parts joined by dots (the only form the gateway accepts), of at most
/// <see cref="MaxLength"/> characters. Anything else (a CR or LF that would write header lines of its own, a space, a
/// trailing newline) is refused as configuration, without repeating the value.
/// </summary>
internal static partial class PersonTokenShape
{
    /// <summary>The longest token sent (the gateway's own limit, <c>MaxTokenLength</c> of its person options, is 16384 by default).</summary>
    public const int MaxLength = 65_536;

    /// <summary><paramref name="token"/> when it is a compact JWS of at most <see cref="MaxLength"/> characters, else <see cref="GamutConfigurationException"/>.</summary>
    public static string Check(string? token) =>
        token is { Length: <= MaxLength } && CompactJws().IsMatch(token)
            ? token
            : throw new GamutConfigurationException(
                $"A person's identity token must be a compact JWS (three base64url parts) of at most {MaxLength} characters; the one given is not (it is not repeated here). Nothing was sent.");

    [GeneratedRegex(@"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex CompactJws();
}
