namespace Gateway.Cli;

/// <summary>
/// Reads a credential value from <c>--from-file</c> or standard input, never from an argument (which
/// would land in shell history and process lists). One trailing newline is dropped.
/// </summary>
internal static class SecretInput
{
    /// <summary>The error when the value read is empty (a caller with another source falls through on it).</summary>
    public const string EmptyValue = "the value is empty";

    public static async Task<(string? Value, string? Error)> ReadAsync(CliConsole console, FileInfo? fromFile, CancellationToken cancellationToken)
    {
        string raw;
        if (fromFile is not null)
        {
            if (!fromFile.Exists)
            {
                return (null, $"file '{fromFile.FullName}' does not exist");
            }

            raw = await File.ReadAllTextAsync(fromFile.FullName, cancellationToken);
        }
        else if (console.IsInputRedirected)
        {
            raw = await console.In.ReadToEndAsync(cancellationToken);
        }
        else
        {
            return (null, "pipe the value on standard input or pass --from-file; values are never taken as arguments");
        }

        if (raw.EndsWith("\r\n", StringComparison.Ordinal))
        {
            raw = raw[..^2];
        }
        else if (raw.EndsWith('\n'))
        {
            raw = raw[..^1];
        }

        return raw.Length == 0 ? (null, EmptyValue) : (raw, null);
    }
}
