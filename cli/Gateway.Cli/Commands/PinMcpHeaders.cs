namespace Gateway.Cli.Commands;

/// <summary>
/// The headers <c>catalog pin-mcp</c> sends the MCP server: plain ones from <c>--header</c>, credentials only from
/// <c>--header-file</c> (arguments show up in process lists and shell history), as <see cref="SecretInput"/> takes values.
/// </summary>
internal static class PinMcpHeaders
{
    // Header names that carry a credential by name or by convention (X-Api-Key, X-Auth-Token, Private-Token, ...).
    private static readonly string[] CredentialNames = ["authorization", "cookie", "key", "token", "secret", "password", "session", "auth", "signature"];

    /// <summary>The headers, or the input error to print.</summary>
    public static (Dictionary<string, string>? Headers, string? Error) Read(IEnumerable<string> arguments, FileInfo? file)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in arguments)
        {
            if (Split(header) is not { } pair)
            {
                return (null, $"--header '{header.Split(':')[0]}…' is not 'Name: value'");
            }

            if (IsCredential(pair.Name))
            {
                return (null, $"--header '{pair.Name}' carries a credential: put it in a file given to --header-file (arguments show up in process lists and shell history)");
            }

            headers[pair.Name] = pair.Value;
        }

        if (file is null)
        {
            return (headers, null);
        }

        if (!file.Exists)
        {
            return (null, $"--header-file '{file.FullName}' does not exist");
        }

        var number = 0;
        foreach (var line in File.ReadLines(file.FullName))
        {
            number++;
            if (line.Trim() is { Length: 0 } or ['#', ..])
            {
                continue;
            }

            if (Split(line) is not { } pair)
            {
                return (null, $"--header-file line {number} is not 'Name: value'");
            }

            headers[pair.Name] = pair.Value;
        }

        return (headers, null);
    }

    /// <summary>Whether a header named <paramref name="name"/> is taken to carry a credential.</summary>
    internal static bool IsCredential(string name) =>
        CredentialNames.Any(part => name.Contains(part, StringComparison.OrdinalIgnoreCase));

    private static (string Name, string Value)? Split(string header)
    {
        var colon = header.IndexOf(':', StringComparison.Ordinal);
        return colon <= 0 ? null : (header[..colon].Trim(), header[(colon + 1)..].Trim());
    }
}
