using System.CommandLine;
using System.Text.Json;

namespace Gateway.Cli.Commands;

/// <summary><c>tenants suspend|resume|status &lt;tenant&gt;</c>: the tenant's kill switch.</summary>
internal static class TenantsCommands
{
    public static Command Build(CliRuntime runtime)
    {
        var command = new Command("tenants", "Tenant kill switch");
        command.Subcommands.Add(Switch(runtime, "suspend", "Refuse every request of every agent of the tenant and revoke every decision token issued in it", HttpMethod.Post));
        command.Subcommands.Add(Switch(runtime, "resume", "Lift the tenant's suspension (decision tokens revoked by it stay revoked)", HttpMethod.Post));
        command.Subcommands.Add(Switch(runtime, "status", "Show whether the tenant is suspended", HttpMethod.Get));
        return command;
    }

    private static Command Switch(CliRuntime runtime, string name, string description, HttpMethod method)
    {
        var tenant = new Argument<string>("tenant") { Description = "Tenant slug" };
        var command = new Command(name, description) { tenant };
        command.SetAction((parse, ct) => runtime.CallAsync(
            parse,
            method,
            $"tenants/{CliRuntime.Segment(parse.GetValue(tenant)!)}/{name}",
            method == HttpMethod.Post ? "{}" : null,
            Print,
            ct));
        return command;
    }

    private static int? Print(JsonElement body, TextWriter? output)
    {
        output?.WriteLine($"Tenant {Json.Str(body, "tenant")}: suspended={Json.YesNo(Json.Bool(body, "suspended"))}");
        return null;
    }
}
