using System.CommandLine;
using System.Text.Json;

namespace Gateway.Cli.Commands;

/// <summary><c>approvals list|show|approve|deny|revoke</c>; the text output shows the answer's text escaped (<see cref="TerminalText"/>).</summary>
internal static class ApprovalsCommands
{
    public static Command Build(CliRuntime runtime)
    {
        var command = new Command("approvals", "Approval requests waiting for people");

        var tenant = GlobalOptions.Tenant();
        var list = new Command("list", "List the tenant's pending approval requests") { tenant };
        list.SetAction((parse, ct) => runtime.CallAsync(parse, HttpMethod.Get, $"tenants/{CliRuntime.Segment(parse.GetValue(tenant)!)}/approvals", null, PrintList, ct));
        command.Subcommands.Add(list);

        command.Subcommands.Add(Single(runtime, "show", "Show one approval request", HttpMethod.Get, string.Empty, PrintOne));
        command.Subcommands.Add(Single(runtime, "approve", "Approve a request you are named on", HttpMethod.Post, "/approve", PrintOne));
        command.Subcommands.Add(Single(runtime, "deny", "Deny a request you are named on", HttpMethod.Post, "/deny", PrintOne));
        command.Subcommands.Add(Single(
            runtime,
            "revoke",
            "Take back an approved request (admin, or an approver named on it): its warrant and the decision tokens issued under it are void at once",
            HttpMethod.Post,
            "/revoke",
            PrintRevoked));
        return command;
    }

    private static Command Single(CliRuntime runtime, string name, string description, HttpMethod method, string suffix, Func<JsonElement, TextWriter?, int?> print)
    {
        var tenant = GlobalOptions.Tenant();
        var id = new Argument<string>("id") { Description = "The approval request id" };
        var command = new Command(name, description) { id, tenant };
        command.SetAction((parse, ct) => runtime.CallAsync(
            parse,
            method,
            $"tenants/{CliRuntime.Segment(parse.GetValue(tenant)!)}/approvals/{CliRuntime.Segment(parse.GetValue(id)!)}{suffix}",
            method == HttpMethod.Post ? "{}" : null,
            print,
            ct));
        return command;
    }

    private static int? PrintList(JsonElement body, TextWriter? output)
    {
        if (output is null)
        {
            return null;
        }

        var approvals = Json.Array(body, "approvals").ToList();
        if (approvals.Count == 0)
        {
            output.WriteLine("No pending approval requests.");
            return null;
        }

        output.WriteLine($"{"ID",-28} {"AGENT",-20} {"TOOL",-24} {"APPROVALS",-10} {"EXPIRES",-26} APPROVERS");
        foreach (var a in approvals)
        {
            output.WriteLine(TerminalText.Safe($"{Json.Str(a, "id"),-28} {Json.Str(a, "agent"),-20} {Json.Str(a, "tool"),-24} {Json.Count(a, "approvals") + "/" + Json.Str(a, "approvals_required"),-10} {Json.Str(a, "expires_at"),-26} {Json.List(a, "approvers")}"));
        }

        return null;
    }

    private static int? PrintRevoked(JsonElement a, TextWriter? output)
    {
        output?.WriteLine(TerminalText.Safe($"Approval {Json.Str(a, "id")} revoked: its warrant is refused and every decision token issued under it verifies as revoked."));
        output?.WriteLine(TerminalText.Safe($"  agent {Json.Str(a, "agent")}, tool {Json.Str(a, "tool")}, approved by {Json.List(a, "approvals")}"));
        return null;
    }

    private static int? PrintOne(JsonElement a, TextWriter? output)
    {
        output?.WriteLine(TerminalText.Safe($"Approval {Json.Str(a, "id")}: {Json.Str(a, "status")} ({Json.Count(a, "approvals")}/{Json.Str(a, "approvals_required")} approvals)"));
        output?.WriteLine(TerminalText.Safe($"  agent {Json.Str(a, "agent")}, tool {Json.Str(a, "tool")}, intent {Json.Str(a, "intent_digest")}"));
        output?.WriteLine(TerminalText.Safe($"  approvers {Json.List(a, "approvers")}; approved by {Json.List(a, "approvals")}; expires {Json.Str(a, "expires_at")}"));
        return null;
    }
}
