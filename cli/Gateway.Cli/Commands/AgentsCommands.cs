using System.CommandLine;
using System.Text.Json;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>agents suspend|resume|revoke-secret|retire-secret|restore-secret|status|delegations|revoke-delegation &lt;agent&gt; --tenant</c>.
/// </summary>
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
        command.Subcommands.Add(Switch(runtime, "status", "Show the agent's switches, its secrets or keys by fingerprint (current, next, retired) and its live delegations", HttpMethod.Get));
        command.Subcommands.Add(Switch(runtime, "delegations", "List the live delegated children the agent (or a child) issued, and theirs", HttpMethod.Get, PrintDelegations));
        command.Subcommands.Add(Switch(runtime, "revoke-delegation", "Revoke a delegated child and its subtree on every replica; for a registered agent, everything it delegated", HttpMethod.Post, PrintRevoked));
        return command;
    }

    private static Command Switch(CliRuntime runtime, string name, string description, HttpMethod method, Func<JsonElement, TextWriter?, int?>? print = null)
    {
        var tenant = GlobalOptions.Tenant();
        var agent = new Argument<string>("agent") { Description = "The agent id" };
        var command = new Command(name, description) { agent, tenant };
        command.SetAction((parse, ct) => runtime.CallAsync(
            parse,
            method,
            $"tenants/{CliRuntime.Segment(parse.GetValue(tenant)!)}/agents/{CliRuntime.Segment(parse.GetValue(agent)!)}/{name}",
            method == HttpMethod.Post ? "{}" : null,
            print ?? Print,
            ct));
        return command;
    }

    private static int? Print(JsonElement body, TextWriter? output)
    {
        if (output is null)
        {
            return null;
        }

        output.WriteLine($"Agent {Json.Str(body, "agent")} of tenant {Json.Str(body, "tenant")}: suspended={Json.YesNo(Json.Bool(body, "suspended"))}, secret revoked={Json.YesNo(Json.Bool(body, "secret_revoked"))}");
        if (body.TryGetProperty("credentials", out var credentials) && credentials.ValueKind == JsonValueKind.Object)
        {
            // Each secret or key by its slot and fingerprint, never the secret.
            var kind = Json.Str(credentials, "kind") == "public_key" ? "key" : "secret";
            var ends = Json.Str(credentials, "rotation_ends");
            foreach (var slot in Json.Array(credentials, "slots"))
            {
                var key = kind == "key" ? $" key_id={Json.Str(slot, "key_id")} alg={Json.Str(slot, "alg")}" : string.Empty;
                var window = Json.Str(slot, "slot") == "next" && ends.Length > 0 ? $" rotation_ends={ends}" : string.Empty;
                output.WriteLine($"  {kind} {Json.Str(slot, "slot")}{key} fingerprint={Json.Str(slot, "fingerprint")} accepted={Json.YesNo(Json.Bool(slot, "accepted"))} retired={Json.YesNo(Json.Bool(slot, "retired"))}{window}");
            }
        }

        if (body.TryGetProperty("live_delegations", out var live) && live.ValueKind == JsonValueKind.Number)
        {
            output.WriteLine($"  live delegations: {live.GetInt32()}");
        }

        return null;
    }

    private static int? PrintDelegations(JsonElement body, TextWriter? output)
    {
        if (output is null)
        {
            return null;
        }

        var delegations = Json.Array(body, "delegations").ToList();
        output.WriteLine($"Agent {Json.Str(body, "agent")} of tenant {Json.Str(body, "tenant")}: {delegations.Count} live delegation(s)");
        foreach (var child in delegations)
        {
            var tools = string.Join(",", Json.Array(child, "permissions").Select(p => Json.Str(p, "tool")));
            output.WriteLine($"  {new string(' ', 2 * (child.GetProperty("depth").GetInt32() - 1))}{Json.Str(child, "agent")} \"{Json.Str(child, "name")}\" parent={Json.Str(child, "parent")} tools={tools} atf={Json.Str(child, "atf_level")} ceiling={Json.Str(child, "data_class_ceiling")} may_delegate={Json.YesNo(Json.Bool(child, "may_delegate"))} expires={Json.Str(child, "expires_at")}");
        }

        return null;
    }

    private static int? PrintRevoked(JsonElement body, TextWriter? output)
    {
        output?.WriteLine($"Revoked {Json.Array(body, "revoked").Count()} delegation(s) under {Json.Str(body, "agent")} of tenant {Json.Str(body, "tenant")}: {Json.List(body, "revoked")}");
        return null;
    }
}
