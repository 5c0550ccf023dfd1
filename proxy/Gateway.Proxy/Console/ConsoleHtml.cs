using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Oversight.Approvals;

namespace Gateway.Proxy.Console;

/// <summary>
/// The console's HTML: every value from a request, the bundle or the store goes through <see cref="HtmlEncoder"/>
/// (<see cref="E"/>); no inline script (the CSP forbids it) and no script at all; one stylesheet from <c>/console/console.css</c>.
/// Forms carry labelled controls, and every action is a link or a button (keyboard reachable).
/// </summary>
internal static class ConsoleHtml
{
    public const string Stylesheet = """
        body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fafafa;line-height:1.4}
        header{background:#20303f;color:#fff;padding:.4rem 1rem;display:flex;gap:.4rem 1rem;align-items:center;flex-wrap:wrap}
        header a{color:#fff}header form{margin-left:auto}header nav a{margin-right:.5rem}header button{margin:0}
        main{padding:.5rem 1rem 1rem;max-width:72rem}h1{font-size:1.35rem;margin:.4rem 0}h2{font-size:1.1rem;margin:1.2rem 0 .4rem}
        table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.35rem .5rem;text-align:left;vertical-align:top}
        caption{text-align:left;font-weight:bold;padding:.3rem 0}.scroll{overflow-x:auto}table.args{max-width:48rem}table.args th{width:10rem}
        pre{background:#f0f0f0;padding:.5rem;overflow:auto;max-height:28rem}pre.wrap{white-space:pre-wrap;word-break:break-all}
        .ok{color:#0a6b2d;font-weight:bold}.bad{color:#a4161a;font-weight:bold}
        label{display:block;margin:.5rem 0 .2rem}input,select{font:inherit;padding:.25rem .3rem}textarea{width:100%;max-width:40rem;box-sizing:border-box;font:inherit}
        button{padding:.45rem 1rem;margin:.3rem .5rem .3rem 0;font:inherit;border:1px solid #20303f;border-radius:4px;background:#fff;color:#1b1b1b;cursor:pointer}
        button.approve{background:#0a6b2d;border-color:#0a6b2d;color:#fff}button.deny{background:#fff;border-color:#a4161a;color:#a4161a}
        a:focus,button:focus,textarea:focus,input:focus,select:focus,summary:focus{outline:3px solid #b35900;outline-offset:2px}
        .summary{font-size:1.1rem;margin:.2rem 0 .5rem;max-width:48rem}.facts{margin:.3rem 0;color:#333}
        form.decide{margin:.4rem 0 .8rem;padding:.5rem .8rem;border:2px solid #20303f;border-radius:6px;background:#fff;max-width:40rem}
        form.filters{display:flex;flex-wrap:wrap;gap:.2rem 1rem;align-items:flex-end;margin-bottom:.6rem}form.filters label{margin:.2rem 0}
        .risk{font-weight:bold;white-space:nowrap}.risk-critical,.risk-high{color:#a4161a}.risk-medium{color:#7a4b00}.risk-low{color:#0a6b2d}
        .warn{border-left:6px solid #a4161a;background:#fdecea;padding:.3rem .8rem;margin:.4rem 0;max-width:48rem}.warn h2{margin:.2rem 0;color:#7d1014}.warn ul{margin:.2rem 0}
        .done{border-left:6px solid #0a6b2d;background:#e8f5ec;padding:.3rem .8rem;margin:.4rem 0;max-width:48rem}.done h2{margin:.2rem 0}
        ul.checklist{list-style:none;padding-left:0}ul.checklist li{margin:.2rem 0}.checklist .fail,.checklist .hold{color:#7d1014}.checklist .pass{color:#0a5a26}
        a.next{font-weight:bold}details{margin:1rem 0}summary{cursor:pointer;font-weight:bold}
        code.agent,.ltr,pre{unicode-bidi:isolate-override;direction:ltr}code.agent{font-family:ui-monospace,monospace;font-size:.92em;background:#eef2f7;border:1px solid #c3cedb;border-radius:3px;padding:0 .2em;overflow-wrap:anywhere}
        .visually-hidden{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
        .rtl-note,.cut-note{font-size:.85em;color:#7d1014;font-style:italic}.summary .cut-note{color:#333}
        @media (max-width:40rem){main{padding:.4rem .6rem}header{padding:.3rem .6rem}header form{margin-left:0}h1{font-size:1.15rem}.summary{font-size:1rem}
        #inbox thead{display:none}#inbox tr{display:block;border:1px solid #ccc;margin:.5rem 0;background:#fff}#inbox td{display:block;border:0;padding:.15rem .5rem}
        #inbox td[data-label]::before{content:attr(data-label) ": ";font-weight:bold}}
        """;

    /// <summary>
    /// HTML-encodes <paramref name="value"/>, each invisible character (a bidirectional override, a zero-width space…)
    /// first written out as <c>⟨U+202E⟩</c> (<see cref="InvisibleCharacters"/>), so that a page shows what will be sent.
    /// </summary>
    public static string E(string? value) => HtmlEncoder.Default.Encode(InvisibleCharacters.Shown(value ?? string.Empty));

    /// <summary>The note after an agent's value that holds right-to-left letters (Hebrew, Arabic…), shown left to right in the order sent.</summary>
    public const string RightToLeftNote = "<span class=\"rtl-note\"> ⟨right-to-left letters, shown in the order sent⟩</span>";

    /// <summary>
    /// An agent's value as its own element, set apart from the gateway's words (a <c>code</c> in another face and frame),
    /// isolated and shown left to right in the order it will be sent whatever letters it holds (the stylesheet's
    /// <c>unicode-bidi: isolate-override</c>), followed by <see cref="RightToLeftNote"/> when it holds right-to-left
    /// letters; past <paramref name="max"/> characters it is cut (with <c>…</c> and a note), its whole shown elsewhere.
    /// </summary>
    public static string AgentValue(string? value, int max = int.MaxValue)
    {
        value ??= string.Empty;
        var cut = value.Length > max ? value[..(char.IsHighSurrogate(value[max - 1]) ? max - 1 : max)] : value;
        return "<code class=\"agent\" dir=\"ltr\">" + E(cut) + (cut.Length < value.Length ? "…" : string.Empty) + "</code>"
            + (HasRightToLeft(value) ? RightToLeftNote : string.Empty)
            + (cut.Length < value.Length ? "<span class=\"cut-note\"> (" + cut.Length.ToString(CultureInfo.InvariantCulture) + " of " + value.Length.ToString(CultureInfo.InvariantCulture) + " characters; all in Arguments below)</span>" : string.Empty);
    }

    /// <summary>
    /// True when <paramref name="value"/> holds a letter of a right-to-left script (the blocks of Hebrew, Arabic, Syriac,
    /// Thaana, N'Ko, Samaritan, Mandaic and their presentation forms, and the supplementary right-to-left blocks), which a
    /// browser would otherwise reorder with the digits and spaces beside it.
    /// </summary>
    public static bool HasRightToLeft(string value)
    {
        foreach (var rune in value.EnumerateRunes())
        {
            if (rune.Value is (>= 0x0590 and <= 0x08FF) or (>= 0xFB1D and <= 0xFDFF) or (>= 0xFE70 and <= 0xFEFE) or (>= 0x10800 and <= 0x10FFF) or (>= 0x1E800 and <= 0x1EFFF))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A path segment, URL-encoded (then HTML-encoded where it lands in an attribute).</summary>
    public static string U(string value) => Uri.EscapeDataString(value);

    public static string Time(DateTimeOffset time) => E(time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture));

    /// <summary>
    /// A record's time as people read it (<c>2026-11-26 23:13:23 UTC</c>) in a <c>time</c> element that keeps the exact
    /// stored value (its <c>datetime</c> and title); a value that is not a time is shown as it is.
    /// </summary>
    public static string RecordTime(string stored) =>
        DateTimeOffset.TryParse(stored, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time)
            ? "<time datetime=\"" + E(stored) + "\" title=\"" + E(stored) + "\">" + Time(time) + "</time>"
            : E(stored);

    /// <summary>
    /// <paramref name="value"/> as indented JSON in a <c>pre</c> (shown left to right in the order sent, the stylesheet's
    /// <c>unicode-bidi: isolate-override</c>), after <see cref="RightToLeftNote"/> when it holds right-to-left letters.
    /// </summary>
    public static string Json(JsonElement? value) => value is { } element ? Pre(JsonSerializer.Serialize(element, Indented)) : "<p>(none)</p>";

    /// <summary><paramref name="text"/> in a <c>pre</c> (the stylesheet shows every <c>pre</c> left to right in the order sent), after <see cref="RightToLeftNote"/> when it holds right-to-left letters.</summary>
    public static string Pre(string text, string? id = null) =>
        (HasRightToLeft(text) ? "<p>" + RightToLeftNote + "</p>" : string.Empty) + "<pre" + (id is null ? string.Empty : " id=\"" + id + "\"") + ">" + E(text) + "</pre>";

    /// <summary>
    /// One audit record as a list item: time, agent (and the person it acted for, with their upstream account where the
    /// connector used their own), tool or run event (or a remote agent's task, with its state in place of the decision:
    /// docs/a2a.md), decision; the whole record unfolds (a keyboard-reachable <c>details</c>) when <paramref name="whole"/>.
    /// </summary>
    public static string AuditRecord(JsonElement record, bool whole = true)
    {
        string Text(string name) => record.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v.ToString() : string.Empty;
        var task = record.TryGetProperty("a2a_task", out var t) && t.ValueKind == JsonValueKind.Object ? t : default;
        var what = record.TryGetProperty("run_event", out var run) && run.ValueKind == JsonValueKind.Object && run.TryGetProperty("type", out var type)
            ? "run " + type.GetString()
            : task.ValueKind == JsonValueKind.Object ? Text("tool") + ": remote agent " + Text("connector") + ", task " + ConsoleApprovalView.Text(task, "id")
            : Text("tool");
        var decision = task.ValueKind == JsonValueKind.Object ? "task " + ConsoleApprovalView.Text(task, "state") : Text("decision");
        var person = Text("person") is { Length: > 0 } subject
            ? " for " + E(subject) + (Text("upstream_account") is { Length: > 0 } upstream ? " (upstream account " + E(upstream) + ")" : string.Empty)
            : string.Empty;
        var line = RecordTime(Text("time")) + " · " + E(Text("agent")) + person + " · " + E(what) + " · <strong>" + E(decision) + "</strong>";
        return whole ? "<li><details><summary>" + line + "</summary>" + Json(record) + "</details></li>" : "<li>" + line + "</li>";
    }

    /// <summary>A whole page: the navigation for the session's roles, the sign-out form, the body; the heading <paramref name="headingHtml"/> when given, else the title.</summary>
    public static IResult Page(string title, ConsoleSession? session, string body, int status = StatusCodes.Status200OK, string? headingHtml = null)
    {
        var html = new StringBuilder(4096);
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>").Append(E(title))
            .Append(" · Gamut console</title><link rel=\"stylesheet\" href=\"/console/console.css\"></head><body><header><strong>Gamut console</strong>");
        if (session is not null)
        {
            var t = "/console/" + E(U(session.Tenant));
            html.Append("<nav aria-label=\"Console\">");
            if (session.Has(ConsoleRoles.Approver))
            {
                html.Append("<a href=\"").Append(t).Append("/approvals\">Approvals</a> ");
            }

            if (session.HasAny(ConsoleRoles.Readers))
            {
                html.Append("<a href=\"").Append(t).Append("/audit\">Audit journal</a> <a href=\"").Append(t)
                    .Append("/incidents\">Incidents</a> <a href=\"").Append(t).Append("/agents\">Agents</a> <a href=\"").Append(t).Append("/runs\">Runs</a>");
            }

            html.Append(" <a href=\"").Append(t).Append("/clients\">Your clients</a> <a href=\"").Append(t).Append("/connections\">Your connections</a>");
            html.Append("</nav><span>").Append(E(session.Person)).Append(" · ").Append(E(session.Tenant)).Append("</span>")
                .Append("<form method=\"post\" action=\"/console/sign-out\">").Append(Csrf(session))
                .Append("<button type=\"submit\">Sign out</button></form>");
        }

        html.Append("</header><main><h1>").Append(headingHtml ?? E(title)).Append("</h1>").Append(body).Append("</main></body></html>");
        return Results.Content(html.ToString(), "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    /// <summary>The hidden CSRF field every state-changing form carries.</summary>
    public static string Csrf(ConsoleSession session) => "<input type=\"hidden\" name=\"csrf\" value=\"" + E(session.Csrf) + "\">";

    public static IResult Refusal(int status, string code, string message, ConsoleSession? session = null) =>
        Page("Refused", session, "<p role=\"alert\">" + E(message) + "</p><p>Code: <code>" + E(code) + "</code></p><p><a href=\"/console\">Console home</a></p>", status);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
