using System.CommandLine;
using System.Text.Json;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>console users list --tenant</c>, <c>console users suspend &lt;person&gt; --tenant</c> and
/// <c>console users resume &lt;person&gt; --tenant</c>: the approvals console's users, by their identity provider's subject
/// (<c>sub</c>; <c>admin-token:&lt;name&gt;</c> for a Development admin-token sign-in) and the issuer that signed them in
/// (<c>--issuer</c>; by default the tenant's provider). Suspending ends every session of the person at once and refuses
/// their sign-in until resumed.
/// </summary>
internal static class ConsoleCommands
{
    public static Command Build(CliRuntime runtime)
    {
        var users = new Command("users", "The console's users: list, suspend (their sessions end at once), resume");
        users.Subcommands.Add(List(runtime));
        users.Subcommands.Add(Change(runtime, "suspend", "Suspend a person's console access: every session of theirs ends now, and they cannot sign in until resumed"));
        users.Subcommands.Add(Change(runtime, "resume", "Let a suspended person sign in to the console again"));
        return new Command("console", "The approvals console (/console)") { users };
    }

    private static Command List(CliRuntime runtime)
    {
        var tenant = GlobalOptions.Tenant();
        var list = new Command("list", "List who signed in to the tenant's console or was suspended: subject, person, roles, live sessions, suspended, issuer") { tenant };
        list.SetAction((parse, ct) => runtime.CallAsync(parse, HttpMethod.Get, $"tenants/{CliRuntime.Segment(parse.GetValue(tenant)!)}/console-users", null, PrintUsers, ct));
        return list;
    }

    private static Command Change(CliRuntime runtime, string verb, string description)
    {
        var tenant = GlobalOptions.Tenant();
        var person = new Argument<string>("person") { Description = "The person's subject at the identity provider (sub), as `console users list` shows it" };
        var issuer = new Option<string?>("--issuer") { Description = "The issuer the person signed in at, as `console users list` shows it (default: the tenant's OpenID provider)" };
        var command = new Command(verb, description) { person, tenant, issuer };
        command.SetAction((parse, ct) => runtime.CallAsync(
            parse,
            HttpMethod.Post,
            $"tenants/{CliRuntime.Segment(parse.GetValue(tenant)!)}/console-users/{CliRuntime.Segment(parse.GetValue(person)!)}/{verb}"
                + (parse.GetValue(issuer) is { } named ? "?issuer=" + Uri.EscapeDataString(named) : string.Empty),
            null,
            (body, output) =>
            {
                output?.WriteLine(Json.Bool(body, "suspended")
                    ? $"{Json.Str(body, "subject")} is suspended in {Json.Str(body, "tenant")}; {Json.Str(body, "sessions_ended")} console session(s) ended."
                    : $"{Json.Str(body, "subject")} may sign in to the console of {Json.Str(body, "tenant")} again.");
                return null;
            },
            ct));
        return command;
    }

    private static int? PrintUsers(JsonElement body, TextWriter? output)
    {
        if (output is null)
        {
            return null;
        }

        var users = Json.Array(body, "users").ToList();
        if (users.Count == 0)
        {
            output.WriteLine("No console users.");
        }

        foreach (var user in users)
        {
            output.WriteLine($"{Json.Str(user, "subject")}\tperson={Json.Str(user, "person")}\troles={Json.List(user, "roles")}\tsessions={Json.Str(user, "sessions")}\tsuspended={Json.YesNo(Json.Bool(user, "suspended"))}\tissuer={Json.Str(user, "issuer")}");
        }

        return null;
    }
}
