using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Gateway.Oversight.Approvals;

namespace Gateway.Oversight.Notifications;

/// <summary>
/// What the approvers are told of a new approval: one line in words (the agent, the action with its key arguments, how
/// many approvals it needs, when it expires) and the deep link to its page in the console. Never an argument beyond the key
/// ones (which were redacted before the approval stored them), never a warrant, token or credential: the page asks the
/// reader to sign in.
/// </summary>
public sealed partial record ApprovalNotification
{
    public required string Tenant { get; init; }

    public required string ApprovalId { get; init; }

    /// <summary>The approvers the request names.</summary>
    public required IReadOnlyList<string> Approvers { get; init; }

    public required string Subject { get; init; }

    public required string Text { get; init; }

    public required Uri Link { get; init; }

    /// <summary>The notification of <paramref name="request"/>: its key arguments picked with the tool's <paramref name="inputSchemaJson"/> as the console picks them (only members it declares).</summary>
    public static ApprovalNotification Of(ApprovalRequest request, Uri publicOrigin, string? inputSchemaJson = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(publicOrigin);
        var key = ApprovalKeyArguments.Of(request.Arguments, inputSchemaJson);
        var action = request.Tool[(request.Tool.LastIndexOf('.') + 1)..].Replace('_', ' ');
        if (key.AmountWords is { } amount)
        {
            action += " " + AgentText(amount);
        }

        if (key.Target is { } target)
        {
            action += (key.Amount is null ? " " : " on ") + key.TargetName!.Replace('_', ' ') + " " + AgentText(target);
        }

        if (key.Recipient is { } recipient)
        {
            action += " to " + AgentText(recipient);
        }

        var link = new Uri(publicOrigin, "/console/" + Uri.EscapeDataString(request.Tenant) + "/approvals/" + Uri.EscapeDataString(request.Id));
        var expires = request.ExpiresAt.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        return new ApprovalNotification
        {
            Tenant = request.Tenant,
            ApprovalId = request.Id,
            Approvers = request.Approvers,
            Subject = "Approval needed: " + request.Agent + " asks to " + action,
            Text = request.Agent + " asks to " + action + " (" + request.Tool + ", tenant " + request.Tenant + "). "
                + request.ApprovalsRequired.ToString(CultureInfo.InvariantCulture) + " approval" + (request.ApprovalsRequired == 1 ? string.Empty : "s")
                + " needed from " + string.Join(", ", request.Approvers) + "; expires " + expires + ".\nDecide: " + link.AbsoluteUri,
            Link = link,
        };
    }

    /// <summary>The longest piece of an agent's argument a notification quotes.</summary>
    public const int MaxQuoted = 100;

    /// <summary>
    /// An agent's argument as a notification quotes it: no control or format characters, supplementary ones included (a
    /// line break would forge a line, and cannot stand in a mail subject; a bidirectional override would reorder what is
    /// read; Unicode tag characters would carry hidden text: <see cref="InvisibleCharacters"/>), no <c>&lt;</c> or <c>&gt;</c>
    /// (Slack and Mattermost read <c>&lt;url|text&gt;</c> as a link and <c>&lt;!channel&gt;</c> as a mention), nothing a
    /// chat or mail client would turn into a link (defanged: <c>https://a.example</c> reads <c>hxxps[:]//a[.]example</c>),
    /// at most <see cref="MaxQuoted"/> characters.
    /// </summary>
    public static string AgentText(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = new StringBuilder(Math.Min(value.Length, MaxQuoted + 1));
        var runes = 0;
        foreach (var rune in value.EnumerateRunes())
        {
            // Defanging only lengthens the text: what lies past this is cut anyway.
            if (++runes > MaxQuoted + 1)
            {
                break;
            }

            text.Append(rune.Value switch
            {
                '<' => "‹",
                '>' => "›",
                '\t' or '\n' or '\r' => " ",
                _ when InvisibleCharacters.IsInvisible(rune) => " ",
                _ => rune.ToString(),
            });
        }

        var defanged = Defang(text.ToString());
        if (defanged.Length <= MaxQuoted && runes <= MaxQuoted)
        {
            return defanged;
        }

        var cut = char.IsHighSurrogate(defanged[MaxQuoted - 1]) ? MaxQuoted - 1 : MaxQuoted;
        return defanged[..cut] + "…";
    }

    /// <summary>
    /// <paramref name="text"/> with what a client would link written so that none does: <c>http</c> as <c>hxxp</c> before
    /// <c>://</c>, every <c>://</c> as <c>[:]//</c>, <c>mailto:</c> as <c>mailto[:]</c>, and a dot between a letter or digit
    /// and a letter (a host name's) as <c>[.]</c>; an amount's decimal point stays.
    /// </summary>
    private static string Defang(string text) => HostDot().Replace(Mailto().Replace(Scheme().Replace(Http().Replace(text, "hxxp$1://"), "[:]//"), "mailto[:]"), "[.]");

    [GeneratedRegex(@"(?i)\bhttp(s?)://", RegexOptions.CultureInvariant)]
    private static partial Regex Http();

    [GeneratedRegex("://", RegexOptions.CultureInvariant)]
    private static partial Regex Scheme();

    [GeneratedRegex(@"(?i)\bmailto:", RegexOptions.CultureInvariant)]
    private static partial Regex Mailto();

    [GeneratedRegex(@"(?<=[\p{L}\p{N}])\.(?=\p{L})", RegexOptions.CultureInvariant)]
    private static partial Regex HostDot();
}
