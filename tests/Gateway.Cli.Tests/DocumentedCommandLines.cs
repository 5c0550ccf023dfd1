using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Gateway.Cli.Tests;

/// <summary>
/// The <c>gatewayctl …</c> command lines a Markdown document shows, as the words a shell would pass: each code-block line
/// (continued lines joined) where a command starts with <c>gatewayctl</c>, and each inline code span that begins with it.
/// </summary>
internal static partial class DocumentedCommandLines
{
    /// <summary>The repository root (the directory holding Gateway.sln), found from this source file's location or the test binaries.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>
    /// Every gatewayctl command line of <paramref name="markdown"/>, with its words after <c>gatewayctl</c>: placeholders
    /// (<c>&lt;tenant&gt;</c>) become their names, and the line ends where the shell would end the command (a pipe,
    /// <c>&amp;&amp;</c>, <c>;</c>, <c>)</c>, a redirection or a comment). A synopsis (words such as <c>list|show</c>,
    /// <c>[--json]</c>, <c>...</c>) is grammar, not a command, and is left out. An inline span without a placeholder is a
    /// <see cref="DocumentedCommand.Mention"/>: prose naming a command or option (<c>gatewayctl audit verify --file</c>).
    /// </summary>
    public static IEnumerable<DocumentedCommand> Extract(string markdown)
    {
        var lines = markdown.Split('\n');
        var fenced = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                fenced = !fenced;
                continue;
            }

            var number = i + 1;
            if (fenced)
            {
                while (line.EndsWith('\\') && i + 1 < lines.Length)
                {
                    line = line[..^1] + " " + lines[++i].TrimEnd('\r').Trim();
                }

                var start = CommandStart().Match(line);
                if (start.Success && Words(line[(start.Index + start.Length)..]) is { } args)
                {
                    yield return new(number, line.Trim(), args, Mention: false);
                }

                continue;
            }

            foreach (Match span in InlineCommand().Matches(line))
            {
                if (Words(span.Groups["rest"].Value) is { } args)
                {
                    yield return new(number, span.Groups["span"].Value, args, Mention: !Placeholder().IsMatch(span.Value));
                }
            }
        }
    }

    /// <summary>The words of a command's rest, up to where the shell ends it; null for a synopsis.</summary>
    private static string[]? Words(string rest)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < rest.Length; i++)
        {
            var c = rest[i];
            if (c is '\'' or '"')
            {
                var close = rest.IndexOf(c, i + 1);
                close = close < 0 ? rest.Length : close;
                word.Append(rest, i + 1, close - i - 1);
                inWord = true;
                i = close;
                continue;
            }

            if (c == '<' && PlaceholderAt(rest, i) is { } name)
            {
                word.Append(name);
                inWord = true;
                i += name.Length + 1;
                continue;
            }

            var endsCommand = c is '|' or ';' or ')' or '>' || (c == '&' && i + 1 < rest.Length && rest[i + 1] == '&')
                || (c == '#' && !inWord) || c == '<';
            if (endsCommand && !(c == '|' && inWord))
            {
                if (c == '>' && inWord && word.ToString() is "2" or "1")
                {
                    word.Clear();
                    inWord = false;
                }

                break;
            }

            if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }

                continue;
            }

            word.Append(c);
            inWord = true;
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        if (words.Any(static w => w.Contains('|', StringComparison.Ordinal) || w.StartsWith('[') || w.StartsWith('(') || w is "..." or "…"))
        {
            return null;
        }

        return [.. words];
    }

    /// <summary>The name of the placeholder <c>&lt;name&gt;</c> that starts at <paramref name="at"/>; null for a redirection (<c>&lt; file</c>).</summary>
    private static string? PlaceholderAt(string text, int at)
    {
        var match = Placeholder().Match(text, at);
        return match.Success && match.Index == at ? match.Groups[1].Value : null;
    }

    private static string FindRoot([CallerFilePath] string sourceFile = "")
    {
        foreach (var start in new[] { Path.GetDirectoryName(sourceFile), AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var directory = string.IsNullOrEmpty(start) ? null : new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Gateway.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException("Gateway.sln not found above the test sources, the test binaries or the working directory.");
    }

    // Where a shell command starts with gatewayctl: the line's start, after VAR=value assignments, after $( or a pipe, && or ;.
    [GeneratedRegex(@"(?:^\s*(?:\$\s+)?(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*|\$\(\s*|[|;]\s*|&&\s*)gatewayctl(?:\s+|$)")]
    private static partial Regex CommandStart();

    [GeneratedRegex(@"`(?<span>gatewayctl\s+(?<rest>[^`]*))`")]
    private static partial Regex InlineCommand();

    [GeneratedRegex(@"<([^<>\s]+)>")]
    private static partial Regex Placeholder();
}

/// <summary>One documented gatewayctl line: where, as written, its words after <c>gatewayctl</c>, and whether it only names a command or option.</summary>
internal sealed record DocumentedCommand(int Line, string Text, string[] Args, bool Mention);
