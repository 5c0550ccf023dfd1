using System.CommandLine;
using System.CommandLine.Completions;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace Gateway.Cli;

/// <summary>
/// How a parse error is printed. One that names nothing but an option or a command (required, missing, given twice) reads
/// as the parser wrote it; any other (a value that cannot be read as the option's type, one not among the allowed, a file
/// that cannot be read) names the option or argument and what it takes, never the value: it may be a credential given in
/// the wrong place.
/// </summary>
internal static partial class ParseErrorText
{
    // The most allowed values a message lists.
    private const int MaxListed = 12;

    public static string For(ParseError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (ValueFree().Match(error.Message) is { Success: true } free && free.Groups["name"] is var name && (!name.Success || SymbolName().IsMatch(name.Value)))
        {
            return error.Message;
        }

        return error.SymbolResult switch
        {
            ArgumentResult { Parent: OptionResult option } => Refused($"'{option.Option.Name}'", option.Option, option.Option.ValueType),
            ArgumentResult argument => Refused($"<{argument.Argument.Name}>", argument.Argument, argument.Argument.ValueType),
            OptionResult option => Refused($"'{option.Option.Name}'", option.Option, option.Option.ValueType),
            CommandResult command => $"An argument of '{command.Command.Name}' cannot be used (not shown: it may be a credential; values go on standard input or in --from-file).",
            _ => "An argument cannot be used (not shown: it may be a credential; values go on standard input or in --from-file).",
        };
    }

    private static string Refused(string subject, Symbol symbol, Type type) =>
        $"The value given for {subject} cannot be used (not shown: it may be a credential): it takes {Takes(symbol, type)}.";

    // What the option or argument takes: its allowed values where it lists them (an enum's names, AcceptOnlyFromAmong), else its type in words.
    private static string Takes(Symbol symbol, Type type)
    {
        var allowed = symbol.GetCompletions(CompletionContext.Empty).Select(static c => c.Label).Distinct(StringComparer.Ordinal).ToList();
        if (allowed.Count is > 0 and <= MaxListed)
        {
            return "one of " + string.Join(", ", allowed.Select(static a => $"'{a}'"));
        }

        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        return underlying switch
        {
            _ when underlying == typeof(int) || underlying == typeof(long) || underlying == typeof(short) => "a whole number",
            _ when underlying == typeof(double) || underlying == typeof(decimal) || underlying == typeof(float) => "a number",
            _ when underlying == typeof(bool) => "true or false",
            _ when typeof(FileSystemInfo).IsAssignableFrom(underlying) => "a path",
            _ when underlying == typeof(DateTimeOffset) || underlying == typeof(DateTime) => "a date and time (ISO 8601)",
            _ when underlying == typeof(TimeSpan) => "a duration",
            _ when underlying.IsEnum => "one of " + string.Join(", ", Enum.GetNames(underlying).Select(static n => $"'{n}'")),
            _ => "a value of another form",
        };
    }

    // The parser's messages that quote only an option's or a command's name (checked against SymbolName).
    [GeneratedRegex("^(?:Option '(?<name>[^']*)' is required\\.|Required argument missing for (?:option|command): '(?<name>[^']*)'\\.|Required command was not provided\\.|Option '(?<name>[^']*)' expects a single argument but [0-9]+ were provided\\.)\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ValueFree();

    [GeneratedRegex("^(?:--?[A-Za-z][A-Za-z0-9-]{0,38}|[a-z][a-z-]{0,23})\\z", RegexOptions.CultureInvariant)]
    private static partial Regex SymbolName();
}
