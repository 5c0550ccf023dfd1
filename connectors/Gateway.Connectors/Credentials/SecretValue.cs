namespace Gateway.Connectors.Credentials;

/// <summary>
/// A resolved credential. Its text is reachable only inside this library (the injection path);
/// <see cref="ToString"/> never shows it, so it cannot leak through logging or string formatting.
/// </summary>
public sealed class SecretValue
{
    internal SecretValue(string value) => Value = value;

    internal string Value { get; }

    // "Bearer " and the value, made once per value: a resolved credential is cached and sent on every forwarded request.
    private string? _bearer;

    internal string BearerHeaderValue => _bearer ??= "Bearer " + Value;

    // Its spellings in an answer that echoes it, made once per value (a value too short to look for has none).
    private Redaction.CredentialSpellings? _spellings;

    internal Redaction.CredentialSpellings? Spellings => _spellings ??= Redaction.CredentialSpellings.Of(Value);

    /// <inheritdoc/>
    public override string ToString() => "[secret]";
}
