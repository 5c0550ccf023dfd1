using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Policy;
using Gateway.Policy.Authoring;
using Gateway.Policy.Serialization;

namespace Gateway.Cli.Commands;

/// <summary><c>gate eval</c>: one request, offline, through the gateway's decision engine.</summary>
internal static class GateCommands
{
    /// <summary>The gateway's problem <c>type</c> prefix (its <c>RefusalResponse.TypePrefix</c>).</summary>
    private const string ProblemTypePrefix = "https://gateway.local/problems/";

    public static Command Build(GlobalOptions options, CliConsole console)
    {
        var command = new Command("gate", "Evaluate requests offline against a bundle");
        var policy = new Option<string>("--policy") { Description = "Bundle directory or tenant file", Required = true };
        var agent = new Option<string>("--agent") { Description = "The calling agent's id", Required = true };
        var tenant = new Option<string?>("--tenant") { Description = "Tenant slug (when the bundle has several)" };
        var workspace = new Option<string?>("--workspace") { Description = "Workspace (default: the tenant's first)" };
        var request = new Option<string?>("--request") { Description = "A JSON file with the /v1/evaluate body ('-' reads stdin)" };
        var tool = new Option<string?>("--tool") { Description = "The tool, when no --request is given" };
        var args = new Option<string?>("--args") { Description = "The tool's arguments as a JSON object, with --tool" };
        var warrant = new Option<bool>("--warrant") { Description = "Assume a valid warrant for this request's intent (what approval would change)" };
        var eval = new Command("eval", """
            Evaluate one request offline and print the decision with its explanation (the /v1/evaluate body with --json).
            Arguments outside the tool's input_schema are refused invalid_arguments (400) before any decision, as the gateway refuses them.
            Exit 0 allow, allow_and_log or degrade; 1 refused (invalid_arguments); 3 block; 4 require_approval; 6 invalid input.
            Examples:
              gatewayctl gate eval --policy examples/bundle --agent demo-agent --tool payments.refund --args '{"order":"o-1","amount":25}'
              gatewayctl gate eval --policy examples/bundle --agent demo-agent --request body.json --json
            """) { policy, agent, tenant, workspace, request, tool, args, warrant };
        eval.SetAction(parse =>
        {
            var context = new PolicyCommandContext(options, console, parse);
            var set = context.LoadOrReport(parse.GetValue(policy)!, out var exit);
            if (set is null)
            {
                return exit;
            }

            ActionRequest? body;
            try
            {
                body = parse.GetValue(request) is { } file
                    ? JsonSerializer.Deserialize(file == "-" ? console.In.ReadToEnd() : File.ReadAllText(file), PolicyJsonContext.Default.ActionRequest)
                    : parse.GetValue(tool) is { } name
                        ? new ActionRequest { Tool = name, Args = parse.GetValue(args) is { } a ? JsonDocument.Parse(a).RootElement.Clone() : default }
                        : null;
            }
            catch (Exception ex) when (ex is JsonException or IOException)
            {
                return context.Invalid($"the request is not a valid /v1/evaluate body: {ex.Message}");
            }

            if (body is null)
            {
                return context.Invalid("give --request <file> or --tool <name>");
            }

            var fixture = new PolicyFixture { Name = "gate eval", Source = "command line", Tenant = parse.GetValue(tenant), Workspace = parse.GetValue(workspace), Agent = parse.GetValue(agent)!, Request = body, Warrant = parse.GetValue(warrant) };
            var decision = FixtureEvaluator.Evaluate(set, fixture, out var refusal, out var error);
            if (refusal is not null)
            {
                return Refused(context, refusal);
            }

            if (decision is null)
            {
                return context.Invalid(error!);
            }

            context.Document(PolicyCommandContext.DecisionJson(decision));
            context.Line($"decision: {WireNames.Of(decision.Kind)}");
            context.Line($"why: {PolicyCommandContext.Why(decision)}");
            if (decision.Kind == DecisionKind.RequireApproval)
            {
                context.Line($"approvers: {string.Join(", ", decision.Approvers)} ({decision.ApprovalsRequired} required)");
            }

            if (decision.Degrade is { } degrade)
            {
                context.Line($"degrade: {WireNames.Of(degrade.Mode)}");
            }

            foreach (var remedy in decision.Explanation.WhatWouldChange)
            {
                context.Line($"to change it: {remedy}");
            }

            context.Line($"policy digest {decision.PolicyDigest}, intent digest {decision.IntentDigest}");
            return ExitCodes.ForDecision(decision.Kind);
        });
        command.Subcommands.Add(eval);
        return command;
    }

    /// <summary>The gateway's refusal before any decision: its problem+json body with <c>--json</c> (as <c>/v1/evaluate</c> answers it), exit 1.</summary>
    private static int Refused(PolicyCommandContext context, FixtureRefusal refusal)
    {
        context.Document(new JsonObject
        {
            ["type"] = ProblemTypePrefix + refusal.Code,
            ["title"] = "Bad Request",
            ["status"] = refusal.Status,
            ["detail"] = refusal.Detail,
            ["code"] = refusal.Code,
        });
        context.Line($"refused: {refusal.Code} ({refusal.Status}), before any decision");
        context.Line($"why: {refusal.Detail}");
        return ExitCodes.ApiError;
    }
}
