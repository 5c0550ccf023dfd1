using System.Text;
using System.Text.RegularExpressions;

namespace Gateway.Policy.Authoring;

/// <summary>Finds a string a rule's regex matches, from a few candidates (its literal characters first).</summary>
internal static class RegexSample
{
    public static string? Find(Regex regex)
    {
        var pattern = regex.ToString();
        var literal = new StringBuilder();
        foreach (var c in pattern.Split('|')[0])
        {
            if (char.IsLetterOrDigit(c) || c is '@' or '-' or '_' or ' ')
            {
                literal.Append(c);
            }
        }

        foreach (var candidate in new[] { literal.ToString(), pattern.Split('|')[0], "a", "0", string.Empty })
        {
            if (regex.IsMatch(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
