using System.CommandLine;
using System.Text.Json;

namespace Gateway.Cli.Commands;

/// <summary><c>incidents list --tenant</c>.</summary>
internal static class IncidentsCommands
{
    public static Command Build(CliRuntime runtime)
    {
        var command = new Command("incidents", "Incidents opened by block_and_open_incident decisions");
        var tenant = GlobalOptions.Tenant();
        var list = new Command("list", "List the tenant's most recent incidents") { tenant };
        list.SetAction((parse, ct) => runtime.CallAsync(parse, HttpMethod.Get, $"tenants/{CliRuntime.Segment(parse.GetValue(tenant)!)}/incidents", null, Print, ct));
        command.Subcommands.Add(list);
        return command;
    }

    private static int? Print(JsonElement body, TextWriter? output)
    {
        if (output is null)
        {
            return null;
        }

        var incidents = Json.Array(body, "incidents").ToList();
        if (incidents.Count == 0)
        {
            output.WriteLine("No incidents.");
        }

        foreach (var i in incidents)
        {
            output.WriteLine($"{Json.Str(i, "id")} {Json.Str(i, "opened_at")} agent {Json.Str(i, "agent")} tool {Json.Str(i, "tool")} findings {Json.List(i, "finding_ids")}");
        }

        return null;
    }
}
