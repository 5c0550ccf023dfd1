using System.CommandLine;
using System.Text.Json;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>connections list --tenant [--person]</c> and <c>connections revoke &lt;person&gt; &lt;connector&gt; --tenant</c>: the
/// upstream accounts a tenant's people linked to its <c>per_person</c> connectors (person, connector, upstream account,
/// linked at; never a token). Revoking holds on the connector's next call on every replica, which asks the person to link again.
/// </summary>
internal static class ConnectionsCommands
{
    public static Command Build(CliRuntime runtime)
    {
        var command = new Command("connections", "People's linked upstream accounts (per_person connectors): list, revoke");
        command.Subcommands.Add(List(runtime));
        command.Subcommands.Add(Revoke(runtime));
        return command;
    }

    private static Command List(CliRuntime runtime)
    {
        var tenant = GlobalOptions.Tenant();
        var person = new Option<string?>("--person") { Description = "Only this person's links (their subject at the identity provider, sub)" };
        var list = new Command("list", "List the tenant's linked upstream accounts: person, connector, upstream account, linked at") { tenant, person };
        list.SetAction((parse, ct) => runtime.CallAsync(
            parse,
            HttpMethod.Get,
            $"tenants/{CliRuntime.Segment(parse.GetValue(tenant)!)}/connections" + (parse.GetValue(person) is { } one ? "?person=" + Uri.EscapeDataString(one) : string.Empty),
            null,
            Print,
            ct));
        return list;
    }

    private static Command Revoke(CliRuntime runtime)
    {
        var tenant = GlobalOptions.Tenant();
        var person = new Argument<string>("person") { Description = "The person's subject at the identity provider (sub), as `connections list` shows it" };
        var connector = new Argument<string>("connector") { Description = "The connector's name" };
        var revoke = new Command("revoke", "Revoke a person's linked account for a connector: its next call is refused until they link again") { person, connector, tenant };
        revoke.SetAction((parse, ct) => runtime.CallAsync(
            parse,
            HttpMethod.Delete,
            $"tenants/{CliRuntime.Segment(parse.GetValue(tenant)!)}/connections/{CliRuntime.Segment(parse.GetValue(person)!)}/{CliRuntime.Segment(parse.GetValue(connector)!)}",
            null,
            (_, output) =>
            {
                output?.WriteLine($"The link of {parse.GetValue(person)} to connector {parse.GetValue(connector)} is revoked.");
                return null;
            },
            ct));
        return revoke;
    }

    private static int? Print(JsonElement body, TextWriter? output)
    {
        if (output is null)
        {
            return null;
        }

        var connections = Json.Array(body, "connections").ToList();
        if (connections.Count == 0)
        {
            output.WriteLine("No linked accounts.");
        }

        foreach (var link in connections)
        {
            output.WriteLine($"{Json.Str(link, "person")}\tconnector={Json.Str(link, "connector")}\tupstream_account={Json.Str(link, "upstream_account")}\tlinked_at={Json.Str(link, "linked_at")}");
        }

        return null;
    }
}
