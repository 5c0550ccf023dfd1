using System.CommandLine;
using System.Text.Json;

namespace Gateway.Cli.Commands;

/// <summary><c>agents suspend|resume|revoke-secret|retire-secret|restore-secret|status &lt;agent&gt; --tenant</c>.</summary>
internal static class AgentsCommands
{
    public static Command Build(CliRuntime runtime)
    {
        var command = new Command("agents", "Agent kill switches");
        command.Subcommands.Add(Switch(runtime, "suspend", "Refuse every request of the agent", HttpMethod.Post));
        command.Subcommands.Add(Switch(runtime, "resume", "Lift a suspension", HttpMethod.Post));
        command.Subcommands.Add(Switch(runtime, "revoke-secret", "Refuse the agent's runtime secret (401)", HttpMethod.Post));
        command.Subcommands.Add(Switch(runtime, "retire-secret", "During a rotation, refuse the agent's current secret: only its next_secret is accepted (401 secret_retired)", HttpMethod.Post));
        command.Subcommands.Add(Switch(runtime, "restore-secret", "Accept the agent's runtime secret again", HttpMethod.Post));
        command.Subcommands.Add(Switch(runtime, "status", "Show the agent's switches", HttpMethod.Get));
        return command;
    }

    private static Command Switch(CliRuntime runtime, string name, string description, HttpMethod method)
    {
        var tenant = GlobalOptions.Tenant();
        var agent = new Argument<string>("agent") { Description = "The agent id" };
        var command = new Command(name, description) { agent, tenant };
        command.SetAction((parse, ct) => runtime.CallAsync(
            parse,
            method,
            $"tenants/{CliRuntime.Segment(parse.GetValue(tenant)!)}/agents/{CliRuntime.Segment(parse.GetValue(agent)!)}/{name}",
            method == HttpMethod.Post ? "{}" : null,
            Print,
            ct));
        return command;
    }

    private static int? Print(JsonElement body, TextWriter? output)
    {
        output?.WriteLine($"Agent {Json.Str(body, "agent")} of tenant {Json.Str(body, "tenant")}: suspended={Json.YesNo(Json.Bool(body, "suspended"))}, secret revoked={Json.YesNo(Json.Bool(body, "secret_revoked"))}");
        return null;
    }
}
