namespace Gateway.Policy;

/// <summary>How a secret or credential is found: <c>vault:&lt;name&gt;</c>, <c>env:&lt;VAR&gt;</c>, <c>file:&lt;path&gt;</c> or <c>none</c>.</summary>
public sealed record SecretReference
{
    /// <summary>The scheme.</summary>
    public required SecretSource Source { get; init; }

    /// <summary>The name after the scheme: vault name, variable name, or the path as written.</summary>
    public required string Name { get; init; }

    /// <summary>For <see cref="SecretSource.File"/>: the absolute path, resolved against the bundle directory.</summary>
    public string? ResolvedPath { get; init; }

    /// <summary>
    /// The variables that hold the gateway's own keys (the data-encryption keys, the decision-signing and service keys):
    /// no <c>env:</c> reference of a bundle may name one, nor one of <see cref="GatewaysOwnPrefixes"/>.
    /// </summary>
    public static IReadOnlyList<string> GatewaysOwnVariables { get; } =
        ["DATA_ENCRYPTION_KEY", "DATA_ENCRYPTION_KEYS_RETIRED", "DECISION_SIGNING_KEY", "GATEWAY_SERVICE_KEY"];

    /// <summary>
    /// The beginnings of the variables that are the gateway's settings, its server's, its runtime's and its telemetry's:
    /// <c>Gateway__…</c> and <c>ConnectionStrings__…</c> (the store's and the database's passwords), <c>Kestrel__…</c> (a
    /// certificate's password), <c>ASPNETCORE_…</c>, <c>DOTNET_…</c> and <c>OTEL_…</c> (an exporter's headers: a collector's key).
    /// </summary>
    public static IReadOnlyList<string> GatewaysOwnPrefixes { get; } = ["Gateway__", "ConnectionStrings__", "Kestrel__", "ASPNETCORE_", "DOTNET_", "OTEL_"];

    /// <summary>True when <paramref name="variable"/> is one of <see cref="GatewaysOwnVariables"/> or begins with one of <see cref="GatewaysOwnPrefixes"/>.</summary>
    public static bool IsGatewaysOwnVariable(string variable) =>
        GatewaysOwnVariables.Contains(variable, StringComparer.OrdinalIgnoreCase)
        || GatewaysOwnPrefixes.Any(prefix => variable.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));

    /// <summary>The gateway's own variables and settings as an error names them: "DATA_ENCRYPTION_KEY, …, Gateway__*, …, OTEL_*".</summary>
    public static string GatewaysOwnVariablesText { get; } =
        string.Join(", ", GatewaysOwnVariables.Concat(GatewaysOwnPrefixes.Select(prefix => prefix + "*")));

    /// <summary>The reference as written in the bundle.</summary>
    public override string ToString() => Source switch
    {
        SecretSource.None => "none",
        SecretSource.Vault => "vault:" + Name,
        SecretSource.Environment => "env:" + Name,
        _ => "file:" + Name,
    };

    /// <summary>
    /// Parses <paramref name="text"/>; file paths are resolved against <paramref name="baseDirectory"/> when given, an
    /// absolute path (never against the process's current directory).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="baseDirectory"/> is not an absolute path and the reference names a file.</exception>
    public static bool TryParse(string text, string? baseDirectory, out SecretReference? reference)
    {
        ArgumentNullException.ThrowIfNull(text);
        reference = null;
        if (text == "none")
        {
            reference = new SecretReference { Source = SecretSource.None, Name = string.Empty };
            return true;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == text.Length - 1)
        {
            return false;
        }

        var name = text[(colon + 1)..];
        switch (text[..colon])
        {
            case "vault":
                reference = new SecretReference { Source = SecretSource.Vault, Name = name };
                return true;
            case "env":
                reference = new SecretReference { Source = SecretSource.Environment, Name = name };
                return true;
            case "file":
                var resolved = baseDirectory is null ? name : Path.GetFullPath(name, baseDirectory);
                reference = new SecretReference { Source = SecretSource.File, Name = name, ResolvedPath = resolved };
                return true;
            default:
                return false;
        }
    }
}
