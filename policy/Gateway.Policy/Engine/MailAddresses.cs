namespace Gateway.Policy;

/// <summary>
/// Mail address values for <see cref="ValueForms"/>: the addresses a recipient value names (a list, <c>Name &lt;addr&gt;</c>,
/// a <c>mailto:</c> URI) and one address's canonical spelling (its domain a canonical host).
/// </summary>
internal static class MailAddresses
{
    /// <summary>
    /// The addresses a recipient value names: a list split on <c>,</c> and <c>;</c> outside quotes and angle
    /// brackets; of <c>Name &lt;addr&gt;</c> the address; of a <c>mailto:</c> URI its recipients and those of its
    /// <c>to</c>, <c>cc</c> and <c>bcc</c> fields, percent-decoded. A value naming none is its own one entry.
    /// </summary>
    public static IReadOnlyList<string> Split(string value)
    {
        var trimmed = value.Trim();
        if (trimmed.IndexOfAny([',', ';', '<']) < 0 && !IsMailto(trimmed))
        {
            return [value];
        }

        var addresses = new List<string>();
        if (IsMailto(trimmed))
        {
            AddMailto(trimmed, addresses);
        }
        else if (!SplitMailboxes(trimmed, addresses, quoting: true))
        {
            addresses.Clear();
            SplitMailboxes(trimmed, addresses, quoting: false);
        }

        return addresses.Count > 0 ? addresses : [value];
    }

    /// <summary>
    /// Splits a list into its mailboxes on <c>,</c> and <c>;</c>, with <paramref name="quoting"/> not inside quotes
    /// or angle brackets; false when a quote or bracket is left open (the caller then splits without quoting, so an
    /// unbalanced quote cannot hide the addresses after it).
    /// </summary>
    private static bool SplitMailboxes(string list, List<string> addresses, bool quoting)
    {
        int start = 0, angle = 0;
        var quoted = false;
        for (var i = 0; i <= list.Length; i++)
        {
            var c = i < list.Length ? list[i] : ',';
            if (quoting && c == '"')
            {
                quoted = !quoted;
            }
            else if (quoting && !quoted && c == '<')
            {
                angle++;
            }
            else if (quoting && !quoted && c == '>' && angle > 0)
            {
                angle--;
            }
            else if (i == list.Length || (!quoted && angle == 0 && c is ',' or ';'))
            {
                AddMailbox(list[start..i], addresses);
                start = i + 1;
            }
        }

        return !quoted && angle == 0;
    }

    private static void AddMailbox(string mailbox, List<string> addresses)
    {
        var text = mailbox.Trim();
        var open = text.LastIndexOf('<');
        if (open >= 0 && text.IndexOf('>', open) is var close and > 0)
        {
            text = text[(open + 1)..close].Trim();
        }

        if (IsMailto(text))
        {
            AddMailto(text, addresses);
        }
        else if (text.Length > 0)
        {
            addresses.Add(text);
        }
    }

    private static void AddMailto(string uri, List<string> addresses)
    {
        var rest = uri["mailto:".Length..];
        var query = rest.IndexOf('?', StringComparison.Ordinal);
        AddRecipients(query < 0 ? rest : rest[..query], addresses);
        if (query < 0)
        {
            return;
        }

        foreach (var field in rest[(query + 1)..].Split('&'))
        {
            var eq = field.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? field : field[..eq];
            if (eq > 0 && (name.Equals("to", StringComparison.OrdinalIgnoreCase) || name.Equals("cc", StringComparison.OrdinalIgnoreCase) || name.Equals("bcc", StringComparison.OrdinalIgnoreCase)))
            {
                AddRecipients(field[(eq + 1)..], addresses);
            }
        }
    }

    private static void AddRecipients(string encoded, List<string> addresses)
    {
        foreach (var recipient in encoded.Split(','))
        {
            var address = PercentDecoding.Decode(recipient, unreservedOnly: false).Trim();
            if (address.Length > 0)
            {
                addresses.Add(address);
            }
        }
    }

    private static bool IsMailto(string text) => text.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// One address: its comments (<c>(…)</c> outside quotes, RFC 5322) dropped, trimmed, its domain (after the last
    /// <c>@</c>) a canonical host; the local part as written. A pattern keeps its parentheses.
    /// </summary>
    public static string Canonical(string address, bool isPattern)
    {
        var text = (isPattern ? address : WithoutComments(address)).Trim();
        var at = text.LastIndexOf('@');
        if (at < 0)
        {
            return text;
        }

        var domain = text[(at + 1)..];
        var host = HostNames.Canonical(domain, isPattern);
        return ReferenceEquals(host, domain) && text.Length == address.Length ? address : string.Concat(text.AsSpan(0, at + 1), host);
    }

    // An address without its comments, as a mail library reads `x@gmail.com (Me)` or `x(c)@(c)gmail.com`: nested ones,
    // quoted-pairs inside them; one left open runs to the end.
    private static string WithoutComments(string address)
    {
        if (!address.Contains('(', StringComparison.Ordinal))
        {
            return address;
        }

        var kept = new System.Text.StringBuilder(address.Length);
        var depth = 0;
        var quoted = false;
        for (var i = 0; i < address.Length; i++)
        {
            var c = address[i];
            if (depth > 0)
            {
                i += c == '\\' ? 1 : 0;
                depth += c == '(' ? 1 : c == ')' ? -1 : 0;
                continue;
            }

            if (c == '"' && (i == 0 || address[i - 1] != '\\'))
            {
                quoted = !quoted;
            }
            else if (c == '(' && !quoted)
            {
                depth = 1;
                continue;
            }

            kept.Append(c);
        }

        return kept.ToString();
    }
}
