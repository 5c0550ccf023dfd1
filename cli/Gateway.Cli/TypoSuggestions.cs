using System.CommandLine;

namespace Gateway.Cli;

/// <summary>
/// "Did you mean" for a token the parser did not recognise: the names and aliases of the subcommands and options of
/// the command it was given to (and of the root's options), within an edit distance of a third of the token's length.
/// </summary>
internal static class TypoSuggestions
{
    /// <summary>The closest names to <paramref name="token"/> at <paramref name="command"/>, best first (at most three).</summary>
    public static IReadOnlyList<string> For(string token, Command command, Command root)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(root);
        var candidates = command.Subcommands.SelectMany(static c => c.Aliases.Prepend(c.Name))
            .Concat(command.Options.Concat(root.Options).Where(static o => !o.Hidden).SelectMany(static o => o.Aliases.Prepend(o.Name)))
            .Distinct(StringComparer.Ordinal);
        var limit = Math.Max(1, token.Length / 3);
        return [.. candidates
            .Select(name => (Name: name, Distance: Distance(token, name)))
            .Where(c => c.Distance <= limit || (token.Length >= 3 && c.Name.StartsWith(token, StringComparison.Ordinal)))
            .OrderBy(static c => c.Distance).ThenBy(static c => c.Name, StringComparer.Ordinal)
            .Take(3)
            .Select(static c => c.Name)];
    }

    // Levenshtein distance, two rows.
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
