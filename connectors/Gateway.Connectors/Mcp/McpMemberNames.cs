using System.Text;
using System.Text.Json;

namespace Gateway.Connectors.Mcp;

/// <summary>A member of a JSON-RPC message spelled so that only a reader matching names without case takes it as one the gateway reads.</summary>
/// <param name="Detail">What is misspelled and how to spell it.</param>
/// <param name="InParams">True when the member is in <c>params</c> (JSON-RPC -32602), false at the message's top level (-32600).</param>
public sealed record McpMisspelledMember(string Detail, bool InParams);

/// <summary>
/// The members of an MCP message the gateway reads — <c>jsonrpc</c>, <c>id</c>, <c>method</c>, <c>params</c> and, in params,
/// <c>name</c>, <c>arguments</c>, <c>uri</c>, <c>ref</c>, <c>argument</c>, <c>context</c>, <c>_meta</c>, <c>taskId</c> — are spelled
/// exactly: a server binding JSON without case (ASP.NET Core's web defaults, Go's <c>encoding/json</c>) would act on a
/// <c>Name</c> or <c>ARGUMENTS</c> beside (or instead of) the member decided, on a body forwarded as it was sent.
/// </summary>
public static class McpMemberNames
{
    private static readonly string[] TopLevel = ["jsonrpc", "id", "method", "params"];

    private static readonly string[] InParams = ["name", "arguments", "uri", "ref", "argument", "context", "_meta", "taskId"];

    /// <summary>
    /// <paramref name="name"/> without <c>_</c> or <c>-</c>, in upper case as a lenient reader matches it: ASCII letters, and
    /// the four characters whose case maps onto one (<c>ſ</c> and <c>ı</c> upper to S and I, the Kelvin sign and <c>İ</c> lower
    /// to k and i, as Go's <c>encoding/json</c> folds them); any other character is kept (as the A2A route folds names).
    /// </summary>
    public static string Fold(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var folded = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (c is '_' or '-')
            {
                continue;
            }

            folded.Append(c switch
            {
                >= 'a' and <= 'z' => (char)(c - ('a' - 'A')),
                '\u017F' => 'S',
                '\u212A' => 'K',
                '\u0130' or '\u0131' => 'I',
                _ => c,
            });
        }

        return folded.ToString();
    }

    /// <summary>The first member of <paramref name="message"/> (or of its params) that folds like one the gateway reads but is not spelled as it; null when none does.</summary>
    public static McpMisspelledMember? Misspelled(JsonElement message)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (FirstMisspelled(message, string.Empty, TopLevel) is { } top)
        {
            return new McpMisspelledMember(top, false);
        }

        return message.TryGetProperty("params", out var parameters) && FirstMisspelled(parameters, "params.", InParams) is { } inParams
            ? new McpMisspelledMember(inParams, true)
            : null;
    }

    /// <summary>Why <paramref name="holder"/> is refused: its first member that folds like one of <paramref name="names"/> but is not spelled as it, described under <paramref name="where"/> (a path prefix such as <c>params.</c>); null when none does.</summary>
    public static string? FirstMisspelled(JsonElement holder, string where, params ReadOnlySpan<string> names)
    {
        if (holder.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var member in holder.EnumerateObject())
        {
            var folded = Fold(member.Name);
            foreach (var name in names)
            {
                if (!string.Equals(member.Name, name, StringComparison.Ordinal) && folded == Fold(name))
                {
                    var shown = member.Name.Length > 64 ? member.Name[..64] + "…" : member.Name;
                    return $"{where}{shown} is not spelled '{name}', though a reader that matches names without case takes it as '{name}'; spell it '{name}'. Nothing was forwarded.";
                }
            }
        }

        return null;
    }
}
