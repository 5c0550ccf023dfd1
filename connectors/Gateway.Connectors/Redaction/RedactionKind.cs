namespace Gateway.Connectors.Redaction;

/// <summary>The classes of text the redactor removes.</summary>
public enum RedactionKind
{
    /// <summary>E-mail addresses.</summary>
    Email,

    /// <summary><c>Bearer &lt;token&gt;</c> credentials.</summary>
    BearerToken,

    /// <summary>JSON Web Tokens (<c>eyJ….eyJ….…</c>).</summary>
    Jwt,

    /// <summary>Provider API-key shapes: <c>sk-…</c>, <c>sk-ant-…</c>, <c>AKIA…</c>, <c>ghp_…</c>, <c>xox?-…</c>, <c>AIza…</c>, and the like.</summary>
    ApiKey,

    /// <summary>PEM private-key blocks.</summary>
    PrivateKey,

    /// <summary>Payment card numbers (13–19 digits, Luhn-valid, card-network prefix).</summary>
    CardNumber,

    /// <summary>The credential the gateway injected into the request, echoed back by the upstream (<see cref="CredentialSpellings"/>).</summary>
    Credential,
}

/// <summary>Wire names of <see cref="RedactionKind"/> (used in replacements, audit records and metrics).</summary>
public static class RedactionKindNames
{
    /// <summary>Every kind, in declaration order.</summary>
    public static IReadOnlyList<RedactionKind> All { get; } = Enum.GetValues<RedactionKind>();

    /// <summary><c>email</c>, <c>bearer_token</c>, <c>jwt</c>, <c>api_key</c>, <c>private_key</c>, <c>card_number</c>, <c>credential</c>.</summary>
    public static string ToWireName(this RedactionKind kind) => kind switch
    {
        RedactionKind.Email => "email",
        RedactionKind.BearerToken => "bearer_token",
        RedactionKind.Jwt => "jwt",
        RedactionKind.ApiKey => "api_key",
        RedactionKind.PrivateKey => "private_key",
        RedactionKind.CardNumber => "card_number",
        RedactionKind.Credential => "credential",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>The replacement text, e.g. <c>[REDACTED:email]</c>.</summary>
    public static string Replacement(this RedactionKind kind) => Replacements[(int)kind];

    private static readonly string[] Replacements = [.. Enum.GetValues<RedactionKind>().Select(k => $"[REDACTED:{k.ToWireName()}]")];
}
