using System.Text;

namespace Gateway.Proxy.Authentication;

/// <summary>
/// An agent's runtime secret, held only as the HMAC key it is and the text it was issued as (to
/// recognise it presented anywhere but the signature). Never formatted, logged or serialised.
/// </summary>
public sealed class AgentSecret
{
    private readonly string _text;
    private readonly byte[] _key;

    public AgentSecret(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        _text = text;
        _key = Encoding.UTF8.GetBytes(text);
    }

    /// <summary>The HMAC key: the UTF-8 bytes of the secret.</summary>
    public ReadOnlySpan<byte> Key => _key;

    /// <summary>True when the secret appears verbatim inside <paramref name="value"/>.</summary>
    public bool AppearsIn(string? value) => value is not null && value.Contains(_text, StringComparison.Ordinal);

    /// <summary>True when the secret's bytes appear inside <paramref name="bytes"/>.</summary>
    public bool AppearsIn(ReadOnlySpan<byte> bytes) => bytes.IndexOf(_key) >= 0;

    public override string ToString() => "[agent secret]";
}
